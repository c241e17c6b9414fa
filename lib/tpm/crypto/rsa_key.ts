/**
 * RSA key pairs: generation from a {@link RandomSource} (so primary keys are
 * derived from their hierarchy seed, TCG TPM 2.0 Part 1 §27), rebuilding a
 * key from its public modulus and one prime (the TPM's sensitive area holds
 * only a prime, Part 2 §12.2.3.4 TPM2B_PRIVATE_KEY_RSA), and the raw RSA
 * primitives (RFC 8017 §5.1).
 * @module
 */
import { constants, createPrivateKey, type KeyObject, privateDecrypt } from "node:crypto";
import { bigIntToBytes, bytesToBigInt } from "./bytes.ts";
import { bitLength, gcd, modInv, modPow } from "./bigint_math.ts";
import { generatePrime } from "./prime.ts";
import type { RandomSource } from "./random_source.ts";

/** TCG TPM 2.0 Part 2 §12.2.3.5: an exponent of 0 in TPMS_RSA_PARMS means 2^16 + 1. */
export const RSA_DEFAULT_EXPONENT = 65537;

/** An RSA public key. */
export interface RsaPublicKey {
  /** Modulus. */
  readonly n: bigint;
  /** Public exponent. */
  readonly e: bigint;
  /** Modulus size in bytes. */
  readonly size: number;
}

/** An RSA private key with its CRT parameters (RFC 8017 §3.2). */
export interface RsaPrivateKey extends RsaPublicKey {
  /** Private exponent. */
  readonly d: bigint;
  /** First prime (the one the TPM stores in its sensitive area). */
  readonly p: bigint;
  /** Second prime. */
  readonly q: bigint;
  /** d mod (p − 1). */
  readonly dp: bigint;
  /** d mod (q − 1). */
  readonly dq: bigint;
  /** q⁻¹ mod p. */
  readonly qi: bigint;
}

/** Key sizes the vTPM supports (TPM_PT_... / TPMI_RSA_KEY_BITS, Part 2 §11.2.5.6). */
export const RSA_KEY_SIZES: readonly number[] = [1024, 2048, 3072];

function exponentOf(exponent: number): bigint {
  return BigInt(exponent === 0 ? RSA_DEFAULT_EXPONENT : exponent);
}

/** Whether a TPMS_RSA_PARMS exponent is usable: 0 (default) or odd and at least 3. */
export function isValidRsaExponent(exponent: number): boolean {
  return exponent === 0 || (exponent >= 3 && exponent % 2 === 1 && exponent <= 0xffffffff);
}

/**
 * A fresh key pair of `bits` bits drawing every random byte from `rng`: the
 * same stream always yields the same key. Primes have their two top bits
 * set, gcd(p−1, e) = 1 and |p − q| > 2^(bits/2 − 100) (FIPS 186-5 §A.1.3).
 *
 * @example
 * ```ts
 * import { generateRsaKey } from "./rsa_key.ts";
 * import { systemRandom } from "./random_source.ts";
 * const k = generateRsaKey(2048, 0, systemRandom);
 * k.p * k.q === k.n; // true
 * ```
 */
export function generateRsaKey(bits: number, exponent: number, rng: RandomSource): RsaPrivateKey {
  if (!RSA_KEY_SIZES.includes(bits)) throw new RangeError(`unsupported RSA key size ${bits}`);
  if (!isValidRsaExponent(exponent)) throw new RangeError(`unsupported RSA exponent ${exponent}`);
  const e = exponentOf(exponent);
  const half = bits / 2;
  const coprime = (c: bigint) => gcd(c - 1n, e) === 1n;
  const p = generatePrime(half, rng, coprime);
  const minDistance = 1n << BigInt(half - 100);
  const q = generatePrime(half, rng, (c) => {
    const dist = c > p ? c - p : p - c;
    return dist > minDistance && coprime(c);
  });
  return fromPrimes(p, q, e);
}

function fromPrimes(p: bigint, q: bigint, e: bigint): RsaPrivateKey {
  const n = p * q;
  const lambda = ((p - 1n) * (q - 1n)) / gcd(p - 1n, q - 1n);
  const d = modInv(e, lambda);
  return {
    n,
    e,
    size: Math.ceil(bitLength(n) / 8),
    d,
    p,
    q,
    dp: d % (p - 1n),
    dq: d % (q - 1n),
    qi: modInv(q, p),
  };
}

/**
 * Rebuilds a private key from the public modulus and one prime, or returns
 * `undefined` when the prime does not divide the modulus (a damaged or
 * forged sensitive area).
 *
 * @example
 * ```ts
 * import { generateRsaKey, rsaKeyFromPrime } from "./rsa_key.ts";
 * import { systemRandom } from "./random_source.ts";
 * const k = generateRsaKey(1024, 0, systemRandom);
 * rsaKeyFromPrime(k.n, 0, k.p)?.d === k.d; // true
 * ```
 */
export function rsaKeyFromPrime(
  n: bigint,
  exponent: number,
  p: bigint,
): RsaPrivateKey | undefined {
  if (!isValidRsaExponent(exponent) || p <= 1n || p >= n || n % p !== 0n) return undefined;
  const q = n / p;
  const e = exponentOf(exponent);
  // p = q (n a square), p and q sharing a factor, or e sharing one with φ(n)
  // leave no private key.
  if (q === p || q <= 1n || gcd(p, q) !== 1n) return undefined;
  if (gcd(e, (p - 1n) * (q - 1n)) !== 1n) return undefined;
  return fromPrimes(p, q, e);
}

/** The public half of a TPMS_RSA_PARMS exponent and modulus. */
export function rsaPublicKey(n: bigint, exponent: number): RsaPublicKey {
  return { n, e: exponentOf(exponent), size: Math.ceil(bitLength(n) / 8) };
}

/**
 * RSAEP / RSAVP1 (RFC 8017 §5.1.1): m^e mod n on a k-byte block; `undefined`
 * when the block is not below the modulus.
 */
export function rsaPublicRaw(key: RsaPublicKey, block: Uint8Array): Uint8Array | undefined {
  const m = bytesToBigInt(block);
  if (m >= key.n) return undefined;
  return bigIntToBytes(modPow(m, key.e, key.n), key.size);
}

const keyObjects = new WeakMap<RsaPrivateKey, KeyObject>();

function b64url(v: bigint): string {
  const hex = v.toString(16);
  const bytes = new Uint8Array(Math.ceil(hex.length / 2));
  const padded = hex.padStart(bytes.length * 2, "0");
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(padded.slice(2 * i, 2 * i + 2), 16);
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/** The key as a JWK (RFC 7518 §6.3), e.g. to hand to WebCrypto or `node:crypto`. */
export function rsaPrivateJwk(key: RsaPrivateKey): Record<string, string> {
  return {
    kty: "RSA",
    n: b64url(key.n),
    e: b64url(key.e),
    d: b64url(key.d),
    p: b64url(key.p),
    q: b64url(key.q),
    dp: b64url(key.dp),
    dq: b64url(key.dq),
    qi: b64url(key.qi),
  };
}

/**
 * RSADP / RSASP1 (RFC 8017 §5.1.2): c^d mod n on a k-byte block, through
 * `node:crypto` (unpadded private decryption); `undefined` when the block
 * is not below the modulus.
 */
export function rsaPrivateRaw(key: RsaPrivateKey, block: Uint8Array): Uint8Array | undefined {
  if (block.length !== key.size || bytesToBigInt(block) >= key.n) return undefined;
  try {
    let ko = keyObjects.get(key);
    if (!ko) {
      ko = createPrivateKey({ key: rsaPrivateJwk(key), format: "jwk" });
      keyObjects.set(key, ko);
    }
    return new Uint8Array(privateDecrypt({ key: ko, padding: constants.RSA_NO_PADDING }, block));
  } catch {
    // A key the crypto library refuses (e.g. composite "primes" smuggled in
    // through LoadExternal) cannot decrypt or sign.
    return undefined;
  }
}
