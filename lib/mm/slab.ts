/**
 * Slab caches: one per power-of-two item size from 32 to 2048 bytes, as
 * COCONUT's `Slab<N>` (kernel/src/mm/alloc.rs, svsm-abi.md §13). A slab page
 * is one buddy page; its descriptor (item size, free-slot count, list links
 * and a 128-bit used-slot bitmap) is the page's own metadata record instead of
 * a separately allocated descriptor. Pages with a free slot form one doubly
 * linked list: partially used pages at the head, empty pages at the tail, full
 * pages off the list. An emptied page goes back to the buddy allocator unless
 * the cache holds fewer than `reserve` empty pages.
 * @module
 */
import type { BuddyAllocator } from "./buddy_allocator.ts";
import { encodeInfo, NO_PAGE, PAGE_SIZE, PageType, W } from "./page_info.ts";

/**
 * Slab item sizes (COCONUT: 32, 64, …, 2048).
 *
 * @example
 * ```ts
 * import { SLAB_SIZES } from "./slab.ts";
 * const classOf = (size: number): number | undefined => SLAB_SIZES.find((s) => s >= size);
 * classOf(100); // 128; undefined above 2048 (those go to whole pages)
 * ```
 */
export const SLAB_SIZES: readonly number[] = [32, 64, 128, 256, 512, 1024, 2048];

/** Result of {@link SlabCache.freeSlot}. */
export const SlotFree = {
  /** The slot was live and is now free. */
  Freed: 0,
  /** The slot was already free. */
  AlreadyFree: 1,
} as const;

/**
 * One size class.
 *
 * @example
 * ```ts
 * import { BuddyAllocator } from "./buddy_allocator.ts";
 * import { SlabCache } from "./slab.ts";
 * const pages = new BuddyAllocator({ bytes: new Uint8Array(1 << 20), base: 0 });
 * const cache = new SlabCache(pages, 64);
 * const addr = cache.allocSlot(); // -1 when out of memory
 * ```
 */
export class SlabCache {
  /** Bytes per slot. */
  readonly itemSize: number;
  /** log2 of itemSize. */
  readonly shift: number;
  /** Slots per page (≤ 128). */
  readonly slots: number;
  /** Empty pages kept instead of returned to the buddy allocator. */
  readonly reserve: number;
  #head = NO_PAGE;
  #tail = NO_PAGE;
  #pages = 0;
  #emptyPages = 0;
  readonly #buddy: BuddyAllocator;
  readonly #meta: Uint32Array;
  readonly #info: number;

  /** A cache of `itemSize`-byte slots (a power of two, 32..2048). */
  constructor(buddy: BuddyAllocator, itemSize: number, reserve = 1) {
    if (!SLAB_SIZES.includes(itemSize)) throw new RangeError(`no slab of ${itemSize} bytes`);
    this.#buddy = buddy;
    this.#meta = buddy.meta;
    this.itemSize = itemSize;
    this.shift = 31 - Math.clz32(itemSize);
    this.slots = PAGE_SIZE / itemSize;
    this.reserve = reserve;
    this.#info = encodeInfo(PageType.SlabPage, itemSize);
  }

  /** First page with a free slot, or NO_PAGE. */
  get head(): number {
    return this.#head;
  }

  /** Last page with a free slot, or NO_PAGE. */
  get tail(): number {
    return this.#tail;
  }

  /** Slab pages owned. */
  get pages(): number {
    return this.#pages;
  }

  /** Owned pages with every slot free. */
  get emptyPages(): number {
    return this.#emptyPages;
  }

  /** Takes a free slot, growing by one page if needed; answers its address or -1 (out of memory). */
  allocSlot(): number {
    let page = this.#head;
    if (page === NO_PAGE) {
      page = this.#grow();
      if (page < 0) return -1;
    }
    const m = this.#meta;
    const r = W.records + page * W.record;
    let w = r + W.extra;
    let free = ~m[w];
    while (free === 0) free = ~m[++w];
    const bit = 31 - Math.clz32(free & -free);
    m[w] |= 1 << bit;
    const left = m[r + W.aux] - 1;
    if (left + 1 === this.slots) this.#emptyPages--;
    m[r + W.aux] = left;
    if (left === 0) this.#unlink(r);
    const slot = ((w - r - W.extra) << 5) + bit;
    return this.#buddy.base + page * PAGE_SIZE + (slot << this.shift);
  }

  /** Frees slot `slot` of slab page `page` (both already validated by the caller). */
  freeSlot(page: number, slot: number): number {
    const m = this.#meta;
    const r = W.records + page * W.record;
    const w = r + W.extra + (slot >> 5);
    const bit = 1 << (slot & 31);
    if ((m[w] & bit) === 0) return SlotFree.AlreadyFree;
    m[w] &= ~bit;
    const free = m[r + W.aux] + 1;
    m[r + W.aux] = free;
    if (free === 1) this.#pushHead(page, r);
    if (free === this.slots) this.#emptied(page, r);
    return SlotFree.Freed;
  }

  /** True if slot `slot` of page `page` is in use. */
  slotUsed(page: number, slot: number): boolean {
    const w = W.records + page * W.record + W.extra + (slot >> 5);
    return (this.#meta[w] & (1 << (slot & 31))) !== 0;
  }

  /** Returns every empty page to the buddy allocator, reserve included. */
  shrink(): void {
    let page = this.#tail;
    while (page !== NO_PAGE) {
      const r = W.records + page * W.record;
      const prev = this.#meta[r + W.prev];
      if (this.#meta[r + W.aux] === this.slots) {
        this.#emptyPages--;
        this.#release(page, r);
      }
      page = prev;
    }
  }

  #grow(): number {
    const page = this.#buddy.allocBlock(0);
    if (page < 0) return -1;
    const m = this.#meta;
    const r = W.records + page * W.record;
    m[r] = this.#info;
    m[r + W.aux] = this.slots;
    // Bits of slots that do not exist read as used, so the search never picks them.
    for (let i = 0; i < 4; i++) {
      const lo = i * 32;
      const missing = Math.min(32, Math.max(0, lo + 32 - Math.max(lo, this.slots)));
      m[r + W.extra + i] = missing === 0 ? 0 : (0xffff_ffff << (32 - missing)) >>> 0;
    }
    this.#pages++;
    this.#emptyPages++;
    this.#pushHead(page, r);
    return page;
  }

  #emptied(page: number, r: number): void {
    if (this.#emptyPages >= this.reserve) {
      this.#release(page, r);
      return;
    }
    this.#emptyPages++;
    if (this.#tail === page) return;
    this.#unlink(r);
    const m = this.#meta;
    m[r + W.prev] = this.#tail;
    m[r + W.next] = NO_PAGE;
    if (this.#tail === NO_PAGE) this.#head = page;
    else m[W.records + this.#tail * W.record + W.next] = page;
    this.#tail = page;
  }

  /** Unlinks an empty page (not counted in emptyPages) and gives it back to the buddy allocator. */
  #release(page: number, r: number): void {
    this.#unlink(r);
    this.#pages--;
    this.#buddy.releaseBlock(page);
  }

  #pushHead(page: number, r: number): void {
    const m = this.#meta;
    m[r + W.next] = this.#head;
    m[r + W.prev] = NO_PAGE;
    if (this.#head === NO_PAGE) this.#tail = page;
    else m[W.records + this.#head * W.record + W.prev] = page;
    this.#head = page;
  }

  #unlink(r: number): void {
    const m = this.#meta;
    const next = m[r + W.next];
    const prev = m[r + W.prev];
    if (prev === NO_PAGE) this.#head = next;
    else m[W.records + prev * W.record + W.next] = next;
    if (next === NO_PAGE) this.#tail = prev;
    else m[W.records + next * W.record + W.prev] = prev;
    m[r + W.next] = NO_PAGE;
    m[r + W.prev] = NO_PAGE;
  }
}
