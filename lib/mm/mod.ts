/**
 * Memory management for the SVSM kernel, modeled on COCONUT-SVSM's
 * kernel/src/mm (svsm-abi.md §13, §17). Everything operates on a region of
 * modeled memory `{ bytes, base }` (for the SVSM: a view of its validated
 * private memory); nothing here knows the machine model. Single-threaded:
 * callers serialize, as COCONUT's one lock around the heap does.
 *
 * - {@link BuddyAllocator}: blocks of 2^k pages, orders 0..maxOrder-1
 *   (default 6, as COCONUT). A 32-byte record per page with COCONUT's page
 *   types (Free+order, Allocated, SlabPage, Compound, File+refcount,
 *   Reserved) and the per-order free lists (doubly linked through the
 *   records) live in a metadata area carved from the region start, so
 *   allocation, free and each merge step are O(1). After everything is freed,
 *   `rebuildFreeLists` gives back byte-identical metadata.
 * - {@link SlabCache}: 32..2048-byte slots; a slab page's descriptor (free
 *   count, links, 128-bit bitmap) is its own record; empty pages go back to
 *   the buddy allocator beyond a small reserve.
 * - {@link KernelAllocator}: `alloc`/`allocZeroed`/`dealloc`/`realloc` on
 *   `{size, align}`; alignment up to 4 KiB honoured, larger rejected; each
 *   free is checked against the records (double free, foreign pointer,
 *   layout mismatch: exact for page blocks, per size class for slots).
 * - {@link KBox}, {@link KVec}: a value and a growable array in modeled
 *   memory, stored through fixed-size {@link Codec}s.
 * - {@link PageTable}: x86-64 4-level tables in buddy pages (4 KiB/2 MiB/
 *   1 GiB, P W U A D PS G NX, C-bit at 51 by default), entries as two u32
 *   halves; map/unmap/protect/translate with a per-table {@link Tlb} whose
 *   stale entries stay visible until `invlpg` or a flush; `access` adds the
 *   processor's rights check (#PF error codes) and A/D updates. Tables are
 *   kept when their last mapping goes (no reclamation).
 * - {@link PerCpuPageTables}: one PML4 per CPU; kernel-half PDPTs shared by
 *   all, slot 510 (per-CPU area) and the user half private.
 *
 * Every operation answers an {@link MmResult} (`{ok: true, value}` or
 * `{ok: false, error: {code, message}}`); only constructors given a bad
 * configuration throw. {@link checkHeap} walks the metadata and lists
 * broken invariants.
 *
 * @example
 * ```ts
 * import { KernelAllocator, PageTable, PAGE_4K, PTE_W } from "./mod.ts";
 * const heap = new KernelAllocator({ bytes: new Uint8Array(1 << 20), base: 0x100000 });
 * const p = heap.alloc({ size: 24, align: 8 });
 * const pt = PageTable.create(heap.pages);
 * if (p.ok && pt.ok) {
 *   pt.value.map(0xffff_ff80_0000_0000n, p.value & ~0xfff, PAGE_4K, { flags: PTE_W });
 *   heap.dealloc(p.value, { size: 24, align: 8 });
 * }
 * ```
 * @module
 */
export type { MmError, MmErrorCode, MmResult } from "./errors.ts";
export {
  DEFAULT_MAX_ORDER,
  PAGE_SHIFT,
  PAGE_SIZE,
  type PageInfoView,
  PageType,
  type PageTypeValue,
} from "./page_info.ts";
export * from "./buddy_allocator.ts";
export { SLAB_SIZES, SlabCache } from "./slab.ts";
export * from "./global_alloc.ts";
export * from "./check.ts";
export {
  DEFAULT_C_BIT,
  PAGE_1G,
  PAGE_2M,
  PAGE_4K,
  type PageSize,
  PTE_A,
  PTE_CALLER_FLAGS,
  PTE_D,
  PTE_G,
  PTE_NX_HI,
  PTE_P,
  PTE_PCD,
  PTE_PS,
  PTE_PWT,
  PTE_U,
  PTE_W,
} from "./page_table_entry.ts";
export * from "./tlb.ts";
export {
  type Access,
  type MapAttrs,
  type Mapping,
  PageTable,
  type PageTableOptions,
  PF_ID,
  PF_P,
  PF_U,
  PF_W,
  type TopLevelShare,
  type Translation,
  type WalkStep,
} from "./page_table.ts";
export * from "./address_space.ts";
export * from "./percpu_page_tables.ts";
export * from "./codec.ts";
export { KBox } from "./kbox.ts";
export * from "./kvec.ts";
// Types of lib/common that appear in this module's signatures.
export type { Decoded, Field, FieldKind, FieldValue, Layout } from "../common/layout.ts";
