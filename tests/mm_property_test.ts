/**
 * Seeded randomized property tests of lib/mm. Each run takes a fresh seed
 * (printed on failure); replay or run longer with
 *   deno test -P tests/mm_property_test.ts -- --seed=N --ops=2000000
 */
import assert from "node:assert/strict";
import { parseArgs } from "node:util";
import { Prng } from "../lib/common/prng.ts";
import {
  type AllocLayout,
  BuddyAllocator,
  checkHeap,
  KernelAllocator,
  type MmResult,
  PAGE_1G,
  PAGE_2M,
  PAGE_4K,
  PAGE_SIZE,
  type PageSize,
  PageTable,
  PTE_A,
  PTE_D,
  PTE_G,
  PTE_P,
  PTE_PCD,
  PTE_PWT,
  PTE_U,
  PTE_W,
} from "../lib/mm/mod.ts";
import { canonicalFromLow48 } from "../lib/mm/page_table_entry.ts";

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

const BASE = 0x4000_0000; // 1 GiB, 2 MiB aligned

function heapOf(pages: number): KernelAllocator {
  return new KernelAllocator({ bytes: new Uint8Array(pages * PAGE_SIZE), base: BASE });
}

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

Deno.test(`page table: ${OPS} random map/unmap/protect/translate agree with a model`, () => {
  seeded((rng) => {
    const pages = new BuddyAllocator({ bytes: new Uint8Array(512 * PAGE_4K), base: BASE });
    const pt = value(PageTable.create(pages));
    type Leaf = { pa: number; size: PageSize; flags: number; nx: boolean; encrypted: boolean };
    const leaves = new Map<number, Leaf>(); // by first 48-bit address
    const hasPT = new Set<number>(); // 2 MiB regions holding a page table (tables are kept)
    const hasPD = new Set<number>(); // 1 GiB regions holding a page directory
    const covering = (low: number): [number, Leaf] | undefined => {
      for (const size of [PAGE_4K, PAGE_2M, PAGE_1G]) {
        const start = Math.floor(low / size) * size;
        const leaf = leaves.get(start);
        if (leaf !== undefined && leaf.size === size) return [start, leaf];
      }
      return undefined;
    };
    const FLAG_BITS = [PTE_W, PTE_U, PTE_PWT, PTE_PCD, PTE_A, PTE_D, PTE_G];
    const randomAttrs = () => ({
      flags: FLAG_BITS.filter(() => rng.below(2) === 1).reduce((a, b) => a | b, 0),
      nx: rng.below(2) === 1,
      encrypted: rng.below(4) !== 0,
    });
    const randomSize = (): PageSize => {
      const r = rng.below(20);
      return r === 0 ? PAGE_1G : r < 4 ? PAGE_2M : PAGE_4K;
    };
    // PDPT 4..7 only ever hold 1 GiB pages and PD 8..15 only 2 MiB pages, so
    // large pages often succeed; the lower indices mix all sizes and clash.
    const randomVa = (size: number): number => {
      const slot = [0, 1, 256, 510, 511][rng.below(5)];
      const pdpt = rng.below(size === PAGE_1G ? 8 : 4);
      const pd = size === PAGE_1G ? 0 : rng.below(size === PAGE_2M ? 16 : 8);
      const pte = size === PAGE_4K ? rng.below(16) : 0;
      return slot * 2 ** 39 + pdpt * 2 ** 30 + pd * 2 ** 21 + pte * 2 ** 12;
    };
    const expectAt = (low: number): string => {
      const c = covering(low);
      return c === undefined ? "not-mapped" : c[0] === low ? "ok" : "invalid-address";
    };
    const result = <T>(r: MmResult<T>): string => (r.ok ? "ok" : r.error.code);
    const ops = OPS;
    for (let op = 0; op < ops; op++) {
      const size = randomSize();
      const low = randomVa(size);
      const va = canonicalFromLow48(low);
      const roll = rng.below(10);
      if (roll < 5) {
        const pa = rng.below(Math.min(2 ** 32, 2 ** 51 / size)) * size;
        const attrs = randomAttrs();
        const clash = covering(low) !== undefined ||
          (size === PAGE_2M && hasPT.has(low / PAGE_2M)) ||
          (size === PAGE_1G && hasPD.has(low / PAGE_1G));
        assert.equal(result(pt.map(va, pa, size, attrs)), clash ? "already-mapped" : "ok");
        if (clash) continue;
        leaves.set(low, { pa, size, ...attrs });
        if (size === PAGE_4K) hasPT.add(Math.floor(low / PAGE_2M));
        if (size !== PAGE_1G) hasPD.add(Math.floor(low / PAGE_1G));
      } else if (roll < 7) {
        const want = expectAt(low);
        const r = pt.unmap(va);
        assert.equal(result(r), want);
        if (r.ok) {
          assert.equal(r.value, leaves.get(low)!.size);
          leaves.delete(low);
          pt.invlpg(va);
        }
      } else if (roll < 8) {
        const want = expectAt(low);
        const attrs = randomAttrs();
        assert.equal(result(pt.protect(va, attrs)), want);
        if (want === "ok") {
          leaves.set(low, { ...leaves.get(low)!, ...attrs });
          pt.invlpg(va);
        }
      }
      const probe = low + rng.below(size);
      const c = covering(probe);
      const t = pt.translate(canonicalFromLow48(probe));
      if (c === undefined) {
        assert.equal(result(t), "not-mapped");
        continue;
      }
      const [start, leaf] = c;
      assert.deepEqual(value(t), {
        pa: leaf.pa + (probe - start),
        encrypted: leaf.encrypted,
        flags: leaf.flags | PTE_P,
        nx: leaf.nx,
        pageSize: leaf.size,
        tlbHit: t.ok && t.value.tlbHit,
      });
      if (op % 2_000 === 0) {
        const listed = pt.mappings().map((m) => [m.va, m.pa, m.size]);
        const model = [...leaves].sort((a, b) => a[0] - b[0])
          .map(([low, l]) => [canonicalFromLow48(low), l.pa, l.size]);
        assert.deepEqual(listed, model);
      }
    }
    assert.deepEqual(checkHeap(pages), []);
    assert.equal(pages.pageCount - pages.metaPages - pages.freePageCount, pt.tablePages().length);
  });
});

Deno.test(`heap: ${OPS} hostile frees never throw and never change the metadata`, () => {
  seeded((rng) => {
    const heap = heapOf(512);
    const pt = value(PageTable.create(heap.pages));
    const live: { ptr: number; layout: AllocLayout }[] = [];
    const freed: number[] = [];
    for (let i = 0; i < 400; i++) {
      const layout = {
        size: 1 + rng.below(rng.below(4) === 0 ? 20_000 : 2048),
        align: 1 << rng.below(8),
      };
      const r = heap.alloc(layout);
      if (!r.ok) continue;
      if (rng.below(4) === 0) {
        value(heap.dealloc(r.value, layout));
        freed.push(r.value);
      } else live.push({ ptr: r.value, layout });
    }
    const before = heap.pages.meta.slice();
    const end = BASE + heap.pages.pageCount * PAGE_SIZE;
    const pick = <T>(xs: T[]): T => xs[rng.below(xs.length)];
    const pointer = (): number => {
      switch (rng.below(6)) {
        case 0: {
          const a = pick(live);
          return a.ptr + 1 + rng.below(Math.max(1, a.layout.size - 1));
        }
        case 1:
          return BASE + rng.below(end - BASE);
        case 2:
          return pick(freed);
        case 3:
          return BASE + rng.below(heap.pages.metaPages * PAGE_SIZE);
        case 4:
          return pick([
            NaN,
            Infinity,
            -Infinity,
            -PAGE_SIZE,
            0,
            end,
            2 ** 53,
            BASE + 0.5,
            end + 64,
          ]);
        default:
          return rng.nextU32() * PAGE_SIZE;
      }
    };
    // Pointers the test legitimately owns: live allocations and the page table's own pages
    // (freeing those is a valid call, not a hostile one).
    const liveStart = new Set([...live.map((a) => a.ptr), ...pt.tablePages()]);
    const allowed = new Set([
      "double-free",
      "foreign-pointer",
      "layout-mismatch",
      "wrong-page-type",
    ]);
    const expectError = (r: MmResult<unknown>, what: string): void => {
      assert.ok(!r.ok && allowed.has(r.error.code), `${what}: ${r.ok ? "accepted" : r.error.code}`);
    };
    for (let op = 0; op < OPS; op++) {
      if (rng.below(8) === 0) {
        // A live allocation freed with a layout of another class or size.
        const a = pick(live);
        const wrong = a.layout.size <= 2048 && a.layout.align <= 2048
          ? { size: 4 * Math.max(32, a.layout.size, a.layout.align), align: a.layout.align }
          : { size: a.layout.size + 1, align: a.layout.align };
        expectError(heap.dealloc(a.ptr, wrong), "wrong layout");
        continue;
      }
      const p = pointer();
      if (liveStart.has(p)) continue;
      const layout = { size: 1 + rng.below(40_000), align: 1 << rng.below(12) };
      expectError(heap.dealloc(p, layout), `dealloc ${p}`);
      expectError(heap.realloc(p, layout, 1 + rng.below(5000)), `realloc ${p}`);
      expectError(heap.pages.getPage(p), `getPage ${p}`);
      expectError(heap.pages.putPage(p), `putPage ${p}`);
      expectError(heap.pages.freePages(p), `freePages ${p}`);
      const va = rng.below(2) === 0 ? p : BigInt(rng.nextU32()) << BigInt(rng.below(64));
      assert.equal(pt.translate(va).ok, false);
      assert.equal(pt.unmap(va).ok, false);
    }
    assert.deepEqual(heap.pages.meta, before, "no rejected call changed the metadata");
    assert.deepEqual(checkHeap(heap.pages, heap.caches), []);
  });
});
