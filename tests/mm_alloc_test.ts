import assert from "node:assert/strict";
import { parseArgs } from "node:util";
import { Prng } from "../lib/common/prng.ts";
import {
  type AllocLayout,
  BuddyAllocator,
  checkHeap,
  KernelAllocator,
  type MmResult,
  NO_PAGE,
  PAGE_SIZE,
  PageType,
  readPageInfo,
} from "../lib/mm/mod.ts";

// Long runs: deno test -P tests/mm_alloc_test.ts -- --ops=2000000 [--seed=N]
const ARGS = parseArgs({
  args: Deno.args,
  options: { seed: { type: "string" }, ops: { type: "string" } },
});
const OPS = Number(ARGS.values.ops ?? 100_000);

/** Runs `body` with a seed (from --seed or fresh), naming the seed if it fails. */
function seeded(body: (rng: Prng) => void): void {
  const seed = Number(ARGS.values.seed ?? crypto.getRandomValues(new Uint32Array(1))[0]);
  try {
    body(new Prng(seed));
  } catch (e) {
    console.error(`property test failed with seed ${seed} (rerun: -- --seed=${seed})`);
    throw e;
  }
}

function value<T>(r: MmResult<T>): T {
  if (!r.ok) assert.fail(`${r.error.code}: ${r.error.message}`);
  return r.value;
}

function code<T>(r: MmResult<T>): string {
  return r.ok ? "ok" : r.error.code;
}

const BASE = 0x4000_0000; // 1 GiB, 2 MiB aligned

function heapOf(pages: number, base = BASE): KernelAllocator {
  return new KernelAllocator({ bytes: new Uint8Array(pages * PAGE_SIZE), base });
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

Deno.test(`buddy: ${OPS} random page operations keep the metadata consistent`, () => {
  seeded((rng) => {
    const maxOrder = 4 + rng.below(5);
    const count = 200 + rng.below(3000);
    const pages = new BuddyAllocator({ bytes: new Uint8Array(count * PAGE_SIZE), base: BASE }, {
      maxOrder,
    });
    const before = pages.meta.slice();
    const owner = new Int32Array(count);
    const live: { addr: number; order: number; file: boolean }[] = [];
    for (let op = 0; op < OPS; op++) {
      if (live.length > 0 && rng.below(100) < 48) {
        const i = rng.below(live.length);
        const { addr, order, file } = live[i];
        live[i] = live[live.length - 1];
        live.pop();
        const first = (addr - BASE) / PAGE_SIZE;
        owner.fill(0, first, first + (1 << order));
        free(pages, addr, file);
        continue;
      }
      const file = rng.below(8) === 0;
      const order = file ? 0 : rng.below(maxOrder);
      const r = file ? pages.allocFilePage() : pages.allocPages(order);
      if (!r.ok) {
        assert.equal(r.error.code, "out-of-memory");
        continue;
      }
      const first = (r.value - BASE) / PAGE_SIZE;
      assert.equal(first % (1 << order), 0, "block aligned to its size");
      for (let p = first; p < first + (1 << order); p++) {
        assert.equal(owner[p], 0, `page ${p} handed out twice`);
        owner[p] = op + 1;
      }
      live.push({ addr: r.value, order, file });
      if (op % 20_000 === 0) assert.deepEqual(checkHeap(pages), []);
    }
    assert.deepEqual(checkHeap(pages), []);
    for (const { addr, file } of live) free(pages, addr, file);
    assert.equal(pages.freePageCount, count - pages.metaPages, "every page came back");
    assert.deepEqual(checkHeap(pages), []);
    pages.rebuildFreeLists();
    assert.deepEqual(pages.meta, before, "fully coalesced metadata is byte-identical to fresh");
  });
});

function free(pages: BuddyAllocator, addr: number, file: boolean): void {
  if (file) value(pages.putPage(addr));
  else value(pages.freePages(addr));
}

const GRANULE = 32;

Deno.test(`heap: ${OPS} random alloc/realloc/dealloc never overlap and keep alignment`, () => {
  seeded((rng) => {
    const count = 2048;
    const heap = heapOf(count);
    const before = heap.pages.meta.slice();
    // One owner id per 32-byte granule: an allocation may only cover unowned granules.
    const owner = new Int32Array((count * PAGE_SIZE) / GRANULE);
    type Live = { ptr: number; layout: AllocLayout; id: number };
    const live: Live[] = [];
    let nextId = 1;
    const claim = (a: Live, set: boolean): void => {
      const g0 = (a.ptr - BASE) / GRANULE;
      const g1 = Math.ceil((a.ptr - BASE + a.layout.size) / GRANULE);
      for (let g = g0; g < g1; g++) {
        assert.equal(owner[g], set ? 0 : a.id, `overlap at ${(BASE + g * GRANULE).toString(16)}`);
        owner[g] = set ? a.id : 0;
      }
      const tag = a.id & 0xff;
      if (set) heap.bytes.fill(tag, a.ptr - BASE, a.ptr - BASE + a.layout.size);
      else {
        const body = heap.bytes.subarray(a.ptr - BASE, a.ptr - BASE + a.layout.size);
        assert.ok(body.every((x) => x === tag), "contents survived");
      }
    };
    const randomLayout = (): AllocLayout => {
      const big = rng.below(10) === 0;
      const size = 1 + (big ? rng.below(40_000) : rng.below(rng.below(2) ? 64 : 2100));
      return { size, align: 1 << rng.below(13) };
    };
    for (let op = 0; op < OPS; op++) {
      const roll = rng.below(100);
      if (live.length > 0 && roll < 45) {
        const i = rng.below(live.length);
        const a = live[i];
        live[i] = live[live.length - 1];
        live.pop();
        claim(a, false);
        value(heap.dealloc(a.ptr, a.layout));
      } else if (live.length > 0 && roll < 55) {
        const i = rng.below(live.length);
        const a = live[i];
        const newSize = randomLayout().size;
        claim(a, false);
        const r = heap.realloc(a.ptr, a.layout, newSize);
        if (r.ok) {
          live[i] = { ptr: r.value, layout: { size: newSize, align: a.layout.align }, id: a.id };
        } else assert.equal(r.error.code, "out-of-memory");
        const b = live[i];
        const keep = Math.min(a.layout.size, b.layout.size);
        const tag = a.id & 0xff;
        assert.ok(heap.bytes.subarray(b.ptr - BASE, b.ptr - BASE + keep).every((x) => x === tag));
        claim(b, true);
      } else {
        const layout = randomLayout();
        const r = rng.below(4) === 0 ? heap.allocZeroed(layout) : heap.alloc(layout);
        if (!r.ok) {
          assert.equal(r.error.code, "out-of-memory");
          continue;
        }
        assert.equal(r.value % layout.align, 0, "alignment holds");
        const a = { ptr: r.value, layout, id: nextId++ };
        claim(a, true);
        live.push(a);
      }
      if (op % 25_000 === 0) assert.deepEqual(checkHeap(heap.pages, heap.caches), []);
    }
    assert.deepEqual(checkHeap(heap.pages, heap.caches), []);
    for (const a of live) value(heap.dealloc(a.ptr, a.layout));
    for (const c of heap.caches) c.shrink();
    assert.equal(heap.pages.freePageCount, count - heap.pages.metaPages, "every page came back");
    assert.deepEqual(checkHeap(heap.pages, heap.caches), []);
    heap.pages.rebuildFreeLists();
    assert.deepEqual(
      heap.pages.meta,
      before,
      "fully coalesced metadata is byte-identical to fresh",
    );
  });
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
