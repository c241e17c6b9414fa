/**
 * The SVSM kernel's virtual layout, after COCONUT kernel/src/mm/address_space.rs
 * (svsm-abi.md §17). One PML4 slot is 512 GiB; slot s starts at
 * 0xFFFF000000000000 | s << 39 in the upper half.
 * @module
 */

/** First PML4 slot of the kernel (upper) half, 0xFFFF800000000000; 0..255 are user space. */
export const KERNEL_HALF_FIRST_SLOT = 256;
/** PML4 slot of the shared kernel image and global mappings. */
export const SVSM_SHARED_PML4_SLOT = 511;
/** Base of PML4 slot 511. */
export const SVSM_SHARED_BASE = 0xffff_ff80_0000_0000n;
/** PML4 slot of the per-CPU area. */
export const PERCPU_PML4_SLOT = 510;
/** Base of the per-CPU area (PML4 slot 510). */
export const SVSM_PERCPU_BASE = 0xffff_ff00_0000_0000n;
/** The calling area's per-CPU mapping: per-CPU base + 8 KiB. */
export const SVSM_PERCPU_CAA_BASE: bigint = SVSM_PERCPU_BASE + 0x2000n;
/** The guest VMSA's per-CPU mapping: per-CPU base + 16 KiB. */
export const SVSM_PERCPU_VMSA_BASE: bigint = SVSM_PERCPU_BASE + 0x4000n;
/** Per-CPU stacks (32 KiB each, 32 KiB guards) from per-CPU base + 2 MiB. */
export const SVSM_PERCPU_STACKS_BASE: bigint = SVSM_PERCPU_BASE + 0x20_0000n;
/** Temporary 4 KiB mappings: a 2 MiB window (512 slots) at per-CPU base + 1 GiB. */
export const SVSM_PERCPU_TEMP_BASE_4K: bigint = SVSM_PERCPU_BASE + 0x4000_0000n;
/** Temporary 2 MiB mappings from per-CPU base + 1 GiB + 2 MiB … */
export const SVSM_PERCPU_TEMP_BASE_2M: bigint = SVSM_PERCPU_BASE + 0x4020_0000n;
/** … up to per-CPU base + 2 GiB. */
export const SVSM_PERCPU_TEMP_END_2M: bigint = SVSM_PERCPU_BASE + 0x8000_0000n;
/** PML4 slot of the per-task area. */
export const PERTASK_PML4_SLOT = 508;
/** Base of the per-task area (PML4 slot 508). */
export const SVSM_PERTASK_BASE = 0xffff_fe00_0000_0000n;
/** PML4 slot of COCONUT's page-table self-map (not modeled: tables are reached physically here). */
export const SELF_MAP_PML4_SLOT = 493;
