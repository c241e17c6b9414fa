/**
 * The kernel heap behind a GlobalAlloc-style interface, after COCONUT's
 * `SvsmAllocator` (kernel/src/mm/alloc.rs, svsm-abi.md §13): requests up to
 * 2048 bytes go to the slab of the next power of two (at least 32), larger
 * ones to 2^order pages. Unlike COCONUT it honours alignment up to the page
 * size (a slot of size s is s-aligned, so the class is max(size, align)),
 * rejects larger alignments, and checks every free against the page metadata:
 * a double free, a foreign pointer or a layout that differs from the one
 * allocated is reported, where COCONUT panics or trusts the caller. Page
 * blocks remember their exact size and alignment; slab slots are checked at
 * the granularity of their size class.
 * @module
 */
import { BuddyAllocator, type BuddyOptions, type PhysRegion } from "./buddy_allocator.ts";
import { fail, hexAddr, type MmError, type MmResult, ok, OK_VOID } from "./errors.ts";
import { ORDER_SHIFT, PAGE_SIZE, PageType, TYPE_MASK, W } from "./page_info.ts";
import { SLAB_SIZES, SlabCache } from "./slab.ts";

/**
 * Size and alignment of an allocation, as Rust's `core::alloc::Layout`.
 *
 * @example
 * ```ts
 * import { type AllocLayout, KernelAllocator } from "./global_alloc.ts";
 * const heap = new KernelAllocator({ bytes: new Uint8Array(1 << 20), base: 0 });
 * const layout: AllocLayout = { size: 48, align: 16 }; // served from the 64-byte slab
 * const p = heap.alloc(layout);
 * if (p.ok) heap.dealloc(p.value, layout);
 * ```
 */
export interface AllocLayout {
  /** Bytes requested, > 0. */
  readonly size: number;
  /** A power of two, 1..4096. */
  readonly align: number;
}

/**
 * Options of {@link KernelAllocator}.
 *
 * @example
 * ```ts
 * import { KernelAllocator } from "./global_alloc.ts";
 * const heap = new KernelAllocator(
 *   { bytes: new Uint8Array(1 << 20), base: 0x100000 },
 *   { maxOrder: 6, slabReserve: 1 },
 * );
 * heap.alloc({ size: 64, align: 8 }).ok; // true
 * ```
 */
export interface KernelAllocatorOptions extends BuddyOptions {
  /** Empty slab pages each cache keeps before returning pages to the buddy allocator (default 1). */
  readonly slabReserve?: number;
}

const MAX_SLAB = 2048;
const MIN_SLAB_SHIFT = 5;

/**
 * The kernel allocator. Pointers are physical addresses inside the region.
 *
 * @example
 * ```ts
 * import { KernelAllocator } from "./global_alloc.ts";
 * const heap = new KernelAllocator({ bytes: new Uint8Array(1 << 20), base: 0x200000 });
 * const r = heap.alloc({ size: 100, align: 8 });
 * if (r.ok) heap.dealloc(r.value, { size: 100, align: 8 });
 * ```
 */
export class KernelAllocator {
  /** The page allocator underneath. */
  readonly pages: BuddyAllocator;
  /** Slab caches, index i holding items of 32 << i bytes. */
  readonly caches: readonly SlabCache[];
  /** The region's bytes. */
  readonly bytes: Uint8Array;
  /** A DataView of the region's bytes (offset 0 = physical `base`). */
  readonly view: DataView;
  /** Physical address of the region. */
  readonly base: number;
  readonly #meta: Uint32Array;
  readonly #maxBytes: number;
  // Scratch output of #locate, so dealloc allocates nothing.
  #page = 0;
  #slot = -1;

  /** Builds the page allocator and the slab caches over `region`. */
  constructor(region: PhysRegion, options: KernelAllocatorOptions = {}) {
    this.pages = new BuddyAllocator(region, options);
    this.caches = SLAB_SIZES.map((s) => new SlabCache(this.pages, s, options.slabReserve ?? 1));
    this.bytes = region.bytes;
    this.view = new DataView(region.bytes.buffer, region.bytes.byteOffset, region.bytes.byteLength);
    this.base = region.base;
    this.#meta = this.pages.meta;
    this.#maxBytes = PAGE_SIZE * 2 ** (this.pages.maxOrder - 1);
  }

  /** Allocates `layout.size` bytes aligned to `layout.align`; the contents are unspecified. */
  alloc(layout: AllocLayout): MmResult<number> {
    const size = layout.size;
    const align = layout.align;
    const bad = this.#checkLayout(size, align);
    if (bad !== null) return { ok: false, error: bad };
    const want = size > align ? size : align;
    if (want <= MAX_SLAB) {
      const addr = this.caches[classOf(want)].allocSlot();
      return addr < 0 ? fail("out-of-memory", `no page for a ${want}-byte slab`) : ok(addr);
    }
    const order = orderOf(size);
    const index = this.pages.allocBlock(order);
    if (index < 0) return fail("out-of-memory", `no free block of order ${order}`);
    const r = W.records + index * W.record;
    this.#meta[r + W.aux] = size;
    this.#meta[r + W.extra] = align;
    return ok(this.base + index * PAGE_SIZE);
  }

  /** As {@link alloc}, with the bytes zeroed. */
  allocZeroed(layout: AllocLayout): MmResult<number> {
    const r = this.alloc(layout);
    if (r.ok) this.bytes.fill(0, r.value - this.base, r.value - this.base + layout.size);
    return r;
  }

  /** Frees `ptr`, which must come from {@link alloc} with the same layout. */
  dealloc(ptr: number, layout: AllocLayout): MmResult<void> {
    const bad = this.#locate(ptr, layout);
    if (bad !== null) return { ok: false, error: bad };
    this.#release();
    return OK_VOID;
  }

  /**
   * Resizes an allocation to `newSize` bytes, keeping `layout.align`. Stays in
   * place when the size class does not change; otherwise allocates, copies
   * and frees. On failure the old allocation is untouched.
   */
  realloc(ptr: number, layout: AllocLayout, newSize: number): MmResult<number> {
    const bad = this.#locate(ptr, layout);
    if (bad !== null) return { ok: false, error: bad };
    const next = { size: newSize, align: layout.align };
    const badNext = this.#checkLayout(newSize, layout.align);
    if (badNext !== null) return { ok: false, error: badNext };
    if (this.#sameClass(layout, next)) {
      if (this.#slot < 0) this.#meta[W.records + this.#page * W.record + W.aux] = newSize;
      return ok(ptr);
    }
    const r = this.alloc(next);
    if (!r.ok) return r;
    const from = ptr - this.base;
    this.bytes.copyWithin(r.value - this.base, from, from + Math.min(layout.size, newSize));
    this.#release(); // alloc leaves #page/#slot as #locate set them
    return r;
  }

  /** A view of `len` bytes at physical `ptr`, or undefined if it leaves the region. */
  slice(ptr: number, len: number): Uint8Array | undefined {
    const off = ptr - this.base;
    if (!(off >= 0 && len >= 0 && off + len <= this.bytes.length)) return undefined;
    return this.bytes.subarray(off, off + len);
  }

  #checkLayout(size: number, align: number): MmError | null {
    if (align > PAGE_SIZE) {
      return Number.isInteger(Math.log2(align))
        ? { code: "alignment-unsupported", message: `alignment ${align} exceeds the page size` }
        : { code: "invalid-layout", message: `alignment ${align} is not a power of two` };
    }
    if (!(align >= 1) || (align & (align - 1)) !== 0 || (align | 0) !== align) {
      return { code: "invalid-layout", message: `alignment ${align} is not a power of two` };
    }
    if (!(size > 0) || Math.floor(size) !== size) {
      return { code: "invalid-layout", message: `size ${size} is not a positive integer` };
    }
    if (size > this.#maxBytes) {
      return { code: "out-of-memory", message: `${size} bytes exceed the largest block` };
    }
    return null;
  }

  /** Validates a free of `ptr` with `layout`; on success sets #page and #slot (-1 for pages). */
  #locate(ptr: number, layout: AllocLayout): MmError | null {
    const bad = this.#checkLayout(layout.size, layout.align);
    if (bad !== null) return bad;
    const off = ptr - this.base;
    if (!(off >= 0 && off < this.pages.pageCount * PAGE_SIZE) || Math.floor(off) !== off) {
      return { code: "foreign-pointer", message: `${hexAddr(ptr)} is outside the heap` };
    }
    const page = (off / PAGE_SIZE) | 0;
    const inPage = off - page * PAGE_SIZE;
    const info = this.#meta[W.records + page * W.record];
    const want = layout.size > layout.align ? layout.size : layout.align;
    switch (info & TYPE_MASK) {
      case PageType.SlabPage: {
        const itemSize = info >>> ORDER_SHIFT;
        if ((inPage & (itemSize - 1)) !== 0) return foreign(ptr, "is not at a slab slot");
        if (want > MAX_SLAB || classOf(want) !== classOf(itemSize)) {
          return mismatch(ptr, `${itemSize}-byte slot freed with size ${layout.size}`);
        }
        const slot = inPage >>> (31 - Math.clz32(itemSize));
        if (!this.caches[classOf(itemSize)].slotUsed(page, slot)) {
          return { code: "double-free", message: `${hexAddr(ptr)}: slot already free` };
        }
        this.#page = page;
        this.#slot = slot;
        return null;
      }
      case PageType.Allocated: {
        if (inPage !== 0) return foreign(ptr, "is inside a page block");
        const r = W.records + page * W.record;
        if (
          want <= MAX_SLAB || this.#meta[r + W.aux] !== layout.size ||
          this.#meta[r + W.extra] !== layout.align
        ) {
          return mismatch(
            ptr,
            `allocated as ${this.#meta[r + W.aux]}/${this.#meta[r + W.extra]}, ` +
              `freed as ${layout.size}/${layout.align}`,
          );
        }
        this.#page = page;
        this.#slot = -1;
        return null;
      }
      case PageType.Free:
        return { code: "double-free", message: `${hexAddr(ptr)} is in a free page` };
      case PageType.Compound:
        return foreign(ptr, "is inside a page block");
      case PageType.File:
        return { code: "wrong-page-type", message: `${hexAddr(ptr)} is a reference-counted page` };
      default:
        return foreign(ptr, "is allocator metadata");
    }
  }

  #release(): void {
    if (this.#slot < 0) {
      this.pages.releaseBlock(this.#page);
      return;
    }
    const info = this.#meta[W.records + this.#page * W.record];
    // #locate has checked that the slot is in use, so this always frees it.
    this.caches[classOf(info >>> ORDER_SHIFT)].freeSlot(this.#page, this.#slot);
  }

  #sameClass(a: AllocLayout, b: AllocLayout): boolean {
    const wa = a.size > a.align ? a.size : a.align;
    const wb = b.size > b.align ? b.size : b.align;
    if (wa <= MAX_SLAB || wb <= MAX_SLAB) {
      return wa <= MAX_SLAB && wb <= MAX_SLAB && classOf(wa) === classOf(wb);
    }
    return orderOf(a.size) === orderOf(b.size);
  }
}

/** Slab cache index of a request of `n` ≤ 2048 bytes: next power of two, at least 32. */
function classOf(n: number): number {
  return n <= 32 ? 0 : 32 - Math.clz32(n - 1) - MIN_SLAB_SHIFT;
}

/** COCONUT `get_order`: log2 of the next power of two of the page count. */
function orderOf(size: number): number {
  return 32 - Math.clz32(Math.ceil(size / PAGE_SIZE) - 1);
}

function foreign(ptr: number, why: string): MmError {
  return { code: "foreign-pointer", message: `${hexAddr(ptr)} ${why}` };
}

function mismatch(ptr: number, why: string): MmError {
  return { code: "layout-mismatch", message: `${hexAddr(ptr)}: ${why}` };
}
