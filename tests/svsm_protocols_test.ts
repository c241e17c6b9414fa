/**
 * The protocol handlers against the reference tables (svsm-abi.md §4, §6,
 * §7, §8), on a stand-in CPU. The same calls run on the booted machine in the
 * boot and fuzz tests.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { dispatchRequest } from "../lib/svsm/protocols/mod.ts";
import {
  ATTEST_SERVICES_OP,
  ATTEST_SINGLE_SERVICE_OP,
  encodePvalidateEntry,
  SvsmResultCode as R,
  VTPM_SERVICE_GUID,
} from "../lib/svsm/mod.ts";
import { VMSA } from "../lib/snp/vmsa.ts";
import { guidToBytes } from "../lib/common/guid.ts";
import { buildCertTable, CertGuid } from "../lib/snp/firmware/mod.ts";
import type { ReportOutcome, SvsmRequest, VtpmService } from "../lib/svsm/request_context.ts";
import { fakeSvsmCpu } from "./support/fake_svsm_cpu.ts";

async function call(req: SvsmRequest): Promise<number> {
  try {
    return await dispatchRequest(req);
  } catch (e) {
    const err = (e as { error?: { kind: string; code: number } }).error;
    if (err?.kind === "result") return err.code;
    throw e;
  }
}

Deno.test("core QUERY_PROTOCOL, CONFIGURE_VTOM, unknown calls and protocols", async () => {
  const { request } = fakeSvsmCpu();
  const q = (rcx: bigint) => request(0, 6, rcx);
  const cases: [bigint, bigint][] = [
    [(0n << 32n) | 1n, (1n << 32n) | 1n], // core v1
    [(1n << 32n) | 1n, (1n << 32n) | 1n], // attestation v1
    [(0n << 32n) | 2n, 0n], // core v2 unsupported
    [(2n << 32n) | 1n, 0n], // no vTPM in this kernel
    [(9n << 32n) | 1n, 0n], // unknown protocol
  ];
  for (const [rcx, want] of cases) {
    const req = q(rcx);
    assert.equal(await call(req), R.SUCCESS);
    assert.equal(req.regs.rcx, want, `QUERY_PROTOCOL 0x${rcx.toString(16)}`);
  }
  const vtom = request(0, 7, 1n);
  assert.equal(await call(vtom), R.SUCCESS);
  assert.equal(vtom.regs.rcx, 0n);
  assert.equal(await call(request(0, 7, 0n)), R.INVALID_REQUEST);
  assert.equal(await call(request(0, 8)), R.UNSUPPORTED_CALL);
  assert.equal(await call(request(5, 0)), R.UNSUPPORTED_PROTOCOL);
  // The COCONUT quirk: an unknown attestation call is UNSUPPORTED_PROTOCOL.
  assert.equal(await call(request(1, 7)), R.UNSUPPORTED_PROTOCOL);
  assert.equal(await call(request(2, 0)), R.UNSUPPORTED_PROTOCOL); // vTPM absent
});

Deno.test("core REMAP_CA: alignment, range, registered pages, zeroing", async () => {
  const { cpu, mem, request } = fakeSvsmCpu();
  assert.equal(await call(request(0, 0, 0x2008n)), R.INVALID_PARAMETER);
  assert.equal(await call(request(0, 0, 0x4000_0000n)), R.INVALID_ADDRESS);
  assert.equal(await call(request(0, 0, 0xffff_ffff_ffff_f000n)), R.INVALID_ADDRESS);
  assert.equal(await call(request(0, 0, 0x1000n)), R.INVALID_ADDRESS); // the current CA
  mem.bytes.fill(0xaa, 0x2000, 0x2010);
  assert.equal(await call(request(0, 0, 0x2000n)), R.SUCCESS);
  assert.equal(cpu.guest.caGpa, 0x2000);
  assert.deepEqual([...mem.bytes.slice(0x2000, 0x2010)], [
    ...new Array(8).fill(0),
    ...new Array(8).fill(0xaa),
  ]);
});

function writeList(mem: { bytes: Uint8Array }, gpa: number, next: number, entries: bigint[]): void {
  const dv = new DataView(mem.bytes.buffer);
  dv.setUint16(gpa, entries.length, true);
  dv.setUint16(gpa + 2, next, true);
  entries.forEach((e, i) => dv.setBigUint64(gpa + 8 + 8 * i, e, true));
}

Deno.test("core PVALIDATE: header rules, entry rules, next written back on soft errors", async () => {
  const { mem, pages, request } = fakeSvsmCpu();
  const list = 0x5008;
  const pv = () => call(request(0, 1, BigInt(list)));
  assert.equal(await call(request(0, 1, 0x5004n)), R.INVALID_PARAMETER); // not 8-aligned
  writeList(mem, list, 0, []);
  assert.equal(await pv(), R.INVALID_PARAMETER); // entries == 0
  writeList(mem, list, 1, [encodePvalidateEntry({ gpa: 0x10000, validate: true })]);
  assert.equal(await pv(), R.INVALID_PARAMETER); // next >= entries
  new DataView(mem.bytes.buffer).setUint16(list, 511, true);
  assert.equal(await pv(), R.INVALID_PARAMETER); // more than 510 fit after CA offset 8
  mem.bytes.fill(0x55, 0x10000, 0x12000);
  writeList(mem, list, 0, [
    encodePvalidateEntry({ gpa: 0x10000, validate: true }),
    encodePvalidateEntry({ gpa: 0x11000, validate: true }) | 0x10n, // reserved bit
    encodePvalidateEntry({ gpa: 0x12000, validate: true }),
  ]);
  assert.equal(await pv(), R.INVALID_PARAMETER);
  assert.equal(
    new DataView(mem.bytes.buffer).getUint16(list + 2, true),
    1,
    "next advanced past the first",
  );
  assert.ok(pages.get(0x10000)!.validated);
  assert.equal(pages.get(0x10000)!.vmpl2Perms, 0xf, "VMPL2 granted RWX");
  assert.ok(mem.bytes.slice(0x10000, 0x11000).every((b) => b === 0), "validated page zeroed");
  assert.ok(
    mem.bytes.slice(0x11000, 0x12000).every((b) => b === 0x55),
    "the failed entry untouched",
  );

  const one = async (entry: bigint) => {
    writeList(mem, list, 0, [entry]);
    return await pv();
  };
  assert.equal(
    await one(encodePvalidateEntry({ gpa: 0x10000, validate: true })),
    R.PROTOCOL_BASE + 0x10,
  );
  assert.equal(
    await one(encodePvalidateEntry({ gpa: 0x10000, validate: true, ignoreCf: true })),
    R.SUCCESS,
  );
  assert.equal(
    await one(encodePvalidateEntry({ gpa: 0x10000, pageSize: 2, validate: true })),
    R.INVALID_PARAMETER,
  );
  assert.equal(
    await one(encodePvalidateEntry({ gpa: 0x201000, pageSize: 1, validate: true })),
    R.INVALID_PARAMETER,
  );
  assert.equal(await one(encodePvalidateEntry({ gpa: 0x1000, validate: true })), R.INVALID_ADDRESS); // the CA
  assert.equal(
    await one(encodePvalidateEntry({ gpa: 0x4000_0000, validate: true })),
    R.INVALID_ADDRESS,
  );
  assert.equal(
    await one(encodePvalidateEntry({ gpa: 0x200000, pageSize: 1, validate: true })),
    R.SUCCESS,
  );
  assert.equal(await one(encodePvalidateEntry({ gpa: 0x10000, validate: false })), R.SUCCESS);
  assert.equal(pages.get(0x10000)!.validated, false);
  assert.equal(pages.get(0x10000)!.vmpl2Perms, 0, "revoked before invalidating");
});

function guestVmsa(
  mem: { bytes: Uint8Array },
  gpa: number,
  over: Partial<{ vmpl: number; efer: bigint; sev: bigint }> = {},
) {
  mem.bytes.set(
    VMSA.encode({ vmpl: over.vmpl ?? 2, efer: over.efer ?? 0x1000n, sevFeatures: over.sev ?? 1n }),
    gpa,
  );
}

Deno.test("core CREATE_VCPU and DELETE_VCPU follow COCONUT's order of checks", async () => {
  const { mem, pages, notified, cpu, request } = fakeSvsmCpu();
  for (const p of [0x20000, 0x21000, 0x22000]) {
    pages.set(p, { validated: true, vmpl2Perms: 0xf, vmsa: false });
  }
  const create = (vmsa: bigint, ca: bigint, apic: bigint) => call(request(0, 2, vmsa, ca, apic));
  assert.equal(await create(0x20008n, 0x21000n, 1n), R.INVALID_ADDRESS); // unaligned VMSA
  assert.equal(await create(0x20000n, 0x20000n, 1n), R.INVALID_ADDRESS); // same page
  assert.equal(await create(0x20000n, 0x4000_0000n, 1n), R.INVALID_ADDRESS); // CA outside
  assert.equal(await create(0x20000n, 0x21000n, 7n), R.INVALID_PARAMETER); // unknown APIC ID
  assert.equal(await create(0x1000n, 0x21000n, 1n), R.INVALID_ADDRESS); // the BSP's CA
  guestVmsa(mem, 0x20000, { vmpl: 1 });
  assert.equal(await create(0x20000n, 0x21000n, 1n), R.INVALID_PARAMETER);
  assert.equal(pages.get(0x20000)!.vmpl2Perms, 0xf, "a refused VMSA page goes back to the guest");
  guestVmsa(mem, 0x20000, { efer: 0n });
  assert.equal(await create(0x20000n, 0x21000n, 1n), R.INVALID_PARAMETER); // no EFER.SVME
  guestVmsa(mem, 0x20000, { sev: 5n });
  assert.equal(await create(0x20000n, 0x21000n, 1n), R.INVALID_PARAMETER); // other SEV features
  guestVmsa(mem, 0x20000);
  assert.equal(await create(0x20000n, 0x21000n, 1n), R.SUCCESS);
  assert.ok(pages.get(0x20000)!.vmsa, "VMSA attribute set for VMPL2");
  assert.deepEqual(notified, [1]);
  assert.equal(cpu.kernel.guestVcpus.get(1)!.vmsaGpa, 0x20000);
  assert.equal(
    await create(0x22000n, 0x23000n, 1n),
    R.INVALID_PARAMETER,
    "APIC 1 already has a VMSA",
  );
  assert.equal(
    await create(0x22000n, 0x21000n, 1n),
    R.INVALID_ADDRESS,
    "overlap with a registered CA comes first (svsm-abi.md §4 step 3), as in COCONUT",
  );

  assert.equal(await call(request(0, 3, 0x22000n)), R.INVALID_PARAMETER); // not registered
  assert.equal(await call(request(0, 3, 0x20008n)), R.INVALID_PARAMETER); // unaligned
  assert.equal(await call(request(0, 3, 0x20000n)), R.SUCCESS);
  assert.equal(
    new DataView(mem.bytes.buffer).getBigUint64(0x20000 + 0xd0, true) & 0x1000n,
    0n,
    "SVME cleared",
  );
  assert.equal(pages.get(0x20000)!.vmsa, false);
  assert.equal(cpu.kernel.guestVcpus.get(1)!.vmsaGpa, -1);
});

Deno.test("core DEPOSIT_MEM and WITHDRAW_MEM lend pages to the SVSM and give them back zeroed", async () => {
  const { mem, pages, cpu, request } = fakeSvsmCpu();
  for (const p of [0x30000, 0x31000]) {
    pages.set(p, { validated: true, vmpl2Perms: 0xf, vmsa: false });
  }
  mem.bytes.fill(0x77, 0x30000, 0x32000);
  writeList(mem, 0x6000, 0, [0x30000n, 0x31000n]);
  assert.equal(await call(request(0, 4, 0x6000n)), R.SUCCESS);
  assert.equal(cpu.kernel.depositedPages.size, 2);
  assert.equal(pages.get(0x30000)!.vmpl2Perms, 0, "the guest lost access");
  assert.ok(mem.bytes.slice(0x30000, 0x32000).every((b) => b === 0));
  writeList(mem, 0x6000, 0, [0x30000n]);
  assert.equal(await call(request(0, 4, 0x6000n)), R.INVALID_ADDRESS, "already deposited");
  writeList(mem, 0x6000, 0, [0x40004n]);
  assert.equal(await call(request(0, 4, 0x6000n)), R.INVALID_PARAMETER, "reserved bits");

  writeList(mem, 0x7000, 0, [0n]); // capacity 1
  const w = request(0, 5, 0x7000n);
  assert.equal(await call(w), R.SUCCESS);
  assert.equal(w.regs.rcx, 1n);
  assert.equal(new DataView(mem.bytes.buffer).getBigUint64(0x7008, true), 0x30000n);
  assert.equal(pages.get(0x30000)!.vmpl2Perms, 0xf, "the guest has it back");
  writeList(mem, 0x7000, 0, [0n, 0n]);
  const w2 = request(0, 5, 0x7000n);
  assert.equal(await call(w2), R.SUCCESS);
  assert.equal(w2.regs.rcx, 1n, "only one page was left");
  assert.equal(cpu.kernel.depositedPages.size, 0);
});

function fakeVtpm(respond: (cmd: Uint8Array) => Uint8Array, poweredOn = true): VtpmService {
  return {
    poweredOn,
    execute: (cmd) => Promise.resolve(respond(cmd)),
    ekPublic: () => Promise.resolve(new Uint8Array([0, 1, 0, 0xb])),
  };
}

Deno.test("vTPM QUERY and CMD: buffer rules, response in place, oversized responses dropped", async () => {
  const echo = fakeVtpm((cmd) => new Uint8Array([...cmd, 0xee]));
  const { mem, request } = fakeSvsmCpu({ vtpm: echo, memoryBytes: 0x10000 });
  const q = request(2, 0);
  assert.equal(await call(q), R.SUCCESS);
  assert.deepEqual([q.regs.rcx, q.regs.rdx], [0x100n, 0n]);
  assert.equal(await call(request(2, 2)), R.UNSUPPORTED_CALL);
  const dv = new DataView(mem.bytes.buffer);
  const put = (gpa: number, cmd: number, locality: number, body: number[]) => {
    dv.setUint32(gpa, cmd, true);
    mem.bytes[gpa + 4] = locality;
    dv.setUint32(gpa + 5, body.length, true);
    mem.bytes.set(body, gpa + 9);
  };
  const cmd = (gpa: bigint) => call(request(2, 1, gpa));
  assert.equal(await cmd(0n), R.INVALID_PARAMETER);
  assert.equal(await cmd(0x20000n), R.INVALID_PARAMETER, "first read outside memory");
  put(0x2000, 7, 0, [1]);
  assert.equal(await cmd(0x2000n), R.INVALID_PARAMETER, "not TPM_SEND_COMMAND");
  put(0x2000, 8, 1, [1]);
  assert.equal(await cmd(0x2000n), R.INVALID_PARAMETER, "locality 1");
  put(0xf800, 8, 0, [1]);
  assert.equal(await cmd(0xf800n), R.INVALID_ADDRESS, "4096 bytes do not fit");
  put(0x2000, 8, 0, [1]);
  dv.setUint32(0x2005, 4088, true);
  assert.equal(await cmd(0x2000n), R.INVALID_PARAMETER, "inbuf_size > 4087");
  mem.bytes.fill(0x33, 0x3000, 0x4000);
  put(0x3000, 8, 0, [0xa, 0xb, 0xc]);
  assert.equal(await cmd(0x3000n), R.SUCCESS);
  assert.equal(dv.getUint32(0x3000, true), 4);
  assert.deepEqual([...mem.bytes.slice(0x3004, 0x3008)], [0xa, 0xb, 0xc, 0xee]);
  assert.equal(mem.bytes[0x3009], 0xa, "bytes after the response keep the request");

  const big = fakeSvsmCpu({ vtpm: fakeVtpm(() => new Uint8Array(4093)), memoryBytes: 0x10000 });
  new DataView(big.mem.bytes.buffer).setUint32(0x1000, 8, true);
  const before = big.mem.bytes.slice(0x1000, 0x2000);
  assert.equal(await call(big.request(2, 1, 0x1000n)), R.SUCCESS);
  assert.deepEqual(big.mem.bytes.slice(0x1000, 0x2000), before, "a 4093-byte response is dropped");
  const empty = fakeSvsmCpu({ vtpm: fakeVtpm(() => new Uint8Array(0)), memoryBytes: 0x10000 });
  new DataView(empty.mem.bytes.buffer).setUint32(0x1000, 8, true);
  assert.equal(await call(empty.request(2, 1, 0x1000n)), R.INVALID_REQUEST);
  const off = fakeSvsmCpu({
    vtpm: fakeVtpm(() => new Uint8Array(10), false),
    memoryBytes: 0x10000,
  });
  new DataView(off.mem.bytes.buffer).setUint32(0x1000, 8, true);
  assert.equal(await call(off.request(2, 1, 0x1000n)), R.INVALID_REQUEST, "TPM not powered on");
});

function attestSetup(outcome: (reportData: Uint8Array) => ReportOutcome, vtpm?: VtpmService) {
  const seen: { reportData?: Uint8Array; certSize?: number } = {};
  const f = fakeSvsmCpu({
    vtpm,
    attestation: {
      requestReport(_cpu, reportData, certificateBufferSize) {
        seen.reportData = reportData;
        seen.certSize = certificateBufferSize;
        return Promise.resolve(outcome(reportData));
      },
    },
  });
  f.mem.bytes.fill(0x42, 0x9000, 0x9040); // the nonce
  const op = (over: Record<string, unknown> = {}, single = false) => {
    const layout = single ? ATTEST_SINGLE_SERVICE_OP : ATTEST_SERVICES_OP;
    const values = {
      reportGpa: 0x10000n,
      reportSize: 0x1000,
      nonceGpa: 0x9000n,
      nonceSize: 64,
      manifestGpa: 0x12000n,
      manifestSize: 0x1000,
      ...over,
    };
    f.mem.bytes.set(layout.encode(values as never), 0x8000);
    return f.request(1, single ? 1 : 0, 0x8000n);
  };
  return { ...f, op, seen };
}

const okReport = (reportData: Uint8Array): ReportOutcome => {
  const report = new Uint8Array(0x4a0);
  report.set(reportData, 0x50);
  return { ok: true, report, certificates: new Uint8Array(0) };
};

Deno.test("attestation SERVICES: REPORT_DATA = SHA-512(nonce ‖ manifest), sizes out first", async () => {
  const a = attestSetup(okReport);
  const req = a.op();
  assert.equal(await call(req), R.SUCCESS);
  const manifest = a.mem.bytes.slice(0x12000, 0x12000 + 24);
  const want = createHash("sha512").update(new Uint8Array(64).fill(0x42)).update(manifest).digest();
  assert.deepEqual(a.seen.reportData, new Uint8Array(want));
  assert.deepEqual([req.regs.rcx, req.regs.rdx, req.regs.r8], [24n, 0n, 0x4a0n]);
  assert.deepEqual(a.mem.bytes.slice(0x10050, 0x10090), new Uint8Array(want), "report copied out");

  const small = a.op({ reportSize: 0x100 });
  assert.equal(await call(small), R.INVALID_PARAMETER);
  assert.deepEqual(
    [small.regs.rcx, small.regs.r8],
    [24n, 0x4a0n],
    "sizes set so the guest can resize",
  );

  for (
    const bad of [{ nonceSize: 32 }, { reserved1: 1 }, { reportGpa: 0x10008n }, {
      nonceGpa: 0x9fe0n,
    }, {
      certificateSize: 0x4001,
      certificateGpa: 0x14000n,
    }]
  ) {
    const r = a.op(bad);
    assert.equal(
      await call(r),
      R.INVALID_PARAMETER,
      JSON.stringify(bad, (_, v) => typeof v === "bigint" ? `${v}` : v),
    );
    assert.equal(r.regs.rcx, 0x8000n, "decoding errors leave the registers alone");
  }
  const wraps = a.op({ reportGpa: 0xffff_ffff_ffff_f000n }); // end = 2^64: overflows
  assert.equal(await call(wraps), R.INVALID_ADDRESS);
  assert.equal(wraps.regs.rcx, 0x8000n, "an overflowing region leaves the registers alone");
  // COCONUT asks the PSP before it checks the output buffers (svsm-abi.md §8 step 3).
  a.seen.reportData = undefined;
  assert.equal(await call(a.op({ manifestGpa: 0x12008n })), R.INVALID_PARAMETER);
  assert.ok(a.seen.reportData, "the report was requested before the alignment check");
  assert.equal(await call(a.request(1, 0, 0x7_0000_0000n)), R.INVALID_PARAMETER, "op unreadable");
});

Deno.test("attestation: the certificate resize answer, SINGLE_SERVICE for the vTPM, unknown GUIDs", async () => {
  const tooSmall = attestSetup(() => ({ ok: false, certificatePagesNeeded: 3 }));
  const r = tooSmall.op({ certificateGpa: 0x14000n, certificateSize: 0x1000 });
  assert.equal(await call(r), R.INVALID_PARAMETER);
  assert.equal(tooSmall.seen.certSize, 0x1000);
  assert.deepEqual([r.regs.rcx, r.regs.rdx], [24n, 0x3000n]);

  const ek = new Uint8Array([0, 1, 0, 0xb, 9, 9]);
  const vtpm: VtpmService = {
    poweredOn: true,
    execute: () => Promise.resolve(new Uint8Array()),
    ekPublic: () => Promise.resolve(ek),
  };
  const a = attestSetup(okReport, vtpm);
  const single = a.op({ serviceGuid: guidToBytes(VTPM_SERVICE_GUID) }, true);
  assert.equal(await call(single), R.SUCCESS);
  assert.equal(single.regs.rcx, BigInt(ek.length));
  assert.deepEqual(a.mem.bytes.slice(0x12000, 0x12000 + ek.length), ek);
  const want = createHash("sha512").update(new Uint8Array(64).fill(0x42)).update(ek).digest();
  assert.deepEqual(a.seen.reportData, new Uint8Array(want));
  const all = a.op();
  assert.equal(await call(all), R.SUCCESS);
  assert.equal(all.regs.rcx, BigInt(24 + 24 + ek.length), "the services manifest lists the vTPM");
  const unknown = a.op({ serviceGuid: guidToBytes("a4453a59-9e1b-4787-a033-1986d6adbe55") }, true);
  assert.equal(await call(unknown), R.UNSUPPORTED_PROTOCOL);
  const unknownUnaligned = a.op({
    serviceGuid: guidToBytes("a4453a59-9e1b-4787-a033-1986d6adbe55"),
    reportGpa: 0x10008n,
  }, true);
  assert.equal(
    await call(unknownUnaligned),
    R.UNSUPPORTED_PROTOCOL,
    "the manifest is built before the output buffers are checked",
  );
  const tooSmallUnaligned = attestSetup(() => ({ ok: false, certificatePagesNeeded: 2 }));
  const tsu = tooSmallUnaligned.op({ certificateGpa: 0x14008n, certificateSize: 0x1000 });
  assert.equal(await call(tsu), R.INVALID_PARAMETER);
  assert.equal(tsu.regs.rdx, 0x2000n, "the host's resize answer comes before the buffer checks");
  assert.equal(await call(a.op({ manifestVersion: 1 }, true)), R.INVALID_PARAMETER);
});

Deno.test("attestation certificates: RDX is the table's length, not the page-rounded buffer", async () => {
  const table = buildCertTable([[CertGuid.VCEK, new Uint8Array(1300).fill(5)], [
    CertGuid.ASK,
    new Uint8Array(1500).fill(6),
  ]]);
  const withCerts = (pagesBytes: Uint8Array) => (reportData: Uint8Array): ReportOutcome => ({
    ...okReport(reportData),
    certificates: pagesBytes,
  } as ReportOutcome);
  const pages = new Uint8Array(0x2000);
  pages.set(table);
  const a = attestSetup(withCerts(pages));
  a.mem.bytes.fill(0xee, 0x14000, 0x16000);
  const exact = a.op({ certificateGpa: 0x14000n, certificateSize: table.length });
  assert.equal(await call(exact), R.SUCCESS, "a buffer of exactly the table's size is enough");
  assert.equal(exact.regs.rdx, BigInt(table.length));
  assert.deepEqual(a.mem.bytes.slice(0x14000, 0x14000 + table.length), table);
  assert.equal(a.mem.bytes[0x14000 + table.length], 0xee, "nothing past the table is written");
  const short = a.op({ certificateGpa: 0x14000n, certificateSize: table.length - 1 });
  assert.equal(await call(short), R.INVALID_PARAMETER);
  assert.equal(short.regs.rdx, BigInt(table.length), "the size to retry with");
  // A table without its terminating entry is the host's problem: passed on whole.
  const broken = new Uint8Array(0x1000).fill(0x11);
  const b = attestSetup(withCerts(broken));
  const whole = b.op({ certificateGpa: 0x14000n, certificateSize: 0x1000 });
  assert.equal(await call(whole), R.SUCCESS);
  assert.equal(whole.regs.rdx, 0x1000n);
});

Deno.test("deposited pages belong to the SVSM: no CA, VMSA or PVALIDATE on them", async () => {
  const { mem, pages, request } = fakeSvsmCpu();
  for (const p of [0x30000, 0x31000]) {
    pages.set(p, { validated: true, vmpl2Perms: 0xf, vmsa: false });
  }
  writeList(mem, 0x6000, 0, [0x30000n]);
  assert.equal(await call(request(0, 4, 0x6000n)), R.SUCCESS);
  assert.equal(await call(request(0, 0, 0x30000n)), R.INVALID_ADDRESS, "REMAP_CA onto it");
  assert.equal(
    await call(request(0, 2, 0x30000n, 0x31000n, 1n)),
    R.INVALID_ADDRESS,
    "a VMSA on it",
  );
  writeList(mem, 0x6000, 0, [encodePvalidateEntry({ gpa: 0x30000, validate: false })]);
  assert.equal(await call(request(0, 1, 0x6000n)), R.INVALID_ADDRESS, "invalidating it");
  assert.ok(pages.get(0x30000)!.validated);
});
