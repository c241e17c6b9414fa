/**
 * TPM2_PolicySigned (Part 3 §23.3): an authorization signed by a key over
 * aHash = H(nonceTPM || expiration || cpHashA || policyRef).
 * @module
 */
import { TPM_ALG, TPM_CC, TPM_RH, TPM_SE, TPM_ST } from "../constants.ts";
import { digest } from "../crypto/hash.ts";
import { verifyDigest } from "../crypto/object_sign.ts";
import { defineCommand } from "../dispatch.ts";
import { HT } from "../handle_types.ts";
import { encode } from "../marshal/codec.ts";
import {
  TPM2B_DIGEST,
  TPM2B_NONCE,
  TPM2B_TIMEOUT,
  TPMT_SIGNATURE,
  TPMT_TK,
} from "../marshal/types.ts";
import { paramError, TPM_RC } from "../response_code.ts";
import { policyUpdate } from "../sessions/policy_state.ts";
import { applyPolicyAuth, authTicket, checkPolicyAuth, INT32 } from "./policy_auth.ts";

/** The signature algorithms a key of each type makes (Part 2 §11.2.1). */
const SIGNATURE_FOR: Readonly<Record<number, readonly number[]>> = {
  [TPM_ALG.RSA]: [TPM_ALG.RSASSA, TPM_ALG.RSAPSS],
  [TPM_ALG.ECC]: [TPM_ALG.ECDSA],
  [TPM_ALG.KEYEDHASH]: [TPM_ALG.HMAC],
};

/** TPM2_PolicySigned. */
export const PolicySigned = defineCommand({
  code: TPM_CC.PolicySigned,
  name: "PolicySigned",
  handles: [
    { name: "authObject", type: HT.OBJECT },
    { name: "policySession", type: HT.POLICY_SESSION },
  ],
  params: {
    nonceTPM: TPM2B_NONCE,
    cpHashA: TPM2B_DIGEST,
    policyRef: TPM2B_NONCE,
    expiration: INT32,
    auth: TPMT_SIGNATURE,
  },
  response: { timeout: TPM2B_TIMEOUT, policyTicket: TPMT_TK },
  execute(ctx, p) {
    const key = ctx.object(0);
    const session = ctx.session(1);
    // auth is a TPMT_SIGNATURE without NULL (an unmarshalling error even in a trial), and
    // must be of the key's type (CryptValidateSignature): TPM_RC_SCHEME (Part 3 §23.3).
    if (p.auth.sigAlg === TPM_ALG.NULL) throw paramError(TPM_RC.SCHEME, 5);
    const trial = session.type === TPM_SE.TRIAL;
    let timeout = 0n;
    if (!trial) {
      timeout = checkPolicyAuth(ctx.state, session, p);
      const aHash = digest(
        p.auth.hash || session.authHash,
        p.nonceTPM,
        encode(INT32, p.expiration),
        p.cpHashA,
        p.policyRef,
      );
      if (!(SIGNATURE_FOR[key.publicArea.type] ?? []).includes(p.auth.sigAlg)) {
        throw paramError(TPM_RC.SCHEME, 5);
      }
      if (!verifyDigest(key, aHash, p.auth)) throw paramError(TPM_RC.SIGNATURE, 5);
    }
    policyUpdate(session, TPM_CC.PolicySigned, key.name, p.policyRef);
    if (trial) {
      return { timeout: new Uint8Array(0), policyTicket: authTicketNull() };
    }
    applyPolicyAuth(session, p.cpHashA, timeout);
    const out = authTicket(
      ctx.state,
      session,
      TPM_ST.AUTH_SIGNED,
      key.hierarchy,
      p,
      timeout,
      key.name,
    );
    return { timeout: out.timeout, policyTicket: out.ticket };
  },
});

function authTicketNull(): { tag: number; hierarchy: number; digest: Uint8Array } {
  return { tag: TPM_ST.AUTH_SIGNED, hierarchy: TPM_RH.NULL, digest: new Uint8Array(0) };
}
