import assert from "node:assert/strict";
import {
  type AllocLayout,
  BuddyAllocator,
  checkHeap,
  KernelAllocator,
  type MmResult,
  PAGE_SIZE,
  PageType,
} from "../lib/mm/mod.ts";
import { NO_PAGE, readPageInfo } from "../lib/mm/page_info.ts";

function value<T>(r: MmResult<T>): T {
  if (!r.ok) assert.fail(`${r.error.code}: ${r.error.message}`);
  return r.value;
}

function code<T>(r: MmResult<T>): string {
  return r.ok ? "ok" : r.error.code;
}

const BASE = 0x4000_0000; // 1 GiB, 2 MiB aligned

function heapOf(pages: number): KernelAllocator {
  return new KernelAllocator({ bytes: new Uint8Array(pages * PAGE_SIZE), base: BASE });
}

Deno.test("buddy: metadata carved from the region start, the rest in maximal aligned blocks", () => {
  // 300 pages: records need 0x140 + 300*32 bytes = 3 pages. Free: 3 (order 0),
  // 4..7 (order 2), 8..15 (3), 16..31 (4), then order-5 blocks to 288, 288..295 (3), 296..299 (2).
  const pages = new BuddyAllocator({ bytes: new Uint8Array(300 * PAGE_SIZE), base: BASE });
  assert.equal(pages.metaPages, 3);
  assert.equal(pages.freePageCount, 297);
  assert.deepEqual(
    [0, 1, 2, 3, 4, 5].map((k) => pages.freeBlocks(k)),
    [1, 0, 2, 2, 1, 8],
  );
  assert.equal(readPageInfo(pages.meta, 0).type, PageType.Reserved);
  // COCONUT encoding: type in bits 3:0, order in 11:4.
  assert.equal(pages.meta[0x140 / 4 + 32 * 8], 0x50); // page 32: Free, order 5
  assert.equal(pages.meta[0x140 / 4 + 33 * 8], 0x53); // page 33: Compound, order 5
  assert.deepEqual(checkHeap(pages), []);
});

Deno.test("buddy: split takes the lowest block and coalescing undoes it", () => {
  const pages = new BuddyAllocator({ bytes: new Uint8Array(64 * PAGE_SIZE), base: BASE });
  const before = pages.meta.slice();
  // Page 1 is metadata; page 1.. free: 1 (0), 2..3 (1), 4..7 (2), 8..15 (3), 16..31 (4), 32..63 (5).
  const a = value(pages.allocPages(0));
  assert.equal(a, BASE + PAGE_SIZE);
  const b = value(pages.allocPages(0)); // splits 2..3
  assert.equal(b, BASE + 2 * PAGE_SIZE);
  const c = value(pages.allocPages(3));
  assert.equal(c, BASE + 8 * PAGE_SIZE);
  assert.equal(readPageInfo(pages.meta, 9).type, PageType.Compound);
  assert.equal(readPageInfo(pages.meta, 8).param, 3);
  assert.deepEqual(checkHeap(pages), []);
  for (const p of [b, c, a]) assert.equal(code(pages.freePages(p)), "ok");
  pages.rebuildFreeLists();
  assert.deepEqual(pages.meta, before);
});

Deno.test("buddy: reference-counted file pages are zeroed, counted and freed at zero", () => {
  const bytes = new Uint8Array(16 * PAGE_SIZE).fill(0xaa);
  const pages = new BuddyAllocator({ bytes, base: BASE });
  const free = pages.freePageCount;
  const p = value(pages.allocFilePage());
  const off = p - BASE;
  assert.ok(bytes.subarray(off, off + PAGE_SIZE).every((x) => x === 0));
  assert.equal(value(pages.getPage(p)), 2);
  assert.equal(code(pages.freePages(p)), "wrong-page-type");
  assert.equal(value(pages.putPage(p)), 1);
  assert.equal(value(pages.putPage(p)), 0);
  assert.equal(pages.freePageCount, free);
  assert.equal(code(pages.putPage(p)), "double-free");
  const q = value(pages.allocPages(0));
  assert.equal(code(pages.getPage(q)), "wrong-page-type");
  assert.deepEqual(checkHeap(pages), []);
});

Deno.test("buddy: out of memory is a result, and the allocator recovers", () => {
  const pages = new BuddyAllocator({ bytes: new Uint8Array(40 * PAGE_SIZE), base: BASE });
  const got: number[] = [];
  for (;;) {
    const r = pages.allocPages(0);
    if (!r.ok) {
      assert.equal(r.error.code, "out-of-memory");
      break;
    }
    got.push(r.value);
  }
  assert.equal(got.length, 39);
  assert.equal(code(pages.allocPages(1)), "out-of-memory");
  assert.equal(code(pages.allocPages(6)), "invalid-layout");
  assert.deepEqual(checkHeap(pages), []);
  for (const p of got) value(pages.freePages(p));
  assert.equal(pages.freePageCount, 39);
  assert.deepEqual(checkHeap(pages), []);
});

Deno.test("buddy: bad configurations are refused", () => {
  const bytes = new Uint8Array(16 * PAGE_SIZE);
  assert.throws(() => new BuddyAllocator({ bytes, base: 0x1001 }), RangeError);
  assert.throws(() => new BuddyAllocator({ bytes, base: 0 }, { maxOrder: 0 }), RangeError);
  assert.throws(() => new BuddyAllocator({ bytes, base: 0 }, { maxOrder: 21 }), RangeError);
  assert.throws(() => new BuddyAllocator({ bytes: bytes.subarray(0, PAGE_SIZE), base: 0 }));
});

Deno.test("heap: dispatch follows COCONUT's classes and honours alignment up to a page", () => {
  const heap = heapOf(256);
  const slot = (size: number, align: number): number => {
    const p = value(heap.alloc({ size, align }));
    const info = readPageInfo(heap.pages.meta, (p - BASE) / PAGE_SIZE);
    return info.type === PageType.SlabPage ? info.param : -info.param - 1;
  };
  assert.equal(slot(1, 1), 32);
  assert.equal(slot(33, 1), 64);
  assert.equal(slot(8, 512), 512); // alignment lifts the class
  assert.equal(slot(2048, 8), 2048);
  assert.equal(slot(2049, 8), -1); // order 0 page
  assert.equal(slot(100, 4096), -1);
  assert.equal(slot(4097, 8), -2); // order 1
  assert.equal(slot(32 * PAGE_SIZE, 8), -6); // order 5, COCONUT's largest
  assert.equal(code(heap.alloc({ size: 32 * PAGE_SIZE + 1, align: 8 })), "out-of-memory");
  assert.deepEqual(checkHeap(heap.pages, heap.caches), []);
});

Deno.test("heap: invalid layouts and alignments above a page are typed errors", () => {
  const heap = heapOf(64);
  assert.equal(code(heap.alloc({ size: 16, align: 8192 })), "alignment-unsupported");
  assert.equal(code(heap.alloc({ size: 16, align: 2 ** 40 })), "alignment-unsupported");
  assert.equal(code(heap.alloc({ size: 16, align: 3 })), "invalid-layout");
  assert.equal(code(heap.alloc({ size: 16, align: 0 })), "invalid-layout");
  assert.equal(code(heap.alloc({ size: 0, align: 8 })), "invalid-layout");
  assert.equal(code(heap.alloc({ size: 1.5, align: 8 })), "invalid-layout");
  assert.equal(code(heap.alloc({ size: NaN, align: 8 })), "invalid-layout");
  assert.equal(code(heap.alloc({ size: -4, align: 8 })), "invalid-layout");
  assert.equal(heap.pages.freePageCount, 64 - heap.pages.metaPages, "nothing leaked");
});

Deno.test("heap: double free, foreign pointers and mismatched layouts are reported, not accepted", () => {
  const heap = heapOf(64);
  const small = { size: 40, align: 8 };
  const big = { size: 3 * PAGE_SIZE, align: 64 };
  const s = value(heap.alloc(small));
  const s2 = value(heap.alloc(small));
  const b = value(heap.alloc(big));
  const snapshot = (): Uint32Array => heap.pages.meta.slice();
  const m0 = snapshot();
  const cases: [number, AllocLayout, string][] = [
    [BASE - 64, small, "foreign-pointer"], // below the region
    [BASE + 64 * PAGE_SIZE, small, "foreign-pointer"], // past the end
    [BASE + 8, small, "foreign-pointer"], // inside the metadata
    [s + 8, small, "foreign-pointer"], // inside a slot
    [b + 16, big, "foreign-pointer"], // inside a page block
    [b + PAGE_SIZE, big, "foreign-pointer"], // a tail page
    [s + 0.5, small, "foreign-pointer"],
    [s, { size: 200, align: 8 }, "layout-mismatch"], // other slab class
    [s, big, "layout-mismatch"],
    [b, { size: 3 * PAGE_SIZE - 1, align: 64 }, "layout-mismatch"], // same order, other size
    [b, { size: 3 * PAGE_SIZE, align: 128 }, "layout-mismatch"],
    [b, small, "layout-mismatch"],
    [s, { size: 40, align: 8192 }, "alignment-unsupported"],
  ];
  for (const [ptr, layout, want] of cases) {
    assert.equal(
      code(heap.dealloc(ptr, layout)),
      want,
      `${ptr.toString(16)} ${JSON.stringify(layout)}`,
    );
    assert.equal(code(heap.realloc(ptr, layout, 10)), want);
  }
  assert.deepEqual(heap.pages.meta, m0, "rejected frees changed nothing");
  value(heap.dealloc(s, small));
  assert.equal(code(heap.dealloc(s, small)), "double-free");
  value(heap.dealloc(b, big));
  assert.equal(code(heap.dealloc(b, big)), "double-free");
  const f = value(heap.pages.allocFilePage());
  assert.equal(code(heap.dealloc(f, { size: PAGE_SIZE, align: 8 })), "wrong-page-type");
  value(heap.dealloc(s2, small));
  assert.deepEqual(checkHeap(heap.pages, heap.caches), []);
});

Deno.test("heap: out of memory is a result; a failed realloc leaves the old block intact", () => {
  const heap = heapOf(48);
  const layout = { size: 8 * PAGE_SIZE, align: 8 };
  const blocks: number[] = [];
  for (let r = heap.alloc(layout); r.ok; r = heap.alloc(layout)) blocks.push(r.value);
  assert.equal(code(heap.alloc(layout)), "out-of-memory");
  const p = blocks[0];
  heap.bytes.fill(7, p - BASE, p - BASE + layout.size);
  assert.equal(code(heap.realloc(p, layout, 16 * PAGE_SIZE)), "out-of-memory");
  assert.ok(heap.bytes.subarray(p - BASE, p - BASE + layout.size).every((x) => x === 7));
  // Same order: resized in place.
  assert.equal(value(heap.realloc(p, layout, 7 * PAGE_SIZE + 1)), p);
  assert.equal(code(heap.dealloc(p, layout)), "layout-mismatch");
  value(heap.dealloc(p, { size: 7 * PAGE_SIZE + 1, align: 8 }));
  // Fill the slabs until pages run out: still consistent.
  const small: number[] = [];
  for (let r = heap.alloc({ size: 64, align: 64 }); r.ok; r = heap.alloc({ size: 64, align: 64 })) {
    small.push(r.value);
  }
  assert.equal(code(heap.alloc({ size: 100, align: 8 })), "out-of-memory");
  assert.deepEqual(checkHeap(heap.pages, heap.caches), []);
  for (const x of small) value(heap.dealloc(x, { size: 64, align: 64 }));
  for (const x of blocks.slice(1)) value(heap.dealloc(x, layout));
  assert.deepEqual(checkHeap(heap.pages, heap.caches), []);
});

Deno.test("slab: empty pages go back to the buddy allocator beyond the reserve", () => {
  const heap = heapOf(64);
  const cache = heap.caches[6]; // 2048-byte slots, 2 per page
  const layout = { size: 2048, align: 8 };
  const free0 = heap.pages.freePageCount;
  const ptrs = Array.from({ length: 10 }, () => value(heap.alloc(layout)));
  assert.equal(cache.pages, 5);
  assert.equal(heap.pages.freePageCount, free0 - 5);
  for (const p of ptrs) value(heap.dealloc(p, layout));
  assert.equal(cache.pages, 1, "one empty page kept as reserve");
  assert.equal(cache.emptyPages, 1);
  assert.equal(heap.pages.freePageCount, free0 - 1);
  cache.shrink();
  assert.equal(cache.pages, 0);
  assert.equal(cache.head, NO_PAGE);
  assert.equal(heap.pages.freePageCount, free0);
  assert.deepEqual(checkHeap(heap.pages, heap.caches), []);
});

Deno.test("heap: a region that is a window of a SharedArrayBuffer (as the machine model passes it)", () => {
  const machine = new Uint8Array(new SharedArrayBuffer(96 * PAGE_SIZE));
  const offset = 16 * PAGE_SIZE; // the region starts at machine physical 0x10000
  const heap = new KernelAllocator({
    bytes: machine.subarray(offset, offset + 64 * PAGE_SIZE),
    base: offset,
  });
  const layout = { size: 100, align: 16 };
  const p = value(heap.alloc(layout));
  assert.ok(p >= offset + heap.pages.metaPages * PAGE_SIZE && p < offset + 64 * PAGE_SIZE);
  heap.bytes.fill(0x5a, p - offset, p - offset + 100);
  assert.equal(machine[p], 0x5a, "physical address p is machine byte p");
  assert.equal(machine[p + 100], 0);
  // The metadata sits in the region's first page, little-endian: the header magic "BDDY".
  assert.deepEqual([...machine.subarray(offset, offset + 4)], [0x42, 0x44, 0x44, 0x59]);
  value(heap.dealloc(p, layout));
  assert.deepEqual(checkHeap(heap.pages, heap.caches), []);
});
