import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import {
  decodeApCreation,
  decodeMsrRequest,
  decodeMsrResponse,
  decodePsc,
  encodeApCreation,
  encodeMsrRequest,
  encodeMsrResponse,
  encodePsc,
  GHCB,
  GhcbPage,
  type MsrRequest,
  type MsrResponse,
  NAE_AP_CREATION,
  NAE_EXT_GUEST_REQUEST,
  NAE_GUEST_REQUEST,
  NAE_HV_FEATURES,
  NAE_PSC,
  NAE_SNP_RUN_VMPL,
  NAE_TERM_REQUEST,
  PSC_OP_SHARED,
  qemuResetVmsa,
  VMSA,
  VmsaPage,
} from "../lib/snp/core.ts";

// snp-abi.md §12, typed from the reference table (not from lib/snp/vmsa.ts): [field, offset, size].
const VMSA_REFERENCE: [string, number, number][] = [
  ["esSelector", 0x000, 2],
  ["csSelector", 0x010, 2],
  ["ssSelector", 0x020, 2],
  ["dsSelector", 0x030, 2],
  ["fsSelector", 0x040, 2],
  ["gsSelector", 0x050, 2],
  ["gdtrSelector", 0x060, 2],
  ["ldtrSelector", 0x070, 2],
  ["idtrSelector", 0x080, 2],
  ["trSelector", 0x090, 2],
  ["csAttrib", 0x012, 2],
  ["csLimit", 0x014, 4],
  ["csBase", 0x018, 8],
  ["trBase", 0x098, 8],
  ["pl0Ssp", 0x0A0, 8],
  ["pl3Ssp", 0x0B8, 8],
  ["uCet", 0x0C0, 8],
  ["vmpl", 0x0CA, 1],
  ["cpl", 0x0CB, 1],
  ["efer", 0x0D0, 8],
  ["xss", 0x140, 8],
  ["cr4", 0x148, 8],
  ["cr3", 0x150, 8],
  ["cr0", 0x158, 8],
  ["dr7", 0x160, 8],
  ["dr6", 0x168, 8],
  ["rflags", 0x170, 8],
  ["rip", 0x178, 8],
  ["dr0AddrMask", 0x180, 8],
  ["dr3AddrMask", 0x198, 8],
  ["rsp", 0x1D8, 8],
  ["sCet", 0x1E0, 8],
  ["ssp", 0x1E8, 8],
  ["isstAddr", 0x1F0, 8],
  ["rax", 0x1F8, 8],
  ["star", 0x200, 8],
  ["lstar", 0x208, 8],
  ["cstar", 0x210, 8],
  ["sfmask", 0x218, 8],
  ["kernelGsBase", 0x220, 8],
  ["sysenterCs", 0x228, 8],
  ["sysenterEsp", 0x230, 8],
  ["sysenterEip", 0x238, 8],
  ["cr2", 0x240, 8],
  ["gPat", 0x268, 8],
  ["dbgctl", 0x270, 8],
  ["pkru", 0x2E8, 4],
  ["tscAux", 0x2EC, 4],
  ["tscScale", 0x2F0, 8],
  ["tscOffset", 0x2F8, 8],
  ["rcx", 0x308, 8],
  ["rdx", 0x310, 8],
  ["rbx", 0x318, 8],
  ["rbp", 0x328, 8],
  ["rsi", 0x330, 8],
  ["rdi", 0x338, 8],
  ["r8", 0x340, 8],
  ["r9", 0x348, 8],
  ["r10", 0x350, 8],
  ["r11", 0x358, 8],
  ["r12", 0x360, 8],
  ["r13", 0x368, 8],
  ["r14", 0x370, 8],
  ["r15", 0x378, 8],
  ["guestExitInfo1", 0x390, 8],
  ["guestExitInfo2", 0x398, 8],
  ["exitIntInfo", 0x3A0, 8],
  ["nrip", 0x3A8, 8],
  ["sevFeatures", 0x3B0, 8],
  ["vintrCtrl", 0x3B8, 8],
  ["guestExitCode", 0x3C0, 8],
  ["virtualTom", 0x3C8, 8],
  ["tlbId", 0x3D0, 8],
  ["pcpuId", 0x3D8, 8],
  ["eventInj", 0x3E0, 8],
  ["xcr0", 0x3E8, 8],
  ["x87Dp", 0x400, 8],
  ["mxcsr", 0x408, 4],
  ["x87Ftw", 0x40C, 2],
  ["x87Fsw", 0x40E, 2],
  ["x87Fcw", 0x410, 2],
  ["x87Fop", 0x412, 2],
  ["x87Ds", 0x414, 2],
  ["x87Cs", 0x416, 2],
  ["x87Rip", 0x418, 8],
  ["fpregX87", 0x420, 80],
  ["fpregXmm", 0x470, 256],
  ["fpregYmm", 0x570, 256],
];

// snp-abi.md §9.1, typed from the reference table.
const GHCB_REFERENCE: [string, number, number][] = [
  ["cpl", 0x0CB, 1],
  ["xss", 0x140, 8],
  ["dr7", 0x160, 8],
  ["rax", 0x1F8, 8],
  ["rcx", 0x308, 8],
  ["rdx", 0x310, 8],
  ["rbx", 0x318, 8],
  ["rbp", 0x328, 8],
  ["rsi", 0x330, 8],
  ["rdi", 0x338, 8],
  ["r8", 0x340, 8],
  ["r15", 0x378, 8],
  ["swExitCode", 0x390, 8],
  ["swExitInfo1", 0x398, 8],
  ["swExitInfo2", 0x3A0, 8],
  ["swScratch", 0x3A8, 8],
  ["xcr0", 0x3E8, 8],
  ["validBitmap", 0x3F0, 16],
  ["x87StateGpa", 0x400, 8],
  ["sharedBuffer", 0x800, 2032],
  ["protocolVersion", 0xFFA, 2],
  ["ghcbUsage", 0xFFC, 4],
];

function assertOffsets(
  layout: { size: number; fields: Record<string, { offset: number; size: number }> },
  ref: [string, number, number][],
): void {
  assert.equal(layout.size, 4096);
  for (const [name, offset, size] of ref) {
    const f = layout.fields[name];
    assert.ok(f, `missing field ${name}`);
    assert.equal(f.offset, offset, `${name} offset`);
    assert.equal(f.size, size, `${name} size`);
  }
}

Deno.test("VMSA: every reference offset and size", () => assertOffsets(VMSA, VMSA_REFERENCE));
Deno.test("GHCB: every reference offset and size", () => assertOffsets(GHCB, GHCB_REFERENCE));

const VECTOR = Deno.readFileSync(
  new URL("./vectors/launch-digest/vmsa0_epycv4_gf1.bin", import.meta.url),
);

Deno.test("VMSA: the real QEMU VMSA page (EPYC-v4, features 0x1) is the vector we think it is", () => {
  assert.equal(
    createHash("sha384").update(VECTOR).digest("hex"),
    "77920c4c629ff47e90c0e174fc1ad0eb6fa664f88cd4739488058a8c6cb1a77b3856f55378e9518d0da99452d51c553a",
  );
});

Deno.test("VMSA: decoding the real page gives the QEMU reset state of snp-abi.md §12.2", () => {
  const v = VMSA.decode(VECTOR);
  assert.deepEqual([v.csSelector, v.csAttrib, v.csLimit, v.csBase], [
    0xF000,
    0x9B,
    0xFFFF,
    0xFFFF0000n,
  ]);
  for (const s of ["es", "ds", "fs", "gs", "ss"] as const) {
    assert.deepEqual([v[`${s}Selector`], v[`${s}Attrib`], v[`${s}Limit`], v[`${s}Base`]], [
      0,
      0x93,
      0xFFFF,
      0n,
    ]);
  }
  assert.deepEqual([v.ldtrAttrib, v.trAttrib, v.gdtrLimit, v.idtrLimit], [
    0x82,
    0x8B,
    0xFFFF,
    0xFFFF,
  ]);
  assert.equal(v.rip, 0xFFF0n);
  assert.deepEqual([v.efer, v.cr0, v.cr4], [0x1000n, 0x10n, 0x40n]);
  assert.deepEqual([v.dr7, v.dr6, v.rflags], [0x400n, 0xFFFF0FF0n, 0x2n]);
  assert.equal(v.gPat, 0x0007040600070406n);
  assert.equal(v.rdx, 0x800F12n);
  assert.equal(v.sevFeatures, 0x1n);
  assert.deepEqual([v.xcr0, v.mxcsr, v.x87Fcw], [0x1n, 0x1F80, 0x37F]);
  assert.deepEqual([v.vmpl, v.rax, v.rsp, v.guestExitCode], [0, 0n, 0n, 0n]);
  const page = new VmsaPage(VECTOR.slice());
  assert.deepEqual([page.rip, page.rdx, page.efer, page.sevFeatures], [
    0xFFF0n,
    0x800F12n,
    0x1000n,
    1n,
  ]);
  assert.deepEqual(page.segment("cs"), {
    selector: 0xF000,
    attrib: 0x9B,
    limit: 0xFFFF,
    base: 0xFFFF0000n,
  });
});

Deno.test("VMSA: qemuResetVmsa reproduces the real page byte for byte", () => {
  assert.deepEqual(qemuResetVmsa({ rdx: 0x800F12n, sevFeatures: 1n }), VECTOR);
});

Deno.test("VMSA: register accessors write the layout's offsets in place", () => {
  const bytes = new Uint8Array(4096);
  const v = new VmsaPage(bytes);
  const regs = [
    "rax",
    "rbx",
    "rcx",
    "rdx",
    "rsi",
    "rdi",
    "rbp",
    "rsp",
    "r8",
    "r15",
    "rip",
    "cr3",
    "guestExitCode",
  ] as const;
  regs.forEach((r, i) => (v[r] = 0x1111111100000000n + BigInt(i)));
  v.vmpl = 3;
  regs.forEach((r, i) => assert.equal(VMSA.get(bytes, r), 0x1111111100000000n + BigInt(i), r));
  assert.equal(bytes[0xCA], 3);
  v.rax = -1n;
  assert.equal(v.rax, 0xFFFFFFFFFFFFFFFFn);
});

Deno.test("GHCB: set marks the qword's valid bit (bit = offset / 8); clearValid clears", () => {
  const g = new GhcbPage(new Uint8Array(4096));
  assert.equal(g.isValid("swExitCode"), false);
  g.set("swExitCode", BigInt(NAE_PSC));
  g.set("rax", 5n);
  // SW_EXITCODE 0x390 -> bit 114 -> byte 14, bit 2; RAX 0x1F8 -> bit 63 -> byte 7, bit 7.
  assert.equal(g.bytes[0x3F0 + 14], 1 << 2);
  assert.equal(g.bytes[0x3F0 + 7], 1 << 7);
  assert.equal(g.getValid("rax"), 5n);
  assert.equal(g.getValid("rbx"), undefined);
  g.clearValid();
  assert.equal(g.isValid("rax"), false);
  assert.equal(GHCB.get(g.bytes, "swExitCode"), 0x80000010n);
});

Deno.test("NAE codes match snp-abi.md §9.3", () => {
  assert.deepEqual(
    [
      NAE_PSC,
      NAE_GUEST_REQUEST,
      NAE_EXT_GUEST_REQUEST,
      NAE_AP_CREATION,
      NAE_SNP_RUN_VMPL,
      NAE_HV_FEATURES,
      NAE_TERM_REQUEST,
    ],
    [0x80000010, 0x80000011, 0x80000012, 0x80000013, 0x80000018, 0x8000FFFD, 0x8000FFFE],
  );
});

Deno.test("MSR protocol: requests match the reference encodings and round-trip", () => {
  // COCONUT writes (vmpl << 32) | 0x16 for RUN_VMPL (snp-abi.md §9.2).
  assert.equal(encodeMsrRequest({ kind: "run-vmpl", vmpl: 2 }), (2n << 32n) | 0x16n);
  assert.equal(
    encodeMsrRequest({ kind: "psc", gfn: 0x12345, op: 2 }),
    (2n << 52n) | (0x12345n << 12n) | 0x14n,
  );
  assert.equal(encodeMsrRequest({ kind: "term", reasonSet: 0, reasonCode: 1 }), 0x10100n);
  assert.equal(
    encodeMsrRequest({ kind: "cpuid", fn: 0x8000001F, reg: 1 }),
    (0x8000001Fn << 32n) | (1n << 30n) | 4n,
  );
  const reqs: MsrRequest[] = [
    { kind: "sev-info" },
    { kind: "cpuid", fn: 0x8000001F, reg: 3 },
    { kind: "ap-reset-hold" },
    { kind: "pref-gpa" },
    { kind: "reg-gpa", gfn: 0xABCDE },
    { kind: "psc", gfn: 0xFFFFFFFFFF, op: 1 },
    { kind: "run-vmpl", vmpl: 0 },
    { kind: "hv-features" },
    { kind: "term", reasonSet: 1, reasonCode: 0xFF },
  ];
  for (const r of reqs) assert.deepEqual(decodeMsrRequest(encodeMsrRequest(r)), r);
  assert.deepEqual(decodeMsrRequest(0xFFFn), { kind: "unknown", info: 0xFFF, value: 0xFFFn });
});

Deno.test("MSR protocol: responses match the reference encodings and round-trip", () => {
  assert.equal(
    encodeMsrResponse({ kind: "sev-info", maxProtocol: 2, minProtocol: 1, cBit: 51 }),
    (2n << 48n) | (1n << 32n) | (51n << 24n) | 1n,
  );
  assert.equal(encodeMsrResponse({ kind: "run-vmpl", error: 0 }), 0x17n);
  assert.equal(encodeMsrResponse({ kind: "hv-features", features: 0x23n }), (0x23n << 12n) | 0x81n);
  const resps: MsrResponse[] = [
    { kind: "sev-info", maxProtocol: 2, minProtocol: 1, cBit: 51 },
    { kind: "cpuid", value: 0xDEADBEEF },
    { kind: "ap-reset-hold" },
    { kind: "pref-gpa", gfn: 2 ** 52 - 1 },
    { kind: "reg-gpa", gfn: 0x1234 },
    { kind: "psc", error: 7 },
    { kind: "run-vmpl", error: 0xFFFFFFFF },
    { kind: "hv-features", features: 0x23n },
  ];
  for (const r of resps) assert.deepEqual(decodeMsrResponse(encodeMsrResponse(r)), r);
});

Deno.test("PSC descriptor: layout of snp-abi.md §9.4, and hostile headers are rejected", () => {
  const buf = encodePsc([
    { curPage: 0, gfn: 0x100, op: PSC_OP_SHARED, size2M: false },
    { curPage: 3, gfn: 0xFFFFFFFFFF, op: 1, size2M: true },
  ]);
  const dv = new DataView(buf.buffer);
  assert.deepEqual([dv.getUint16(0, true), dv.getUint16(2, true), dv.getUint32(4, true)], [
    0,
    1,
    0,
  ]);
  assert.equal(dv.getBigUint64(8, true), (2n << 52n) | (0x100n << 12n));
  assert.equal(dv.getBigUint64(16, true), (1n << 56n) | (1n << 52n) | (0xFFFFFFFFFFn << 12n) | 3n);
  assert.equal(decodePsc(buf)?.entries[1].gfn, 0xFFFFFFFFFF);
  const hostile = new Uint8Array(2032);
  new DataView(hostile.buffer).setUint16(2, 253, true); // END_ENTRY 253 = 254 entries
  assert.equal(decodePsc(hostile), undefined);
  new DataView(hostile.buffer).setUint16(2, 10, true);
  new DataView(hostile.buffer).setUint16(0, 12, true); // CUR_ENTRY past the end
  assert.equal(decodePsc(hostile), undefined);
  assert.equal(decodePsc(new Uint8Array(4)), undefined);
});

Deno.test("AP_CREATION EXITINFO1: request, VMPL in 19:16, APIC ID in 63:32", () => {
  const v = encodeApCreation({ request: 1, vmpl: 2, apicId: 7 });
  assert.equal(v, (7n << 32n) | (2n << 16n) | 1n);
  assert.deepEqual(decodeApCreation(v), { request: 1, vmpl: 2, apicId: 7 });
});

Deno.test("GHCB save area sits at the VMSA's offsets (GHCB spec: the same save-area layout)", () => {
  const vmsa = VMSA.fields as Record<string, { offset: number; size: number }>;
  let shared = 0;
  for (const [name, f] of Object.entries(GHCB.fields)) {
    if (f.offset >= 0x3F0 || !(name in vmsa)) continue; // the GHCB's own fields start at 0x3F0
    assert.deepEqual([f.offset, f.size], [vmsa[name].offset, vmsa[name].size], name);
    shared++;
  }
  assert.ok(shared >= 19, `${shared} registers compared`); // CPL, XSS, DR7, RAX and RCX..R15
});
