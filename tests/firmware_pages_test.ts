import assert from "node:assert/strict";
import {
  CPUID_ENTRIES_OFFSET,
  CPUID_ENTRY,
  CPUID_PAGE,
  readCpuidPage,
  SECRETS_PAGE,
  writeCpuidPage,
} from "../lib/snp/firmware/mod.ts";

Deno.test("secrets page: every offset of snp-abi.md §10", () => {
  const expected: Record<string, [number, number]> = {
    version: [0x000, 4],
    imien: [0x004, 4],
    fms: [0x008, 4],
    gosvw: [0x010, 16],
    vmpck0: [0x020, 32],
    vmpck1: [0x040, 32],
    vmpck2: [0x060, 32],
    vmpck3: [0x080, 32],
    msgSeqno0: [0x0a0, 4],
    msgSeqno1: [0x0a4, 4],
    msgSeqno2: [0x0a8, 4],
    msgSeqno3: [0x0ac, 4],
    apJumpTablePa: [0x0b0, 8],
    vmsaTweakBitmap: [0x100, 64],
    svsmBase: [0x140, 8],
    svsmSize: [0x148, 8],
    svsmCaa: [0x150, 8],
    svsmMaxVersion: [0x158, 4],
    svsmGuestVmpl: [0x15c, 1],
    tscFactor: [0x160, 4],
  };
  assert.equal(SECRETS_PAGE.size, 4096);
  assert.deepEqual(Object.keys(SECRETS_PAGE.fields).sort(), Object.keys(expected).sort());
  for (const [name, [off, size]] of Object.entries(expected)) {
    const f = SECRETS_PAGE.fields[name as keyof typeof SECRETS_PAGE.fields];
    assert.deepEqual([f.offset, f.size], [off, size], name);
  }
  const page = new Uint8Array(4096);
  SECRETS_PAGE.set(page, "svsmCaa", 0x1122334455667788n);
  assert.deepEqual([...page.subarray(0x150, 0x158)], [
    0x88,
    0x77,
    0x66,
    0x55,
    0x44,
    0x33,
    0x22,
    0x11,
  ]);
});

Deno.test("CPUID page: header and entry offsets of snp-abi.md §11", () => {
  assert.equal(CPUID_PAGE.size, 4096);
  assert.equal(CPUID_PAGE.fields.count.offset, 0);
  assert.equal(CPUID_ENTRIES_OFFSET, 0x10);
  assert.equal(CPUID_ENTRY.size, 48);
  const f = CPUID_ENTRY.fields;
  assert.deepEqual(
    [f.eaxIn, f.ecxIn, f.xcr0In, f.xssIn, f.eax, f.ebx, f.ecx, f.edx, f.reserved].map((x) =>
      x.offset
    ),
    [0x00, 0x04, 0x08, 0x10, 0x18, 0x1c, 0x20, 0x24, 0x28],
  );
  // 64 entries fit exactly: 0x10 + 64 * 48 = 0xC10 <= 4096.
  assert.ok(CPUID_ENTRIES_OFFSET + 64 * 48 <= 4096);
});

Deno.test("CPUID page: entries round-trip at 0x10 + 48·i; count > 64 refused", () => {
  const entries = [0, 1, 2].map((i) => ({
    eaxIn: 0x8000001f,
    ecxIn: i,
    xcr0In: 1n,
    xssIn: 0n,
    eax: 0x1000 + i,
    ebx: 0x2000,
    ecx: 0x3000,
    edx: 0x4000,
  }));
  const page = writeCpuidPage(entries);
  assert.equal(new DataView(page.buffer).getUint32(0x10 + 48 * 2 + 0x18, true), 0x1002);
  assert.deepEqual(readCpuidPage(page), entries);
  new DataView(page.buffer).setUint32(0, 65, true);
  assert.throws(() => readCpuidPage(page), /exceeds 64/);
});
