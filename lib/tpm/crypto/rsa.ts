/**
 * RSA signing and encryption as TPM commands use them: signatures over a
 * digest (RSASSA-PKCS1-v1_5, RSASSA-PSS) and encryption schemes RSAES-OAEP,
 * RSAES-PKCS1-v1_5 and the unpadded "NULL" scheme of TPM2_RSA_Encrypt
 * (TCG TPM 2.0 Part 1 §B.7–B.10, Part 3 §14.2).
 * @module
 */
import { bitLength } from "./bigint_math.ts";
import { equalBytes } from "./bytes.ts";
import type { HashAlgorithm } from "./hash.ts";
import {
  emsaPkcs1v15,
  emsaPssEncode,
  emsaPssVerify,
  oaepDecode,
  oaepEncode,
  pkcs1v15EncryptDecode,
  pkcs1v15EncryptEncode,
} from "./rsa_padding.ts";
import { type RsaPrivateKey, rsaPrivateRaw, type RsaPublicKey, rsaPublicRaw } from "./rsa_key.ts";
import { type RandomSource, systemRandom } from "./random_source.ts";

/** RSA signature schemes (TPM_ALG_RSASSA, TPM_ALG_RSAPSS). */
export type RsaSignatureScheme = "rsassa" | "rsapss";
/** RSA encryption schemes (TPM_ALG_NULL, TPM_ALG_RSAES, TPM_ALG_OAEP). */
export type RsaEncryptionScheme = "null" | "rsaes" | "oaep";

/**
 * Signs a digest; `undefined` if the digest does not fit the scheme (wrong
 * size for the hash, or key too small).
 *
 * @example
 * ```ts
 * import { generateRsaKey, rsaSign, rsaVerify, systemRandom } from "./mod.ts";
 * const k = generateRsaKey(2048, 0, systemRandom);
 * const d = new Uint8Array(32);
 * const sig = rsaSign(k, "rsassa", 0x000b, d)!;
 * rsaVerify(k, "rsassa", 0x000b, d, sig); // true
 * ```
 */
export function rsaSign(
  key: RsaPrivateKey,
  scheme: RsaSignatureScheme,
  alg: number | HashAlgorithm,
  hash: Uint8Array,
  rng: RandomSource = systemRandom,
): Uint8Array | undefined {
  const emBits = bitLength(key.n) - 1;
  const em = scheme === "rsassa"
    ? emsaPkcs1v15(alg, hash, key.size)
    : emsaPssEncode(alg, hash, emBits, rng);
  if (!em) return undefined;
  const block = new Uint8Array(key.size);
  block.set(em, key.size - em.length);
  return rsaPrivateRaw(key, block);
}

/** Verifies a signature over a digest. */
export function rsaVerify(
  key: RsaPublicKey,
  scheme: RsaSignatureScheme,
  alg: number | HashAlgorithm,
  hash: Uint8Array,
  signature: Uint8Array,
): boolean {
  if (signature.length !== key.size) return false;
  const em = rsaPublicRaw(key, signature);
  if (!em) return false;
  if (scheme === "rsapss") return emsaPssVerify(alg, hash, em, bitLength(key.n) - 1);
  const expected = emsaPkcs1v15(alg, hash, key.size);
  return expected !== undefined && equalBytes(em, expected);
}

/**
 * Encrypts `message` to the key. The NULL scheme takes the message as a
 * big-endian number below the modulus (zero-extended on the left).
 * `undefined` when the message does not fit.
 *
 * @example
 * ```ts
 * import { generateRsaKey, rsaDecrypt, rsaEncrypt, systemRandom } from "./mod.ts";
 * const k = generateRsaKey(2048, 0, systemRandom);
 * const label = new TextEncoder().encode("IDENTITY\0");
 * const ct = rsaEncrypt(k, "oaep", 0x000b, new Uint8Array([1, 2]), label)!;
 * rsaDecrypt(k, "oaep", 0x000b, ct, label); // [1, 2]
 * ```
 */
export function rsaEncrypt(
  key: RsaPublicKey,
  scheme: RsaEncryptionScheme,
  alg: number | HashAlgorithm,
  message: Uint8Array,
  label: Uint8Array,
  rng: RandomSource = systemRandom,
): Uint8Array | undefined {
  let em: Uint8Array | undefined;
  if (scheme === "oaep") em = oaepEncode(alg, message, label, key.size, rng);
  else if (scheme === "rsaes") em = pkcs1v15EncryptEncode(message, key.size, rng);
  else if (message.length <= key.size) {
    em = new Uint8Array(key.size);
    em.set(message, key.size - message.length);
  }
  return em && rsaPublicRaw(key, em);
}

/** Decrypts; `undefined` when the ciphertext or its padding is invalid. */
export function rsaDecrypt(
  key: RsaPrivateKey,
  scheme: RsaEncryptionScheme,
  alg: number | HashAlgorithm,
  ciphertext: Uint8Array,
  label: Uint8Array,
): Uint8Array | undefined {
  if (ciphertext.length > key.size) return undefined;
  const block = new Uint8Array(key.size);
  block.set(ciphertext, key.size - ciphertext.length);
  const em = rsaPrivateRaw(key, block);
  if (!em) return undefined;
  if (scheme === "oaep") return oaepDecode(alg, em, label);
  if (scheme === "rsaes") return pkcs1v15EncryptDecode(em);
  return em;
}
