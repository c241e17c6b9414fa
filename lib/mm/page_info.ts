/**
 * Per-page metadata, kept in the managed memory itself (a metadata area carved
 * from the start of the region). The meaning follows COCONUT's `PageInfo`
 * (kernel/src/mm/alloc.rs, svsm-abi.md §13): a 4-bit type in bits 3:0 of the
 * first word and, above it, the order (Free, Allocated, Compound) or the slab
 * item size (SlabPage), with the same type values. COCONUT packs a page into
 * one u64 with a singly linked free list; here a page takes 32 bytes so the
 * free lists are doubly linked (O(1) unlink while coalescing) and a slab page
 * carries its 128-bit slot bitmap beside it.
 * @module
 */
import { bytes, type Field, Layout, u32 } from "../common/layout.ts";

/**
 * Page types, values as in COCONUT's `PageType` (svsm-abi.md §13).
 *
 * @example
 * ```ts
 * import { BuddyAllocator } from "./buddy_allocator.ts";
 * import { PageType, readPageInfo } from "./page_info.ts";
 * const pages = new BuddyAllocator({ bytes: new Uint8Array(1 << 20), base: 0 });
 * readPageInfo(pages.meta, 0).type === PageType.Reserved; // true: page 0 holds the metadata
 * ```
 */
export const PageType = {
  /** Head of a free block; order in bits 11:4. */
  Free: 0,
  /** Head of an allocated block; order in bits 11:4. */
  Allocated: 1,
  /** A page carved into slab slots; item size in bits 19:4. */
  SlabPage: 2,
  /** A tail page of a multi-page block (free or allocated); the block's order in bits 11:4. */
  Compound: 3,
  /** A reference-counted single page ("file page" in COCONUT). */
  File: 4,
  /** Not managed: the metadata area itself. */
  Reserved: 15,
} as const;

/**
 * One of the {@link PageType} values.
 *
 * @example
 * ```ts
 * import { encodeInfo, PageType, type PageTypeValue } from "./page_info.ts";
 * const tail: PageTypeValue = PageType.Compound;
 * encodeInfo(tail, 2); // 0x23: a tail page of an order-2 block
 * ```
 */
export type PageTypeValue = typeof PageType[keyof typeof PageType];

/**
 * 4 KiB, the x86-64 base page (Intel SDM Vol. 3A §4.5).
 *
 * @example
 * ```ts
 * import { PAGE_SIZE } from "./page_info.ts";
 * const pagesFor = (bytes: number): number => Math.ceil(bytes / PAGE_SIZE);
 * pagesFor(10_000); // 3
 * ```
 */
export const PAGE_SIZE = 4096;
/**
 * log2 of {@link PAGE_SIZE}.
 *
 * @example
 * ```ts
 * import { PAGE_SHIFT } from "./page_info.ts";
 * const base = 0x10_0000;
 * const index = (0x10_5123 - base) >> PAGE_SHIFT; // 5
 * ```
 */
export const PAGE_SHIFT = 12;
/**
 * COCONUT's `MAX_ORDER`: orders 0..5, largest block 32 pages (svsm-abi.md §13).
 *
 * @example
 * ```ts
 * import { DEFAULT_MAX_ORDER, PAGE_SIZE } from "./page_info.ts";
 * const largestBlock = PAGE_SIZE << (DEFAULT_MAX_ORDER - 1); // 0x2_0000: 32 pages, 128 KiB
 * ```
 */
export const DEFAULT_MAX_ORDER = 6;
/** "No page" in a link field. */
export const NO_PAGE = 0xffff_ffff;

/** Magic in the header: "BDDY" little-endian. */
export const HEADER_MAGIC = 0x5944_4442;

/**
 * The metadata header at the start of the region: sizes and, per order, the
 * free-list head and the number of free blocks. Orders are capped at 32.
 * The size is a multiple of 64 so that buddy records (2k, 2k+1) share a cache line.
 */
export const BUDDY_HEADER: Layout<{
  magic: Field<"u32">;
  maxOrder: Field<"u32">;
  pageCount: Field<"u32">;
  metaPages: Field<"u32">;
  freePages: Field<"u32">;
  orderMask: Field<"u32">;
  freeHead: Field<"bytes">;
  freeCount: Field<"bytes">;
}> = new Layout("buddy header", 0x140, {
  magic: u32(0x00),
  maxOrder: u32(0x04),
  pageCount: u32(0x08),
  metaPages: u32(0x0c),
  freePages: u32(0x10),
  /** Bit k set while the order-k free list is not empty (finds a block in O(1)). */
  orderMask: u32(0x14),
  /** u32[32]: page index of each order's first free block, {@link NO_PAGE} if none. */
  freeHead: bytes(0x20, 0x80),
  /** u32[32]: free blocks on each order's list. */
  freeCount: bytes(0xa0, 0x80),
});

/**
 * One page's record. Words not used by the page's type are zero, so a fully
 * coalesced region has byte-identical metadata to a fresh one.
 */
export const PAGE_INFO: Layout<{
  info: Field<"u32">;
  next: Field<"u32">;
  prev: Field<"u32">;
  aux: Field<"u32">;
  extra: Field<"bytes">;
}> = new Layout("page info", 32, {
  /** type [3:0] | order [11:4] or slab item size [19:4] (COCONUT encoding). */
  info: u32(0x00),
  /** Free: next free block; SlabPage: next page with free slots. */
  next: u32(0x04),
  /** Free: previous free block; SlabPage: previous page with free slots. */
  prev: u32(0x08),
  /** Allocated: requested byte size; File: reference count; SlabPage: free slots. */
  aux: u32(0x0c),
  /** Allocated: requested alignment in word 0; SlabPage: 128-bit used-slot bitmap. */
  extra: bytes(0x10, 0x10),
});

/** Word offsets derived from the layouts above (the hot paths index a Uint32Array). */
export const W = {
  maxOrder: BUDDY_HEADER.fields.maxOrder.offset >> 2,
  pageCount: BUDDY_HEADER.fields.pageCount.offset >> 2,
  metaPages: BUDDY_HEADER.fields.metaPages.offset >> 2,
  freePages: BUDDY_HEADER.fields.freePages.offset >> 2,
  orderMask: BUDDY_HEADER.fields.orderMask.offset >> 2,
  freeHead: BUDDY_HEADER.fields.freeHead.offset >> 2,
  freeCount: BUDDY_HEADER.fields.freeCount.offset >> 2,
  /** First word of page 0's record. */
  records: BUDDY_HEADER.size >> 2,
  /** Words per page record. */
  record: PAGE_INFO.size >> 2,
  info: PAGE_INFO.fields.info.offset >> 2,
  next: PAGE_INFO.fields.next.offset >> 2,
  prev: PAGE_INFO.fields.prev.offset >> 2,
  aux: PAGE_INFO.fields.aux.offset >> 2,
  extra: PAGE_INFO.fields.extra.offset >> 2,
} as const;

/** Order field: bits 11:4 (COCONUT `PageInfo` encoding). */
export const ORDER_SHIFT = 4;
/** Mask of the 4-bit type field. */
export const TYPE_MASK = 0xf;

/**
 * Packs a type and its parameter (order or item size) into the info word.
 *
 * @example
 * ```ts
 * import { encodeInfo, PageType } from "./page_info.ts";
 * encodeInfo(PageType.Allocated, 3); // 0x31
 * ```
 */
export function encodeInfo(type: PageTypeValue, param: number): number {
  return (type | (param << ORDER_SHIFT)) >>> 0;
}

/**
 * A decoded record, for checkers and debuggers.
 *
 * @example
 * ```ts
 * import { BuddyAllocator } from "./buddy_allocator.ts";
 * import { PageType, type PageInfoView, readPageInfo } from "./page_info.ts";
 * const pages = new BuddyAllocator({ bytes: new Uint8Array(1 << 20), base: 0 });
 * const r = pages.allocPages(1);
 * if (r.ok) {
 *   const head: PageInfoView = readPageInfo(pages.meta, pages.indexOf(r.value));
 *   head.type === PageType.Allocated && head.param === 1; // true: head of an order-1 block
 * }
 * ```
 */
export interface PageInfoView {
  /** The page type. */
  type: number;
  /** Order (Free/Allocated/Compound) or item size (SlabPage); 0 otherwise. */
  param: number;
  /** Link to the next page of a list, or {@link NO_PAGE}. */
  next: number;
  /** Link to the previous page of a list, or {@link NO_PAGE}. */
  prev: number;
  /** Size, reference count or free-slot count, by type. */
  aux: number;
}

/** Decodes page `index`'s record from the metadata words. */
export function readPageInfo(meta: Uint32Array, index: number): PageInfoView {
  const r = W.records + index * W.record;
  const info = meta[r + W.info];
  return {
    type: info & TYPE_MASK,
    param: info >>> ORDER_SHIFT,
    next: meta[r + W.next],
    prev: meta[r + W.prev],
    aux: meta[r + W.aux],
  };
}
