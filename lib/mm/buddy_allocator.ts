/**
 * Buddy page allocator over a region of modeled memory, after COCONUT's
 * `MemoryRegion` (kernel/src/mm/alloc.rs, svsm-abi.md §13). Blocks of 2^k
 * pages (k < maxOrder) are naturally aligned relative to the region start, so
 * a block's buddy is `index ^ (1 << k)`. Every page's record lives in the
 * region's first pages ({@link PAGE_INFO}); the free lists are doubly linked
 * through those records, so allocate, free and each coalescing step are O(1)
 * per order.
 * @module
 */
import { fail, hexAddr, type MmResult, ok, OK_VOID } from "./errors.ts";
import {
  BUDDY_HEADER,
  DEFAULT_MAX_ORDER,
  encodeInfo,
  HEADER_MAGIC,
  NO_PAGE,
  ORDER_SHIFT,
  PAGE_SIZE,
  PageType,
  TYPE_MASK,
  W,
} from "./page_info.ts";

/**
 * A region of modeled memory: a view of its bytes and its physical address.
 *
 * @example
 * ```ts
 * import { BuddyAllocator, type PhysRegion } from "./buddy_allocator.ts";
 * const memory = new SharedArrayBuffer(4 << 20); // guest-physical 0..4 MiB
 * const region: PhysRegion = { bytes: new Uint8Array(memory, 0x10_0000, 1 << 20), base: 0x10_0000 };
 * const pages = new BuddyAllocator(region);
 * ```
 */
export interface PhysRegion {
  /** The region's bytes, e.g. a subarray of the machine's SharedArrayBuffer. */
  readonly bytes: Uint8Array;
  /** Physical address of `bytes[0]`; page aligned. */
  readonly base: number;
}

/**
 * Options of {@link BuddyAllocator}.
 *
 * @example
 * ```ts
 * import { BuddyAllocator, type BuddyOptions } from "./buddy_allocator.ts";
 * const options: BuddyOptions = { maxOrder: 11 }; // blocks up to 2^10 pages (4 MiB)
 * const pages = new BuddyAllocator({ bytes: new Uint8Array(8 << 20), base: 0 }, options);
 * pages.allocPages(10).ok; // true
 * ```
 */
export interface BuddyOptions {
  /** Number of orders: blocks of 2^0 .. 2^(maxOrder-1) pages. Default 6, as COCONUT. */
  readonly maxOrder?: number;
}

/**
 * Largest supported maxOrder: a block then spans 2^19 pages (2 GiB), so sizes fit a u32.
 *
 * @example
 * ```ts
 * import { BuddyAllocator, MAX_SUPPORTED_ORDER } from "./buddy_allocator.ts";
 * const region = { bytes: new Uint8Array(1 << 20), base: 0 };
 * new BuddyAllocator(region, { maxOrder: MAX_SUPPORTED_ORDER }); // accepted
 * // maxOrder: MAX_SUPPORTED_ORDER + 1 throws RangeError
 * ```
 */
export const MAX_SUPPORTED_ORDER = 20;

const FREE = PageType.Free;
const ALLOCATED = PageType.Allocated;
const COMPOUND = PageType.Compound;

/**
 * The page allocator. Addresses are physical (`base + index * 4096`).
 *
 * @example
 * ```ts
 * import { BuddyAllocator } from "./buddy_allocator.ts";
 * const pages = new BuddyAllocator({ bytes: new Uint8Array(1 << 20), base: 0x100000 });
 * const r = pages.allocPages(2); // 4 contiguous pages
 * if (r.ok) pages.freePages(r.value);
 * ```
 */
export class BuddyAllocator {
  /** The managed region. */
  readonly region: PhysRegion;
  /** Physical address of page 0. */
  readonly base: number;
  /** Pages in the region, metadata pages included. */
  readonly pageCount: number;
  /** Pages at the start holding the metadata (type Reserved). */
  readonly metaPages: number;
  /** Number of orders. */
  readonly maxOrder: number;
  /** The metadata area as little-endian u32 words (header, then one record per page). */
  readonly meta: Uint32Array;

  /** Carves the metadata from the region start and frees the rest; throws `RangeError` on a bad configuration. */
  constructor(region: PhysRegion, options: BuddyOptions = {}) {
    const maxOrder = options.maxOrder ?? DEFAULT_MAX_ORDER;
    checkConfig(region, maxOrder);
    this.region = region;
    this.base = region.base;
    this.maxOrder = maxOrder;
    this.pageCount = Math.floor(region.bytes.length / PAGE_SIZE);
    this.metaPages = Math.ceil((BUDDY_HEADER.size + this.pageCount * 32) / PAGE_SIZE);
    if (this.metaPages >= this.pageCount) {
      throw new RangeError(`region of ${this.pageCount} pages has no room after its metadata`);
    }
    const { buffer, byteOffset } = region.bytes;
    this.meta = new Uint32Array(buffer, byteOffset, (this.metaPages * PAGE_SIZE) / 4);
    this.#init();
  }

  /** Free pages right now. */
  get freePageCount(): number {
    return this.meta[W.freePages];
  }

  /** Free blocks on the order-`order` list. */
  freeBlocks(order: number): number {
    return this.meta[W.freeCount + order];
  }

  /** Page index of `addr`, or -1 when it lies outside the region. */
  indexOf(addr: number): number {
    const off = addr - this.base;
    if (!(off >= 0 && off < this.pageCount * PAGE_SIZE)) return -1;
    return Math.floor(off / PAGE_SIZE);
  }

  /** Physical address of page `index`. */
  addressOf(index: number): number {
    return this.base + index * PAGE_SIZE;
  }

  /**
   * Allocates 2^order contiguous pages, aligned to their size relative to the
   * region start.
   */
  allocPages(order: number): MmResult<number> {
    if (!(order >= 0 && order < this.maxOrder) || (order | 0) !== order) {
      return fail("invalid-layout", `order ${order} outside 0..${this.maxOrder - 1}`);
    }
    const index = this.allocBlock(order);
    if (index < 0) return fail("out-of-memory", `no free block of order ${order}`);
    return ok(this.addressOf(index));
  }

  /** Frees a block returned by {@link allocPages}. */
  freePages(addr: number): MmResult<void> {
    const index = this.#headIndex(addr);
    if (index < 0) return fail("foreign-pointer", `${hexAddr(addr)} is not a page in this region`);
    const type = this.meta[W.records + index * W.record] & TYPE_MASK;
    if (type !== ALLOCATED) return this.#wrongType(addr, type);
    this.releaseBlock(index);
    return OK_VOID;
  }

  /** Allocates a zeroed reference-counted page (COCONUT "file page") with count 1. */
  allocFilePage(): MmResult<number> {
    const index = this.allocBlock(0);
    if (index < 0) return fail("out-of-memory", "no free page");
    const r = W.records + index * W.record;
    this.meta[r + W.info] = encodeInfo(PageType.File, 0);
    this.meta[r + W.aux] = 1;
    const off = index * PAGE_SIZE;
    this.region.bytes.fill(0, off, off + PAGE_SIZE);
    return ok(this.addressOf(index));
  }

  /** Takes another reference to a file page; answers the new count. */
  getPage(addr: number): MmResult<number> {
    const r = this.#fileRecord(addr);
    if (!r.ok) return r;
    if (this.meta[r.value + W.aux] === 0xffff_ffff) {
      return fail("invalid-address", `${hexAddr(addr)}: reference count would overflow`);
    }
    return ok(++this.meta[r.value + W.aux]);
  }

  /** Drops a reference to a file page, freeing it at zero; answers the remaining count. */
  putPage(addr: number): MmResult<number> {
    const r = this.#fileRecord(addr);
    if (!r.ok) return r;
    const count = --this.meta[r.value + W.aux];
    if (count === 0) this.releaseBlock((r.value - W.records) / W.record);
    return ok(count);
  }

  /**
   * Low-level allocation for the slab and page-table layers: takes a block
   * from the smallest non-empty list of order ≥ `order`, splitting it, and
   * marks it Allocated. Answers the page index, or -1 when out of memory.
   */
  allocBlock(order: number): number {
    const m = this.meta;
    const candidates = (m[W.orderMask] >>> order) << order;
    if (candidates === 0) return -1;
    let k = 31 - Math.clz32(candidates & -candidates);
    const index = m[W.freeHead + k];
    this.#unlink(index, k);
    while (k > order) {
      k--;
      const half = index + (1 << k);
      this.#markBlock(half, k, FREE);
      this.#push(half, k);
    }
    this.#markBlock(index, order, ALLOCATED);
    return index;
  }

  /**
   * Low-level free: returns the block headed by page `index` (Allocated,
   * SlabPage or File, already checked by the caller) and merges it with its
   * buddies as far as they are free.
   */
  releaseBlock(index: number): void {
    const m = this.meta;
    const r = W.records + index * W.record;
    const info = m[r];
    let order = (info & TYPE_MASK) === ALLOCATED ? info >>> ORDER_SHIFT : 0;
    for (let w = r + 1; w < r + W.record; w++) m[w] = 0;
    const top = this.maxOrder - 1;
    while (order < top) {
      const buddy = index ^ (1 << order);
      if (buddy >= this.pageCount) break;
      const br = W.records + buddy * W.record;
      if (m[br] !== ((order << ORDER_SHIFT) | FREE)) break;
      this.#unlink(buddy, order);
      m[br + W.next] = 0;
      m[br + W.prev] = 0;
      if (buddy < index) index = buddy;
      order++;
    }
    this.#markBlock(index, order, FREE);
    this.#push(index, order);
  }

  /**
   * Rebuilds every free list in address order from the page records (O(pages)).
   * The constructor uses it; after everything is freed it makes the metadata
   * byte-identical to a fresh region's, and allocation address-ordered again.
   */
  rebuildFreeLists(): void {
    const m = this.meta;
    const tails = new Array<number>(this.maxOrder).fill(NO_PAGE);
    m.fill(NO_PAGE, W.freeHead, W.freeHead + 32);
    m.fill(0, W.freeCount, W.freeCount + 32);
    m[W.orderMask] = 0;
    m[W.freePages] = 0;
    for (let i = this.metaPages; i < this.pageCount; i++) {
      const r = W.records + i * W.record;
      if ((m[r] & TYPE_MASK) !== FREE) continue;
      const k = m[r] >>> ORDER_SHIFT;
      const tail = tails[k];
      m[r + W.prev] = tail;
      m[r + W.next] = NO_PAGE;
      if (tail === NO_PAGE) m[W.freeHead + k] = i;
      else m[W.records + tail * W.record + W.next] = i;
      tails[k] = i;
      m[W.freeCount + k]++;
      m[W.orderMask] |= 1 << k;
      m[W.freePages] += 1 << k;
    }
  }

  #init(): void {
    const m = this.meta;
    m.fill(0);
    m[0] = HEADER_MAGIC;
    m[W.maxOrder] = this.maxOrder;
    m[W.pageCount] = this.pageCount;
    m[W.metaPages] = this.metaPages;
    for (let i = 0; i < this.metaPages; i++) {
      m[W.records + i * W.record] = encodeInfo(PageType.Reserved, 0);
    }
    // Largest aligned blocks first, ragged ends in smaller ones: the same
    // state that freeing everything coalesces back into.
    let i = this.metaPages;
    while (i < this.pageCount) {
      let k = this.maxOrder - 1;
      while ((i & ((1 << k) - 1)) !== 0 || i + (1 << k) > this.pageCount) k--;
      this.#markBlock(i, k, FREE);
      i += 1 << k;
    }
    this.rebuildFreeLists();
  }

  /** Head record `type | order`, tails Compound(order); link words of the head cleared. */
  #markBlock(index: number, order: number, type: number): void {
    const m = this.meta;
    const r = W.records + index * W.record;
    m[r] = (order << ORDER_SHIFT) | type;
    m[r + W.next] = 0;
    m[r + W.prev] = 0;
    const tail = (order << ORDER_SHIFT) | COMPOUND;
    const end = r + (W.record << order);
    for (let t = r + W.record; t < end; t += W.record) m[t] = tail;
  }

  #push(index: number, order: number): void {
    const m = this.meta;
    const head = m[W.freeHead + order];
    const r = W.records + index * W.record;
    m[r + W.next] = head;
    m[r + W.prev] = NO_PAGE;
    if (head !== NO_PAGE) m[W.records + head * W.record + W.prev] = index;
    m[W.freeHead + order] = index;
    m[W.freeCount + order]++;
    m[W.orderMask] |= 1 << order;
    m[W.freePages] += 1 << order;
  }

  #unlink(index: number, order: number): void {
    const m = this.meta;
    const r = W.records + index * W.record;
    const next = m[r + W.next];
    const prev = m[r + W.prev];
    if (prev === NO_PAGE) m[W.freeHead + order] = next;
    else m[W.records + prev * W.record + W.next] = next;
    if (next !== NO_PAGE) m[W.records + next * W.record + W.prev] = prev;
    if (--m[W.freeCount + order] === 0) m[W.orderMask] &= ~(1 << order);
    m[W.freePages] -= 1 << order;
  }

  /** Index of the page starting at `addr`, or -1 if `addr` is outside or not page aligned. */
  #headIndex(addr: number): number {
    const index = this.indexOf(addr);
    return index >= 0 && this.addressOf(index) === addr ? index : -1;
  }

  #fileRecord(addr: number): MmResult<number> {
    const index = this.#headIndex(addr);
    if (index < 0) return fail("foreign-pointer", `${hexAddr(addr)} is not a page in this region`);
    const r = W.records + index * W.record;
    const type = this.meta[r] & TYPE_MASK;
    return type === PageType.File ? ok(r) : this.#wrongType(addr, type);
  }

  #wrongType<T>(addr: number, type: number): MmResult<T> {
    const a = hexAddr(addr);
    if (type === FREE) return fail("double-free", `${a} is already free`);
    if (type === COMPOUND) return fail("foreign-pointer", `${a} is inside a multi-page block`);
    if (type === PageType.Reserved) return fail("foreign-pointer", `${a} is allocator metadata`);
    return fail("wrong-page-type", `${a} has page type ${type}`);
  }
}

function checkConfig(region: PhysRegion, maxOrder: number): void {
  const { bytes, base } = region;
  if (!Number.isSafeInteger(base) || base < 0 || base % PAGE_SIZE !== 0) {
    throw new RangeError(`region base ${base} must be a page-aligned physical address`);
  }
  if (base + bytes.length > 2 ** 52) throw new RangeError("region ends above 2^52");
  if (bytes.byteOffset % 4 !== 0) throw new RangeError("region bytes must be 4-byte aligned");
  if (bytes.length / PAGE_SIZE >= 2 ** 31) {
    throw new RangeError("region larger than 2^31 pages");
  }
  if (!Number.isInteger(maxOrder) || maxOrder < 1 || maxOrder > MAX_SUPPORTED_ORDER) {
    throw new RangeError(`maxOrder ${maxOrder} outside 1..${MAX_SUPPORTED_ORDER}`);
  }
  if (new Uint8Array(new Uint32Array([1]).buffer)[0] !== 1) {
    throw new RangeError("metadata words are little-endian: needs a little-endian host");
  }
}
