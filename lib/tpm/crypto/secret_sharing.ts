/**
 * Secret sharing with an asymmetric key (TCG TPM 2.0 Part 1 §B.10.3 for RSA,
 * §C.6.4 for ECC): how a seed reaches the TPM encrypted to one of its keys,
 * for salted sessions ("SECRET"), credentials ("IDENTITY") and duplication
 * ("DUPLICATE"). RSA: RSAES-OAEP with the key's nameAlg and the label; ECC:
 * an ephemeral ECDH key, seed = KDFe(nameAlg, Z, label, QeU.x, QsV.x, bits).
 * @module
 */
import { TPM_ALG } from "../constants.ts";
import { TpmReader, TpmWriter } from "../marshal/buffer.ts";
import { TPM2B_ECC_PARAMETER, type TpmtPublic } from "../marshal/types.ts";
import { TPM_RC, TpmError } from "../response_code.ts";
import type { TpmObject } from "../state/objects.ts";
import { bigIntToBytes, bytesToBigInt } from "./bytes.ts";
import { ecdhZ, generateEccKey } from "./ecc.ts";
import { type HashAlgorithm, hashAlgorithm } from "./hash.ts";
import { kdfe } from "./kdfe.ts";
import { labelBytes } from "./label.ts";
import { curveOf, eccPrivateOf, eccPublicOf, rsaPrivateOf, rsaPublicOf } from "./object_keys.ts";
import { type RandomSource, systemRandom } from "./random_source.ts";
import { rsaDecrypt, rsaEncrypt } from "./rsa.ts";

/** The key's nameAlg, which sizes the seed; a key without one cannot share (TPM_RC_HASH). */
function keyHash(key: TpmtPublic): HashAlgorithm {
  const h = hashAlgorithm(key.nameAlg);
  if (!h) throw new TpmError(TPM_RC.HASH);
  return h;
}

/** A seed and its encryption to a key (TPM2B_ENCRYPTED_SECRET contents). */
export interface SharedSecret {
  /** The seed, nameAlg digest size. */
  readonly seed: Uint8Array;
  /** RSA ciphertext, or a marshalled TPMS_ECC_POINT (the ephemeral public key). */
  readonly encrypted: Uint8Array;
}

/**
 * Creates a seed and encrypts it to `key` (a public area with the decrypt
 * attribute). `label` is e.g. "IDENTITY" (the terminating zero is added).
 *
 * @example
 * ```ts
 * import { createSecret } from "./secret_sharing.ts";
 * import { createObject, primaryObjectRandom } from "./object_create.ts";
 * import { EK_ECC_P256_TEMPLATE } from "../ek.ts";
 * const inSensitive = { userAuth: new Uint8Array(0), data: new Uint8Array(0) };
 * const rng = primaryObjectRandom(new Uint8Array(32), EK_ECC_P256_TEMPLATE, inSensitive.data);
 * const ek = createObject(EK_ECC_P256_TEMPLATE, inSensitive, rng).publicArea;
 * const { seed, encrypted } = createSecret(ek, "IDENTITY"); // encrypted: an ephemeral TPMS_ECC_POINT
 * ```
 */
export function createSecret(
  key: TpmtPublic,
  label: string,
  rng: RandomSource = systemRandom,
): SharedSecret {
  const h = keyHash(key);
  if (key.type === TPM_ALG.RSA) {
    const seed = rng.bytes(h.size);
    const encrypted = rsaEncrypt(rsaPublicOf(key), "oaep", h, seed, labelBytes(label), rng);
    if (!encrypted) throw new TpmError(TPM_RC.KEY);
    return { seed, encrypted };
  }
  if (key.type !== TPM_ALG.ECC) throw new TpmError(TPM_RC.KEY);
  const c = curveOf(key);
  const qs = eccPublicOf(key);
  const eph = generateEccKey(c, rng);
  const z = ecdhZ(c, eph.d, qs)!;
  const ux = bigIntToBytes(eph.q.x, c.size);
  const seed = kdfe(h, z, label, ux, bigIntToBytes(qs.x, c.size), h.size * 8);
  const w = new TpmWriter();
  TPM2B_ECC_PARAMETER.write(w, ux);
  TPM2B_ECC_PARAMETER.write(w, bigIntToBytes(eph.q.y, c.size));
  return { seed, encrypted: w.finish() };
}

/**
 * Recovers the seed encrypted to a loaded key. An RSA ciphertext of the
 * wrong length is TPM_RC_SIZE, one that does not decrypt TPM_RC_VALUE; an
 * ECC point that is malformed or off the curve is TPM_RC_ECC_POINT (callers
 * add the parameter number).
 */
export function recoverSecret(key: TpmObject, label: string, encrypted: Uint8Array): Uint8Array {
  const pub = key.publicArea;
  const h = keyHash(pub);
  if (pub.type === TPM_ALG.RSA) {
    const priv = rsaPrivateOf(key);
    // A ciphertext not exactly the modulus size is malformed (TPM_RC_SIZE, as swtpm).
    if (encrypted.length !== priv.size) throw new TpmError(TPM_RC.SIZE);
    const seed = rsaDecrypt(priv, "oaep", h, encrypted, labelBytes(label));
    if (!seed) throw new TpmError(TPM_RC.VALUE);
    return seed;
  }
  if (pub.type !== TPM_ALG.ECC) throw new TpmError(TPM_RC.KEY);
  const c = curveOf(pub);
  const r = new TpmReader(encrypted);
  let x: Uint8Array, y: Uint8Array;
  try {
    x = TPM2B_ECC_PARAMETER.read(r);
    y = TPM2B_ECC_PARAMETER.read(r);
  } catch {
    throw new TpmError(TPM_RC.ECC_POINT);
  }
  if (r.remaining !== 0 || x.length > c.size || y.length > c.size) {
    throw new TpmError(TPM_RC.ECC_POINT);
  }
  const priv = eccPrivateOf(key);
  const qe = { x: bytesToBigInt(x), y: bytesToBigInt(y) };
  const z = ecdhZ(c, priv.d, qe);
  if (!z) throw new TpmError(TPM_RC.ECC_POINT);
  const vx = bigIntToBytes(priv.q.x, c.size);
  return kdfe(h, z, label, bigIntToBytes(qe.x, c.size), vx, h.size * 8);
}
