import assert from "node:assert/strict";
import { Npt, PAGE_SIZE, PAGE_SIZE_2M, SystemMemory } from "../lib/snp/core.ts";

Deno.test("SystemMemory: SharedArrayBuffer of whole 2 MiB units, 4 KiB pages", () => {
  const m = new SystemMemory(2 * PAGE_SIZE_2M);
  assert.ok(m.bytes.buffer instanceof SharedArrayBuffer);
  assert.equal(m.pageCount, 1024);
  assert.equal(m.size, 4 * 1024 * 1024);
  assert.ok(m.contains(m.size - 1));
  assert.ok(!m.contains(m.size));
  assert.ok(!m.contains(-1));
  m.rawPage(0x1234)[0] = 7;
  assert.equal(m.bytes[0x1000], 7);
  assert.equal(m.words[0x1000 / 4], 7);
});

Deno.test("SystemMemory: sizes that are not positive multiples of 2 MiB are refused", () => {
  for (const bad of [0, -PAGE_SIZE_2M, PAGE_SIZE, PAGE_SIZE_2M + PAGE_SIZE, 1.5, NaN]) {
    assert.throws(() => new SystemMemory(bad), RangeError, String(bad));
  }
});

Deno.test("Npt: map, translate with offset, unmap, and epoch moves on change", () => {
  const npt = new Npt();
  assert.equal(npt.translate(0x1000), undefined);
  const e0 = npt.epoch;
  npt.map(0xFFFFFFFFF000, 0x3000); // the VMSA launch GPA is far above 4 GiB
  assert.equal(npt.translate(0xFFFFFFFFF123), 0x3123);
  npt.mapRange(0x10000, 0x20000, 3 * PAGE_SIZE);
  assert.equal(npt.translate(0x12FFF), 0x22FFF);
  assert.ok(npt.epoch > e0);
  npt.unmap(0x11000);
  assert.equal(npt.translate(0x11000), undefined);
  assert.deepEqual(npt.entries().map(([g]) => g), [0x10000, 0x12000, 0xFFFFFFFFF000]);
  assert.throws(() => npt.map(0x1001, 0x2000), RangeError);
  assert.throws(() => npt.map(0x1000, -4096), RangeError);
});
