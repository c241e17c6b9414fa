/**
 * Probable-prime search for RSA key generation: an incremental search from a
 * random (or seed-derived) odd start, sieved by the small primes, then
 * Miller–Rabin (FIPS 186-5 §B.3 and Appendix C.3; TCG TPM 2.0 Part 1 §27
 * requires primary RSA keys, primes included, to come from the seed).
 * @module
 */
import { bytesToBigInt } from "./bytes.ts";
import { modPow } from "./bigint_math.ts";
import type { RandomSource } from "./random_source.ts";

/** Odd primes below this bound sieve each window before any modular exponentiation. */
const SIEVE_BOUND = 1 << 18;
/** Odd offsets examined from one start value before a fresh start is drawn. */
const WINDOW = 4096;
/**
 * Miller–Rabin rounds a candidate must pass: FIPS 186-5 Table B.1 asks for 5
 * for the primes of RSA-2048 (and 4 for larger keys).
 */
const MR_ROUNDS = 5;

const SMALL_PRIMES: readonly number[] = oddPrimesBelow(SIEVE_BOUND);

function oddPrimesBelow(limit: number): number[] {
  const composite = new Uint8Array(limit);
  const out: number[] = [];
  for (let i = 3; i < limit; i += 2) {
    if (composite[i]) continue;
    out.push(i);
    for (let j = i * i; j < limit; j += 2 * i) composite[j] = 1;
  }
  return out;
}

// Products of consecutive small primes below 2^53, so one bigint remainder
// yields several small remainders in float-exact Number arithmetic.
const GROUPS: readonly { product: bigint; primes: number[] }[] = (() => {
  const groups: { product: bigint; primes: number[] }[] = [];
  let cur: number[] = [];
  let prod = 1;
  for (const p of SMALL_PRIMES) {
    if (prod * p >= 2 ** 53) {
      groups.push({ product: BigInt(prod), primes: cur });
      cur = [];
      prod = 1;
    }
    cur.push(p);
    prod *= p;
  }
  if (cur.length) groups.push({ product: BigInt(prod), primes: cur });
  return groups;
})();

/** Marks offsets i in [0, WINDOW) whose value start + 2i has a small factor. */
function sieve(start: bigint): Uint8Array {
  const composite = new Uint8Array(WINDOW);
  for (const g of GROUPS) {
    const r = Number(start % g.product);
    for (const p of g.primes) {
      // start + 2i ≡ 0 (mod p)  ⇔  i ≡ -r · 2⁻¹ (mod p), with 2⁻¹ = (p+1)/2.
      const rp = r % p;
      let i = ((p - rp) % p) * ((p + 1) / 2) % p;
      for (; i < WINDOW; i += p) composite[i] = 1;
    }
  }
  return composite;
}

/**
 * One Miller–Rabin round with base `a` (FIPS 186-5 §B.3.1).
 *
 * @example
 * ```ts
 * import { millerRabin } from "./prime.ts";
 * millerRabin(1000003n, 2n); // true
 * ```
 */
export function millerRabin(n: bigint, a: bigint): boolean {
  if (n < 5n) return n === 2n || n === 3n;
  if ((n & 1n) === 0n) return false;
  let d = n - 1n;
  let s = 0;
  while ((d & 1n) === 0n) {
    d >>= 1n;
    s++;
  }
  let x = modPow(a, d, n);
  if (x === 1n || x === n - 1n) return true;
  for (let i = 1; i < s; i++) {
    x = (x * x) % n;
    if (x === n - 1n) return true;
    if (x === 1n) return false;
  }
  return false;
}

const BASES: readonly bigint[] = [2n, 3n, 5n, 7n, 11n].slice(0, MR_ROUNDS);

/**
 * A probable prime of exactly `bits` bits with its two top bits set (so a
 * product of two such primes has exactly 2·bits bits, and each is above
 * √2·2^(bits−1) as FIPS 186-5 §A.1.3 requires), accepted by `accept`
 * (e.g. gcd(p−1, e) = 1). Deterministic for a deterministic `rng`.
 *
 * @example
 * ```ts
 * import { generatePrime } from "./prime.ts";
 * import { systemRandom } from "./random_source.ts";
 * const p = generatePrime(512, systemRandom, () => true);
 * ```
 */
export function generatePrime(
  bits: number,
  rng: RandomSource,
  accept: (p: bigint) => boolean,
): bigint {
  if (bits < 32 || bits % 8 !== 0) throw new RangeError(`unsupported prime size ${bits}`);
  for (;;) {
    const raw = rng.bytes(bits / 8);
    raw[0] |= 0xc0;
    raw[raw.length - 1] |= 1;
    const start = bytesToBigInt(raw);
    const composite = sieve(start);
    for (let i = 0; i < WINDOW; i++) {
      if (composite[i]) continue;
      const c = start + 2n * BigInt(i);
      if (c >> BigInt(bits) !== 0n) break;
      if (!accept(c)) continue;
      if (BASES.every((a) => millerRabin(c, a))) return c;
    }
  }
}
