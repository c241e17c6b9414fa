/**
 * ECC operations the TPM needs: key generation from a {@link RandomSource}
 * (primary keys from their seed, Part 1 §27), public key from private,
 * ECDSA over a digest (TCG TPM 2.0 Part 1 §B / FIPS 186-5 §6.4), and ECDH
 * (SP800-56A C(1e,1s) / C(2e,0s), used by ECDH_ZGen, salted sessions,
 * credentials and duplication).
 * @module
 */
import { createECDH } from "node:crypto";
import { bigIntToBytes, bytesToBigInt, concat } from "./bytes.ts";
import { modInv } from "./bigint_math.ts";
import { type EccCurve, type EccPoint, fixedBaseMul, isOnCurve, pointMulAdd } from "./ecc_curve.ts";
import { type RandomSource, systemRandom } from "./random_source.ts";

/** An ECC key pair. */
export interface EccKeyPair {
  /** Private scalar in [1, n−1]. */
  readonly d: bigint;
  /** Public point d·G. */
  readonly q: EccPoint;
}

/** An ECDSA signature (TPMS_SIGNATURE_ECC r, s). */
export interface EcdsaSignature {
  /** r in [1, n−1]. */
  readonly r: bigint;
  /** s in [1, n−1]. */
  readonly s: bigint;
}

function uncompressed(c: EccCurve, pt: EccPoint): Uint8Array {
  return concat(new Uint8Array([4]), bigIntToBytes(pt.x, c.size), bigIntToBytes(pt.y, c.size));
}

// A fresh context per use, so no private key outlives the call.
function ecdhContext(c: EccCurve, d: bigint) {
  const ctx = createECDH(c.nodeName);
  ctx.setPrivateKey(bigIntToBytes(d, c.size));
  return ctx;
}

/**
 * The public point d·G, or `undefined` if d is not in [1, n−1]. Uses the
 * precomputed comb, several times faster here than `node:crypto` ECDH.
 *
 * @example
 * ```ts
 * import { eccPublicFromPrivate, NIST_P256 } from "./mod.ts";
 * eccPublicFromPrivate(NIST_P256, 1n); // NIST_P256.g
 * ```
 */
export function eccPublicFromPrivate(c: EccCurve, d: bigint): EccPoint | undefined {
  if (d < 1n || d >= c.n) return undefined;
  return fixedBaseMul(c, d);
}

/**
 * A key pair drawing its randomness from `rng`: d = (c mod (n−1)) + 1 for c
 * of bitlen(n)+64 bits (FIPS 186-5 §A.2.1), so a seeded stream gives a
 * fixed key.
 */
export function generateEccKey(c: EccCurve, rng: RandomSource): EccKeyPair {
  const extra = bytesToBigInt(rng.bytes(c.size + 8));
  const d = (extra % (c.n - 1n)) + 1n;
  return { d, q: eccPublicFromPrivate(c, d)! };
}

/** The digest as an integer, truncated to the bit length of n (FIPS 186-5 §6.4.1 step 2). */
function digestInteger(c: EccCurve, hash: Uint8Array): bigint {
  const e = bytesToBigInt(hash);
  const excess = hash.length * 8 - c.nBits;
  return excess > 0 ? e >> BigInt(excess) : e;
}

/**
 * ECDSA signature of a digest (the TPM signs digests, not messages). The
 * per-signature k comes from `rng`; k·G comes from the precomputed comb.
 *
 * @example
 * ```ts
 * import { ecdsaSign, ecdsaVerify, generateEccKey, NIST_P256, systemRandom } from "./mod.ts";
 * const k = generateEccKey(NIST_P256, systemRandom);
 * const h = new Uint8Array(32).fill(7);
 * ecdsaVerify(NIST_P256, k.q, h, ecdsaSign(NIST_P256, k.d, h)); // true
 * ```
 */
export function ecdsaSign(
  c: EccCurve,
  d: bigint,
  hash: Uint8Array,
  rng: RandomSource = systemRandom,
): EcdsaSignature {
  const e = digestInteger(c, hash);
  for (;;) {
    const k = generateEccKey(c, rng);
    const r = k.q.x % c.n;
    if (r === 0n) continue;
    const s = (modInv(k.d, c.n) * (e + r * d)) % c.n;
    if (s !== 0n) return { r, s };
  }
}

/** ECDSA verification of a signature over a digest (FIPS 186-5 §6.4.2). */
export function ecdsaVerify(
  c: EccCurve,
  q: EccPoint,
  hash: Uint8Array,
  sig: EcdsaSignature,
): boolean {
  const { r, s } = sig;
  if (r < 1n || r >= c.n || s < 1n || s >= c.n || !isOnCurve(c, q)) return false;
  const w = modInv(s, c.n);
  const u1 = (digestInteger(c, hash) * w) % c.n;
  const u2 = (r * w) % c.n;
  const pt = pointMulAdd(c, u1, c.g, u2, q);
  return pt !== undefined && pt.x % c.n === r;
}

/**
 * The ECDH shared x-coordinate Z = x(d·Q) (SP800-56A §5.7.1.2), or
 * `undefined` if Q is not a valid point on the curve.
 */
export function ecdhZ(c: EccCurve, d: bigint, q: EccPoint): Uint8Array | undefined {
  if (!isOnCurve(c, q)) return undefined;
  try {
    return new Uint8Array(ecdhContext(c, d).computeSecret(uncompressed(c, q)));
  } catch {
    return undefined;
  }
}

/**
 * The full shared point d·Q, as TPM2_ECDH_ZGen returns it (Part 3 §14.5);
 * `undefined` if Q is invalid.
 */
export function ecdhPoint(c: EccCurve, d: bigint, q: EccPoint): EccPoint | undefined {
  if (!isOnCurve(c, q) || d < 1n || d >= c.n) return undefined;
  return pointMulAdd(c, d, q, 0n, q);
}
