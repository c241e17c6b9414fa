/**
 * Small byte helpers the TPM crypto code needs: concatenation, big-endian
 * integers, bigint conversion and constant-time comparison.
 * @module
 */

/**
 * Concatenates byte arrays.
 *
 * @example
 * ```ts
 * import { concat } from "./bytes.ts";
 * concat(new Uint8Array([1]), new Uint8Array([2])); // Uint8Array [1, 2]
 * ```
 */
export function concat(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** `v` as a 4-byte big-endian array (TPM UINT32 marshalling, Part 2 §4). */
export function be32(v: number): Uint8Array {
  return new Uint8Array([v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff]);
}

/** Big-endian unsigned bytes to a bigint. */
export function bytesToBigInt(b: Uint8Array): bigint {
  let hex = "0x0";
  for (const x of b) hex += x < 16 ? "0" + x.toString(16) : x.toString(16);
  return BigInt(hex);
}

/**
 * A non-negative bigint as exactly `len` big-endian bytes; throws a
 * `RangeError` if it does not fit.
 */
export function bigIntToBytes(v: bigint, len: number): Uint8Array {
  if (v < 0n) throw new RangeError("negative value");
  const hex = v.toString(16);
  if (hex.length > 2 * len) throw new RangeError(`value does not fit in ${len} bytes`);
  const padded = hex.padStart(2 * len, "0");
  const out = new Uint8Array(len);
  for (let i = 0; i < len; i++) out[i] = parseInt(padded.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Constant-time equality of two byte arrays (length is not secret). */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i] ^ b[i];
  return d === 0;
}
