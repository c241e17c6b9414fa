import assert from "node:assert/strict";
import {
  BuddyAllocator,
  checkHeap,
  type MmResult,
  PAGE_1G,
  PAGE_2M,
  PAGE_4K,
  PageTable,
  PF_ID,
  PF_P,
  PF_U,
  PF_W,
  PTE_A,
  PTE_D,
  PTE_G,
  PTE_PS,
  PTE_U,
  PTE_W,
} from "../lib/mm/mod.ts";

const BASE = 0x10_0000;

function value<T>(r: MmResult<T>): T {
  if (!r.ok) assert.fail(`${r.error.code}: ${r.error.message}`);
  return r.value;
}

function code<T>(r: MmResult<T>): string {
  return r.ok ? "ok" : r.error.code;
}

/**
 * A fresh 64-page region at 1 MiB: page 0 holds the metadata, so the PML4 is
 * page 1 (0x101000) and the next tables come from splitting pages 2..7 in
 * address order: 0x102000, 0x103000, 0x104000.
 */
function fresh(cBit?: number): { pages: BuddyAllocator; pt: PageTable; mem: DataView } {
  const bytes = new Uint8Array(64 * PAGE_4K);
  const pages = new BuddyAllocator({ bytes, base: BASE });
  const pt = value(PageTable.create(pages, { cBit }));
  assert.equal(pt.root, 0x10_1000);
  return { pages, pt, mem: new DataView(bytes.buffer) };
}

/** The 64-bit little-endian word at physical `addr`, read straight from memory. */
function entryAt(mem: DataView, addr: number): bigint {
  return mem.getBigUint64(addr - BASE, true);
}

Deno.test("page table: 4 KiB mapping writes hand-computed PML4E/PDPTE/PDE/PTE (C-bit 51, NX, G)", () => {
  const { pt, mem } = fresh();
  const va = 0xffff_ff80_0040_3000n; // PML4 511, PDPT 0, PD 2, PT 3
  value(pt.map(va, 0x12_3456_7000, PAGE_4K, { flags: PTE_W | PTE_G, nx: true }));
  // Table entries: next table | P W U (0x7) | C-bit 51 (0x0008_0000_0000_0000).
  assert.equal(entryAt(mem, 0x10_1000 + 511 * 8), 0x0008_0000_0010_2007n);
  assert.equal(entryAt(mem, 0x10_2000 + 0 * 8), 0x0008_0000_0010_3007n);
  assert.equal(entryAt(mem, 0x10_3000 + 2 * 8), 0x0008_0000_0010_4007n);
  // Leaf: frame | P W G (0x103) | C-bit | NX (bit 63).
  assert.equal(entryAt(mem, 0x10_4000 + 3 * 8), 0x8008_0012_3456_7103n);
  assert.deepEqual(pt.walk(va).map((s) => [s.level, s.entryAddr, s.entry]), [
    [4, 0x10_1ff8, 0x0008_0000_0010_2007n],
    [3, 0x10_2000, 0x0008_0000_0010_3007n],
    [2, 0x10_3010, 0x0008_0000_0010_4007n],
    [1, 0x10_4018, 0x8008_0012_3456_7103n],
  ]);
  assert.deepEqual(value(pt.translate(0xffff_ff80_0040_3abcn)), {
    pa: 0x12_3456_7abc,
    encrypted: true,
    flags: 0x103, // U cleared: the leaf denies it
    nx: true,
    pageSize: PAGE_4K,
    tlbHit: false,
  });
});

Deno.test("page table: 2 MiB shared (C-bit clear) user page", () => {
  const { pt, mem } = fresh();
  const va = 0x4020_0000; // PML4 0, PDPT 1, PD 1
  value(
    pt.map(va, 0x8000_0000, PAGE_2M, { flags: PTE_W | PTE_U | PTE_A | PTE_D, encrypted: false }),
  );
  assert.equal(entryAt(mem, 0x10_1000), 0x0008_0000_0010_2007n);
  assert.equal(entryAt(mem, 0x10_2000 + 8), 0x0008_0000_0010_3007n);
  // frame | P W U A D (0x67) | PS (0x80); no C-bit, no NX.
  assert.equal(entryAt(mem, 0x10_3000 + 8), 0x0000_0000_8000_00e7n);
  const t = value(pt.translate(va + 0x1_2345));
  assert.deepEqual(t, {
    pa: 0x8001_2345,
    encrypted: false,
    flags: 0x67,
    nx: false,
    pageSize: PAGE_2M,
    tlbHit: false,
  });
});

Deno.test("page table: 1 GiB page in the per-CPU slot", () => {
  const { pt, mem } = fresh();
  const va = 0xffff_ff00_4000_0000n; // PML4 510, PDPT 1
  value(pt.map(va, 0x1_4000_0000, PAGE_1G, { flags: PTE_W, nx: true }));
  assert.equal(entryAt(mem, 0x10_1000 + 510 * 8), 0x0008_0000_0010_2007n);
  // frame | P W (0x3) | PS (0x80) | C-bit | NX.
  assert.equal(entryAt(mem, 0x10_2000 + 8), 0x8008_0001_4000_0083n);
  const t = value(pt.translate(va + 0x3fff_ffffn));
  assert.equal(t.pa, 0x1_7fff_ffff);
  assert.equal(t.pageSize, PAGE_1G);
  assert.equal(t.flags & PTE_PS, 0, "PS is structure, not a permission");
});

Deno.test("page table: the C-bit follows its configured position and bounds physical addresses", () => {
  const { pt, mem } = fresh(47);
  value(pt.map(0x7000, 0x7000, PAGE_4K));
  // PML4E, PDPTE, PDE carry C at bit 47 (0x0000_8000_0000_0000); the leaf is read-only.
  assert.equal(entryAt(mem, 0x10_1000), 0x0000_8000_0010_2007n);
  assert.equal(entryAt(mem, 0x10_4000 + 7 * 8), 0x0000_8000_0000_7001n);
  assert.equal(code(pt.map(0x8000, 2 ** 47, PAGE_4K)), "invalid-address");
  assert.equal(code(pt.map(0x8000, 2 ** 47 - PAGE_4K, PAGE_4K)), "ok");
  assert.equal(
    code(
      PageTable.create(new BuddyAllocator({ bytes: new Uint8Array(8 * PAGE_4K), base: 0 }), {
        cBit: 52,
      }),
    ),
    "invalid-address",
  );
});

Deno.test("page table: the TLB serves stale translations until invlpg or a flush", () => {
  const { pt } = fresh();
  const va = 0xffff_ff80_0000_5000n;
  value(pt.map(va, 0x20_0000, PAGE_4K, { flags: PTE_W }));
  assert.equal(value(pt.translate(va)).tlbHit, false);
  assert.equal(value(pt.translate(va + 8n)).tlbHit, true);
  // protect without a flush: the TLB still says writable.
  value(pt.protect(va, { flags: 0, nx: true }));
  assert.equal(value(pt.translate(va)).flags & PTE_W, PTE_W);
  pt.invlpg(va);
  const t = value(pt.translate(va));
  assert.deepEqual([t.flags & PTE_W, t.nx, t.tlbHit], [0, true, false]);
  // unmap without a flush: still translates, to the old frame.
  assert.equal(value(pt.unmap(va)), PAGE_4K);
  assert.equal(value(pt.translate(va)).pa, 0x20_0000);
  pt.tlb.flush(); // MOV CR3
  assert.equal(code(pt.translate(va)), "not-mapped");
  // Global entries survive a CR3 reload, not a full flush.
  value(pt.map(va, 0x30_0000, PAGE_4K, { flags: PTE_G }));
  value(pt.translate(va));
  value(pt.unmap(va));
  pt.tlb.flush();
  assert.equal(value(pt.translate(va)).pa, 0x30_0000);
  pt.tlb.flushAll();
  assert.equal(code(pt.translate(va)), "not-mapped");
  // INVLPG anywhere inside a large page drops it.
  value(pt.map(0x4000_0000, 0x4000_0000, PAGE_2M));
  value(pt.translate(0x4000_0000));
  value(pt.unmap(0x4000_0000));
  pt.invlpg(0x401f_f000);
  assert.equal(code(pt.translate(0x4000_0000)), "not-mapped");
});

Deno.test("page table: bad requests are typed errors and change nothing", () => {
  const { pt, pages } = fresh();
  value(pt.map(0x20_0000, 0x20_0000, PAGE_2M));
  value(pt.map(0x40_1000, 0x1000, PAGE_4K));
  const snapshot = pages.region.bytes.slice();
  const cases: [MmResult<unknown>, string][] = [
    [pt.map(0x20_1000, 0x1000, PAGE_4K), "already-mapped"], // inside the 2 MiB page
    [pt.map(0x40_0000, 0x40_0000, PAGE_2M), "already-mapped"], // a PT is there
    [pt.map(0x40_1000, 0x5000, PAGE_4K), "already-mapped"],
    [pt.map(0x1234, 0x1000, PAGE_4K), "invalid-address"], // misaligned VA
    [pt.map(0x60_0000, 0x1000, PAGE_2M), "invalid-address"], // misaligned PA
    [pt.map(0x0000_8000_0000_0000n, 0x1000, PAGE_4K), "invalid-address"], // non-canonical
    [pt.map(0x5000, 0x1000, 8192 as typeof PAGE_4K), "invalid-address"],
    [pt.map(0x5000, -4096, PAGE_4K), "invalid-address"],
    [pt.map(0x5000, 0x1000, PAGE_4K, { flags: PTE_PS }), "invalid-flags"],
    [pt.map(0x5000, 0x1000, PAGE_4K, { flags: 1 << 9 }), "invalid-flags"],
    [pt.unmap(0x80_0000), "not-mapped"],
    [pt.unmap(0x20_1000), "invalid-address"], // not the start of the 2 MiB page
    [pt.protect(0x80_0000, {}), "not-mapped"],
    [pt.translate(0x8000_0000_0000), "invalid-address"],
  ];
  for (const [r, want] of cases) assert.equal(code(r), want);
  assert.deepEqual(pages.region.bytes, snapshot);
});

Deno.test("page table: running out of pages for tables is a result, not corruption", () => {
  const pages = new BuddyAllocator({ bytes: new Uint8Array(4 * PAGE_4K), base: BASE });
  const pt = value(PageTable.create(pages)); // metadata page + PML4; two pages left
  assert.equal(code(pt.map(0x1000, 0x1000, PAGE_4K)), "out-of-memory");
  assert.deepEqual(checkHeap(pages), []);
  value(pt.map(0x4000_0000, 0x4000_0000, PAGE_1G)); // needs only a PDPT, which exists now
  assert.equal(value(pt.translate(0x4000_1000)).pa, 0x4000_1000);
});

Deno.test("page table: mappings() and tablePages() enumerate what a walk can reach", () => {
  const { pt } = fresh();
  value(pt.map(0xffff_ff80_0000_0000n, 0x5000, PAGE_4K));
  value(pt.map(0x20_0000, 0x20_0000, PAGE_2M));
  assert.deepEqual(
    pt.mappings().map((m) => [m.va, m.pa, m.size]),
    [[0x20_0000n, 0x20_0000, PAGE_2M], [0xffff_ff80_0000_0000n, 0x5000, PAGE_4K]],
  );
  assert.equal(pt.tablePages().length, 1 + 2 + 3);
});

Deno.test("page table: a region reaching above the C-bit cannot hold tables", () => {
  // A table above 2^cBit cannot be named by a table entry: its address bits would be the C-bit.
  const above = new BuddyAllocator({ bytes: new Uint8Array(8 * PAGE_4K), base: 2 ** 32 });
  const free = above.freePageCount;
  assert.equal(code(PageTable.create(above, { cBit: 32 })), "invalid-address");
  assert.equal(above.freePageCount, free, "no page taken for a PML4");
  const below = new BuddyAllocator({
    bytes: new Uint8Array(8 * PAGE_4K),
    base: 2 ** 32 - 8 * PAGE_4K,
  });
  const pt = value(PageTable.create(below, { cBit: 32 }));
  value(pt.map(0x1000, 0x5000, PAGE_4K));
  assert.equal(value(pt.translate(0x1234)).pa, 0x5234);
});

Deno.test("page table: tables above 4 GiB in a large region", () => {
  // 4 GiB + 256 KiB, lazily committed: only the metadata and the tables are touched.
  const bytes = new Uint8Array(2 ** 32 + 64 * PAGE_4K);
  const pages = new BuddyAllocator({ bytes, base: 0 });
  // Use up everything below 4 GiB; the top 64 pages stay as two order-5 blocks.
  for (let k = 0; k < 5; k++) while (pages.freeBlocks(k) > 0) value(pages.allocPages(k));
  while (pages.freeBlocks(5) > 2) value(pages.allocPages(5));
  const pt = value(PageTable.create(pages));
  assert.ok(pt.root >= 2 ** 32, `root at ${pt.root.toString(16)}`);
  value(pt.map(0xffff_ff80_0000_0000n, 0x3_0000_0000, PAGE_2M, { flags: PTE_W }));
  assert.equal(value(pt.translate(0xffff_ff80_0000_1234n)).pa, 0x3_0000_1234);
  const mem = new DataView(bytes.buffer);
  const pml4e = mem.getBigUint64(pt.root + 511 * 8, true);
  assert.equal(pml4e, BigInt(pt.tablePages()[1]) | (1n << 51n) | 0x7n);
  assert.ok(pt.tablePages().every((t) => t >= 2 ** 32));
});

function pfec<T>(r: MmResult<T>): number | string {
  return r.ok ? "ok" : r.error.code === "page-fault" ? r.error.pfec! : r.error.code;
}

Deno.test("page table: access() faults with the SDM #PF error code", () => {
  const { pt } = fresh();
  const ro = 0xffff_ff80_0000_1000n; // supervisor, read-only, NX
  const user = 0x40_0000; // user, writable, executable
  value(pt.map(ro, 0x9000, PAGE_4K, { nx: true }));
  value(pt.map(user, 0xa000, PAGE_4K, { flags: PTE_W | PTE_U }));
  assert.equal(pfec(pt.access(0x7000)), 0); // not present, read
  assert.equal(pfec(pt.access(0x7000, { write: true, user: true })), PF_W | PF_U);
  assert.equal(pfec(pt.access(0x7000, { fetch: true })), PF_ID);
  assert.equal(pfec(pt.access(ro, { write: true })), PF_P | PF_W); // CR0.WP = 1
  assert.equal(pfec(pt.access(ro, { user: true })), PF_P | PF_U);
  assert.equal(pfec(pt.access(ro, { fetch: true })), PF_P | PF_ID);
  assert.equal(pfec(pt.access(ro)), "ok");
  assert.equal(pfec(pt.access(user, { user: true, write: true })), "ok");
  assert.equal(pfec(pt.access(user, { user: true, fetch: true })), "ok");
  assert.equal(pfec(pt.access(0x0000_8000_0000_0000n)), "invalid-address"); // #GP, not #PF
});

Deno.test("page table: access() sets A along the walk and D on a write (hand-computed entries)", () => {
  const { pt, mem } = fresh();
  const va = 0x40_3000; // PML4 0, PDPT 0, PD 2, PT 3
  value(pt.map(va, 0x5_0000, PAGE_4K, { flags: PTE_W }));
  assert.equal(entryAt(mem, 0x10_4000 + 3 * 8), 0x0008_0000_0005_0003n);
  value(pt.translate(va)); // a translation alone sets nothing
  pt.invlpg(va);
  value(pt.access(va));
  // A (0x20) in every entry used; the leaf stays clean on a read.
  assert.equal(entryAt(mem, 0x10_1000), 0x0008_0000_0010_2027n);
  assert.equal(entryAt(mem, 0x10_2000), 0x0008_0000_0010_3027n);
  assert.equal(entryAt(mem, 0x10_3000 + 2 * 8), 0x0008_0000_0010_4027n);
  assert.equal(entryAt(mem, 0x10_4000 + 3 * 8), 0x0008_0000_0005_0023n);
  // A write through the (clean) TLB entry still sets D (0x40).
  const t = value(pt.access(va + 8, { write: true }));
  assert.equal(t.tlbHit, true);
  assert.equal(entryAt(mem, 0x10_4000 + 3 * 8), 0x0008_0000_0005_0063n);
  assert.equal(t.flags & (PTE_A | PTE_D), PTE_A | PTE_D);
});

Deno.test("page table: a stale writable TLB entry allows writes until invlpg", () => {
  const { pt } = fresh();
  const va = 0xffff_ff80_0020_0000n;
  value(pt.map(va, 0x20_0000, PAGE_2M, { flags: PTE_W | PTE_D | PTE_A }));
  value(pt.access(va, { write: true }));
  value(pt.protect(va, { flags: PTE_A | PTE_D }));
  assert.equal(pfec(pt.access(va + 0x1000n, { write: true })), "ok");
  pt.invlpg(va + 0x1000n);
  assert.equal(pfec(pt.access(va, { write: true })), PF_P | PF_W);
});

Deno.test("page table: entries land at their physical address in a SharedArrayBuffer window", () => {
  const machine = new Uint8Array(new SharedArrayBuffer(48 * PAGE_4K));
  const offset = 16 * PAGE_4K;
  const pages = new BuddyAllocator({ bytes: machine.subarray(offset), base: offset });
  const pt = value(PageTable.create(pages));
  value(pt.map(0x1000, 0x3000, PAGE_4K, { flags: PTE_W }));
  const leaf = pt.walk(0x1000).at(-1)!;
  const mem = new DataView(machine.buffer);
  assert.equal(mem.getBigUint64(leaf.entryAddr, true), 0x0008_0000_0000_3003n);
  assert.equal(mem.getBigUint64(pt.root, true) & 0xfffn, 0x7n);
});
