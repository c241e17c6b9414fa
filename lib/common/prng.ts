/**
 * A small seeded pseudo-random generator (SplitMix32-seeded xoshiro128**), so
 * that schedulers, fuzzers and property tests replay exactly from a seed.
 * Not for secrets: keys come from WebCrypto's `getRandomValues`.
 * @module
 */

/**
 * Deterministic PRNG. The same seed yields the same sequence on every run.
 *
 * @example
 * ```ts
 * import { Prng } from "./prng.ts";
 * const r = new Prng(42);
 * const die = r.below(6) + 1;
 * ```
 */
export class Prng {
  #s = new Uint32Array(4);

  /** Seeds the generator; any 32-bit integer (or larger number, truncated) works. */
  constructor(seed: number) {
    let x = seed >>> 0;
    for (let i = 0; i < 4; i++) {
      // SplitMix32 step, to spread a small seed over the state.
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      this.#s[i] = (z ^ (z >>> 16)) >>> 0;
    }
  }

  /** Next 32-bit unsigned value. */
  nextU32(): number {
    const s = this.#s;
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** Uniform integer in `[0, n)`, for `n` up to 2^32. */
  below(n: number): number {
    if (n <= 0) throw new RangeError("below(n) needs n > 0");
    // Rejection sampling keeps the distribution exact.
    const limit = 0x100000000 - (0x100000000 % n);
    let v: number;
    do v = this.nextU32(); while (v >= limit);
    return v % n;
  }

  /** A float in `[0, 1)`. */
  nextFloat(): number {
    return this.nextU32() / 0x100000000;
  }

  /** Fills `out` with pseudo-random bytes and returns it. */
  fill(out: Uint8Array): Uint8Array {
    for (let i = 0; i < out.length; i += 4) {
      const v = this.nextU32();
      for (let j = 0; j < 4 && i + j < out.length; j++) out[i + j] = v >>> (8 * j);
    }
    return out;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
