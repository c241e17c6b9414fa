/**
 * Fixed-size element codecs for the kernel containers: how a value of type T
 * is stored in modeled memory (little-endian, as x86-64 stores it).
 * @module
 */
import type { Decoded, Field, Layout } from "../common/layout.ts";

/**
 * Reads and writes one fixed-size value at a byte offset of a DataView.
 *
 * @example
 * ```ts
 * import type { Codec } from "./codec.ts";
 * const U16: Codec<number> = {
 *   size: 2,
 *   align: 2,
 *   read: (v, o) => v.getUint16(o, true),
 *   write: (v, o, x) => v.setUint16(o, x, true),
 * };
 * ```
 */
export interface Codec<T> {
  /** Bytes per value, > 0. */
  readonly size: number;
  /** Required alignment, a power of two ≤ 4096. */
  readonly align: number;
  /** Decodes the value at `off`. */
  read(view: DataView, off: number): T;
  /** Encodes `value` at `off`. */
  write(view: DataView, off: number, value: T): void;
}

/**
 * An unsigned byte.
 *
 * @example
 * ```ts
 * import { U8 } from "./codec.ts";
 * const view = new DataView(new ArrayBuffer(4));
 * U8.write(view, 3, 0xab);
 * U8.read(view, 3); // 0xab
 * ```
 */
export const U8: Codec<number> = {
  size: 1,
  align: 1,
  read: (v, o) => v.getUint8(o),
  write: (v, o, x) => v.setUint8(o, x),
};

/**
 * A little-endian u32.
 *
 * @example
 * ```ts
 * import { U32 } from "./codec.ts";
 * const view = new DataView(new ArrayBuffer(8));
 * U32.write(view, 4, 0x1234_5678);
 * new Uint8Array(view.buffer)[4]; // 0x78: least significant byte first
 * ```
 */
export const U32: Codec<number> = {
  size: 4,
  align: 4,
  read: (v, o) => v.getUint32(o, true),
  write: (v, o, x) => v.setUint32(o, x, true),
};

/**
 * A little-endian u64, as a bigint.
 *
 * @example
 * ```ts
 * import { U64 } from "./codec.ts";
 * const bytes = new Uint8Array([1, 0, 0, 0, 0, 0, 0, 0x80]);
 * U64.read(new DataView(bytes.buffer), 0); // 0x8000_0000_0000_0001n
 * ```
 */
export const U64: Codec<bigint> = {
  size: 8,
  align: 8,
  read: (v, o) => v.getBigUint64(o, true),
  write: (v, o, x) => v.setBigUint64(o, x, true),
};

/**
 * `n` raw bytes; reads copy, writes zero-fill short values.
 *
 * @example
 * ```ts
 * import { bytesCodec } from "./codec.ts";
 * const Digest = bytesCodec(48);
 * ```
 */
export function bytesCodec(n: number, align = 1): Codec<Uint8Array> {
  return {
    size: n,
    align,
    read: (v, o) => new Uint8Array(v.buffer, v.byteOffset + o, n).slice(),
    write: (v, o, x) => {
      if (x.length > n) throw new RangeError(`${x.length} bytes into a ${n}-byte element`);
      const dst = new Uint8Array(v.buffer, v.byteOffset + o, n);
      dst.set(x);
      dst.fill(0, x.length);
    },
  };
}

/**
 * A structure declared with `lib/common/layout.ts`, stored as its bytes.
 *
 * @example
 * ```ts
 * import { Layout, u32, u64 } from "../common/layout.ts";
 * import { layoutCodec } from "./codec.ts";
 * const Entry = layoutCodec(new Layout("entry", 16, { gpa: u64(0), flags: u32(8) }));
 * ```
 */
export function layoutCodec<F extends Record<string, Field>>(
  layout: Layout<F>,
  align = 8,
): Codec<Decoded<F>> {
  const at = (v: DataView, o: number): Uint8Array =>
    new Uint8Array(v.buffer, v.byteOffset + o, layout.size);
  return {
    size: layout.size,
    align,
    read: (v, o) => layout.decode(at(v, o)),
    write: (v, o, x) => {
      layout.encode(x, at(v, o).fill(0));
    },
  };
}
