/**
 * Exact-length reads and whole writes on a stream socket. TCP delivers a
 * byte stream, not messages: a command may arrive in pieces (mssim clients
 * write the prefix and the command separately) or several at once.
 * @module
 */

/**
 * The peer closed the connection in the middle of a message.
 *
 * @example
 * ```ts
 * import { type ByteStream, ConnReader, TruncatedMessage } from "./conn_reader.ts";
 * // A peer that sends 5 bytes of a 10-byte command, then hangs up.
 * const pieces = [new Uint8Array([0x80, 0x01, 0, 0, 0])];
 * const stream: ByteStream = {
 *   read(p) {
 *     const piece = pieces.shift();
 *     if (piece === undefined) return Promise.resolve(null);
 *     p.set(piece);
 *     return Promise.resolve(piece.length);
 *   },
 *   write: (p) => Promise.resolve(p.length),
 * };
 * const reader = new ConnReader(stream);
 * try {
 *   await reader.readExact(10);
 * } catch (e) {
 *   if (!(e instanceof TruncatedMessage)) throw e; // the peer hung up mid-message
 * }
 * ```
 */
export class TruncatedMessage extends Error {
  /** Error name for messages and `instanceof`-free checks. */
  override name = "TruncatedMessage";
}

/**
 * Minimal stream the reader needs; `Deno.Conn` fits.
 *
 * @example
 * ```ts
 * import { type ByteStream, ConnReader } from "./conn_reader.ts";
 * // An in-memory stream delivering one 10-byte message in two pieces, then its end.
 * const pieces = [new Uint8Array([0x80, 0x01, 0, 0, 0]), new Uint8Array([10, 0, 0, 0, 0])];
 * const stream: ByteStream = {
 *   read(p) {
 *     const piece = pieces.shift();
 *     if (piece === undefined) return Promise.resolve(null);
 *     p.set(piece);
 *     return Promise.resolve(piece.length);
 *   },
 *   write: (p) => Promise.resolve(p.length),
 * };
 * await new ConnReader(stream).readExact(10); // both pieces, joined
 * ```
 */
export interface ByteStream {
  /** Reads into `p`; resolves to the count, or null at end of stream. */
  read(p: Uint8Array): Promise<number | null>;
  /** Writes some prefix of `p`; resolves to the count written. */
  write(p: Uint8Array): Promise<number>;
}

/**
 * Buffered reader over one connection.
 *
 * @example
 * ```ts
 * import { type ByteStream, ConnReader } from "./conn_reader.ts";
 * // Any ByteStream (a Deno.Conn, or this peer that sends one u32 code, then closes).
 * const pieces = [new Uint8Array([0, 0, 0, 2])];
 * const conn: ByteStream = {
 *   read(p) {
 *     const piece = pieces.shift();
 *     if (piece === undefined) return Promise.resolve(null);
 *     p.set(piece);
 *     return Promise.resolve(piece.length);
 *   },
 *   write: (p) => Promise.resolve(p.length),
 * };
 * const r = new ConnReader(conn);
 * const code = await r.readExact(4); // Uint8Array [0, 0, 0, 2]
 * const next = await r.readExact(4); // null: the peer closed cleanly
 * ```
 */
export class ConnReader {
  #stream: ByteStream;
  #stallMs: number;
  #buf = new Uint8Array(8192);
  #start = 0;
  #end = 0;

  /**
   * Reads from `stream`. A peer that goes silent for `stallMs` in the middle
   * of a message is cut off ({@link TruncatedMessage}), so a stalled or
   * hostile client cannot hold a connection slot forever; silence between
   * messages is fine (persistent clients idle). 0 = no limit.
   */
  constructor(stream: ByteStream, stallMs = 0) {
    this.#stream = stream;
    this.#stallMs = stallMs;
  }

  /**
   * Resolves to exactly `n` bytes (a fresh copy) starting a message, or null
   * if the stream ended before the first of them; ending part-way throws
   * {@link TruncatedMessage}.
   */
  readExact(n: number): Promise<Uint8Array | null> {
    return this.#read(n, true);
  }

  async #read(n: number, startsMessage: boolean): Promise<Uint8Array | null> {
    const out = new Uint8Array(n);
    let have = 0;
    while (have < n) {
      if (this.#start === this.#end && !(await this.#fill(!startsMessage || have > 0))) {
        if (have === 0 && startsMessage) return null;
        throw new TruncatedMessage(`stream ended after ${have} of ${n} bytes`);
      }
      const take = Math.min(n - have, this.#end - this.#start);
      out.set(this.#buf.subarray(this.#start, this.#start + take), have);
      this.#start += take;
      have += take;
    }
    return out;
  }

  /** Bytes already buffered (readable without waiting). */
  get buffered(): number {
    return this.#end - this.#start;
  }

  /** A view of the next `n` buffered bytes, not consumed; valid until the next read. */
  peek(n: number): Uint8Array {
    if (n > this.buffered) throw new RangeError(`peek(${n}) with ${this.buffered} buffered`);
    return this.#buf.subarray(this.#start, this.#start + n);
  }

  /** The next `n` buffered bytes, without waiting; `n` must be ≤ {@link buffered}. */
  take(n: number): Uint8Array {
    const out = new Uint8Array(n);
    out.set(this.takeView(n));
    return out;
  }

  /**
   * Like {@link take} but a view into the buffer, not a copy: valid only
   * until the next read (no copy for a command the TPM copies anyway).
   */
  takeView(n: number): Uint8Array {
    if (n > this.buffered) throw new RangeError(`take(${n}) with ${this.buffered} buffered`);
    const out = this.#buf.subarray(this.#start, this.#start + n);
    this.#start += n;
    return out;
  }

  /**
   * Waits for more bytes, appended after those buffered (which move to the
   * front; at most the buffer's size minus one read stays buffered).
   * Resolves to false if the stream ended with nothing buffered; ending
   * mid-message throws {@link TruncatedMessage}, and so does a stall there.
   */
  async more(): Promise<boolean> {
    const have = this.buffered;
    if (this.#start > 0) {
      this.#buf.copyWithin(0, this.#start, this.#end);
      this.#start = 0;
      this.#end = have;
    }
    if (this.#end === this.#buf.length) throw new RangeError("ConnReader buffer full");
    const read = this.#stream.read(this.#buf.subarray(this.#end));
    const n = have > 0 && this.#stallMs > 0 ? await this.#withinStallLimit(read) : await read;
    if (n === null || n === 0) {
      if (have === 0) return false;
      throw new TruncatedMessage(`stream ended after ${have} bytes of a message`);
    }
    this.#end += n;
    return true;
  }

  /** Like {@link readExact} but end of stream anywhere is an error. */
  async readAll(n: number): Promise<Uint8Array> {
    const out = await this.#read(n, false);
    if (out === null) throw new TruncatedMessage(`stream ended before ${n} bytes`);
    return out;
  }

  async #fill(midMessage: boolean): Promise<boolean> {
    this.#start = this.#end = 0;
    const read = this.#stream.read(this.#buf);
    const n = midMessage && this.#stallMs > 0 ? await this.#withinStallLimit(read) : await read;
    if (n === null || n === 0) return false;
    this.#end = n;
    return true;
  }

  async #withinStallLimit(read: Promise<number | null>): Promise<number | null> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const stalled = new Promise<"stalled">((resolve) => {
      timer = setTimeout(() => resolve("stalled"), this.#stallMs);
    });
    try {
      const r = await Promise.race([read, stalled]);
      if (r !== "stalled") return r;
      read.catch(() => {}); // settles when the connection is closed
      throw new TruncatedMessage(`peer silent for ${this.#stallMs} ms in mid-message`);
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * Writes all of `bytes`, looping over short writes.
 *
 * @example
 * ```ts
 * import { type ByteStream, writeAll } from "./conn_reader.ts";
 * // A ByteStream (e.g. a Deno.Conn) that takes at most 4 bytes per write.
 * const sent: number[] = [];
 * const conn: ByteStream = {
 *   read: () => Promise.resolve(null),
 *   write(p) {
 *     sent.push(...p.subarray(0, 4));
 *     return Promise.resolve(Math.min(p.length, 4));
 *   },
 * };
 * await writeAll(conn, new Uint8Array([0x80, 0x01, 0, 0, 0, 10, 0, 0, 0, 0]));
 * sent.length; // 10, in three writes
 * ```
 */
export async function writeAll(stream: ByteStream, bytes: Uint8Array): Promise<void> {
  let at = 0;
  while (at < bytes.length) at += await stream.write(bytes.subarray(at));
}
