/**
 * The public/sensitive binding check (TCG TPM 2.0 Part 1 §24.5, the
 * reference's CryptValidateKeys): before a private area is accepted from
 * outside (Load, LoadExternal, Import), it must belong to the public area —
 * the RSA prime divides the modulus, the ECC scalar gives the public point,
 * and a symmetric or keyed-hash object's unique is H(seedValue ‖ key).
 * @module
 */
import { TPM_ALG, TPMA_OBJECT } from "../constants.ts";
import type { TpmtPublic } from "../marshal/types.ts";
import { TPM_RC, TpmError } from "../response_code.ts";
import { bytesToBigInt, equalBytes } from "./bytes.ts";
import { eccPublicFromPrivate } from "./ecc.ts";
import { digest, requireHash } from "./hash.ts";
import { curveOf, rsaPublicOf } from "./object_keys.ts";
import { rsaKeyFromPrime } from "./rsa_key.ts";
import type { Sensitive } from "./sensitive.ts";

/**
 * Throws TPM_RC_TYPE when the sensitive area is of another type, TPM_RC_KEY_SIZE
 * for a wrongly sized secret (callers add the parameter number), and a bare
 * TPM_RC_BINDING when it does not match the public area (as swtpm answers).
 *
 * @example
 * ```ts
 * import { checkBinding } from "./object_binding.ts";
 * import { createObject, primaryObjectRandom } from "./object_create.ts";
 * import { EK_ECC_P256_TEMPLATE } from "../ek.ts";
 * const inSensitive = { userAuth: new Uint8Array(0), data: new Uint8Array(0) };
 * const rng = primaryObjectRandom(new Uint8Array(32), EK_ECC_P256_TEMPLATE, inSensitive.data);
 * const { publicArea, sensitive } = createObject(EK_ECC_P256_TEMPLATE, inSensitive, rng);
 * checkBinding(publicArea, sensitive); // a matching pair: no TPM_RC_BINDING
 * ```
 */
export function checkBinding(pub: TpmtPublic, sens: Sensitive): void {
  if (sens.sensitiveType !== pub.type) throw new TpmError(TPM_RC.TYPE);
  const h = requireHash(pub.nameAlg);
  if (sens.authValue.length > h.size) throw new TpmError(TPM_RC.SIZE);
  // A storage parent's seedValue protects its children: it must be a full
  // nameAlg digest (Part 1 §27.2.5; swtpm TPM_RC_SIZE), never empty or short.
  const parentBits = TPMA_OBJECT.restricted | TPMA_OBJECT.decrypt;
  if ((pub.objectAttributes & parentBits) === parentBits && sens.seedValue.length !== h.size) {
    throw new TpmError(TPM_RC.SIZE);
  }
  switch (pub.type) {
    case TPM_ALG.RSA: {
      if (sens.sensitive.length !== pub.keyBits / 16) throw new TpmError(TPM_RC.KEY_SIZE);
      const n = rsaPublicOf(pub).n;
      if (!rsaKeyFromPrime(n, pub.exponent, bytesToBigInt(sens.sensitive))) {
        throw new TpmError(TPM_RC.BINDING);
      }
      return;
    }
    case TPM_ALG.ECC: {
      const c = curveOf(pub);
      if (sens.sensitive.length > c.size) throw new TpmError(TPM_RC.KEY_SIZE);
      // Compared as numbers, so a public point off the curve is a binding
      // failure too, as swtpm reports it.
      const derived = eccPublicFromPrivate(c, bytesToBigInt(sens.sensitive));
      const same = derived !== undefined && derived.x === bytesToBigInt(pub.unique) &&
        derived.y === bytesToBigInt(pub.uniqueY);
      if (!same) throw new TpmError(TPM_RC.BINDING);
      return;
    }
    default: {
      if (pub.type === TPM_ALG.SYMCIPHER && sens.sensitive.length !== pub.symmetric.keyBits / 8) {
        throw new TpmError(TPM_RC.KEY_SIZE);
      }
      if (!equalBytes(pub.unique, digest(h, sens.seedValue, sens.sensitive))) {
        throw new TpmError(TPM_RC.BINDING);
      }
    }
  }
}
