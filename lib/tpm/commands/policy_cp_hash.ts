/**
 * TPM2_PolicyCpHash and TPM2_PolicyNameHash (Part 3 §23.10–§23.11): bind
 * the policy to one command's parameters, or to its handles' names.
 * @module
 */
import { TPM_CC } from "../constants.ts";
import { equalBytes } from "../crypto/bytes.ts";
import { defineCommand } from "../dispatch.ts";
import { HT } from "../handle_types.ts";
import { DIGEST_SIZE, TPM2B_DIGEST } from "../marshal/types.ts";
import { paramError, TPM_RC } from "../response_code.ts";
import { extendPolicy } from "../sessions/policy_state.ts";

/** TPM2_PolicyCpHash. */
export const PolicyCpHash = defineCommand({
  code: TPM_CC.PolicyCpHash,
  name: "PolicyCpHash",
  handles: [{ name: "policySession", type: HT.POLICY_SESSION }],
  params: { cpHashA: TPM2B_DIGEST },
  response: {},
  execute(ctx, { cpHashA }) {
    const s = ctx.session(0);
    if (cpHashA.length !== DIGEST_SIZE[s.authHash]) throw paramError(TPM_RC.SIZE, 1);
    if (s.cpHash.length > 0 && !equalBytes(s.cpHash, cpHashA)) throw paramError(TPM_RC.CPHASH, 1);
    if (s.nameHash.length > 0) throw paramError(TPM_RC.CPHASH, 1);
    extendPolicy(s, TPM_CC.PolicyCpHash, cpHashA);
    s.cpHash = cpHashA;
    return {};
  },
});

/** TPM2_PolicyNameHash. */
export const PolicyNameHash = defineCommand({
  code: TPM_CC.PolicyNameHash,
  name: "PolicyNameHash",
  handles: [{ name: "policySession", type: HT.POLICY_SESSION }],
  params: { nameHash: TPM2B_DIGEST },
  response: {},
  execute(ctx, { nameHash }) {
    const s = ctx.session(0);
    if (nameHash.length !== DIGEST_SIZE[s.authHash]) throw paramError(TPM_RC.SIZE, 1);
    if (s.nameHash.length > 0 || s.cpHash.length > 0) throw paramError(TPM_RC.CPHASH, 1);
    extendPolicy(s, TPM_CC.PolicyNameHash, nameHash);
    s.nameHash = nameHash;
    return {};
  },
});
