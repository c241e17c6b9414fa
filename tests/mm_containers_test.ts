import assert from "node:assert/strict";
import { Layout, u32, u64 } from "../lib/common/layout.ts";
import {
  bytesCodec,
  checkHeap,
  KBox,
  KernelAllocator,
  KVec,
  layoutCodec,
  type MmResult,
  PAGE_SIZE,
  U32,
  U64,
  U8,
} from "../lib/mm/mod.ts";

const BASE = 0x80_0000;

function value<T>(r: MmResult<T>): T {
  if (!r.ok) assert.fail(`${r.error.code}: ${r.error.message}`);
  return r.value;
}

function heapOf(pages: number): KernelAllocator {
  return new KernelAllocator({ bytes: new Uint8Array(pages * PAGE_SIZE), base: BASE });
}

const ENTRY = new Layout("test entry", 16, { gpa: u64(0), flags: u32(8), id: u32(12) });

Deno.test("KBox: a struct stored in modeled memory, little-endian at its address", () => {
  const heap = heapOf(32);
  const box = value(
    KBox.new(heap, layoutCodec(ENTRY), { gpa: 0x1234_5678_9000n, flags: 3, id: 9 }),
  );
  assert.equal(box.addr % 8, 0);
  const raw = heap.slice(box.addr, 16)!;
  assert.deepEqual([...raw], [
    0x00,
    0x90,
    0x78,
    0x56,
    0x34,
    0x12,
    0,
    0, // gpa
    3,
    0,
    0,
    0, // flags
    9,
    0,
    0,
    0, // id
  ]);
  box.set({ gpa: 1n, flags: 0, id: 0xffff_ffff });
  assert.deepEqual(box.get(), { gpa: 1n, flags: 0, id: 0xffff_ffff });
  value(box.free());
  const again = box.free();
  assert.equal(again.ok ? "ok" : again.error.code, "double-free");
  assert.throws(() => box.get(), ReferenceError);
  assert.deepEqual(checkHeap(heap.pages, heap.caches), []);
});

Deno.test("KBox: raw codecs round-trip", () => {
  const heap = heapOf(32);
  const b8 = value(KBox.new(heap, U8, 0xab));
  const b64 = value(KBox.new(heap, U64, 0xffff_ffff_ffff_fffen));
  const digest = value(KBox.new(heap, bytesCodec(48), new Uint8Array([1, 2, 3])));
  assert.equal(b8.get(), 0xab);
  assert.equal(b64.get(), 0xffff_ffff_ffff_fffen);
  assert.deepEqual(digest.get(), new Uint8Array(48).fill(0).map((_, i) => (i < 3 ? i + 1 : 0)));
  assert.throws(() => digest.set(new Uint8Array(49)), RangeError);
  for (const b of [b8, b64, digest]) value(b.free());
});

Deno.test("KVec: grows from a slab slot to buddy pages and keeps every element", () => {
  const heap = heapOf(256);
  const free0 = heap.pages.freePageCount;
  const v = value(KVec.new(heap, U32));
  assert.equal(v.addr, 0, "no allocation while empty");
  const n = 20_000; // 80 000 bytes: order-5 pages by the end
  for (let i = 0; i < n; i++) value(v.push((i * 2654435761) >>> 0));
  assert.equal(v.length, n);
  assert.ok(v.capacity >= n);
  for (let i = 0; i < n; i += 97) assert.equal(v.get(i), (i * 2654435761) >>> 0);
  v.set(5, 42);
  assert.equal(v.get(5), 42);
  assert.equal(v.pop(), ((n - 1) * 2654435761) >>> 0);
  assert.throws(() => v.get(n - 1), RangeError);
  assert.throws(() => v.get(-1), RangeError);
  assert.deepEqual(checkHeap(heap.pages, heap.caches), []);
  value(v.free());
  assert.equal(v.length, 0);
  for (const c of heap.caches) c.shrink();
  assert.equal(heap.pages.freePageCount, free0, "every page came back");
});

Deno.test("KVec: a failed growth leaves the vector intact", () => {
  const heap = heapOf(40);
  const v = value(KVec.new(heap, U64, 4));
  const pushed: bigint[] = [];
  for (let i = 0n;; i++) {
    const r = v.push(i * 3n);
    if (!r.ok) {
      assert.equal(r.error.code, "out-of-memory");
      break;
    }
    pushed.push(i * 3n);
  }
  assert.deepEqual(v.toArray(), pushed);
  assert.deepEqual(checkHeap(heap.pages, heap.caches), []);
  value(v.free());
});
