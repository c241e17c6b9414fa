/**
 * KDFa: the TPM's key derivation function for secret seeds, SP800-108
 * counter mode with HMAC as the PRF (TCG TPM 2.0 Part 1 §11.4.10.2).
 * @module
 */
import { be32 } from "./bytes.ts";
import { type HashAlgorithm, hmac, requireHash } from "./hash.ts";
import { labelBytes, truncateBits } from "./label.ts";

const EMPTY = new Uint8Array(0);

/**
 * KDFa(hashAlg, key, label, contextU, contextV, bits):
 * K(i) = HMAC(key, [i]₃₂ ‖ label ‖ 0x00 ‖ contextU ‖ contextV ‖ [bits]₃₂)
 * for i = 1, 2, …; the result is the first `bits` bits, returned in
 * ceil(bits/8) octets.
 *
 * @example
 * ```ts
 * import { kdfa } from "./kdfa.ts";
 * const aesKey = kdfa(0x000b, new Uint8Array(32), "STORAGE", new Uint8Array(34), new Uint8Array(0), 128);
 * aesKey.length; // 16
 * ```
 */
export function kdfa(
  alg: number | HashAlgorithm,
  key: Uint8Array,
  label: string | Uint8Array,
  contextU: Uint8Array = EMPTY,
  contextV: Uint8Array = EMPTY,
  bits: number,
): Uint8Array {
  if (!Number.isInteger(bits) || bits <= 0 || bits > 0xffffffff) {
    throw new RangeError(`KDFa: bad output size ${bits} bits`);
  }
  const h = requireHash(alg);
  const lab = labelBytes(label);
  const lenField = be32(bits);
  const bytes = Math.ceil(bits / 8);
  const out = new Uint8Array(Math.ceil(bytes / h.size) * h.size);
  for (let i = 1, o = 0; o < bytes; i++, o += h.size) {
    out.set(hmac(h, key, be32(i), lab, contextU, contextV, lenField), o);
  }
  return truncateBits(out, bits);
}
