/**
 * Memory management for the SVSM kernel, modeled on COCONUT-SVSM's
 * kernel/src/mm (svsm-abi.md §13, §17). Everything operates on a region of
 * modeled memory `{ bytes, base }` (for the SVSM: a view of its validated
 * private memory); no machine model is needed.
 *
 * - {@link BuddyAllocator}: 2^k-page blocks, orders 0..maxOrder-1 (default 6,
 *   as COCONUT). Per-page records (COCONUT's page types: Free with order,
 *   Allocated, SlabPage, Compound, File with a reference count, Reserved)
 *   live in a metadata area carved from the region start, together with
 *   doubly linked per-order free lists, so allocation, free and every merge
 *   step are O(1). Freeing everything and calling `rebuildFreeLists` gives
 *   back byte-identical metadata.
 * - {@link SlabCache}: 32..2048-byte slots; the slab descriptor (count, links,
 *   128-bit bitmap) is the page's own record; empty pages go back to the
 *   buddy allocator beyond a small reserve.
 * - {@link KernelAllocator}: `alloc`/`allocZeroed`/`dealloc`/`realloc` over
 *   `{size, align}` layouts; alignment up to 4 KiB honoured, larger rejected;
 *   every free is checked (double free, foreign pointer, layout mismatch).
 *   All operations answer an {@link MmResult}; nothing throws at run time.
 * - {@link checkHeap}: walks all metadata and reports broken invariants.
 * @module
 */
export * from "./errors.ts";
export {
  DEFAULT_MAX_ORDER,
  NO_PAGE,
  PAGE_SHIFT,
  PAGE_SIZE,
  type PageInfoView,
  PageType,
  type PageTypeValue,
  readPageInfo,
} from "./page_info.ts";
export * from "./buddy_allocator.ts";
export * from "./slab.ts";
export * from "./global_alloc.ts";
export * from "./check.ts";
export * from "./page_table_entry.ts";
export * from "./tlb.ts";
export * from "./page_table.ts";
export * from "./percpu_page_tables.ts";
export * from "./codec.ts";
export * from "./kbox.ts";
export * from "./kvec.ts";
// Types of lib/common that appear in this module's signatures.
export type { Decoded, Field, FieldKind, FieldValue, Layout } from "../common/layout.ts";
