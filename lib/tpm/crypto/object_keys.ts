/**
 * The crypto keys behind TPM objects: an RSA or ECC public key from a
 * TPMT_PUBLIC, the private key from an object's sensitive area (cached on
 * the loaded object), and the protector view of a storage parent.
 * @module
 */
import { TPM_ALG, TPMA_OBJECT } from "../constants.ts";
import type { TpmtPublic } from "../marshal/types.ts";
import { TPM_RC, TpmError } from "../response_code.ts";
import type { TpmObject } from "../state/objects.ts";
import { bytesToBigInt } from "./bytes.ts";
import { type EccKeyPair, eccPublicFromPrivate } from "./ecc.ts";
import { type EccCurve, eccCurve, type EccPoint, isOnCurve } from "./ecc_curve.ts";
import type { Protector } from "./object_protection.ts";
import { rsaKeyFromPrime, type RsaPrivateKey, type RsaPublicKey, rsaPublicKey } from "./rsa_key.ts";

/** The curve of an ECC public area; TPM_RC_CURVE if not implemented. */
export function curveOf(pub: TpmtPublic): EccCurve {
  const c = eccCurve(pub.curveID);
  if (!c) throw new TpmError(TPM_RC.CURVE);
  return c;
}

/** The RSA public key of a public area; TPM_RC_KEY when the modulus is unusable. */
export function rsaPublicOf(pub: TpmtPublic): RsaPublicKey {
  const n = bytesToBigInt(pub.unique);
  if (pub.unique.length * 8 !== pub.keyBits || n >> BigInt(pub.keyBits - 1) !== 1n) {
    throw new TpmError(TPM_RC.KEY);
  }
  return rsaPublicKey(n, pub.exponent);
}

/** The ECC public point of a public area; TPM_RC_ECC_POINT if it is not on the curve. */
export function eccPublicOf(pub: TpmtPublic): EccPoint {
  const c = curveOf(pub);
  const q = { x: bytesToBigInt(pub.unique), y: bytesToBigInt(pub.uniqueY) };
  if (pub.unique.length > c.size || pub.uniqueY.length > c.size || !isOnCurve(c, q)) {
    throw new TpmError(TPM_RC.ECC_POINT);
  }
  return q;
}

interface KeyCache {
  rsa?: RsaPrivateKey;
  ecc?: EccKeyPair;
}

function cacheOf(obj: TpmObject): KeyCache {
  if (typeof obj.cache !== "object" || obj.cache === null) obj.cache = {};
  return obj.cache as KeyCache;
}

function requirePrivate(obj: TpmObject): void {
  if (obj.publicOnly) throw new TpmError(TPM_RC.KEY);
}

/** The RSA private key of a loaded RSA object (rebuilt from its prime once, then cached). */
export function rsaPrivateOf(obj: TpmObject): RsaPrivateKey {
  requirePrivate(obj);
  const cache = cacheOf(obj);
  if (!cache.rsa) {
    const pub = rsaPublicOf(obj.publicArea);
    const key = rsaKeyFromPrime(pub.n, obj.publicArea.exponent, bytesToBigInt(obj.sensitive));
    if (!key) throw new TpmError(TPM_RC.BINDING);
    cache.rsa = key;
  }
  return cache.rsa;
}

/** The ECC key pair of a loaded ECC object. */
export function eccPrivateOf(obj: TpmObject): EccKeyPair {
  requirePrivate(obj);
  const cache = cacheOf(obj);
  if (!cache.ecc) {
    const c = curveOf(obj.publicArea);
    const d = bytesToBigInt(obj.sensitive);
    const q = eccPublicFromPrivate(c, d);
    if (!q) throw new TpmError(TPM_RC.BINDING);
    cache.ecc = { d, q };
  }
  return cache.ecc;
}

/**
 * True for a storage parent: restricted, decrypt, not sign (Part 1 §25.1);
 * RSA, ECC or a symmetric (SYMCIPHER) key. Keyed-hash derivation parents are
 * not implemented.
 */
export function isStorageParent(pub: TpmtPublic): boolean {
  const a = pub.objectAttributes;
  return (a & TPMA_OBJECT.restricted) !== 0 && (a & TPMA_OBJECT.decrypt) !== 0 &&
    (a & TPMA_OBJECT.sign) === 0 &&
    (pub.type === TPM_ALG.RSA || pub.type === TPM_ALG.ECC || pub.type === TPM_ALG.SYMCIPHER);
}

/** An RSA or ECC storage key: one that can receive a shared secret (credentials, duplication). */
export function isAsymmetricStorageKey(pub: TpmtPublic): boolean {
  return isStorageParent(pub) && pub.type !== TPM_ALG.SYMCIPHER;
}

/** A storage parent as the protector of its children's private blobs (Part 1 §23.3). */
export function protectorOf(parent: TpmObject): Protector {
  return {
    nameAlg: parent.publicArea.nameAlg,
    symmetric: parent.publicArea.symmetric,
    seed: parent.seedValue,
  };
}
