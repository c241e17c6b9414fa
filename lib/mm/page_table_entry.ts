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

/**
 * Present (bit 0).
 *
 * @example
 * ```ts
 * import { PTE_P } from "./page_table_entry.ts";
 * const pte = 0x0010_3063; // low half of a leaf: frame 0x103000, P W A D
 * const present = (pte & PTE_P) !== 0; // true
 * ```
 */
export const PTE_P = 1 << 0;
/**
 * Read/write (bit 1): writes allowed if set at every level.
 *
 * @example
 * ```ts
 * import type { MapAttrs } from "./page_table.ts";
 * import { PTE_W } from "./page_table_entry.ts";
 * const data: MapAttrs = { flags: PTE_W, nx: true }; // writable, not executable
 * ```
 */
export const PTE_W = 1 << 1;
/**
 * User/supervisor (bit 2): user access allowed if set at every level.
 *
 * @example
 * ```ts
 * import type { Translation } from "./page_table.ts";
 * import { PTE_U } from "./page_table_entry.ts";
 * // U must be set at every level; the translation's flags already combine them.
 * const userVisible = (t: Translation): boolean => (t.flags & PTE_U) !== 0;
 * ```
 */
export const PTE_U = 1 << 2;
/**
 * Page-level write-through (bit 3).
 *
 * @example
 * ```ts
 * import type { MapAttrs } from "./page_table.ts";
 * import { PTE_PWT, PTE_W } from "./page_table_entry.ts";
 * // PWT=1, PCD=0 selects PAT entry 1: write-through with the power-on PAT.
 * const writeThrough: MapAttrs = { flags: PTE_W | PTE_PWT, nx: true };
 * ```
 */
export const PTE_PWT = 1 << 3;
/**
 * Page-level cache disable (bit 4).
 *
 * @example
 * ```ts
 * import type { MapAttrs } from "./page_table.ts";
 * import { PTE_PCD, PTE_PWT, PTE_W } from "./page_table_entry.ts";
 * // PCD=1, PWT=1 selects PAT entry 3: uncacheable, as MMIO needs.
 * const mmio: MapAttrs = { flags: PTE_W | PTE_PCD | PTE_PWT, nx: true, encrypted: false };
 * ```
 */
export const PTE_PCD = 1 << 4;
/**
 * Accessed (bit 5).
 *
 * @example
 * ```ts
 * import type { WalkStep } from "./page_table.ts";
 * import { PTE_A } from "./page_table_entry.ts";
 * // After a successful access, every entry of the walk has A set.
 * const allAccessed = (steps: WalkStep[]): boolean =>
 *   steps.every((s) => (Number(s.entry & 0xfffn) & PTE_A) !== 0);
 * ```
 */
export const PTE_A = 1 << 5;
/**
 * Dirty (bit 6, leaf entries only).
 *
 * @example
 * ```ts
 * import type { Mapping } from "./page_table.ts";
 * import { PTE_D } from "./page_table_entry.ts";
 * // Pages written since they were mapped (or since D was last cleared).
 * const dirty = (m: Mapping): boolean => (Number(m.entry & 0xfffn) & PTE_D) !== 0;
 * ```
 */
export const PTE_D = 1 << 6;
/**
 * Page size (bit 7): the PDPTE maps 1 GiB or the PDE maps 2 MiB.
 *
 * @example
 * ```ts
 * import { PTE_PS } from "./page_table_entry.ts";
 * const pde = 0x0020_00e3; // P W A D PS, frame 0x200000
 * const maps2M = (pde & PTE_PS) !== 0; // true: a leaf, not a page-table pointer
 * ```
 */
export const PTE_PS = 1 << 7;
/**
 * Global (bit 8, leaf entries): survives a CR3 reload when CR4.PGE = 1 (SDM §4.10.2.4).
 *
 * @example
 * ```ts
 * import type { MapAttrs } from "./page_table.ts";
 * import { PTE_G } from "./page_table_entry.ts";
 * // Read-only kernel text whose TLB entries survive a CR3 reload (Tlb.flush).
 * const kernelText: MapAttrs = { flags: PTE_G };
 * ```
 */
export const PTE_G = 1 << 8;
/**
 * Execute-disable (bit 63 = bit 31 of the high half), with EFER.NXE = 1.
 *
 * @example
 * ```ts
 * import { PTE_NX_HI } from "./page_table_entry.ts";
 * const entry = 0x8008_0000_0010_3063n; // NX, C-bit 51, frame 0x103000, P W A D
 * const hi = Number(entry >> 32n); // 0x8008_0000
 * const noExec = (hi & PTE_NX_HI) !== 0; // true
 * ```
 */
export const PTE_NX_HI = 1 << 31;

/**
 * Flags a caller may choose when mapping; P and PS are set by the mapper.
 *
 * @example
 * ```ts
 * import { PTE_CALLER_FLAGS, PTE_PS, PTE_W } from "./page_table_entry.ts";
 * // PageTable.map answers "invalid-flags" for any bit outside this set.
 * const rejected = (PTE_W | PTE_PS) & ~PTE_CALLER_FLAGS; // 0x80: PS is the mapper's
 * ```
 */
export const PTE_CALLER_FLAGS: number = PTE_W | PTE_U | PTE_PWT | PTE_PCD | PTE_A | PTE_D |
  PTE_G;

/** Flags of a non-leaf entry: the leaf decides the permissions (SDM §4.6: W and U are ANDed). */
export const PTE_TABLE_FLAGS: number = PTE_P | PTE_W | PTE_U;

/**
 * Default C-bit position (svsm-abi.md §11: taken from CPUID 0x8000001F in the CPUID page).
 *
 * @example
 * ```ts
 * import { DEFAULT_C_BIT } from "./page_table_entry.ts";
 * const cMask = 1n << BigInt(DEFAULT_C_BIT); // 0x8_0000_0000_0000n
 * const isPrivate = (entry: bigint): boolean => (entry & cMask) !== 0n;
 * ```
 */
export const DEFAULT_C_BIT = 51;

/**
 * 4 KiB page, mapped by a PTE (level 1).
 *
 * @example
 * ```ts
 * import { PAGE_4K } from "./page_table_entry.ts";
 * const frameOf = (pa: number): number => pa & ~(PAGE_4K - 1);
 * frameOf(0x7123); // 0x7000
 * ```
 */
export const PAGE_4K = 0x1000;
/**
 * 2 MiB page, mapped by a PDE with PS (level 2).
 *
 * @example
 * ```ts
 * import { PAGE_2M } from "./page_table_entry.ts";
 * // A 2 MiB page needs both addresses 2 MiB aligned.
 * const fitsOnePde = (va: number, pa: number): boolean => va % PAGE_2M === 0 && pa % PAGE_2M === 0;
 * fitsOnePde(0x40_0000, 0x60_0000); // true
 * ```
 */
export const PAGE_2M = 0x20_0000;
/**
 * 1 GiB page, mapped by a PDPTE with PS (level 3).
 *
 * @example
 * ```ts
 * import type { Translation } from "./page_table.ts";
 * import { PAGE_1G } from "./page_table_entry.ts";
 * const viaPdpte = (t: Translation): boolean => t.pageSize === PAGE_1G;
 * ```
 */
export const PAGE_1G = 0x4000_0000;
/**
 * One of the three page sizes.
 *
 * @example
 * ```ts
 * import { PAGE_2M, type PageSize } from "./page_table_entry.ts";
 * const pagesFor = (bytes: number, size: PageSize): number => Math.ceil(bytes / size);
 * pagesFor(5 << 20, PAGE_2M); // 3
 * ```
 */
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
