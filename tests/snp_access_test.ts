import assert from "node:assert/strict";
import {
  type AccessContext,
  type AccessKind,
  GuestMemoryAccess,
  HostMemoryAccess,
  MachineFault,
  MemoryEncryption,
  Npt,
  PAGE_SIZE,
  pvalidate,
  Rmp,
  RMP_PERM_EXEC_SUPER,
  RMP_PERM_EXEC_USER,
  RMP_PERM_READ,
  RMP_PERM_WRITE,
  rmpadjust,
  rmpadjustAttrs,
  SystemMemory,
  VmsaPage,
} from "../lib/snp/core.ts";
import { Prng } from "../lib/common/prng.ts";

// snp-abi.md §8, typed here: #VC code and #NPF/#PF error bits.
const VC_NOT_VALIDATED = 0x404;
const RMP_BIT = 2 ** 31, ENC_BIT = 2 ** 34, VMPL_BIT = 2 ** 36;

const ASID = 1;
const GPA0 = 0x100000; // guest RAM at GPA 1 MiB, backed from SPA 2 MiB
const SPA0 = 0x200000;

function machine() {
  const memory = new SystemMemory(8 * 1024 * 1024);
  const rmp = new Rmp(memory.pageCount);
  const enc = new MemoryEncryption(memory);
  enc.installKey(ASID);
  const npt = new Npt();
  npt.mapRange(GPA0, SPA0, 64 * PAGE_SIZE);
  const guest = new GuestMemoryAccess(memory, rmp, enc);
  const host = new HostMemoryAccess(rmp, enc);
  const ctx = (vmpl: number, asid = ASID, n = npt): AccessContext & { rmp: Rmp } => ({
    asid,
    vmpl,
    npt: n,
    rmp,
  });
  /** Host assigns the i-th guest page; the guest (VMPL0) validates it. */
  const own = (i: number, validate = true): number => {
    const gpa = GPA0 + i * PAGE_SIZE;
    assert.equal(
      rmp.rmpupdate(SPA0 + i * PAGE_SIZE, { assigned: true, asid: ASID, gpa, pageSize2M: false }),
      0,
    );
    if (validate) assert.equal(pvalidate(ctx(0), gpa, false, true).rc, 0);
    return gpa;
  };
  return { memory, rmp, enc, npt, guest, host, ctx, own };
}

function fault(kind: string, check: (f: MachineFault) => boolean = () => true) {
  return (e: unknown): boolean => e instanceof MachineFault && e.kind === kind && check(e);
}

const secret = (): Uint8Array =>
  Uint8Array.from({ length: PAGE_SIZE }, (_, i) => (i * 7 + 1) & 0xFF);

Deno.test("guest: private u32/u64/byte accesses round-trip, across page boundaries too", () => {
  const m = machine();
  const a = m.own(0), b = m.own(1);
  const c = m.ctx(0);
  m.guest.writeU32(c, a + 8, 0xDEADBEEF, true);
  m.guest.writeU64(c, a + 16, 0x0123456789ABCDEFn, true);
  assert.equal(m.guest.readU32(c, a + 8, true), 0xDEADBEEF);
  assert.equal(m.guest.readU64(c, a + 16, true), 0x0123456789ABCDEFn);
  m.guest.writeU64(c, b - 4, 0x1122334455667788n, true); // straddles pages a and b
  assert.equal(m.guest.readU64(c, b - 4, true), 0x1122334455667788n);
  assert.equal(m.guest.readU32(c, b - 2, true), 0x33445566); // bytes 66 55 | 44 33 across the boundary
  m.guest.writeU32(c, b - 2, 0xA1B2C3D4, true);
  assert.deepEqual([...m.guest.read(c, b - 2, 4, true)], [0xD4, 0xC3, 0xB2, 0xA1]);
  const data = Uint8Array.from({ length: 5000 }, (_, i) => (i * 5 + 3) & 0xFF);
  m.guest.write(c, a + 100, data, true);
  assert.deepEqual(m.guest.read(c, a + 100, 5000, true), data);
});

Deno.test("guest: an access to a page not validated raises #VC 0x404", () => {
  const m = machine();
  const a = m.own(0, false);
  assert.throws(
    () => m.guest.readU32(m.ctx(0), a, true),
    fault("vc", (f) => f.code === VC_NOT_VALIDATED && f.gpa === a),
  );
});

Deno.test("guest: RMP ownership checks (other ASID, unassigned, GPA mismatch, no mapping) raise #NPF", () => {
  const m = machine();
  const a = m.own(0);
  // Another guest (ASID 2) with the same NPT reaches the same SPA: RMP says it belongs to ASID 1.
  m.enc.installKey(2);
  assert.throws(
    () => m.guest.readU32(m.ctx(0, 2), a, true),
    fault("npf", (f) => f.has(RMP_BIT) && f.has(ENC_BIT)),
  );
  // Private access to an unassigned page.
  assert.throws(
    () => m.guest.readU32(m.ctx(0), GPA0 + 5 * PAGE_SIZE, true),
    fault("npf", (f) => f.has(RMP_BIT)),
  );
  // Nothing mapped.
  assert.throws(
    () => m.guest.readU32(m.ctx(0), 0x7000_0000, true),
    fault("npf", (f) => !f.has(RMP_BIT)),
  );
});

// VMPL permission table: VMPL1 granted `mask`; each access kind allowed iff its bit is in the mask.
const KINDS: [AccessKind, number][] = [
  ["read", RMP_PERM_READ],
  ["write", RMP_PERM_WRITE],
  ["execute-user", RMP_PERM_EXEC_USER],
  ["execute-supervisor", RMP_PERM_EXEC_SUPER],
];

Deno.test("guest: VMPL permission masks gate read, write, execute-user, execute-supervisor", async (t) => {
  for (
    const mask of [
      0,
      RMP_PERM_READ,
      RMP_PERM_READ | RMP_PERM_WRITE,
      RMP_PERM_EXEC_USER,
      RMP_PERM_EXEC_SUPER,
      0xF,
    ]
  ) {
    for (const [kind, bit] of KINDS) {
      await t.step(`mask ${mask.toString(2).padStart(4, "0")} ${kind}`, () => {
        const m = machine();
        const a = m.own(0);
        assert.equal(rmpadjust(m.ctx(0), a, false, rmpadjustAttrs(1, mask)), 0);
        m.guest.check(m.ctx(0), a, kind, true); // VMPL0 always may
        if (mask & bit) {
          assert.equal(typeof m.guest.check(m.ctx(1), a, kind, true), "number");
        } else {
          assert.throws(
            () => m.guest.check(m.ctx(1), a, kind, true),
            fault("npf", (f) => f.has(VMPL_BIT) && f.has(RMP_BIT)),
          );
        }
        // VMPL2 was never granted anything.
        assert.throws(
          () => m.guest.check(m.ctx(2), a, kind, true),
          fault("npf", (f) => f.has(VMPL_BIT)),
        );
      });
    }
  }
});

Deno.test("attack: the host reading a private page gets ciphertext, not the plaintext", () => {
  const m = machine();
  const a = m.own(0);
  const s = secret();
  m.guest.write(m.ctx(0), a, s, true);
  const seen = m.host.read(SPA0, PAGE_SIZE);
  assert.notDeepEqual(seen, s);
  let same = 0;
  for (let i = 0; i < PAGE_SIZE; i++) same += seen[i] === s[i] ? 1 : 0;
  assert.ok(same < 64, `ciphertext shares ${same} bytes with the plaintext`);
  assert.deepEqual(m.guest.read(m.ctx(0), a, PAGE_SIZE, true), s); // the guest still sees its data
});

Deno.test("attack: ciphertext copied to another page reads as garbage there, or faults", () => {
  const m = machine();
  const a = m.own(0);
  const s = secret();
  m.guest.write(m.ctx(0), a, s, true);
  const stolen = m.host.read(SPA0, PAGE_SIZE);
  // The host plants it in a free page, hands that page to the guest at another GPA...
  const other = SPA0 + 9 * PAGE_SIZE, otherGpa = GPA0 + 9 * PAGE_SIZE;
  m.host.write(other, stolen);
  assert.equal(
    m.rmp.rmpupdate(other, { assigned: true, asid: ASID, gpa: otherGpa, pageSize2M: false }),
    0,
  );
  // ...unvalidated: the guest faults.
  assert.throws(
    () => m.guest.read(m.ctx(0), otherGpa, 16, true),
    fault("vc", (f) => f.code === VC_NOT_VALIDATED),
  );
  // Even if the guest is tricked into validating it, the data decrypts to garbage (tweak = SPA).
  pvalidate(m.ctx(0), otherGpa, false, true);
  assert.notDeepEqual(m.guest.read(m.ctx(0), otherGpa, PAGE_SIZE, true), s);
  // Remapping the original GPA to the planted page fails the RMP GPA check, then validation.
  m.npt.map(a, other);
  assert.throws(() => m.guest.read(m.ctx(0), a, 16, true), fault("npf", (f) => f.has(RMP_BIT)));
});

Deno.test("attack: RMPUPDATE behind the guest's back makes the next access raise #VC 0x404", () => {
  const m = machine();
  const a = m.own(0);
  m.guest.writeU32(m.ctx(0), a, 42, true);
  assert.equal(m.guest.readU32(m.ctx(0), a, true), 42); // warm translation
  assert.equal(m.rmp.rmpupdate(SPA0, { assigned: true, asid: ASID, gpa: a, pageSize2M: false }), 0);
  assert.throws(
    () => m.guest.readU32(m.ctx(0), a, true),
    fault("vc", (f) => f.code === VC_NOT_VALIDATED),
  );
  assert.throws(() => m.guest.writeU32(m.ctx(0), a, 1, true), fault("vc"));
});

Deno.test("attack: a host write to a guest-assigned page faults (#PF, RMP bit 31) and writes nothing", () => {
  const m = machine();
  const a = m.own(0);
  m.guest.writeU32(m.ctx(0), a, 7, true);
  const before = m.host.read(SPA0, PAGE_SIZE);
  assert.throws(
    () => m.host.write(SPA0 + 100, new Uint8Array(8)),
    fault("pf", (f) => f.has(RMP_BIT)),
  );
  // A write spanning a free page and the assigned one is refused as a whole.
  assert.throws(() => m.host.write(SPA0 - 8, new Uint8Array(16)), fault("pf"));
  assert.deepEqual(m.host.read(SPA0, PAGE_SIZE), before);
  assert.equal(m.guest.readU32(m.ctx(0), a, true), 7);
  // Unassigned (even not-yet-validated-by-anyone) pages are the host's to write.
  m.host.write(SPA0 + 20 * PAGE_SIZE, new Uint8Array([1]));
});

Deno.test("attack: a VMSA page cannot be written by the host or by a lower VMPL", () => {
  const m = machine();
  const v = m.own(3);
  // VMPL0 lets VMPL1 read/write the page and marks it a VMSA (snp-abi.md §7.2).
  assert.equal(
    rmpadjust(m.ctx(0), v, false, rmpadjustAttrs(1, RMP_PERM_READ | RMP_PERM_WRITE, true)),
    0,
  );
  assert.equal(m.rmp.entry(SPA0 + 3 * PAGE_SIZE).vmsa, true);
  const regs = new VmsaPage(m.guest.page(m.ctx(0), v, "write", true));
  regs.rip = 0x1000n; // VMPL0 (the SVSM) may edit it
  regs.vmpl = 1;
  assert.throws(
    () => m.guest.writeU64(m.ctx(1), v + 0x178, 0xBADn, true),
    fault("npf", (f) => f.has(VMPL_BIT)),
  );
  assert.equal(m.guest.readU64(m.ctx(1), v + 0x178, true), 0x1000n); // reading is allowed by the mask
  assert.throws(() => m.host.write(SPA0 + 3 * PAGE_SIZE + 0x178, new Uint8Array(8)), fault("pf"));
  // A lower VMPL cannot clear the VMSA bit or grant itself more.
  assert.equal(rmpadjust(m.ctx(1), v, false, rmpadjustAttrs(2, 0xF)), 2);
  // The host can only take the page away, which un-validates it: the guest then faults, not runs tampered state.
  assert.equal(
    m.rmp.rmpupdate(SPA0 + 3 * PAGE_SIZE, { assigned: false, asid: 0, gpa: 0, pageSize2M: false }),
    0,
  );
  m.host.write(SPA0 + 3 * PAGE_SIZE + 0x178, new Uint8Array(8).fill(0x41));
  assert.equal(
    m.rmp.rmpupdate(SPA0 + 3 * PAGE_SIZE, {
      assigned: true,
      asid: ASID,
      gpa: v,
      pageSize2M: false,
    }),
    0,
  );
  assert.throws(
    () => m.guest.page(m.ctx(0), v, "read", true),
    fault("vc", (f) => f.code === VC_NOT_VALIDATED),
  );
  assert.equal(m.rmp.entry(SPA0 + 3 * PAGE_SIZE).vmsa, false);
});

Deno.test("shared (C-bit clear): plaintext both ways on a free page; refused on an assigned page", () => {
  const m = machine();
  const shared = GPA0 + 10 * PAGE_SIZE;
  m.guest.writeU32(m.ctx(0), shared, 0x12345678, false);
  assert.deepEqual([...m.host.read(SPA0 + 10 * PAGE_SIZE, 4)], [0x78, 0x56, 0x34, 0x12]);
  m.host.write(SPA0 + 10 * PAGE_SIZE + 4, new Uint8Array([9, 0, 0, 0]));
  assert.equal(m.guest.readU32(m.ctx(2), shared + 4, false), 9); // any VMPL may touch shared memory
  const a = m.own(0);
  assert.throws(
    () => m.guest.readU32(m.ctx(0), a, false),
    fault("npf", (f) => f.has(RMP_BIT) && !f.has(ENC_BIT)),
  );
});

Deno.test("page turned shared then private again: old private data is not readable as plaintext", () => {
  const m = machine();
  const a = m.own(0);
  const s = secret();
  m.guest.write(m.ctx(0), a, s, true);
  pvalidate(m.ctx(0), a, false, false);
  assert.equal(m.rmp.rmpupdate(SPA0, { assigned: false, asid: 0, gpa: 0, pageSize2M: false }), 0);
  assert.notDeepEqual(m.guest.read(m.ctx(0), a, PAGE_SIZE, false), s); // shared view = ciphertext
});

Deno.test("views: a host read between guest accesses does not corrupt the guest's data", () => {
  const m = machine();
  const a = m.own(0);
  for (let i = 0; i < 20; i++) {
    m.guest.writeU32(m.ctx(0), a + 4 * i, i * 1000, true);
    m.host.read(SPA0, 64);
    assert.equal(m.guest.readU32(m.ctx(0), a + 4 * i, true), i * 1000);
  }
  for (let i = 0; i < 20; i++) assert.equal(m.guest.readU32(m.ctx(0), a + 4 * i, true), i * 1000);
});

Deno.test("zeroPage/overwritePage: checked like a write, no stale plaintext, no decryption needed", () => {
  const m = machine();
  const a = m.own(0);
  m.guest.write(m.ctx(0), a, secret(), true);
  m.host.read(SPA0, 16); // page now raw ciphertext
  m.guest.zeroPage(m.ctx(0), a, true);
  assert.deepEqual(m.guest.read(m.ctx(0), a, PAGE_SIZE, true), new Uint8Array(PAGE_SIZE));
  assert.notDeepEqual(m.host.read(SPA0, PAGE_SIZE), new Uint8Array(PAGE_SIZE)); // zeros encrypted
  assert.throws(() => m.guest.zeroPage(m.ctx(0), GPA0 + 7 * PAGE_SIZE, true), fault("npf"));
  const b = m.own(1, false);
  assert.throws(() => m.guest.zeroPage(m.ctx(0), b, true), fault("vc"));
  assert.throws(() => m.guest.zeroPage(m.ctx(1), a, true), fault("npf", (f) => f.has(VMPL_BIT)));
  // Shared (C-bit clear): a free page is zeroed in the clear; an assigned one is refused.
  const shared = GPA0 + 12 * PAGE_SIZE;
  m.host.write(SPA0 + 12 * PAGE_SIZE, new Uint8Array(PAGE_SIZE).fill(0xEE));
  m.guest.zeroPage(m.ctx(2), shared, false);
  assert.deepEqual(m.host.read(SPA0 + 12 * PAGE_SIZE, PAGE_SIZE), new Uint8Array(PAGE_SIZE));
  assert.throws(() => m.guest.zeroPage(m.ctx(0), a, false), fault("npf", (f) => f.has(RMP_BIT)));
});

Deno.test("hostile contexts: bad VMPL and garbage GPAs fault or are refused, never read out of bounds", () => {
  const m = machine();
  m.own(0);
  assert.throws(() => m.guest.readU32(m.ctx(7), GPA0, true), RangeError);
  for (const gpa of [-1, NaN, 2 ** 60, 1.5]) {
    assert.throws(() => m.guest.readU32(m.ctx(0), gpa, true), MachineFault, String(gpa));
  }
  const evil = new Npt();
  evil.map(GPA0, 0x7FFFF000 * 16); // beyond system memory
  assert.throws(() => m.guest.readU32(m.ctx(0, ASID, evil), GPA0, true), fault("npf"));
});

Deno.test("attack: NPT remap to a second page the host assigned at the same GPA raises #VC 0x404 (no stale TLB)", () => {
  const m = machine();
  const a = m.own(0);
  m.guest.writeU32(m.ctx(0), a, 0x5EC12E7, true);
  assert.equal(m.guest.readU32(m.ctx(0), a, true), 0x5EC12E7); // translation cached
  const twin = SPA0 + 30 * PAGE_SIZE;
  assert.equal(m.rmp.rmpupdate(twin, { assigned: true, asid: ASID, gpa: a, pageSize2M: false }), 0);
  m.npt.map(a, twin);
  assert.throws(
    () => m.guest.readU32(m.ctx(0), a, true),
    fault("vc", (f) => f.code === VC_NOT_VALIDATED),
  );
  m.npt.map(a, SPA0); // mapped back: the original page is still valid and intact
  assert.equal(m.guest.readU32(m.ctx(0), a, true), 0x5EC12E7);
});

Deno.test("RMPADJUST revoking a VMPL's write takes effect on the next access (no stale TLB)", () => {
  const m = machine();
  const a = m.own(0);
  assert.equal(rmpadjust(m.ctx(0), a, false, rmpadjustAttrs(1, RMP_PERM_READ | RMP_PERM_WRITE)), 0);
  m.guest.writeU32(m.ctx(1), a, 1, true);
  assert.equal(rmpadjust(m.ctx(0), a, false, rmpadjustAttrs(1, RMP_PERM_READ)), 0);
  assert.throws(() => m.guest.writeU32(m.ctx(1), a, 2, true), fault("npf", (f) => f.has(VMPL_BIT)));
  assert.equal(m.guest.readU32(m.ctx(1), a, true), 1);
});

// Seeded attacker fuzz, in rounds of FUZZ_ROUND steps on a fresh machine (a guest whose pages the
// host has all invalidated can only stop). Raise FUZZ_ROUNDS for a long run (e.g. 100); CI keeps it small.
const FUZZ_ROUNDS = 2;
const FUZZ_ROUND = 2000;
const FUZZ_SEEDS = [1, 2, 3];

Deno.test("fuzz: whatever a hostile host does, a guest read that succeeds returns what the guest wrote", async (t) => {
  for (const seed of FUZZ_SEEDS) {
    await t.step(`seed ${seed}`, () => {
      const rng = new Prng(seed);
      for (let r = 0; r < FUZZ_ROUNDS; r++) {
        fuzzIntegrity(rng, `seed ${seed} round ${r}`, FUZZ_ROUND);
      }
    });
  }
});

function fuzzIntegrity(rng: Prng, label: string, steps: number): void {
  const m = machine();
  m.enc.installKey(2);
  const PAGES = 16, SPAS = 256;
  // The guest validates each of its pages exactly once, then zeroes it.
  for (let i = 0; i < PAGES; i++) m.guest.zeroPage(m.ctx(0), m.own(i), true);
  const expected = new Map<number, number>();
  const stolen: Uint8Array[] = [];
  const randomGpa = (): number => GPA0 + rng.below(PAGES) * PAGE_SIZE + 4 * rng.below(1024);
  // Half the time aim at one of the guest's own pages.
  const randomSpa = (): number => SPA0 + rng.below(rng.below(2) ? PAGES : SPAS) * PAGE_SIZE;
  const attempt = (f: () => void): boolean => {
    try {
      f();
      return true;
    } catch (e) {
      if (!(e instanceof MachineFault)) throw e;
      return false;
    }
  };
  let reads = 0;
  for (let s = 0; s < steps; s++) {
    const op = rng.below(100);
    if (op < 30) {
      const gpa = randomGpa(), v = rng.nextU32();
      if (attempt(() => m.guest.writeU32(m.ctx(0), gpa, v, true))) expected.set(gpa, v);
    } else if (op < 60) {
      const gpa = randomGpa();
      let got = -1;
      if (attempt(() => (got = m.guest.readU32(m.ctx(0), gpa, true)))) {
        assert.equal(
          got,
          expected.get(gpa) ?? 0,
          `${label} step ${s}: GPA 0x${gpa.toString(16)}`,
        );
        reads++;
      }
    } else if (op < 70) {
      stolen.push(m.host.read(randomSpa(), PAGE_SIZE)); // flips views; keeps ciphertext to replay
    } else if (op < 80) {
      const data = stolen.length ? stolen[rng.below(stolen.length)] : new Uint8Array(PAGE_SIZE);
      attempt(() => m.host.write(randomSpa(), data));
    } else if (op < 84) {
      const spa = randomSpa(), r = rng.below(3);
      const gpa = GPA0 + rng.below(PAGES) * PAGE_SIZE;
      m.rmp.rmpupdate(spa, { assigned: r < 2, asid: r === 0 ? ASID : 2, gpa, pageSize2M: false });
    } else {
      const page = rng.below(PAGES);
      // Remap a GPA somewhere else, or (the host playing nice) back where it was.
      m.npt.map(GPA0 + page * PAGE_SIZE, rng.below(2) ? randomSpa() : SPA0 + page * PAGE_SIZE);
    }
  }
  assert.ok(
    reads > steps / 50,
    `${label}: only ${reads} guest reads succeeded: the fuzz is not exercising the checks`,
  );
}

Deno.test("decrypt-ahead: one guest touch after pages went raw converts the guest's following pages, not others'", () => {
  const m = machine();
  m.enc.installKey(2);
  const data = Array.from(
    { length: 8 },
    (_, i) => Uint8Array.from({ length: PAGE_SIZE }, (_, j) => (i * 17 + j) & 0xFF),
  );
  for (let i = 0; i < 8; i++) m.guest.write(m.ctx(0), m.own(i), data[i], true);
  // Page 5 belongs to another guest; page 6 is unassigned.
  assert.equal(
    m.rmp.rmpupdate(SPA0 + 5 * PAGE_SIZE, { assigned: true, asid: 2, gpa: 0, pageSize2M: false }),
    0,
  );
  assert.equal(
    m.rmp.rmpupdate(SPA0 + 6 * PAGE_SIZE, { assigned: false, asid: 0, gpa: 0, pageSize2M: false }),
    0,
  );
  const first = SPA0 / PAGE_SIZE;
  const before = [...m.enc.views.subarray(first, first + 8)];
  m.host.read(SPA0, 8 * PAGE_SIZE);
  assert.deepEqual(
    [...m.enc.views.subarray(first, first + 8)],
    before,
    "a host dump flips nothing",
  );
  m.enc.toRaw(first, 8); // as after the C-bit-clear side last touched them
  assert.deepEqual([...m.enc.views.subarray(first, first + 8)], [0, 0, 0, 0, 0, 0, 0, 0]);
  m.guest.readU32(m.ctx(0), GPA0, true);
  assert.deepEqual([...m.enc.views.subarray(first, first + 8)], [1, 1, 1, 1, 1, 0, 0, 0]);
  for (let i = 0; i < 5; i++) {
    assert.deepEqual(m.guest.read(m.ctx(0), GPA0 + i * PAGE_SIZE, PAGE_SIZE, true), data[i]);
  }
  assert.deepEqual(m.guest.read(m.ctx(0), GPA0 + 7 * PAGE_SIZE, PAGE_SIZE, true), data[7]);
  assert.throws(() => m.enc.toPrivateRun(1, first, 2), RangeError); // only raw pages may be batch-decrypted
});

Deno.test("guest: a write spanning an allowed and a faulting page writes nothing", () => {
  const m = machine();
  const a = m.own(0);
  m.own(1, false); // assigned, never validated
  m.guest.writeU32(m.ctx(0), a + PAGE_SIZE - 4, 0xCAFE, true);
  assert.throws(
    () => m.guest.write(m.ctx(0), a + PAGE_SIZE - 4, new Uint8Array(8).fill(0xFF), true),
    fault("vc", (f) => f.code === VC_NOT_VALIDATED && f.gpa === a + PAGE_SIZE),
  );
  assert.equal(m.guest.readU32(m.ctx(0), a + PAGE_SIZE - 4, true), 0xCAFE);
});
