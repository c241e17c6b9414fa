import assert from "node:assert/strict";
import {
  FAIL_INPUT,
  FAIL_OVERLAP,
  FAIL_PERMISSION,
  FAIL_SIZEMISMATCH,
  type InstructionContext,
  MachineFault,
  Npt,
  PAGE_SIZE,
  PAGE_SIZE_2M,
  pvalidate,
  Rmp,
  RMP_PERM_ALL,
  RMP_PERM_EXEC_SUPER,
  RMP_PERM_READ,
  RMP_PERM_WRITE,
  rmpadjust,
  RMPADJUST_VMSA,
  rmpadjustAttrs,
} from "../lib/snp/core.ts";
import { decodeRmpEntryRaw, encodeRmpEntryRaw } from "../lib/snp/rmp.ts";

// Codes exactly as snp-abi.md §7.2 gives them, typed here independently of lib/snp/rmp.ts.
const OK = 0, INPUT = 1, PERMISSION = 2, OVERLAP = 4, SIZEMISMATCH = 6;

const PAGES = 4 * 512; // 8 MiB
const GPA_OFFSET = 0x40000000; // GPA = SPA + offset, so a GPA never equals its SPA by accident
const ASID = 5;

interface Env {
  rmp: Rmp;
  npt: Npt;
  at(vmpl: number): InstructionContext;
  assign(spa: number, size2M?: boolean, asid?: number, gpa?: number): void;
  validate(spa: number, size2M?: boolean): void;
}

function env(): Env {
  const rmp = new Rmp(PAGES), npt = new Npt();
  npt.mapRange(GPA_OFFSET, 0, PAGES * PAGE_SIZE);
  const at = (vmpl: number): InstructionContext => ({ asid: ASID, vmpl, npt, rmp });
  return {
    rmp,
    npt,
    at,
    assign(spa, size2M = false, asid = ASID, gpa = spa + GPA_OFFSET) {
      assert.equal(rmp.rmpupdate(spa, { assigned: true, asid, gpa, pageSize2M: size2M }), OK);
    },
    validate(spa, size2M = false) {
      assert.deepEqual(pvalidate(at(0), spa + GPA_OFFSET, size2M, true), { rc: OK, cf: false });
    },
  };
}

const g = (spa: number): number => spa + GPA_OFFSET;
const M2 = PAGE_SIZE_2M;

interface Case {
  name: string;
  setup?: (e: Env) => void;
  act: (e: Env) => unknown;
  expect: unknown;
}

const RMPUPDATE_CASES: Case[] = [
  {
    name: "assign 4K",
    act: (e) =>
      e.rmp.rmpupdate(0x3000, { assigned: true, asid: 1, gpa: 0x3000, pageSize2M: false }),
    expect: OK,
  },
  {
    name: "assign 2M at a 2M SPA and GPA",
    act: (e) => e.rmp.rmpupdate(M2, { assigned: true, asid: 1, gpa: M2, pageSize2M: true }),
    expect: OK,
  },
  {
    name: "2M at a misaligned SPA",
    act: (e) =>
      e.rmp.rmpupdate(M2 + 0x1000, { assigned: true, asid: 1, gpa: M2, pageSize2M: true }),
    expect: INPUT,
  },
  {
    name: "2M with a misaligned GPA",
    act: (e) => e.rmp.rmpupdate(M2, { assigned: true, asid: 1, gpa: 0x1000, pageSize2M: true }),
    expect: INPUT,
  },
  {
    name: "misaligned SPA",
    act: (e) =>
      e.rmp.rmpupdate(0x3001, { assigned: true, asid: 1, gpa: 0x3000, pageSize2M: false }),
    expect: INPUT,
  },
  {
    name: "SPA beyond memory",
    act: (e) =>
      e.rmp.rmpupdate(PAGES * PAGE_SIZE, { assigned: true, asid: 1, gpa: 0, pageSize2M: false }),
    expect: INPUT,
  },
  {
    name: "ASID beyond 10 bits",
    act: (e) => e.rmp.rmpupdate(0x3000, { assigned: true, asid: 1024, gpa: 0, pageSize2M: false }),
    expect: INPUT,
  },
  {
    name: "GPA not page-aligned",
    act: (e) => e.rmp.rmpupdate(0x3000, { assigned: true, asid: 1, gpa: 0x10, pageSize2M: false }),
    expect: INPUT,
  },
  {
    name: "4K inside an assigned 2M entry",
    setup: (e) => e.assign(M2, true),
    act: (e) =>
      e.rmp.rmpupdate(M2 + 0x5000, { assigned: true, asid: ASID, gpa: 0x5000, pageSize2M: false }),
    expect: OVERLAP,
  },
  {
    name: "2M over an assigned 4K page",
    setup: (e) => e.assign(M2 + 0x7000),
    act: (e) => e.rmp.rmpupdate(M2, { assigned: true, asid: ASID, gpa: g(M2), pageSize2M: true }),
    expect: OVERLAP,
  },
  {
    name: "unassign 4K inside a 2M entry",
    setup: (e) => e.assign(M2, true),
    act: (e) =>
      e.rmp.rmpupdate(M2 + 0x1000, { assigned: false, asid: 0, gpa: 0, pageSize2M: false }),
    expect: OVERLAP,
  },
  {
    name: "unassign the 2M entry",
    setup: (e) => e.assign(M2, true),
    act: (e) => e.rmp.rmpupdate(M2, { assigned: false, asid: 0, gpa: 0, pageSize2M: true }),
    expect: OK,
  },
  {
    name: "4K after PSMASH of the 2M entry",
    setup: (e) => {
      e.assign(M2, true);
      assert.equal(e.rmp.psmash(M2), OK);
    },
    act: (e) =>
      e.rmp.rmpupdate(M2 + 0x1000, { assigned: false, asid: 0, gpa: 0, pageSize2M: false }),
    expect: OK,
  },
  {
    name: "PSMASH of a 4K entry",
    setup: (e) => e.assign(0),
    act: (e) => e.rmp.psmash(0),
    expect: INPUT,
  },
  {
    name: "update an immutable page (code unverified)",
    setup: (e) =>
      e.rmp.rmpupdate(0x9000, {
        assigned: true,
        asid: 0,
        gpa: 0,
        pageSize2M: false,
        immutable: true,
      }),
    act: (e) => e.rmp.rmpupdate(0x9000, { assigned: false, asid: 0, gpa: 0, pageSize2M: false }),
    expect: PERMISSION,
  },
];

const PVALIDATE_CASES: Case[] = [
  {
    name: "validate 4K",
    setup: (e) => e.assign(0x4000),
    act: (e) => pvalidate(e.at(0), g(0x4000), false, true),
    expect: { rc: OK, cf: false },
  },
  {
    name: "validate twice: unchanged via CF",
    setup: (e) => (e.assign(0x4000), e.validate(0x4000)),
    act: (e) => pvalidate(e.at(0), g(0x4000), false, true),
    expect: { rc: OK, cf: true },
  },
  {
    name: "rescind",
    setup: (e) => (e.assign(0x4000), e.validate(0x4000)),
    act: (e) => pvalidate(e.at(0), g(0x4000), false, false),
    expect: { rc: OK, cf: false },
  },
  {
    name: "rescind a never-validated page: unchanged",
    setup: (e) => e.assign(0x4000),
    act: (e) => pvalidate(e.at(0), g(0x4000), false, false),
    expect: { rc: OK, cf: true },
  },
  {
    name: "from VMPL1 (FAIL_PERMISSION unverified)",
    setup: (e) => e.assign(0x4000),
    act: (e) => pvalidate(e.at(1), g(0x4000), false, true),
    expect: { rc: PERMISSION, cf: false },
  },
  {
    name: "page not assigned",
    act: (e) => pvalidate(e.at(0), g(0x4000), false, true),
    expect: { rc: INPUT, cf: false },
  },
  {
    name: "page of another ASID",
    setup: (e) => e.assign(0x4000, false, ASID + 1),
    act: (e) => pvalidate(e.at(0), g(0x4000), false, true),
    expect: { rc: INPUT, cf: false },
  },
  {
    name: "RMP GPA differs from the accessed GPA (host remap)",
    setup: (e) => e.assign(0x4000, false, ASID, g(0x5000)),
    act: (e) => pvalidate(e.at(0), g(0x4000), false, true),
    expect: { rc: INPUT, cf: false },
  },
  {
    name: "2M at a misaligned GPA",
    setup: (e) => e.assign(M2, true),
    act: (e) => pvalidate(e.at(0), g(M2) + 0x1000, true, true),
    expect: { rc: INPUT, cf: false },
  },
  {
    name: "2M over 4K entries",
    setup: (e) => e.assign(M2),
    act: (e) => pvalidate(e.at(0), g(M2), true, true),
    expect: { rc: SIZEMISMATCH, cf: false },
  },
  {
    name: "4K inside a 2M entry",
    setup: (e) => e.assign(M2, true),
    act: (e) => pvalidate(e.at(0), g(M2) + 0x3000, false, true),
    expect: { rc: SIZEMISMATCH, cf: false },
  },
  {
    name: "validate 2M",
    setup: (e) => e.assign(M2, true),
    act: (e) => pvalidate(e.at(0), g(M2), true, true),
    expect: { rc: OK, cf: false },
  },
];

const RW = RMP_PERM_READ | RMP_PERM_WRITE;
const ready = (e: Env, spa = 0x6000): void => (e.assign(spa), e.validate(spa));

const RMPADJUST_CASES: Case[] = [
  {
    name: "VMPL0 grants VMPL1 RW",
    setup: (e) => ready(e),
    act: (e) => rmpadjust(e.at(0), g(0x6000), false, rmpadjustAttrs(1, RW)),
    expect: OK,
  },
  {
    name: "VMPL0 grants VMPL3 all",
    setup: (e) => ready(e),
    act: (e) => rmpadjust(e.at(0), g(0x6000), false, rmpadjustAttrs(3, RMP_PERM_ALL)),
    expect: OK,
  },
  {
    name: "target VMPL equal to caller's",
    setup: (e) => ready(e),
    act: (e) => rmpadjust(e.at(1), g(0x6000), false, rmpadjustAttrs(1, 0)),
    expect: PERMISSION,
  },
  {
    name: "target VMPL more privileged",
    setup: (e) => ready(e),
    act: (e) => rmpadjust(e.at(2), g(0x6000), false, rmpadjustAttrs(1, 0)),
    expect: PERMISSION,
  },
  {
    name: "VMPL0 targeting VMPL0",
    setup: (e) => ready(e),
    act: (e) => rmpadjust(e.at(0), g(0x6000), false, rmpadjustAttrs(0, RW)),
    expect: PERMISSION,
  },
  {
    name: "VMPL1 (R only) grants VMPL2 RW: exceeds own",
    setup: (
      e,
    ) => (ready(e), rmpadjust(e.at(0), g(0x6000), false, rmpadjustAttrs(1, RMP_PERM_READ))),
    act: (e) => rmpadjust(e.at(1), g(0x6000), false, rmpadjustAttrs(2, RW)),
    expect: PERMISSION,
  },
  {
    name: "VMPL1 (RW) grants VMPL2 R: shrinks",
    setup: (e) => (ready(e), rmpadjust(e.at(0), g(0x6000), false, rmpadjustAttrs(1, RW))),
    act: (e) => rmpadjust(e.at(1), g(0x6000), false, rmpadjustAttrs(2, RMP_PERM_READ)),
    expect: OK,
  },
  {
    name: "page not validated (code unverified)",
    setup: (e) => e.assign(0x6000),
    act: (e) => rmpadjust(e.at(0), g(0x6000), false, rmpadjustAttrs(1, RW)),
    expect: INPUT,
  },
  {
    name: "page of another ASID",
    setup: (e) => e.assign(0x6000, false, ASID + 1),
    act: (e) => rmpadjust(e.at(0), g(0x6000), false, rmpadjustAttrs(1, RW)),
    expect: INPUT,
  },
  {
    name: "VMSA bit from VMPL0",
    setup: (e) => ready(e),
    act: (e) => rmpadjust(e.at(0), g(0x6000), false, rmpadjustAttrs(1, 0, true)),
    expect: OK,
  },
  {
    name: "VMSA bit from VMPL1",
    setup: (e) => (ready(e), rmpadjust(e.at(0), g(0x6000), false, rmpadjustAttrs(1, RMP_PERM_ALL))),
    act: (e) => rmpadjust(e.at(1), g(0x6000), false, rmpadjustAttrs(2, 0, true)),
    expect: PERMISSION,
  },
  {
    name: "VMPL0 without the VMSA bit clears it",
    setup: (e) => (ready(e), rmpadjust(e.at(0), g(0x6000), false, rmpadjustAttrs(1, 0, true))),
    act: (
      e,
    ) => [rmpadjust(e.at(0), g(0x6000), false, rmpadjustAttrs(2, RW)), e.rmp.entry(0x6000).vmsa],
    expect: [OK, false],
  },
  {
    name: "VMSA on a 2M page",
    setup: (e) => (e.assign(M2, true), e.validate(M2, true)),
    act: (e) => rmpadjust(e.at(0), g(M2), true, rmpadjustAttrs(1, 0, true)),
    expect: INPUT,
  },
  {
    name: "target VMPL 4",
    setup: (e) => ready(e),
    act: (e) => rmpadjust(e.at(0), g(0x6000), false, rmpadjustAttrs(4, 0)),
    expect: INPUT,
  },
  {
    name: "reserved attribute bits",
    setup: (e) => ready(e),
    act: (e) => rmpadjust(e.at(0), g(0x6000), false, rmpadjustAttrs(1, 0) | (1 << 20)),
    expect: INPUT,
  },
  {
    // RDX is 64 bits: a reserved bit above bit 31 must not vanish in 32-bit JS bitwise maths.
    name: "reserved attribute bit 32",
    setup: (e) => ready(e),
    act: (e) => rmpadjust(e.at(0), g(0x6000), false, 2 ** 32 + rmpadjustAttrs(1, RW)),
    expect: INPUT,
  },
  {
    name: "2M request over a 4K entry",
    setup: (e) => ready(e, M2),
    act: (e) => rmpadjust(e.at(0), g(M2), true, rmpadjustAttrs(1, RW)),
    expect: SIZEMISMATCH,
  },
  {
    name: "2M on a validated 2M entry",
    setup: (e) => (e.assign(M2, true), e.validate(M2, true)),
    act: (e) => rmpadjust(e.at(0), g(M2), true, rmpadjustAttrs(2, RW)),
    expect: OK,
  },
];

for (
  const [table, cases] of [["RMPUPDATE", RMPUPDATE_CASES], ["PVALIDATE", PVALIDATE_CASES], [
    "RMPADJUST",
    RMPADJUST_CASES,
  ]] as const
) {
  Deno.test(`${table}: table of cases with the spec's codes`, async (t) => {
    for (const c of cases) {
      await t.step(c.name, () => {
        const e = env();
        c.setup?.(e);
        assert.deepEqual(c.act(e), c.expect);
      });
    }
  });
}

Deno.test("named constants equal the reference codes", () => {
  assert.deepEqual([FAIL_INPUT, FAIL_PERMISSION, FAIL_OVERLAP, FAIL_SIZEMISMATCH], [1, 2, 4, 6]);
  assert.equal(RMPADJUST_VMSA, 0x10000);
  assert.equal(rmpadjustAttrs(2, RMP_PERM_EXEC_SUPER, true), 0x10802);
});

Deno.test("RMPUPDATE clears VALIDATED, VMSA and the VMPL1-3 permissions", () => {
  const e = env();
  ready(e);
  // VMPL0's RMPADJUST writes the VMSA bit every time, so the VMSA one comes last.
  assert.equal(rmpadjust(e.at(0), g(0x6000), false, rmpadjustAttrs(3, RMP_PERM_READ)), OK);
  assert.equal(rmpadjust(e.at(0), g(0x6000), false, rmpadjustAttrs(1, RW, true)), OK);
  assert.deepEqual(e.rmp.entry(0x6000), {
    assigned: true,
    asid: ASID,
    gpa: g(0x6000),
    pageSize2M: false,
    validated: true,
    vmsa: true,
    immutable: false,
    perms: [RW, 0, RMP_PERM_READ],
  });
  assert.equal(
    e.rmp.rmpupdate(0x6000, { assigned: true, asid: ASID, gpa: g(0x6000), pageSize2M: false }),
    OK,
  );
  assert.deepEqual(e.rmp.entry(0x6000), {
    assigned: true,
    asid: ASID,
    gpa: g(0x6000),
    pageSize2M: false,
    validated: false,
    vmsa: false,
    immutable: false,
    perms: [0, 0, 0],
  });
  assert.equal(
    e.rmp.rmpupdate(0x6000, { assigned: false, asid: 9, gpa: 0x123000, pageSize2M: false }),
    OK,
  );
  assert.deepEqual(e.rmp.entry(0x6000), {
    assigned: false,
    asid: 0,
    gpa: 0,
    pageSize2M: false,
    validated: false,
    vmsa: false,
    immutable: false,
    perms: [0, 0, 0],
  });
});

Deno.test("2M PVALIDATE and RMPADJUST act on all 512 entries; PSMASH keeps their state", () => {
  const e = env();
  e.assign(M2, true);
  e.validate(M2, true);
  assert.equal(rmpadjust(e.at(0), g(M2), true, rmpadjustAttrs(2, RW)), OK);
  for (const off of [0, 0x1000, 0x1FF000]) {
    const x = e.rmp.entry(M2 + off);
    assert.deepEqual([x.validated, x.pageSize2M, x.gpa, x.perms[1]], [true, true, g(M2) + off, RW]);
  }
  assert.equal(e.rmp.psmash(M2), OK);
  const x = e.rmp.entry(M2 + 0x1FF000);
  assert.deepEqual([x.validated, x.pageSize2M, x.perms[1]], [true, false, RW]);
  assert.deepEqual(pvalidate(e.at(0), g(M2) + 0x1FF000, false, false), { rc: OK, cf: false });
  assert.equal(e.rmp.entry(M2).validated, true);
});

Deno.test("PVALIDATE of an unmapped GPA or a 2M page split in the NPT is a nested page fault", () => {
  const e = env();
  assert.throws(
    () => pvalidate(e.at(0), 0x7000_0000, false, true),
    (f: unknown) => f instanceof MachineFault && f.kind === "npf",
  );
  e.assign(M2, true);
  e.npt.map(g(M2) + 0x3000, 0x3000);
  assert.throws(
    () => pvalidate(e.at(0), g(M2), true, true),
    (f: unknown) => f instanceof MachineFault && f.kind === "npf" && f.has(2 ** 35),
  );
});

Deno.test("RMPUPDATE and the instructions bump the RMP epoch (cached translations re-check)", () => {
  const e = env();
  const e0 = e.rmp.epoch;
  e.assign(0x4000);
  const e1 = e.rmp.epoch;
  e.validate(0x4000);
  assert.ok(e0 < e1 && e1 < e.rmp.epoch);
  assert.throws(() => e.rmp.entry(-1), RangeError);
});

Deno.test("hardware RMP entry encoding (snp-abi.md §7.1 bit positions)", () => {
  const e = env();
  e.assign(0x6000);
  e.validate(0x6000);
  assert.equal(rmpadjust(e.at(0), g(0x6000), false, rmpadjustAttrs(1, 0, true)), OK);
  const raw = encodeRmpEntryRaw(e.rmp.entry(0x6000));
  // ASSIGNED bit 0, GPA in 50:12, ASID in 60:51, VMSA 61, VALIDATED 62 — typed from the table.
  assert.equal(raw, 1n | BigInt(g(0x6000)) | (BigInt(ASID) << 51n) | (1n << 61n) | (1n << 62n));
  assert.deepEqual(decodeRmpEntryRaw(raw), { ...e.rmp.entry(0x6000), perms: [0, 0, 0] });
  e.assign(M2, true);
  assert.equal(encodeRmpEntryRaw(e.rmp.entry(M2 + 0x3000)) & 2n, 2n); // PAGESIZE bit 1
});
