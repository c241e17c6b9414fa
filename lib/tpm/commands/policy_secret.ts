/**
 * TPM2_PolicySecret (Part 3 §23.4): proves knowledge of an entity's
 * authValue (through the session area) and records it in the policy.
 * @module
 */
import { TPM_CC, TPM_HT, TPM_RH, TPM_SE, TPM_ST, TPMA_NV } from "../constants.ts";
import { defineCommand } from "../dispatch.ts";
import { HT } from "../handle_types.ts";
import { TPM2B_DIGEST, TPM2B_NONCE, TPM2B_TIMEOUT, TPMT_TK } from "../marshal/types.ts";
import { policyUpdate } from "../sessions/policy_state.ts";
import type { TpmState } from "../state/tpm_state.ts";
import { applyPolicyAuth, authTicket, checkPolicyAuth, INT32 } from "./policy_auth.ts";

const HIERARCHIES: number[] = [TPM_RH.OWNER, TPM_RH.ENDORSEMENT, TPM_RH.PLATFORM];

/**
 * The hierarchy an entity's ticket is keyed under (the reference's EntityGetHierarchy): an
 * object's own, platform for a PLATFORMCREATE index, otherwise owner (PCR, lockout).
 */
function hierarchyOf(state: TpmState, h: number): number {
  const ht = h >>> 24;
  if (ht === TPM_HT.PERMANENT) return HIERARCHIES.includes(h) ? h : TPM_RH.OWNER;
  if (ht === TPM_HT.TRANSIENT || ht === TPM_HT.PERSISTENT) {
    return state.objects.getObject(h)?.hierarchy ?? TPM_RH.NULL;
  }
  if (ht === TPM_HT.NV_INDEX) {
    const attrs = state.nv.indices.get(h)?.pub.attributes ?? 0;
    if (attrs & TPMA_NV.PLATFORMCREATE) return TPM_RH.PLATFORM;
  }
  return TPM_RH.OWNER;
}

/** TPM2_PolicySecret. */
export const PolicySecret = defineCommand({
  code: TPM_CC.PolicySecret,
  name: "PolicySecret",
  handles: [
    { name: "authHandle", type: HT.ENTITY, auth: "USER" },
    { name: "policySession", type: HT.POLICY_SESSION },
  ],
  params: {
    nonceTPM: TPM2B_NONCE,
    cpHashA: TPM2B_DIGEST,
    policyRef: TPM2B_NONCE,
    expiration: INT32,
  },
  response: { timeout: TPM2B_TIMEOUT, policyTicket: TPMT_TK },
  execute(ctx, p) {
    const session = ctx.session(1);
    const trial = session.type === TPM_SE.TRIAL;
    const timeout = trial ? 0n : checkPolicyAuth(ctx.state, session, p);
    const name = ctx.name(0);
    policyUpdate(session, TPM_CC.PolicySecret, name, p.policyRef);
    if (trial) {
      return { timeout: new Uint8Array(0), policyTicket: nullTicket() };
    }
    applyPolicyAuth(session, p.cpHashA, timeout);
    const h = hierarchyOf(ctx.state, ctx.handles[0]);
    const out = authTicket(ctx.state, session, TPM_ST.AUTH_SECRET, h, p, timeout, name);
    return { timeout: out.timeout, policyTicket: out.ticket };
  },
});

function nullTicket(): { tag: number; hierarchy: number; digest: Uint8Array } {
  return { tag: TPM_ST.AUTH_SECRET, hierarchy: TPM_RH.NULL, digest: new Uint8Array(0) };
}
