/**
 * Where key generation gets its randomness. Ordinary objects use the
 * platform RNG; primary objects use a stream derived from the hierarchy's
 * primary seed so the same seed and template give the same key
 * (TCG TPM 2.0 Part 1 §27.2 and Part 3 §24.1 CreatePrimary).
 * @module
 */
import { be32, concat } from "./bytes.ts";
import { type HashAlgorithm, requireHash } from "./hash.ts";
import { kdfa } from "./kdfa.ts";

/** A source of bytes for key generation. */
export interface RandomSource {
  /** The next `n` bytes. */
  bytes(n: number): Uint8Array;
}

/**
 * The platform RNG (WebCrypto `getRandomValues`).
 *
 * @example
 * ```ts
 * import { systemRandom } from "./random_source.ts";
 * systemRandom.bytes(32).length; // 32
 * ```
 */
export const systemRandom: RandomSource = {
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let o = 0; o < n; o += 65536) crypto.getRandomValues(out.subarray(o, o + 65536));
    return out;
  },
};

/**
 * A deterministic stream keyed by a secret seed. Request number j (from 1)
 * of n bytes returns KDFa(hashAlg, seed, label, contextU, contextV ‖ [j]₃₂,
 * 8n), so every request is an ordinary KDFa output and the whole sequence is
 * fixed by (seed, label, contexts). The reference TPM seeds a DRBG from the
 * same inputs ("Primary Object Creation", the template's Name and the
 * sensitive data); this model uses KDFa directly.
 *
 * @example
 * ```ts
 * import { SeededRandom } from "./random_source.ts";
 * const seed = new Uint8Array(32);
 * const a = new SeededRandom(0x000b, seed, "Primary Object Creation", new Uint8Array(34), new Uint8Array(0));
 * a.bytes(16).length; // 16
 * ```
 */
export class SeededRandom implements RandomSource {
  readonly #hash: HashAlgorithm;
  readonly #seed: Uint8Array;
  readonly #label: string;
  readonly #contextU: Uint8Array;
  readonly #contextV: Uint8Array;
  #request = 0;

  /** A stream keyed by `seed`; `label` and the contexts separate unrelated uses. */
  constructor(
    alg: number | HashAlgorithm,
    seed: Uint8Array,
    label: string,
    contextU: Uint8Array,
    contextV: Uint8Array,
  ) {
    this.#hash = requireHash(alg);
    this.#seed = seed.slice();
    this.#label = label;
    this.#contextU = contextU.slice();
    this.#contextV = contextV.slice();
  }

  /** The next `n` bytes of the stream. */
  bytes(n: number): Uint8Array {
    if (n === 0) return new Uint8Array(0);
    this.#request++;
    const v = concat(this.#contextV, be32(this.#request));
    return kdfa(this.#hash, this.#seed, this.#label, this.#contextU, v, 8 * n);
  }
}
