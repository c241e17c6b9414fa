/**
 * Hex encoding helpers shared by every layer (reports, digests, test vectors).
 * @module
 */

/**
 * Encodes bytes as lowercase hex.
 *
 * @example
 * ```ts
 * import { toHex } from "./hex.ts";
 * toHex(new Uint8Array([0xde, 0xad])); // "dead"
 * ```
 */
export function toHex(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += HEX[b];
  return s;
}

const HEX: string[] = Array.from(
  { length: 256 },
  (_, i) => i.toString(16).padStart(2, "0"),
);

/**
 * Decodes hex (case-insensitive, no separators) into bytes; throws a
 * `RangeError` naming the problem on odd length or a non-hex digit.
 *
 * @example
 * ```ts
 * import { fromHex } from "./hex.ts";
 * fromHex("dead"); // Uint8Array [0xde, 0xad]
 * ```
 */
export function fromHex(hex: string): Uint8Array {
  if (hex.length % 2 !== 0) throw new RangeError("hex string has odd length");
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) {
    const v = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
    if (!/^[0-9a-fA-F]{2}$/.test(hex.slice(2 * i, 2 * i + 2))) {
      throw new RangeError(`invalid hex digit at position ${2 * i}`);
    }
    out[i] = v;
  }
  return out;
}
