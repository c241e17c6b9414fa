/**
 * TPM2_PolicyGetDigest and TPM2_PolicyRestart (Part 3 §23.19, §23.13).
 * @module
 */
import { TPM_CC } from "../constants.ts";
import { defineCommand } from "../dispatch.ts";
import { HT } from "../handle_types.ts";
import { TPM2B_DIGEST } from "../marshal/types.ts";
import { resetPolicy } from "../sessions/policy_state.ts";

/** TPM2_PolicyGetDigest. */
export const PolicyGetDigest = defineCommand({
  code: TPM_CC.PolicyGetDigest,
  name: "PolicyGetDigest",
  handles: [{ name: "policySession", type: HT.POLICY_SESSION }],
  params: {},
  response: { policyDigest: TPM2B_DIGEST },
  execute: (ctx) => ({ policyDigest: ctx.session(0).policyDigest }),
});

/** TPM2_PolicyRestart. */
export const PolicyRestart = defineCommand({
  code: TPM_CC.PolicyRestart,
  name: "PolicyRestart",
  handles: [{ name: "sessionHandle", type: HT.POLICY_SESSION }],
  params: {},
  response: {},
  execute(ctx) {
    resetPolicy(ctx.session(0), ctx.state);
    return {};
  },
});
