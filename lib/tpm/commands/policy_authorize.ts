/**
 * TPM2_PolicyAuthorize (Part 3 §23.16): replaces an approved policy with
 * H(H(0…0 || TPM_CC_PolicyAuthorize || keySign) || policyRef), given a
 * TPMT_TK_VERIFIED from VerifySignature over aHash = H(approvedPolicy ||
 * policyRef) (ticket keyed with the key's nameAlg, as the key commands make it).
 * @module
 */
import { TPM_CC, TPM_RH, TPM_SE, TPM_ST } from "../constants.ts";
import { equalBytes } from "../crypto/bytes.ts";
import { digest } from "../crypto/hash.ts";
import { checkTicket } from "../crypto/ticket.ts";
import { defineCommand } from "../dispatch.ts";
import { HT } from "../handle_types.ts";
import { DIGEST_SIZE, TPM2B_DIGEST, TPM2B_NAME, TPM2B_NONCE, TPMT_TK } from "../marshal/types.ts";
import { paramError, TPM_RC } from "../response_code.ts";
import { policyUpdate } from "../sessions/policy_state.ts";

/** TPM2_PolicyAuthorize. */
export const PolicyAuthorize = defineCommand({
  code: TPM_CC.PolicyAuthorize,
  name: "PolicyAuthorize",
  handles: [{ name: "policySession", type: HT.POLICY_SESSION }],
  params: {
    approvedPolicy: TPM2B_DIGEST,
    policyRef: TPM2B_NONCE,
    keySign: TPM2B_NAME,
    checkTicket: TPMT_TK,
  },
  response: {},
  execute(ctx, p) {
    const s = ctx.session(0);
    // checkTicket is a TPMT_TK_VERIFIED: any other tag fails its unmarshalling (Part 2 §10.7.4).
    if (p.checkTicket.tag !== TPM_ST.VERIFIED) throw paramError(TPM_RC.TAG, 4);
    const nameAlg = p.keySign.length >= 2 ? (p.keySign[0] << 8) | p.keySign[1] : 0;
    // keySign names a hash (HASH), and is as long as that hash's Name (SIZE); swtpm checks
    // both for a trial session too.
    if (!DIGEST_SIZE[nameAlg]) throw paramError(TPM_RC.HASH, 3);
    if (p.keySign.length !== 2 + DIGEST_SIZE[nameAlg]) throw paramError(TPM_RC.SIZE, 3);
    if (s.type !== TPM_SE.TRIAL) {
      if (!equalBytes(s.policyDigest, p.approvedPolicy)) throw paramError(TPM_RC.VALUE, 1);
      const tk = p.checkTicket;
      const aHash = digest(nameAlg, p.approvedPolicy, p.policyRef);
      const known = [TPM_RH.OWNER, TPM_RH.ENDORSEMENT, TPM_RH.PLATFORM] as number[];
      const ok = known.includes(tk.hierarchy) &&
        checkTicket(
          tk,
          nameAlg,
          ctx.state.hierarchies.get(tk.hierarchy).proof,
          TPM_ST.VERIFIED,
          aHash,
          p.keySign,
        );
      if (!ok) throw paramError(TPM_RC.VALUE, 4);
    }
    s.policyDigest = new Uint8Array(DIGEST_SIZE[s.authHash]);
    policyUpdate(s, TPM_CC.PolicyAuthorize, p.keySign, p.policyRef);
    return {};
  },
});
