import assert from "node:assert/strict";
import {
  BuddyAllocator,
  type MmResult,
  PAGE_2M,
  PAGE_4K,
  type PageTable,
  PerCpuPageTables,
  PTE_W,
  SVSM_PERCPU_BASE,
  SVSM_PERCPU_CAA_BASE,
  SVSM_PERTASK_BASE,
} from "../lib/mm/mod.ts";

const BASE = 0x100_0000;
const KERNEL_VA = 0xffff_ff80_0000_0000n; // slot 511, shared
const FRAME_A = 0x7a_0000;
const FRAME_B = 0x7b_0000;

function value<T>(r: MmResult<T>): T {
  if (!r.ok) assert.fail(`${r.error.code}: ${r.error.message}`);
  return r.value;
}

function code<T>(r: MmResult<T>): string {
  return r.ok ? "ok" : r.error.code;
}

function setup(): { set: PerCpuPageTables; a: PageTable; b: PageTable; mem: DataView } {
  const bytes = new Uint8Array(256 * PAGE_4K);
  const pages = new BuddyAllocator({ bytes, base: BASE });
  const set = value(PerCpuPageTables.create(pages));
  value(set.kernel.map(KERNEL_VA, 0x40_0000, PAGE_2M, { flags: PTE_W, nx: false }));
  const a = value(set.addCpu());
  const b = value(set.addCpu());
  value(a.map(SVSM_PERCPU_BASE, FRAME_A, PAGE_4K, { flags: PTE_W, nx: true }));
  value(b.map(SVSM_PERCPU_BASE, FRAME_B, PAGE_4K, { flags: PTE_W, nx: true }));
  return { set, a, b, mem: new DataView(bytes.buffer) };
}

function pml4e(mem: DataView, t: PageTable, slot: number): bigint {
  return mem.getBigUint64(t.root - BASE + slot * 8, true);
}

Deno.test("per-CPU: the same per-CPU address maps each CPU's own frame", () => {
  const { a, b } = setup();
  assert.equal(value(a.translate(SVSM_PERCPU_BASE + 0x10n)).pa, FRAME_A + 0x10);
  assert.equal(value(b.translate(SVSM_PERCPU_BASE + 0x10n)).pa, FRAME_B + 0x10);
  assert.notEqual(a.root, b.root);
});

Deno.test("per-CPU: the kernel half shares PDPT pages, slot 510 does not", () => {
  const { set, a, b, mem } = setup();
  const k511 = pml4e(mem, set.kernel, 511);
  assert.equal(k511 & 0x7n, 0x7n, "present table entry");
  assert.equal(pml4e(mem, a, 511), k511);
  assert.equal(pml4e(mem, b, 511), k511);
  assert.notEqual(pml4e(mem, a, 510), pml4e(mem, b, 510));
  assert.equal(pml4e(mem, set.kernel, 510), 0n, "the master has no per-CPU area");
  assert.equal(value(a.translate(KERNEL_VA + 0x1234n)).pa, 0x40_1234);
  assert.equal(value(b.translate(KERNEL_VA + 0x1234n)).pa, 0x40_1234);
});

Deno.test("per-CPU: CPU A cannot reach CPU B's per-CPU frames or private tables", () => {
  const { set, a, b } = setup();
  for (const m of a.mappings()) {
    const hits = FRAME_B >= m.pa && FRAME_B < m.pa + m.size;
    assert.ok(!hits, `A maps ${m.va.toString(16)} onto B's frame`);
  }
  assert.ok(a.mappings().some((m) => m.pa === FRAME_A));
  const shared = new Set(set.kernel.tablePages());
  const bPrivate = b.tablePages().filter((t) => !shared.has(t));
  assert.ok(bPrivate.length >= 4, "B's root and its slot-510 tables");
  const aReach = new Set(a.tablePages());
  for (const t of bPrivate) assert.ok(!aReach.has(t), `A reaches B's table ${t.toString(16)}`);
});

Deno.test("per-CPU: a mapping made on one CPU is invisible to another unless in the shared half", () => {
  const { set, a, b } = setup();
  value(a.map(0x40_0000, 0x90_0000, PAGE_4K)); // user half: private
  value(a.map(SVSM_PERCPU_BASE + 0x2000n, 0x91_0000, PAGE_4K)); // per-CPU: private
  assert.equal(code(b.translate(0x40_0000)), "not-mapped");
  assert.equal(code(b.translate(SVSM_PERCPU_BASE + 0x2000n)), "not-mapped");
  assert.equal(code(set.kernel.translate(0x40_0000)), "not-mapped");
  // A new shared slot (256) made by CPU A after the CPUs exist: everyone sees it.
  value(a.map(0xffff_8000_0000_0000n, 0x92_0000, PAGE_4K));
  assert.equal(value(b.translate(0xffff_8000_0000_0000n)).pa, 0x92_0000);
  assert.equal(value(set.kernel.translate(0xffff_8000_0000_0000n)).pa, 0x92_0000);
  // ... and so does a CPU added later.
  const c = value(set.addCpu());
  assert.equal(value(c.translate(0xffff_8000_0000_0000n)).pa, 0x92_0000);
  assert.equal(code(c.translate(SVSM_PERCPU_BASE)), "not-mapped");
  assert.deepEqual(set.cpus, [a, b, c]);
  assert.equal(code(set.cpu(7)), "invalid-address");
});

Deno.test("per-CPU: changing the shared half needs a TLB shootdown on every CPU", () => {
  const { set, a, b } = setup();
  const va = 0xffff_ff80_4000_0000n;
  value(set.kernel.map(va, 0xa0_0000, PAGE_4K, { flags: PTE_W }));
  value(b.translate(va)); // B caches it
  value(a.unmap(va)); // A removes it from the shared tables
  assert.equal(code(a.translate(va)), "not-mapped", "A never cached it");
  assert.equal(value(b.translate(va)).pa, 0xa0_0000, "B's TLB is stale");
  set.invlpgAll(va);
  assert.equal(code(b.translate(va)), "not-mapped");
});

Deno.test("per-CPU: extra private slots and the CA mapping at per-CPU base + 8 KiB", () => {
  const pages = new BuddyAllocator({ bytes: new Uint8Array(128 * PAGE_4K), base: BASE });
  const set = value(PerCpuPageTables.create(pages, { privateSlots: [510, 508] }));
  const a = value(set.addCpu());
  const b = value(set.addCpu());
  assert.equal(SVSM_PERCPU_CAA_BASE, 0xffff_ff00_0000_2000n);
  value(
    a.map(SVSM_PERCPU_CAA_BASE, 0x55_5000, PAGE_4K, { flags: PTE_W, nx: true, encrypted: false }),
  );
  value(a.map(SVSM_PERTASK_BASE, 0x56_0000, PAGE_4K));
  assert.equal(code(b.translate(SVSM_PERCPU_CAA_BASE)), "not-mapped");
  assert.equal(code(b.translate(SVSM_PERTASK_BASE)), "not-mapped");
  const t = value(a.translate(SVSM_PERCPU_CAA_BASE + 0x10n));
  assert.deepEqual([t.pa, t.encrypted, t.nx], [0x55_5010, false, true]);
});
