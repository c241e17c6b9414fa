/**
 * The SVSM kernel's virtual layout, after COCONUT kernel/src/mm/address_space.rs
 * (svsm-abi.md §17). One PML4 slot is 512 GiB; slot s starts at
 * 0xFFFF000000000000 | s << 39 in the upper half.
 * @module
 */

/**
 * First PML4 slot of the kernel (upper) half, 0xFFFF800000000000; 0..255 are user space.
 *
 * @example
 * ```ts
 * import { KERNEL_HALF_FIRST_SLOT } from "./address_space.ts";
 * const slot = Number((0xffff_8000_0000_1000n >> 39n) & 511n); // 256
 * const isKernel = slot >= KERNEL_HALF_FIRST_SLOT; // true
 * ```
 */
export const KERNEL_HALF_FIRST_SLOT = 256;
/**
 * PML4 slot of the shared kernel image and global mappings.
 *
 * @example
 * ```ts
 * import { SVSM_SHARED_PML4_SLOT } from "./address_space.ts";
 * import type { PerCpuPageTables } from "./percpu_page_tables.ts";
 * // The kernel image's PDPT: one page, linked into every CPU's PML4.
 * const sharedPdpt = (set: PerCpuPageTables): number =>
 *   set.kernel.topLevelTable(SVSM_SHARED_PML4_SLOT);
 * ```
 */
export const SVSM_SHARED_PML4_SLOT = 511;
/**
 * Base of PML4 slot 511.
 *
 * @example
 * ```ts
 * import { SVSM_SHARED_BASE } from "./address_space.ts";
 * // Global mappings start 256 GiB into the shared slot (svsm-abi.md §17).
 * const globalBase = SVSM_SHARED_BASE + (256n << 30n); // 0xffff_ffc0_0000_0000n
 * ```
 */
export const SVSM_SHARED_BASE = 0xffff_ff80_0000_0000n;
/**
 * PML4 slot of the per-CPU area.
 *
 * @example
 * ```ts
 * import { BuddyAllocator } from "./buddy_allocator.ts";
 * import { PERCPU_PML4_SLOT } from "./address_space.ts";
 * import { PerCpuPageTables } from "./percpu_page_tables.ts";
 * const pages = new BuddyAllocator({ bytes: new Uint8Array(1 << 20), base: 0x100000 });
 * const set = PerCpuPageTables.create(pages);
 * if (set.ok) set.value.isShared(PERCPU_PML4_SLOT); // false: each CPU owns slot 510
 * ```
 */
export const PERCPU_PML4_SLOT = 510;
/**
 * Base of the per-CPU area (PML4 slot 510).
 *
 * @example
 * ```ts
 * import { PERCPU_PML4_SLOT, SVSM_PERCPU_BASE } from "./address_space.ts";
 * const slot = Number((SVSM_PERCPU_BASE >> 39n) & 511n); // 510
 * slot === PERCPU_PML4_SLOT; // true
 * ```
 */
export const SVSM_PERCPU_BASE = 0xffff_ff00_0000_0000n;
/**
 * The calling area's per-CPU mapping: per-CPU base + 8 KiB.
 *
 * @example
 * ```ts
 * import { SVSM_PERCPU_CAA_BASE } from "./address_space.ts";
 * import type { PageTable } from "./page_table.ts";
 * import { PAGE_4K, PTE_W } from "./page_table_entry.ts";
 * // Each CPU maps its own calling area at the same virtual address.
 * const mapCaa = (cpu: PageTable, caaPa: number) =>
 *   cpu.map(SVSM_PERCPU_CAA_BASE, caaPa, PAGE_4K, { flags: PTE_W, nx: true });
 * ```
 */
export const SVSM_PERCPU_CAA_BASE: bigint = SVSM_PERCPU_BASE + 0x2000n;
/**
 * The guest VMSA's per-CPU mapping: per-CPU base + 16 KiB.
 *
 * @example
 * ```ts
 * import { SVSM_PERCPU_VMSA_BASE } from "./address_space.ts";
 * import type { PageTable } from "./page_table.ts";
 * // Which guest VMSA page this CPU currently sees.
 * const vmsaPa = (cpu: PageTable): number => {
 *   const t = cpu.translate(SVSM_PERCPU_VMSA_BASE);
 *   return t.ok ? t.value.pa : -1;
 * };
 * ```
 */
export const SVSM_PERCPU_VMSA_BASE: bigint = SVSM_PERCPU_BASE + 0x4000n;
/**
 * Per-CPU stacks (32 KiB each, 32 KiB guards) from per-CPU base + 2 MiB.
 *
 * @example
 * ```ts
 * import { SVSM_PERCPU_STACKS_BASE } from "./address_space.ts";
 * // Each stack takes 64 KiB of address space: 32 KiB of stack, 32 KiB of guard.
 * const stackSlot = (n: number): bigint => SVSM_PERCPU_STACKS_BASE + BigInt(n) * 0x1_0000n;
 * stackSlot(1); // 0xffff_ff00_0021_0000n
 * ```
 */
export const SVSM_PERCPU_STACKS_BASE: bigint = SVSM_PERCPU_BASE + 0x20_0000n;
/**
 * Temporary 4 KiB mappings: a 2 MiB window (512 slots) at per-CPU base + 1 GiB.
 *
 * @example
 * ```ts
 * import { SVSM_PERCPU_TEMP_BASE_4K } from "./address_space.ts";
 * import { PAGE_4K } from "./page_table_entry.ts";
 * const tempSlot = (i: number): bigint => SVSM_PERCPU_TEMP_BASE_4K + BigInt(i * PAGE_4K); // i < 512
 * tempSlot(7); // 0xffff_ff00_4000_7000n
 * ```
 */
export const SVSM_PERCPU_TEMP_BASE_4K: bigint = SVSM_PERCPU_BASE + 0x4000_0000n;
/**
 * Temporary 2 MiB mappings from per-CPU base + 1 GiB + 2 MiB …
 *
 * @example
 * ```ts
 * import { SVSM_PERCPU_TEMP_BASE_2M } from "./address_space.ts";
 * import type { PageTable } from "./page_table.ts";
 * import { PAGE_2M, PTE_W } from "./page_table_entry.ts";
 * const mapTemp2M = (cpu: PageTable, slot: number, pa: number) =>
 *   cpu.map(SVSM_PERCPU_TEMP_BASE_2M + BigInt(slot * PAGE_2M), pa, PAGE_2M, { flags: PTE_W });
 * ```
 */
export const SVSM_PERCPU_TEMP_BASE_2M: bigint = SVSM_PERCPU_BASE + 0x4020_0000n;
/**
 * … up to per-CPU base + 2 GiB.
 *
 * @example
 * ```ts
 * import { SVSM_PERCPU_TEMP_BASE_2M, SVSM_PERCPU_TEMP_END_2M } from "./address_space.ts";
 * import { PAGE_2M } from "./page_table_entry.ts";
 * const slots = (SVSM_PERCPU_TEMP_END_2M - SVSM_PERCPU_TEMP_BASE_2M) / BigInt(PAGE_2M); // 511n
 * ```
 */
export const SVSM_PERCPU_TEMP_END_2M: bigint = SVSM_PERCPU_BASE + 0x8000_0000n;
/**
 * PML4 slot of the per-task area.
 *
 * @example
 * ```ts
 * import { PERCPU_PML4_SLOT, PERTASK_PML4_SLOT } from "./address_space.ts";
 * import type { PerCpuOptions } from "./percpu_page_tables.ts";
 * // Keep the per-task slot out of the shared kernel half as well.
 * const options: PerCpuOptions = { privateSlots: [PERCPU_PML4_SLOT, PERTASK_PML4_SLOT] };
 * ```
 */
export const PERTASK_PML4_SLOT = 508;
/**
 * Base of the per-task area (PML4 slot 508).
 *
 * @example
 * ```ts
 * import { SVSM_PERTASK_BASE } from "./address_space.ts";
 * import { canonicalLow48 } from "./page_table_entry.ts";
 * canonicalLow48(SVSM_PERTASK_BASE); // 0xfe00_0000_0000
 * ```
 */
export const SVSM_PERTASK_BASE = 0xffff_fe00_0000_0000n;
/**
 * PML4 slot of COCONUT's page-table self-map (not modeled: tables are reached physically here).
 *
 * @example
 * ```ts
 * import { SELF_MAP_PML4_SLOT } from "./address_space.ts";
 * // Slot s starts at 0xFFFF000000000000 | s << 39.
 * const selfMapBase = 0xffff_0000_0000_0000n | (BigInt(SELF_MAP_PML4_SLOT) << 39n); // 0xffff_f680_0000_0000n
 * ```
 */
export const SELF_MAP_PML4_SLOT = 493;
