/**
 * TPM2_PolicyTicket (Part 3 §23.5): replays a PolicySigned or PolicySecret
 * authorization from its ticket, within the ticket's timeout.
 * @module
 */
import { TPM_CC, TPM_RH, TPM_SE, TPM_ST } from "../constants.ts";
import { equalBytes } from "../crypto/bytes.ts";
import { defineCommand } from "../dispatch.ts";
import { HT } from "../handle_types.ts";
import { TPM2B_DIGEST, TPM2B_NAME, TPM2B_NONCE, TPM2B_TIMEOUT, TPMT_TK } from "../marshal/types.ts";
import { handleError, paramError, TPM_RC } from "../response_code.ts";
import { policyUpdate } from "../sessions/policy_state.ts";
import { applyPolicyAuth, authTicketDigest, checkCpHashA } from "./policy_auth.ts";

// TPMI_RH_HIERARCHY+: a NULL-hierarchy ticket is checked with the NULL proof.
const HIERARCHIES: number[] = [TPM_RH.OWNER, TPM_RH.ENDORSEMENT, TPM_RH.PLATFORM, TPM_RH.NULL];

/** TPM2_PolicyTicket. */
export const PolicyTicket = defineCommand({
  code: TPM_CC.PolicyTicket,
  name: "PolicyTicket",
  handles: [{ name: "policySession", type: HT.POLICY_SESSION }],
  params: {
    timeout: TPM2B_TIMEOUT,
    cpHashA: TPM2B_DIGEST,
    policyRef: TPM2B_NONCE,
    authName: TPM2B_NAME,
    ticket: TPMT_TK,
  },
  response: {},
  execute(ctx, p) {
    const s = ctx.session(0);
    // A trial policy authorizes nothing, so it never needs a ticket (Part 3 §23.5).
    if (s.type === TPM_SE.TRIAL) throw handleError(TPM_RC.ATTRIBUTES, 1);
    const tk = p.ticket;
    const signed = tk.tag === TPM_ST.AUTH_SIGNED;
    if (!signed && tk.tag !== TPM_ST.AUTH_SECRET) throw paramError(TPM_RC.TAG, 5);
    if (p.timeout.length !== 8) throw paramError(TPM_RC.SIZE, 1);
    const timeout = new DataView(p.timeout.buffer, p.timeout.byteOffset).getBigUint64(0);
    if (timeout < ctx.state.clock.clock()) throw paramError(TPM_RC.EXPIRED, 1);
    checkCpHashA(s, p.cpHashA, 2);
    const ok = HIERARCHIES.includes(tk.hierarchy) &&
      equalBytes(
        tk.digest,
        authTicketDigest(
          s.authHash,
          ctx.state.hierarchies.get(tk.hierarchy).proof,
          tk.tag,
          p.timeout,
          p.cpHashA,
          p.policyRef,
          p.authName,
        ),
      );
    if (!ok) throw paramError(TPM_RC.TICKET, 5);
    policyUpdate(s, signed ? TPM_CC.PolicySigned : TPM_CC.PolicySecret, p.authName, p.policyRef);
    applyPolicyAuth(s, p.cpHashA, timeout);
    return {};
  },
});
