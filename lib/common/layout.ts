/**
 * Byte layouts declared once. A structure from a spec (VMSA, GHCB, report,
 * secrets page …) is written as a {@link Layout}: its name, its size and each
 * field's offset, size and kind, with the source cited beside it. Encoding and
 * decoding both come from that one declaration, and the constructor rejects
 * overlapping or out-of-range fields so a typo cannot hide.
 *
 * Integers are little-endian, as in the AMD SEV-SNP ABI. Big-endian TPM
 * structures are marshalled by `lib/tpm` instead.
 * @module
 */

/**
 * The kinds of field a layout can hold.
 *
 * @example
 * ```ts
 * import type { FieldKind } from "./layout.ts";
 * const width: Record<FieldKind, number> = { u8: 1, u16: 2, u32: 4, u64: 8, bytes: 0 };
 * width.u64; // 8
 * ```
 */
export type FieldKind = "u8" | "u16" | "u32" | "u64" | "bytes";

/**
 * One field: where it is and how wide.
 *
 * @example
 * ```ts
 * import { type Field, Layout } from "./layout.ts";
 * const gpa: Field<"u64"> = { kind: "u64", offset: 8, size: 8 };
 * new Layout("entry", 16, { gpa }).get(new Uint8Array(16), "gpa"); // 0n
 * ```
 */
export interface Field<K extends FieldKind = FieldKind> {
  /** How the bytes are read. */
  readonly kind: K;
  /** Byte offset from the start of the structure. */
  readonly offset: number;
  /** Width in bytes. */
  readonly size: number;
}

/**
 * A u8 field at `offset`.
 *
 * @example
 * ```ts
 * import { Layout, u8 } from "./layout.ts";
 * const L = new Layout("demo", 8, { v: u8(4) });
 * L.get(new Uint8Array(8), "v"); // 0
 * ```
 */
export function u8(offset: number): Field<"u8"> {
  return { kind: "u8", offset, size: 1 };
}
/**
 * A little-endian u16 field at `offset`.
 *
 * @example
 * ```ts
 * import { Layout, u16 } from "./layout.ts";
 * const L = new Layout("demo", 8, { v: u16(4) });
 * L.get(new Uint8Array(8), "v"); // 0
 * ```
 */
export function u16(offset: number): Field<"u16"> {
  return { kind: "u16", offset, size: 2 };
}
/**
 * A little-endian u32 field at `offset`.
 *
 * @example
 * ```ts
 * import { Layout, u32 } from "./layout.ts";
 * const L = new Layout("demo", 8, { v: u32(4) });
 * L.get(new Uint8Array(8), "v"); // 0
 * ```
 */
export function u32(offset: number): Field<"u32"> {
  return { kind: "u32", offset, size: 4 };
}
/**
 * A little-endian u64 field at `offset`, read as a bigint.
 *
 * @example
 * ```ts
 * import { Layout, u64 } from "./layout.ts";
 * const L = new Layout("demo", 8, { v: u64(0) });
 * L.get(new Uint8Array(8), "v"); // 0n
 * ```
 */
export function u64(offset: number): Field<"u64"> {
  return { kind: "u64", offset, size: 8 };
}
/**
 * A raw byte field of `size` bytes at `offset`.
 *
 * @example
 * ```ts
 * import { bytes, Layout } from "./layout.ts";
 * const L = new Layout("demo", 16, { tag: bytes(0, 16) });
 * L.get(new Uint8Array(16), "tag").length; // 16
 * ```
 */
export function bytes(offset: number, size: number): Field<"bytes"> {
  return { kind: "bytes", offset, size };
}

/**
 * The value type of a field: bigint for u64, bytes for raw fields, else number.
 *
 * @example
 * ```ts
 * import type { Field, FieldValue } from "./layout.ts";
 * const gpa: FieldValue<Field<"u64">> = 0x1000n; // u64 fields read as bigint
 * const digest: FieldValue<Field<"bytes">> = new Uint8Array(48);
 * const count: FieldValue<Field<"u32">> = 3;
 * ```
 */
export type FieldValue<F> = F extends Field<"u64"> ? bigint
  : F extends Field<"bytes"> ? Uint8Array
  : number;

/**
 * A decoded structure: one value per field.
 *
 * @example
 * ```ts
 * import { bytes, type Decoded, Layout, u64 } from "./layout.ts";
 * const F = { addr: u64(0), tag: bytes(8, 4) };
 * const L = new Layout("demo", 12, F);
 * const d: Decoded<typeof F> = L.decode(L.encode({ addr: 7n }));
 * d.addr; // 7n
 * ```
 */
export type Decoded<F extends Record<string, Field>> = {
  -readonly [K in keyof F]: FieldValue<F[K]>;
};

/**
 * A structure's byte layout.
 *
 * @example
 * ```ts
 * import { Layout, u16, u64 } from "./layout.ts";
 * const HDR = new Layout("example header", 16, { kind: u16(0), addr: u64(8) });
 * const buf = HDR.encode({ kind: 2, addr: 0x1000n });
 * HDR.get(buf, "addr"); // 0x1000n
 * ```
 */
export class Layout<F extends Record<string, Field>> {
  /** Human-readable name, used in error messages. */
  readonly name: string;
  /** Total size in bytes. */
  readonly size: number;
  /** The field table. */
  readonly fields: F;

  /** Declares a layout; throws a `RangeError` if fields overlap or exceed `size`. */
  constructor(name: string, size: number, fields: F) {
    this.name = name;
    this.size = size;
    this.fields = fields;
    checkFields(name, size, fields);
  }

  /** Reads one field from `buf` at `base + field.offset`. */
  get<K extends keyof F>(buf: Uint8Array, name: K, base = 0): FieldValue<F[K]> {
    return readField(buf, this.fields[name], base) as FieldValue<F[K]>;
  }

  /** Writes one field into `buf` at `base + field.offset`. */
  set<K extends keyof F>(
    buf: Uint8Array,
    name: K,
    value: FieldValue<F[K]>,
    base = 0,
  ): void {
    writeField(buf, this.fields[name], value as FieldValue<Field>, base);
  }

  /** Reads every field. */
  decode(buf: Uint8Array, base = 0): Decoded<F> {
    if (buf.length - base < this.size) {
      throw new RangeError(
        `${this.name}: need ${this.size} bytes, have ${buf.length - base}`,
      );
    }
    const out: Record<string, unknown> = {};
    for (const [k, f] of Object.entries(this.fields)) {
      out[k] = readField(buf, f, base);
    }
    return out as Decoded<F>;
  }

  /** Writes the given fields into `out` (a new zeroed buffer by default). */
  encode(values: Partial<Decoded<F>>, out?: Uint8Array): Uint8Array {
    const buf = out ?? new Uint8Array(this.size);
    for (const [k, v] of Object.entries(values)) {
      if (v === undefined) continue;
      const f = this.fields[k];
      if (!f) throw new RangeError(`${this.name}: no field ${k}`);
      writeField(buf, f, v as FieldValue<Field>, 0);
    }
    return buf;
  }
}

function checkFields(name: string, size: number, fields: Record<string, Field>): void {
  const sorted = Object.entries(fields).sort((a, b) => a[1].offset - b[1].offset);
  let end = 0;
  let prev = "";
  for (const [k, f] of sorted) {
    if (f.offset < end) throw new RangeError(`${name}: ${k} overlaps ${prev}`);
    if (f.offset + f.size > size) throw new RangeError(`${name}: ${k} ends past ${size}`);
    end = f.offset + f.size;
    prev = k;
  }
}

function view(buf: Uint8Array): DataView {
  return new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
}

function readField(buf: Uint8Array, f: Field, base: number): number | bigint | Uint8Array {
  const o = base + f.offset;
  switch (f.kind) {
    case "u8":
      return buf[o];
    case "u16":
      return view(buf).getUint16(o, true);
    case "u32":
      return view(buf).getUint32(o, true);
    case "u64":
      return view(buf).getBigUint64(o, true);
    case "bytes":
      return buf.slice(o, o + f.size);
  }
}

function writeField(
  buf: Uint8Array,
  f: Field,
  v: number | bigint | Uint8Array,
  base: number,
): void {
  const o = base + f.offset;
  switch (f.kind) {
    case "u8":
      buf[o] = Number(v);
      return;
    case "u16":
      view(buf).setUint16(o, Number(v), true);
      return;
    case "u32":
      view(buf).setUint32(o, Number(v), true);
      return;
    case "u64":
      view(buf).setBigUint64(o, BigInt.asUintN(64, BigInt(v as number | bigint)), true);
      return;
    case "bytes": {
      const b = v as Uint8Array;
      if (b.length > f.size) throw new RangeError(`field of ${f.size} bytes given ${b.length}`);
      buf.set(b, o);
      buf.fill(0, o + b.length, o + f.size);
      return;
    }
  }
}
