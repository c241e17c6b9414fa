/**
 * TPM2_VerifySignature (TCG TPM 2.0 Part 3 §20.1): checks a signature over a
 * digest with a loaded key and, for keys outside the NULL hierarchy, returns
 * a TPMT_TK_VERIFIED ticket = HMAC(proof, TPM_ST_VERIFIED ‖ digest ‖ keyName)
 * that PolicyAuthorize later accepts.
 * @module
 */
import { TPM_ALG, TPM_CC, TPM_RH, TPM_ST, TPMA_OBJECT } from "../constants.ts";
import { hashAlgorithm } from "../crypto/hash.ts";
import { verifyDigest } from "../crypto/object_sign.ts";
import { makeTicket } from "../crypto/ticket.ts";
import { type CommandDef, defineCommand } from "../dispatch.ts";
import { HT } from "../handle_types.ts";
import { TPM2B_DIGEST, TPMT_SIGNATURE, TPMT_TK } from "../marshal/types.ts";
import { handleError, paramError, TPM_RC, TpmError } from "../response_code.ts";

/** Whether a signature algorithm can come from a key of this type. */
function signatureFits(type: number, sigAlg: number): boolean {
  if (type === TPM_ALG.RSA) return sigAlg === TPM_ALG.RSASSA || sigAlg === TPM_ALG.RSAPSS;
  if (type === TPM_ALG.ECC) return sigAlg === TPM_ALG.ECDSA;
  return sigAlg === TPM_ALG.HMAC;
}

/** TPM2_VerifySignature. */
export const VerifySignature: CommandDef = defineCommand({
  code: TPM_CC.VerifySignature,
  name: "VerifySignature",
  handles: [{ name: "keyHandle", type: HT.OBJECT }],
  params: { digest: TPM2B_DIGEST, signature: TPMT_SIGNATURE },
  response: { validation: TPMT_TK },
  execute(ctx, { digest, signature }) {
    const key = ctx.object(0);
    if ((key.publicArea.objectAttributes & TPMA_OBJECT.sign) === 0) {
      throw handleError(TPM_RC.ATTRIBUTES, 1);
    }
    if (!signatureFits(key.publicArea.type, signature.sigAlg)) throw paramError(TPM_RC.SCHEME, 2);
    let ok: boolean;
    try {
      ok = verifyDigest(key, digest, signature);
    } catch (e) {
      if (e instanceof TpmError) throw handleError(e.rc, 1);
      throw e;
    }
    if (!ok) throw paramError(TPM_RC.SIGNATURE, 2);
    // Keys in the NULL hierarchy, or without a Name algorithm, earn a NULL ticket.
    const h = hashAlgorithm(key.publicArea.nameAlg) ? key.hierarchy : TPM_RH.NULL;
    const proof = h === TPM_RH.NULL ? new Uint8Array(0) : ctx.state.hierarchies.get(h).proof;
    const validation = makeTicket(
      key.publicArea.nameAlg,
      proof,
      TPM_ST.VERIFIED,
      h,
      digest,
      key.name,
    );
    return { validation };
  },
});
