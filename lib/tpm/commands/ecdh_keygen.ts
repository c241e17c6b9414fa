/**
 * TPM2_ECDH_KeyGen (TCG TPM 2.0 Part 3 §14.4): makes an ephemeral key pair
 * on the curve of a loaded ECC key and returns Z = d_e·Q_s with the
 * ephemeral public point, for a caller who wants a secret the TPM's key
 * holder can recompute with ECDH_ZGen.
 * @module
 */
import { TPM_ALG, TPM_CC } from "../constants.ts";
import { ecdhPoint, generateEccKey } from "../crypto/ecc.ts";
import { curveOf, eccPublicOf } from "../crypto/object_keys.ts";
import { type CommandDef, defineCommand } from "../dispatch.ts";
import { HT } from "../handle_types.ts";
import { handleError, TPM_RC } from "../response_code.ts";
import { pointToBytes, TPM2B_ECC_POINT } from "./key_object.ts";

/** TPM2_ECDH_KeyGen. */
export const ECDH_KeyGen: CommandDef = defineCommand({
  code: TPM_CC.ECDH_KeyGen,
  name: "ECDH_KeyGen",
  handles: [{ name: "keyHandle", type: HT.OBJECT }],
  params: {},
  response: { zPoint: TPM2B_ECC_POINT, pubPoint: TPM2B_ECC_POINT },
  execute(ctx) {
    const key = ctx.object(0).publicArea;
    if (key.type !== TPM_ALG.ECC) throw handleError(TPM_RC.KEY, 1);
    const c = curveOf(key);
    let qs;
    try {
      qs = eccPublicOf(key);
    } catch {
      throw handleError(TPM_RC.KEY, 1);
    }
    const eph = generateEccKey(c, ctx.state.rng);
    const z = ecdhPoint(c, eph.d, qs)!;
    return { zPoint: pointToBytes(c, z), pubPoint: pointToBytes(c, eph.q) };
  },
});
