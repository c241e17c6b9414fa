/**
 * Modular arithmetic on bigints for RSA key derivation and ECC: modular
 * exponentiation, inverse and gcd.
 * @module
 */

/** `a mod m` in [0, m). */
export function mod(a: bigint, m: bigint): bigint {
  const r = a % m;
  return r < 0n ? r + m : r;
}

/**
 * base^exp mod m, left-to-right with a 4-bit fixed window (about 1.25
 * multiplications per exponent bit instead of 1.5).
 *
 * @example
 * ```ts
 * import { modPow } from "./bigint_math.ts";
 * modPow(3n, 200n, 1000003n);
 * ```
 */
export function modPow(base: bigint, exp: bigint, m: bigint): bigint {
  if (m === 1n) return 0n;
  const b = mod(base, m);
  const table: bigint[] = [1n, b];
  for (let i = 2; i < 16; i++) table.push((table[i - 1] * b) % m);
  const hex = exp.toString(16);
  let r = table[parseInt(hex[0], 16)];
  for (let i = 1; i < hex.length; i++) {
    r = (r * r) % m;
    r = (r * r) % m;
    r = (r * r) % m;
    r = (r * r) % m;
    const d = parseInt(hex[i], 16);
    if (d !== 0) r = (r * table[d]) % m;
  }
  return r;
}

/** Greatest common divisor. */
export function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a < 0n ? -a : a;
}

/**
 * The inverse of `a` modulo `m`; throws a `RangeError` if none exists.
 *
 * @example
 * ```ts
 * import { modInv } from "./bigint_math.ts";
 * modInv(3n, 11n); // 4n
 * ```
 */
export function modInv(a: bigint, m: bigint): bigint {
  let [r0, r1] = [mod(a, m), m];
  let [s0, s1] = [1n, 0n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [s0, s1] = [s1, s0 - q * s1];
  }
  if (r0 !== 1n) throw new RangeError("value has no modular inverse");
  return mod(s0, m);
}

/** Number of significant bits of a non-negative bigint. */
export function bitLength(v: bigint): number {
  return v === 0n ? 0 : v.toString(2).length;
}
