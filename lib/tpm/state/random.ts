/**
 * The TPM's random number generator (Part 1 §11.4.10). With a test seed it
 * is a deterministic SHA-256 counter-mode generator so whole runs replay;
 * otherwise it draws from WebCrypto.
 * @module
 */
import { createHash } from "node:crypto";

/**
 * Random bytes for seeds, nonces and GetRandom.
 *
 * @example
 * ```ts
 * import { TpmRandom } from "./random.ts";
 * const r = new TpmRandom(new Uint8Array(32)); // deterministic
 * r.bytes(16).length; // 16
 * ```
 */
export class TpmRandom {
  #key: Uint8Array | null;
  #counter = 0n;

  /** Deterministic when `seed` is given; WebCrypto otherwise. */
  constructor(seed?: Uint8Array) {
    this.#key = seed ? new Uint8Array(createHash("sha256").update(seed).digest()) : null;
  }

  /** `n` random bytes. */
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    if (!this.#key) {
      for (let o = 0; o < n; o += 65536) crypto.getRandomValues(out.subarray(o, o + 65536));
      return out;
    }
    const ctr = new Uint8Array(8);
    for (let o = 0; o < n; o += 32) {
      new DataView(ctr.buffer).setBigUint64(0, this.#counter++);
      const block = createHash("sha256").update(this.#key).update(ctr).digest();
      out.set(block.subarray(0, Math.min(32, n - o)), o);
    }
    return out;
  }

  /** Mixes caller entropy into the state (TPM2_StirRandom, Part 3 §16.2). */
  stir(data: Uint8Array): void {
    const base = this.#key ?? this.bytes(32);
    this.#key = new Uint8Array(createHash("sha256").update(base).update(data).digest());
  }
}
