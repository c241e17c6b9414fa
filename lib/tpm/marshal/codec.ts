/**
 * Marshalling as data: a {@link Codec} reads and writes one Part 2 type, and
 * structures are declared as tables of named fields (Part 2 §5–§15). One
 * declaration gives both directions.
 * @module
 */
import { TPM_RC, TpmError } from "../response_code.ts";
import { TpmReader, TpmWriter } from "./buffer.ts";

/**
 * Reads and writes one TPM type. `tpm2b` marks sized byte buffers (parameter encryption).
 *
 * @example
 * ```ts
 * import { type Codec, encode } from "./codec.ts";
 * const HANDLE_PAIR: Codec<[number, number]> = {
 *   name: "HANDLE_PAIR",
 *   read: (r) => [r.u32(), r.u32()],
 *   write: (w, v) => {
 *     w.u32(v[0]).u32(v[1]);
 *   },
 * };
 * encode(HANDLE_PAIR, [0x80000000, 0x40000001]).length; // 8
 * ```
 */
export interface Codec<T> {
  /** The Part 2 type name. */
  readonly name: string;
  /** Decodes from `r`; throws `TpmError` with the unmarshal code on bad input. */
  read(r: TpmReader): T;
  /** Encodes `v` onto `w`. */
  write(w: TpmWriter, v: T): void;
  /** True for TPM2B types: a u16 size then that many bytes (Part 2 §5.7). */
  readonly tpm2b?: boolean;
}

/**
 * The decoded value type of a codec.
 *
 * @example
 * ```ts
 * import { UINT64, type ValueOf } from "./codec.ts";
 * import { TPMS_CLOCK_INFO } from "./types.ts";
 * const clock: ValueOf<typeof UINT64> = 5000n; // UINT64 decodes to a bigint
 * const info: ValueOf<typeof TPMS_CLOCK_INFO> = { clock, resetCount: 0, restartCount: 0, safe: 1 };
 * ```
 */
export type ValueOf<C> = C extends Codec<infer T> ? T : never;

/**
 * A table of named fields, in wire order.
 *
 * @example
 * ```ts
 * import { encode, type Fields, struct, UINT16, UINT32 } from "./codec.ts";
 * // The TPM command header (Part 1 §18.2): tag, commandSize, commandCode.
 * const HEADER = { tag: UINT16, size: UINT32, code: UINT32 } satisfies Fields;
 * encode(struct("HEADER", HEADER), { tag: 0x8001, size: 12, code: 0x144 }).length; // 10
 * ```
 */
export type Fields = Record<string, Codec<unknown>>;

/**
 * The decoded object of a field table.
 *
 * @example
 * ```ts
 * import { type StructOf, UINT16, UINT32 } from "./codec.ts";
 * type Header = StructOf<{ tag: typeof UINT16; size: typeof UINT32 }>;
 * const header: Header = { tag: 0x8001, size: 12 }; // TPM_ST_NO_SESSIONS, 12 bytes
 * ```
 */
export type StructOf<F extends Fields> = { [K in keyof F]: ValueOf<F[K]> };

/**
 * UINT8. Part 2 §5.2.
 *
 * @example
 * ```ts
 * import { decode, UINT8 } from "./codec.ts";
 * decode(UINT8, new Uint8Array([3])); // 3, e.g. a TPMS_PCR_SELECTION's sizeofSelect
 * ```
 */
export const UINT8: Codec<number> = {
  name: "UINT8",
  read: (r) => r.u8(),
  write: (w, v) => w.u8(v),
};
/**
 * UINT16.
 *
 * @example
 * ```ts
 * import { encode, UINT16 } from "./codec.ts";
 * encode(UINT16, 0x8001); // Uint8Array [0x80, 0x01]: TPM_ST_NO_SESSIONS (Part 2 §6.9), big-endian
 * ```
 */
export const UINT16: Codec<number> = {
  name: "UINT16",
  read: (r) => r.u16(),
  write: (w, v) => w.u16(v),
};
/**
 * UINT32.
 *
 * @example
 * ```ts
 * import { decode, UINT32 } from "./codec.ts";
 * decode(UINT32, new Uint8Array([0, 0, 0x01, 0x44])); // 0x144, TPM_CC_Startup (Part 2 §6.5.2)
 * ```
 */
export const UINT32: Codec<number> = {
  name: "UINT32",
  read: (r) => r.u32(),
  write: (w, v) => w.u32(v),
};
/**
 * UINT64.
 *
 * @example
 * ```ts
 * import { encode, UINT64 } from "./codec.ts";
 * encode(UINT64, 1000n); // Uint8Array [0, 0, 0, 0, 0, 0, 0x03, 0xe8]: big-endian, Part 2 §5.2
 * ```
 */
export const UINT64: Codec<bigint> = {
  name: "UINT64",
  read: (r) => r.u64(),
  write: (w, v) => w.u64(v),
};
/**
 * INT32, for TPM2_PolicySigned/Secret expiration.
 *
 * @example
 * ```ts
 * import { decode, encode, INT32 } from "./codec.ts";
 * // A negative TPM2_PolicySigned expiration (Part 3 §23.3) asks for a ticket.
 * decode(INT32, new Uint8Array([0xff, 0xff, 0xff, 0xc4])); // -60
 * encode(INT32, -1); // Uint8Array [0xff, 0xff, 0xff, 0xff]
 * ```
 */
export const INT32: Codec<number> = {
  name: "INT32",
  read: (r) => r.u32() | 0,
  write: (w, v) => w.u32(v >>> 0),
};

/**
 * A TPM2B: u16 size, then at most `max` bytes; too large is TPM_RC_SIZE. Part 2 §10.4.
 *
 * @example
 * ```ts
 * import { decode, encode, tpm2b } from "./codec.ts";
 * const NONCE = tpm2b("TPM2B_NONCE", 64);
 * encode(NONCE, new Uint8Array([1, 2])); // Uint8Array [0, 2, 1, 2]
 * decode(NONCE, new Uint8Array([0, 1, 9])); // Uint8Array [9]
 * ```
 */
export function tpm2b(name: string, max: number): Codec<Uint8Array> {
  return {
    name,
    tpm2b: true,
    read(r) {
      const size = r.u16();
      if (size > max) throw new TpmError(TPM_RC.SIZE);
      return r.bytes(size);
    },
    write(w, v) {
      w.u16(v.length).bytes(v);
    },
  };
}

/**
 * A structure declared as a field table.
 *
 * @example
 * ```ts
 * import { encode, struct, UINT16, UINT32 } from "./codec.ts";
 * const PAIR = struct("PAIR", { a: UINT16, b: UINT32 });
 * encode(PAIR, { a: 1, b: 2 }); // Uint8Array [0, 1, 0, 0, 0, 2]
 * ```
 */
export function struct<F extends Fields>(name: string, fields: F): Codec<StructOf<F>> {
  const entries = Object.entries(fields);
  return {
    name,
    read(r) {
      const out: Record<string, unknown> = {};
      for (const [k, c] of entries) out[k] = c.read(r);
      return out as StructOf<F>;
    },
    write(w, v) {
      for (const [k, c] of entries) c.write(w, (v as Record<string, unknown>)[k]);
    },
  };
}

/**
 * A TPML: u32 count (≤ `max`, else TPM_RC_SIZE), then that many elements. Part 2 §10.9.
 *
 * @example
 * ```ts
 * import { decode, list, UINT16 } from "./codec.ts";
 * const L = list("TPML_DEMO", UINT16, 8);
 * decode(L, new Uint8Array([0, 0, 0, 2, 0, 7, 0, 9])); // [7, 9]
 * ```
 */
export function list<T>(name: string, elem: Codec<T>, max: number): Codec<T[]> {
  return {
    name,
    read(r) {
      const n = r.u32();
      if (n > max) throw new TpmError(TPM_RC.SIZE);
      const out: T[] = [];
      for (let i = 0; i < n; i++) out.push(elem.read(r));
      return out;
    },
    write(w, v) {
      w.u32(v.length);
      for (const e of v) elem.write(w, e);
    },
  };
}

/**
 * A sized structure (TPM2B_PUBLIC, TPM2B_NV_PUBLIC …): u16 size, then the
 * inner structure filling exactly that size, else TPM_RC_SIZE. Part 2 §5.7.
 * An empty one is allowed only when `allowEmpty` (decoded as `null`).
 *
 * @example
 * ```ts
 * import { decode, encode, sized, struct, UINT32 } from "./codec.ts";
 * const SIZED = sized("TPM2B_DEMO", struct("DEMO", { v: UINT32 }));
 * encode(SIZED, { v: 1 }); // Uint8Array [0, 4, 0, 0, 0, 1]
 * decode(SIZED, new Uint8Array([0, 4, 0, 0, 0, 1])); // { v: 1 }
 * ```
 */
export function sized<T>(name: string, inner: Codec<T>, allowEmpty = false): Codec<T | null> {
  return {
    name,
    tpm2b: true,
    read(r) {
      const size = r.u16();
      if (size === 0) {
        if (allowEmpty) return null;
        throw new TpmError(TPM_RC.SIZE);
      }
      // As the reference's sized unmarshallers: the inner structure is read
      // from the rest of the buffer and must have used exactly `size` bytes,
      // else TPM_RC_SIZE (a size too small is not TPM_RC_INSUFFICIENT).
      const before = r.remaining;
      const v = inner.read(r);
      if (before - r.remaining !== size) throw new TpmError(TPM_RC.SIZE);
      return v;
    },
    write(w, v) {
      if (v === null) {
        w.u16(0);
        return;
      }
      const inner_w = new TpmWriter();
      inner.write(inner_w, v);
      w.u16(inner_w.length).bytes(inner_w.finish());
    },
  };
}

/**
 * An interface type (TPMI_*): the base codec plus a check of allowed values;
 * anything else is `rc` (TPM_RC_VALUE by default, or e.g. TPM_RC_HASH).
 *
 * @example
 * ```ts
 * import { decode, oneOf, UINT16 } from "./codec.ts";
 * const ALG = oneOf("TPMI_ALG_DEMO", UINT16, [0x000b, 0x000c]);
 * decode(ALG, new Uint8Array([0, 0x0b])); // 0x000b; [0, 1] throws TPM_RC_VALUE
 * ```
 */
export function oneOf(
  name: string,
  base: Codec<number>,
  allowed: Iterable<number>,
  rc: number = TPM_RC.VALUE,
): Codec<number> {
  const set = new Set(allowed);
  return {
    name,
    read(r) {
      const v = base.read(r);
      if (!set.has(v)) throw new TpmError(rc);
      return v;
    },
    write: base.write,
  };
}

/**
 * Encodes a value with its codec into fresh bytes.
 *
 * @example
 * ```ts
 * import { encode, UINT32 } from "./codec.ts";
 * encode(UINT32, 0x01020304); // Uint8Array [1, 2, 3, 4]
 * ```
 */
export function encode<T>(codec: Codec<T>, v: T): Uint8Array {
  const w = new TpmWriter();
  codec.write(w, v);
  return w.finish();
}

/**
 * Decodes exactly the whole of `bytes` (left-over bytes are TPM_RC_SIZE).
 *
 * @example
 * ```ts
 * import { decode, UINT16 } from "./codec.ts";
 * decode(UINT16, new Uint8Array([0x01, 0x44])); // 0x0144
 * ```
 */
export function decode<T>(codec: Codec<T>, bytes: Uint8Array): T {
  const r = new TpmReader(bytes);
  const v = codec.read(r);
  if (r.remaining !== 0) throw new TpmError(TPM_RC.SIZE);
  return v;
}

/**
 * Pre-marshalled bytes (a union arm already encoded); reading takes everything left.
 *
 * @example
 * ```ts
 * import { decode, RAW, struct, UINT16 } from "./codec.ts";
 * const TAGGED = struct("TAGGED", { selector: UINT16, arm: RAW });
 * decode(TAGGED, new Uint8Array([0x00, 0x10, 7, 7])); // { selector: 0x10, arm: Uint8Array [7, 7] }
 * ```
 */
export const RAW: Codec<Uint8Array> = {
  name: "RAW",
  read: (r) => r.bytes(r.remaining),
  write: (w, v) => w.bytes(v),
};
