import assert from "node:assert/strict";
import {
  GuestMemoryAccess,
  MachineFault,
  MemoryEncryption,
  Npt,
  PAGE_SIZE,
  pvalidate,
  Rmp,
  rmpadjust,
  rmpadjustAttrs,
  SystemMemory,
} from "../lib/snp/core.ts";

const GPA0 = 0x100000, SPA0 = 0x200000, ASID = 1;
const ZERO = new Uint8Array(PAGE_SIZE);

function machine() {
  const memory = new SystemMemory(4 << 20);
  const rmp = new Rmp(memory.pageCount);
  const enc = new MemoryEncryption(memory);
  enc.installKey(ASID, new Uint8Array(32).fill(3));
  const npt = new Npt();
  npt.mapRange(GPA0, SPA0, 16 * PAGE_SIZE);
  const guest = new GuestMemoryAccess(memory, rmp, enc);
  const ctx = (vmpl: number) => ({ asid: ASID, vmpl, npt, rmp });
  for (let i = 0; i < 8; i++) {
    const gpa = GPA0 + i * PAGE_SIZE;
    rmp.rmpupdate(SPA0 + i * PAGE_SIZE, { assigned: true, asid: ASID, gpa, pageSize2M: false });
    pvalidate(ctx(0), gpa, false, true);
  }
  return { memory, rmp, enc, npt, guest, ctx };
}

Deno.test("zeroPage zeroes whatever wrote the page first (untouched pages are skipped)", () => {
  const writers: [string, (m: ReturnType<typeof machine>, gpa: number, spa: number) => void][] = [
    ["writeU32", (m, gpa) => m.guest.writeU32(m.ctx(0), gpa + 8, 0xdeadbeef, true)],
    ["write", (m, gpa) => m.guest.write(m.ctx(0), gpa + 100, new Uint8Array([1, 2, 3]), true)],
    ["page view", (m, gpa) => void (m.guest.page(m.ctx(0), gpa, "read", true)[5] = 9)],
    ["privateView", (m, _, spa) => void (m.enc.privateView(ASID, spa)[7] = 1)],
    ["overwriteView", (m, _, spa) => void (m.enc.overwriteView(ASID, spa)[7] = 1)],
    ["first read (decrypts)", (m, gpa) => void m.guest.readU32(m.ctx(0), gpa, true)],
    ["zero, then write", (m, gpa) => {
      m.guest.zeroPage(m.ctx(0), gpa, true);
      m.guest.writeU32(m.ctx(0), gpa + 16, 7, true);
    }],
  ];
  for (const [name, write] of writers) {
    const m = machine();
    const gpa = GPA0 + 3 * PAGE_SIZE, spa = SPA0 + 3 * PAGE_SIZE;
    write(m, gpa, spa);
    m.guest.zeroPage(m.ctx(0), gpa, true);
    assert.deepEqual(m.guest.read(m.ctx(0), gpa, PAGE_SIZE, true), ZERO, name);
    // What DRAM holds is the same ciphertext of zeroes as on a page zeroed untouched.
    const fresh = machine();
    fresh.guest.zeroPage(fresh.ctx(0), gpa, true);
    assert.deepEqual(m.enc.hostRead(spa, PAGE_SIZE), fresh.enc.hostRead(spa, PAGE_SIZE), name);
  }
});

Deno.test("the TLB re-checks the RMP after every RMP change (no stale permission)", () => {
  const m = machine();
  const fault = (f: () => unknown) => {
    try {
      f();
      return "ok";
    } catch (e) {
      if (!(e instanceof MachineFault)) throw e;
      return e.kind;
    }
  };
  const [c0, c1] = [m.ctx(0), m.ctx(1)];
  m.guest.writeU32(c0, GPA0, 42, true);
  rmpadjust(c0, GPA0, false, rmpadjustAttrs(1, 0xF));
  assert.equal(m.guest.readU32(c1, GPA0, true), 42); // cached for VMPL1
  rmpadjust(c0, GPA0, false, rmpadjustAttrs(1, 1)); // read only
  assert.equal(m.guest.readU32(c1, GPA0, true), 42);
  assert.equal(fault(() => m.guest.writeU32(c1, GPA0, 1, true)), "npf");
  rmpadjust(c0, GPA0, false, rmpadjustAttrs(1, 0));
  assert.equal(fault(() => m.guest.readU32(c1, GPA0, true)), "npf");
  pvalidate(c0, GPA0, false, false);
  assert.equal(fault(() => m.guest.readU32(c0, GPA0, true)), "vc");
  pvalidate(c0, GPA0, false, true);
  assert.equal(m.guest.readU32(c0, GPA0, true), 42);
  m.rmp.rmpupdate(SPA0, { assigned: true, asid: ASID, gpa: GPA0 + PAGE_SIZE, pageSize2M: false });
  assert.equal(fault(() => m.guest.readU32(c0, GPA0, true)), "npf");
  m.rmp.rmpupdate(SPA0, { assigned: false, asid: 0, gpa: 0, pageSize2M: false });
  assert.equal(fault(() => m.guest.readU32(c0, GPA0, true)), "npf");
  assert.equal(fault(() => m.guest.readU32(c0, GPA0, false)), "ok"); // shared access now
  // An NPT change drops the cached translation.
  m.guest.writeU32(c0, GPA0 + 2 * PAGE_SIZE, 7, true);
  m.npt.map(GPA0 + 2 * PAGE_SIZE, SPA0 + 3 * PAGE_SIZE);
  assert.equal(fault(() => m.guest.readU32(c0, GPA0 + 2 * PAGE_SIZE, true)), "npf");
});

Deno.test("page(): the same page gives the same view; another page another one", () => {
  const m = machine();
  const a = m.guest.page(m.ctx(0), GPA0 + 5, "read", true);
  assert.equal(m.guest.page(m.ctx(0), GPA0 + 0xFFF, "write", true), a);
  assert.notEqual(m.guest.page(m.ctx(0), GPA0 + PAGE_SIZE, "read", true), a);
  assert.equal(a.byteOffset, m.memory.bytes.byteOffset + SPA0);
  assert.equal(a.length, PAGE_SIZE);
});
