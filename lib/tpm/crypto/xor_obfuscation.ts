/**
 * XOR parameter obfuscation (TCG TPM 2.0 Part 1 §21.2.1, "XOR Parameter Obfuscation"): the
 * data is XORed with a KDFa("XOR") mask as long as the data.
 * @module
 */
import type { HashAlgorithm } from "./hash.ts";
import { kdfa } from "./kdfa.ts";

/**
 * XOR(data, hashAlg, key, contextU, contextV) = data ⊕ KDFa(hashAlg, key,
 * "XOR", contextU, contextV, 8·|data|). Its own inverse.
 *
 * @example
 * ```ts
 * import { xorObfuscate } from "./xor_obfuscation.ts";
 * const k = new Uint8Array(8), u = new Uint8Array(16), v = new Uint8Array(16);
 * const d = new Uint8Array([1, 2, 3]);
 * xorObfuscate(0x000b, k, u, v, xorObfuscate(0x000b, k, u, v, d)); // [1, 2, 3]
 * ```
 */
export function xorObfuscate(
  alg: number | HashAlgorithm,
  key: Uint8Array,
  contextU: Uint8Array,
  contextV: Uint8Array,
  data: Uint8Array,
): Uint8Array {
  if (data.length === 0) return new Uint8Array(0);
  const mask = kdfa(alg, key, "XOR", contextU, contextV, data.length * 8);
  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = data[i] ^ mask[i];
  return out;
}
