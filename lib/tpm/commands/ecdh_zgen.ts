/**
 * TPM2_ECDH_ZGen (TCG TPM 2.0 Part 3 §14.5): multiplies a caller's point by
 * the private scalar of a loaded, unrestricted ECC decryption key whose
 * scheme is ECDH or NULL. A point off the curve is TPM_RC_ECC_POINT, never a
 * product (an invalid-curve attack would otherwise leak the key).
 * @module
 */
import { TPM_ALG, TPM_CC, TPMA_OBJECT } from "../constants.ts";
import { ecdhPoint } from "../crypto/ecc.ts";
import { curveOf, eccPrivateOf } from "../crypto/object_keys.ts";
import { type CommandDef, defineCommand } from "../dispatch.ts";
import { HT } from "../handle_types.ts";
import { handleError, paramError, TPM_RC } from "../response_code.ts";
import { bytesToPoint, pointToBytes, TPM2B_ECC_POINT } from "./key_object.ts";

/** TPM2_ECDH_ZGen. */
export const ECDH_ZGen: CommandDef = defineCommand({
  code: TPM_CC.ECDH_ZGen,
  name: "ECDH_ZGen",
  handles: [{ name: "keyHandle", type: HT.OBJECT, auth: "USER" }],
  params: { inPoint: TPM2B_ECC_POINT },
  response: { outPoint: TPM2B_ECC_POINT },
  execute(ctx, { inPoint }) {
    const key = ctx.object(0);
    const pub = key.publicArea;
    if (pub.type !== TPM_ALG.ECC || key.publicOnly) throw handleError(TPM_RC.KEY, 1);
    const a = pub.objectAttributes;
    if ((a & TPMA_OBJECT.restricted) || !(a & TPMA_OBJECT.decrypt)) {
      throw handleError(TPM_RC.ATTRIBUTES, 1);
    }
    if (pub.scheme.scheme !== TPM_ALG.ECDH && pub.scheme.scheme !== TPM_ALG.NULL) {
      throw handleError(TPM_RC.SCHEME, 1);
    }
    const c = curveOf(pub);
    if (!inPoint || inPoint.x.length > c.size || inPoint.y.length > c.size) {
      throw paramError(TPM_RC.ECC_POINT, 1);
    }
    const out = ecdhPoint(c, eccPrivateOf(key).d, bytesToPoint(inPoint));
    if (!out) throw paramError(TPM_RC.ECC_POINT, 1);
    return { outPoint: pointToBytes(c, out) };
  },
});
