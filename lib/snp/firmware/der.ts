/**
 * A minimal DER (ITU-T X.690) writer and reader: just what X.509 certificates
 * of the AMD key hierarchy and ECDSA signatures need. The reader is strict
 * (definite, minimal lengths; nothing past the end) since certificates come
 * from outside.
 * @module
 */

/** Universal tags used here. */
export const Tag = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  PRINTABLE_STRING: 0x13,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

/** Malformed DER. */
export class DerError extends Error {
  /** Error name, for messages. */
  override name = "DerError";
}

// ---- writer ----

/** Concatenates byte arrays. */
export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** One TLV with a definite, minimal length. */
export function tlv(tag: number, value: Uint8Array): Uint8Array {
  const n = value.length;
  let len: number[];
  if (n < 0x80) len = [n];
  else {
    const b: number[] = [];
    for (let x = n; x > 0; x = Math.floor(x / 256)) b.unshift(x & 0xff);
    len = [0x80 | b.length, ...b];
  }
  return concat([new Uint8Array([tag, ...len]), value]);
}

/** SEQUENCE of the given encodings. */
export function seq(...items: Uint8Array[]): Uint8Array {
  return tlv(Tag.SEQUENCE, concat(items));
}

/** SET of the given encodings (callers give them in DER order). */
export function set(...items: Uint8Array[]): Uint8Array {
  return tlv(Tag.SET, concat(items));
}

/** INTEGER from a non-negative bigint or number. */
export function int(v: bigint | number): Uint8Array {
  let x = BigInt(v);
  if (x < 0n) throw new RangeError("negative INTEGER not supported");
  const b: number[] = [];
  do {
    b.unshift(Number(x & 0xffn));
    x >>= 8n;
  } while (x > 0n);
  if (b[0] & 0x80) b.unshift(0);
  return tlv(Tag.INTEGER, new Uint8Array(b));
}

/** INTEGER from unsigned big-endian bytes (leading zeros dropped). */
export function uintBytes(be: Uint8Array): Uint8Array {
  let i = 0;
  while (i < be.length - 1 && be[i] === 0) i++;
  const v = be.subarray(i);
  return tlv(Tag.INTEGER, v[0] & 0x80 ? concat([new Uint8Array([0]), v]) : v);
}

/** OBJECT IDENTIFIER from dotted text. */
export function oid(dotted: string): Uint8Array {
  const arcs = dotted.split(".").map(Number);
  const out = [40 * arcs[0] + arcs[1]];
  for (const arc of arcs.slice(2)) {
    const b = [arc & 0x7f];
    for (let x = Math.floor(arc / 128); x > 0; x = Math.floor(x / 128)) {
      b.unshift(0x80 | (x & 0x7f));
    }
    out.push(...b);
  }
  return tlv(Tag.OID, new Uint8Array(out));
}

/** NULL. */
export function nul(): Uint8Array {
  return new Uint8Array([Tag.NULL, 0]);
}

/** BOOLEAN. */
export function bool(v: boolean): Uint8Array {
  return new Uint8Array([Tag.BOOLEAN, 1, v ? 0xff : 0]);
}

/** BIT STRING with no unused bits. */
export function bitString(v: Uint8Array): Uint8Array {
  return tlv(Tag.BIT_STRING, concat([new Uint8Array([0]), v]));
}

/** OCTET STRING. */
export function octetString(v: Uint8Array): Uint8Array {
  return tlv(Tag.OCTET_STRING, v);
}

/** A string type (PrintableString, IA5String, UTF8String) from text. */
export function str(tag: number, text: string): Uint8Array {
  return tlv(tag, new TextEncoder().encode(text));
}

/** Context-specific constructed [n] EXPLICIT wrapper. */
export function explicit(n: number, inner: Uint8Array): Uint8Array {
  return tlv(0xa0 | n, inner);
}

/** X.509 Time: UTCTime before 2050, GeneralizedTime from 2050 (RFC 5280 §4.1.2.5). */
export function time(d: Date): Uint8Array {
  const iso = d.toISOString().replace(/[-:T]/g, "").slice(0, 14);
  return d.getUTCFullYear() < 2050
    ? str(Tag.UTC_TIME, `${iso.slice(2)}Z`)
    : str(Tag.GENERALIZED_TIME, `${iso}Z`);
}

// ---- reader ----

/** One decoded TLV. `value` and `raw` are views into the input. */
export interface DerNode {
  /** The identifier octet. */
  readonly tag: number;
  /** Contents octets. */
  readonly value: Uint8Array;
  /** The whole TLV (header and contents). */
  readonly raw: Uint8Array;
}

/** Reads the TLV at `offset`; throws {@link DerError} on anything not DER. */
export function readTlv(buf: Uint8Array, offset = 0): DerNode {
  if (offset + 2 > buf.length) throw new DerError("truncated DER header");
  const tag = buf[offset];
  if ((tag & 0x1f) === 0x1f) throw new DerError("multi-byte DER tags are not supported");
  let len = buf[offset + 1];
  let hdr = 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0) throw new DerError("indefinite DER length");
    if (n > 4 || offset + 2 + n > buf.length) throw new DerError("bad DER length");
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[offset + 2 + i];
    if (len < 0x80 || buf[offset + 2] === 0) throw new DerError("non-minimal DER length");
    hdr += n;
  }
  const end = offset + hdr + len;
  if (end > buf.length) throw new DerError("DER value runs past the end of the input");
  return { tag, value: buf.subarray(offset + hdr, end), raw: buf.subarray(offset, end) };
}

/** Parses exactly one TLV filling all of `buf`. */
export function parseDer(buf: Uint8Array): DerNode {
  const node = readTlv(buf, 0);
  if (node.raw.length !== buf.length) throw new DerError("trailing bytes after DER value");
  return node;
}

/** The children of a constructed node. */
export function children(node: DerNode): DerNode[] {
  if (!(node.tag & 0x20)) throw new DerError(`tag 0x${node.tag.toString(16)} is not constructed`);
  const out: DerNode[] = [];
  for (let o = 0; o < node.value.length;) {
    const c = readTlv(node.value, o);
    out.push(c);
    o += c.raw.length;
  }
  return out;
}

/** Asserts the tag, returning the node for chaining. */
export function expectTag(node: DerNode | undefined, tag: number, what: string): DerNode {
  if (!node) throw new DerError(`${what}: missing`);
  if (node.tag !== tag) {
    throw new DerError(
      `${what}: expected tag 0x${tag.toString(16)}, got 0x${node.tag.toString(16)}`,
    );
  }
  return node;
}

/** A non-negative INTEGER as bigint (negative ones are refused). */
export function readInt(node: DerNode, what: string): bigint {
  expectTag(node, Tag.INTEGER, what);
  const v = node.value;
  if (v.length === 0) throw new DerError(`${what}: empty INTEGER`);
  if (v[0] & 0x80) throw new DerError(`${what}: negative INTEGER`);
  let x = 0n;
  for (const b of v) x = (x << 8n) | BigInt(b);
  return x;
}

/** An OBJECT IDENTIFIER as dotted text. */
export function readOid(node: DerNode, what: string): string {
  expectTag(node, Tag.OID, what);
  const v = node.value;
  if (v.length === 0) throw new DerError(`${what}: empty OID`);
  const arcs: number[] = [];
  let x = 0;
  for (const b of v) {
    x = x * 128 + (b & 0x7f);
    if (!(b & 0x80)) {
      arcs.push(x);
      x = 0;
    }
  }
  const first = arcs.shift()!;
  const top = first < 80 ? Math.floor(first / 40) : 2;
  return [top, first - 40 * top, ...arcs].join(".");
}

/** A BIT STRING's bytes (unused-bit count must be zero). */
export function readBitString(node: DerNode, what: string): Uint8Array {
  expectTag(node, Tag.BIT_STRING, what);
  if (node.value.length < 1 || node.value[0] !== 0) {
    throw new DerError(`${what}: BIT STRING with unused bits`);
  }
  return node.value.subarray(1);
}

/** UTCTime or GeneralizedTime as a Date. */
export function readTime(node: DerNode, what: string): Date {
  const s = new TextDecoder().decode(node.value);
  const m = node.tag === Tag.UTC_TIME
    ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(s)
    : node.tag === Tag.GENERALIZED_TIME
    ? /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(s)
    : null;
  if (!m) throw new DerError(`${what}: bad time`);
  let year = Number(m[1]);
  if (node.tag === Tag.UTC_TIME) year += year < 50 ? 2000 : 1900;
  return new Date(Date.UTC(year, +m[2] - 1, +m[3], +m[4], +m[5], +m[6]));
}

/** A string-typed node as text. */
export function readString(node: DerNode): string {
  return new TextDecoder().decode(node.value);
}
