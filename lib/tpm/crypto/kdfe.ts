/**
 * KDFe: the TPM's key derivation from an ECDH shared secret, the SP800-56A
 * concatenation KDF (TCG TPM 2.0 Part 1 §11.4.10.3).
 * @module
 */
import { be32 } from "./bytes.ts";
import { digest, type HashAlgorithm, requireHash } from "./hash.ts";
import { labelBytes, truncateBits } from "./label.ts";

/**
 * KDFe(hashAlg, Z, label, partyU, partyV, bits):
 * K(i) = H([i]₃₂ ‖ Z ‖ label ‖ 0x00 ‖ partyUInfo ‖ partyVInfo), i = 1, 2, …;
 * `z` is the x-coordinate of the shared point, `partyU`/`partyV` the
 * x-coordinates of the ephemeral and static public keys.
 *
 * @example
 * ```ts
 * import { kdfe } from "./kdfe.ts";
 * kdfe(0x000b, new Uint8Array(32), "SECRET", new Uint8Array(32), new Uint8Array(32), 256).length; // 32
 * ```
 */
export function kdfe(
  alg: number | HashAlgorithm,
  z: Uint8Array,
  label: string | Uint8Array,
  partyU: Uint8Array,
  partyV: Uint8Array,
  bits: number,
): Uint8Array {
  if (!Number.isInteger(bits) || bits <= 0 || bits > 0xffffffff) {
    throw new RangeError(`KDFe: bad output size ${bits} bits`);
  }
  const h = requireHash(alg);
  const lab = labelBytes(label);
  const bytes = Math.ceil(bits / 8);
  const out = new Uint8Array(Math.ceil(bytes / h.size) * h.size);
  for (let i = 1, o = 0; o < bytes; i++, o += h.size) {
    out.set(digest(h, be32(i), z, lab, partyU, partyV), o);
  }
  return truncateBits(out, bits);
}
