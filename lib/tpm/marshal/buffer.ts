/**
 * Big-endian reader and writer for TPM wire bytes (Part 1 §18, Part 2 §5).
 * The reader never reads past its end: a short buffer is TPM_RC_INSUFFICIENT,
 * as the reference unmarshalling code returns.
 * @module
 */
import { TPM_RC, TpmError } from "../response_code.ts";

/**
 * Reads big-endian integers and byte strings; throws `TpmError(INSUFFICIENT)`
 * on truncation.
 *
 * @example
 * ```ts
 * import { TpmReader } from "./buffer.ts";
 * const r = new TpmReader(new Uint8Array([0x80, 0x01]));
 * r.u16(); // 0x8001
 * ```
 */
export class TpmReader {
  /** The underlying bytes. */
  readonly buf: Uint8Array;
  #pos: number;
  readonly #end: number;
  readonly #view: DataView;

  /** Reads `buf[start, end)`. */
  constructor(buf: Uint8Array, start = 0, end = buf.length) {
    this.buf = buf;
    this.#pos = start;
    this.#end = end;
    this.#view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  /** Current offset into `buf`. */
  get pos(): number {
    return this.#pos;
  }
  /** Bytes left before the end. */
  get remaining(): number {
    return this.#end - this.#pos;
  }

  #take(n: number): number {
    if (n < 0 || this.#pos + n > this.#end) throw new TpmError(TPM_RC.INSUFFICIENT);
    const p = this.#pos;
    this.#pos += n;
    return p;
  }

  /** One byte. */
  u8(): number {
    return this.buf[this.#take(1)];
  }
  /** Big-endian u16. */
  u16(): number {
    return this.#view.getUint16(this.#take(2));
  }
  /** Big-endian u32. */
  u32(): number {
    return this.#view.getUint32(this.#take(4));
  }
  /** Big-endian u64. */
  u64(): bigint {
    return this.#view.getBigUint64(this.#take(8));
  }
  /** `n` bytes, as a view into `buf` (the dispatcher reads a private copy of each command). */
  bytes(n: number): Uint8Array {
    const p = this.#take(n);
    return this.buf.subarray(p, p + n);
  }
  /** A reader over the next `n` bytes, advancing past them. */
  sub(n: number): TpmReader {
    const p = this.#take(n);
    return new TpmReader(this.buf, p, p + n);
  }
}

/**
 * Appends big-endian integers and byte strings to a growing buffer.
 *
 * @example
 * ```ts
 * import { TpmWriter } from "./buffer.ts";
 * const w = new TpmWriter();
 * w.u16(0x8001); w.u32(10);
 * w.finish(); // Uint8Array [0x80, 0x01, 0, 0, 0, 10]
 * ```
 */
export class TpmWriter {
  #buf = new Uint8Array(64);
  #len = 0;

  #room(n: number): number {
    if (this.#len + n > this.#buf.length) {
      const next = new Uint8Array(Math.max(this.#buf.length * 2, this.#len + n));
      next.set(this.#buf.subarray(0, this.#len));
      this.#buf = next;
    }
    const p = this.#len;
    this.#len += n;
    return p;
  }

  /** Bytes written so far. */
  get length(): number {
    return this.#len;
  }
  /** One byte. */
  u8(v: number): this {
    const p = this.#room(1);
    this.#buf[p] = v & 0xff;
    return this;
  }
  /** Big-endian u16. */
  u16(v: number): this {
    const p = this.#room(2);
    this.#buf[p] = (v >>> 8) & 0xff;
    this.#buf[p + 1] = v & 0xff;
    return this;
  }
  /** Big-endian u32. */
  u32(v: number): this {
    const p = this.#room(4);
    new DataView(this.#buf.buffer).setUint32(p, v >>> 0);
    return this;
  }
  /** Big-endian u64. */
  u64(v: bigint): this {
    const p = this.#room(8);
    new DataView(this.#buf.buffer).setBigUint64(p, BigInt.asUintN(64, v));
    return this;
  }
  /** Raw bytes. */
  bytes(b: Uint8Array): this {
    const p = this.#room(b.length);
    this.#buf.set(b, p);
    return this;
  }
  /** Overwrites a u32 already written at `offset` (for size fields). */
  patchU32(offset: number, v: number): void {
    new DataView(this.#buf.buffer).setUint32(offset, v >>> 0);
  }
  /** Overwrites a u16 already written at `offset`. */
  patchU16(offset: number, v: number): void {
    new DataView(this.#buf.buffer).setUint16(offset, v);
  }
  /** A copy of the bytes written. */
  finish(): Uint8Array {
    return this.#buf.slice(0, this.#len);
  }
}
