/**
 * The core PVALIDATE request: a list header and 64-bit entries at the GPA in
 * RCX (COCONUT kernel/src/protocols/core.rs `core_pvalidate`; svsm-abi.md §6).
 * @module
 */
import { type Field, Layout, u16, u32 } from "../../common/layout.ts";

/**
 * List header; `entries` then `next`, then 8-byte entries from offset 8.
 *
 * @example
 * ```ts
 * import { PVALIDATE_LIST_HEADER } from "./pvalidate_list.ts";
 * const list = new Uint8Array(4096);
 * PVALIDATE_LIST_HEADER.set(list, "entries", 3);
 * PVALIDATE_LIST_HEADER.get(list, "entries"); // 3
 * ```
 */
export const PVALIDATE_LIST_HEADER: Layout<{
  entries: Field<"u16">;
  next: Field<"u16">;
  reserved: Field<"u32">;
}> = new Layout("PVALIDATE list header", 8, {
  entries: u16(0x0), // 1 <= entries <= max_entries
  next: u16(0x2), // index of the next entry to process; advanced by the SVSM
  reserved: u32(0x4), // not checked by COCONUT
});

/**
 * Size of one list entry in bytes.
 *
 * @example
 * ```ts
 * import { PVALIDATE_ENTRY_SIZE } from "./pvalidate_list.ts";
 * const list = new Uint8Array(4096);
 * const view = new DataView(list.buffer);
 * view.setBigUint64(8 + 2 * PVALIDATE_ENTRY_SIZE, 0x200004n, true); // entry 2, after the 8-byte header
 * ```
 */
export const PVALIDATE_ENTRY_SIZE = 8;

/**
 * One decoded list entry (bit layout: svsm-abi.md §6 "Entry (u64)").
 *
 * @example
 * ```ts
 * import { decodePvalidateEntry, type PvalidateEntry } from "./pvalidate_list.ts";
 * const e: PvalidateEntry = decodePvalidateEntry(0x200005, 0);
 * e.pageSize; // 1: a 2 MiB page
 * e.validate; // true
 * ```
 */
export interface PvalidateEntry {
  /** Bits 1:0: 0 = 4 KiB, 1 = 2 MiB (2 and 3 are invalid). */
  readonly pageSize: number;
  /** Bit 2: true = validate, false = invalidate. */
  readonly validate: boolean;
  /** Bit 3: treat "already in that state" as success. */
  readonly ignoreCf: boolean;
  /** Bits 11:4, must be zero. */
  readonly reserved: number;
  /** Bits 63:12: the page's GPA. */
  readonly gpa: number;
}

/**
 * Decodes an entry from its two 32-bit halves.
 *
 * @example
 * ```ts
 * import { decodePvalidateEntry, encodePvalidateEntry } from "./pvalidate_list.ts";
 * const v = encodePvalidateEntry({ gpa: 0x200000, validate: true });
 * decodePvalidateEntry(Number(v & 0xffffffffn), Number(v >> 32n)).gpa; // 0x200000
 * ```
 */
export function decodePvalidateEntry(lo: number, hi: number): PvalidateEntry {
  return {
    pageSize: lo & 0x3,
    validate: (lo & 0x4) !== 0,
    ignoreCf: (lo & 0x8) !== 0,
    reserved: (lo >>> 4) & 0xff,
    gpa: hi * 0x1_0000_0000 + ((lo & ~0xfff) >>> 0),
  };
}

/**
 * Encodes an entry as a bigint (for guests and tests).
 *
 * @example
 * ```ts
 * import { encodePvalidateEntry } from "./pvalidate_list.ts";
 * encodePvalidateEntry({ gpa: 0x200000, validate: true }).toString(16); // "200004"
 * ```
 */
export function encodePvalidateEntry(
  e: { gpa: number; pageSize?: number; validate: boolean; ignoreCf?: boolean },
): bigint {
  return BigInt(e.gpa) | BigInt(e.pageSize ?? 0) | (e.validate ? 4n : 0n) |
    (e.ignoreCf ? 8n : 0n);
}

/**
 * How many entries fit between the list at `gpa` and the end of its 4 KiB
 * page: `(4096 - page_offset - 8) / 8` (510 at CA offset 8, as Linux uses).
 *
 * @example
 * ```ts
 * import { maxPvalidateEntries } from "./pvalidate_list.ts";
 * maxPvalidateEntries(0x1008); // 510
 * ```
 */
export function maxPvalidateEntries(gpa: number): number {
  return Math.floor((4096 - (gpa % 4096) - 8) / PVALIDATE_ENTRY_SIZE);
}
