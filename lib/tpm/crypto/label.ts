/**
 * KDF labels. TCG TPM 2.0 Part 1 §11.4.10.2: a label is an octet string
 * ending in one zero octet; a label given without it gets one appended.
 * @module
 */

const encoder = new TextEncoder();

/**
 * The octets of a KDF label, with exactly one terminating zero.
 *
 * @example
 * ```ts
 * import { labelBytes } from "./label.ts";
 * labelBytes("STORAGE"); // "STORAGE\0" as bytes
 * ```
 */
export function labelBytes(label: string | Uint8Array): Uint8Array {
  const b = typeof label === "string" ? encoder.encode(label) : label;
  if (b.length > 0 && b[b.length - 1] === 0) return b;
  const out = new Uint8Array(b.length + 1);
  out.set(b);
  return out;
}

/**
 * The first `bits` bits of a KDF stream as ceil(bits/8) octets, the unused
 * high bits of the first octet cleared (Part 1 §11.4.10.2, "the leftmost
 * bits", as the reference implementation masks them).
 */
export function truncateBits(stream: Uint8Array, bits: number): Uint8Array {
  const out = stream.slice(0, Math.ceil(bits / 8));
  if (bits % 8 !== 0) out[0] &= (1 << (bits % 8)) - 1;
  return out;
}
