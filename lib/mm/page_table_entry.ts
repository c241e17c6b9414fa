/**
 * x86-64 4-level paging: entry bits, page sizes and virtual-address parsing.
 * Sources: Intel SDM Vol. 3A §4.5 (4-level paging, Tables 4-14 to 4-20) and
 * AMD APM Vol. 2 §5.3–5.4 (long-mode page translation and entry fields); the
 * SEV C-bit from AMD APM Vol. 2 §15.34 (its position is CPUID
 * Fn8000_001F EBX[5:0]; 51 on current parts).
 * Entries are 64-bit little-endian words, handled here as two u32 halves so
 * no BigInt appears on the walk: `lo` = bits 31:0, `hi` = bits 63:32.
 * @module
 */

/** Present (bit 0). */
export const PTE_P = 1 << 0;
/** Read/write (bit 1): writes allowed if set at every level. */
export const PTE_W = 1 << 1;
/** User/supervisor (bit 2): user access allowed if set at every level. */
export const PTE_U = 1 << 2;
/** Page-level write-through (bit 3). */
export const PTE_PWT = 1 << 3;
/** Page-level cache disable (bit 4). */
export const PTE_PCD = 1 << 4;
/** Accessed (bit 5). */
export const PTE_A = 1 << 5;
/** Dirty (bit 6, leaf entries only). */
export const PTE_D = 1 << 6;
/** Page size (bit 7): the PDPTE maps 1 GiB or the PDE maps 2 MiB. */
export const PTE_PS = 1 << 7;
/** Global (bit 8, leaf entries): survives a CR3 reload when CR4.PGE = 1 (SDM §4.10.2.4). */
export const PTE_G = 1 << 8;
/** Execute-disable (bit 63 = bit 31 of the high half), with EFER.NXE = 1. */
export const PTE_NX_HI = 1 << 31;

/** Flags a caller may choose when mapping; P and PS are set by the mapper. */
export const PTE_CALLER_FLAGS: number = PTE_W | PTE_U | PTE_PWT | PTE_PCD | PTE_A | PTE_D |
  PTE_G;

/** Flags of a non-leaf entry: the leaf decides the permissions (SDM §4.6: W and U are ANDed). */
export const PTE_TABLE_FLAGS: number = PTE_P | PTE_W | PTE_U;

/** Default C-bit position (svsm-abi.md §11: taken from CPUID 0x8000001F in the CPUID page). */
export const DEFAULT_C_BIT = 51;

/** 4 KiB page, mapped by a PTE (level 1). */
export const PAGE_4K = 0x1000;
/** 2 MiB page, mapped by a PDE with PS (level 2). */
export const PAGE_2M = 0x20_0000;
/** 1 GiB page, mapped by a PDPTE with PS (level 3). */
export const PAGE_1G = 0x4000_0000;
/** One of the three page sizes. */
export type PageSize = typeof PAGE_4K | typeof PAGE_2M | typeof PAGE_1G;

/** Bits of the linear address consumed below each level: PT 12, PD 21, PDPT 30, PML4 39. */
export const LEVEL_SHIFT: readonly number[] = [0, 12, 21, 30, 39];

/** Page size mapped by a leaf at `level` (1..3). */
export function levelSize(level: number): PageSize {
  return level === 1 ? PAGE_4K : level === 2 ? PAGE_2M : PAGE_1G;
}

/** Leaf level of a page size, or 0 if `size` is not one. */
export function leafLevel(size: number): number {
  return size === PAGE_4K ? 1 : size === PAGE_2M ? 2 : size === PAGE_1G ? 3 : 0;
}

/**
 * The low 48 bits of a canonical virtual address (bits 63:47 all equal,
 * SDM §3.3.7.1), as an exact number; -1 if not canonical. Numbers are taken
 * as lower-half addresses; upper-half ones need a bigint.
 *
 * @example
 * ```ts
 * import { canonicalLow48 } from "./page_table_entry.ts";
 * canonicalLow48(0xffff_ff00_0000_0000n); // 0xff00_0000_0000
 * ```
 */
export function canonicalLow48(va: bigint | number): number {
  if (typeof va === "number") return Number.isSafeInteger(va) && va >= 0 && va < 2 ** 47 ? va : -1;
  if (va < 0n || va > 0xffff_ffff_ffff_ffffn) return -1;
  const top = va >> 47n;
  if (top !== 0n && top !== 0x1_ffffn) return -1;
  return Number(va & 0xffff_ffff_ffffn);
}

/** The canonical 64-bit form of a 48-bit address (sign-extends bit 47). */
export function canonicalFromLow48(low48: number): bigint {
  const v = BigInt(low48);
  return low48 >= 2 ** 47 ? v | 0xffff_0000_0000_0000n : v;
}

/** Index into the table at `level` (4 = PML4 … 1 = PT) for a 48-bit address. */
export function tableIndex(low48: number, level: number): number {
  return Math.floor(low48 / 2 ** LEVEL_SHIFT[level]) & 511;
}
