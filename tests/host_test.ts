// The honest host: VM creation, launch through the firmware, the MSR protocol and the GHCB
// NAE events, with the GHCB error values for invalid usage (snp-abi.md §9).
import assert from "node:assert/strict";
import {
  msr,
  nae as naeAt,
  type NaeCall,
  setUpGhcb as setUpGhcbAt,
} from "./support/guest_exits.ts";
import {
  AP_CREATE,
  type CpuContext,
  encodeApCreation,
  encodePsc,
  GHCB_ERR_INVALID_EVENT,
  GHCB_ERR_INVALID_INPUT,
  GHCB_ERR_INVALID_SCRATCH_AREA,
  GHCB_ERR_INVALID_USAGE,
  GHCB_ERR_MISSING_INPUT,
  GHCB_ERR_NOT_REGISTERED,
  GHCB_SHARED_BUFFER_OFFSET,
  type GhcbPage,
  Machine,
  MSR_GHCB,
  type MsrResponse,
  NAE_AP_CREATION,
  NAE_EXT_GUEST_REQUEST,
  NAE_GUEST_REQUEST,
  NAE_HV_FEATURES,
  NAE_PSC,
  NAE_SNP_RUN_VMPL,
  NAE_TERM_REQUEST,
  PAGE_SIZE,
  PSC_HEADER,
  PSC_OP_PRIVATE,
  PSC_OP_SHARED,
  qemuResetVmsa,
  rmpadjustAttrs,
  type VmplProgram,
} from "../lib/snp/mod.ts";
import {
  GuestMessenger,
  MSG_REPORT_REQ,
  MSG_REPORT_RSP,
  MsgType,
  parseReport,
  SECRETS_PAGE,
  SecureProcessor,
} from "../lib/snp/firmware/mod.ts";
import { Host, LaunchPageType } from "../lib/host/mod.ts";

const GUEST_BYTES = 2 << 20;
const GHCB_GPA = 0x10000;
const IMAGE_GPA = 0x1000;
const IMAGE = new TextEncoder().encode("measured image page");

/** A machine, the firmware on it, a host and its guest, launched with one NORMAL page. */
function boot(programs: VmplProgram[], vcpus = 1, seed = 1) {
  const machine = new Machine({ memoryBytes: GUEST_BYTES + (4 << 20), vcpus, seed });
  const sp = new SecureProcessor({ machine });
  const host = new Host(machine, { firmware: sp, guestFirmware: sp });
  const vm = host.createVm({ guestMemoryBytes: GUEST_BYTES });
  programs.forEach((p, vmpl) => machine.setProgram(vmpl, p));
  const image = new Uint8Array(PAGE_SIZE);
  image.set(IMAGE);
  const measurement = host.launch({
    pages: [{ gpa: IMAGE_GPA, type: LaunchPageType.NORMAL, data: image }],
    bootVmsa: qemuResetVmsa(),
  });
  return { machine, host, vm, sp, measurement };
}

/** The guest-side exchanges of tests/support/guest_exits.ts, at this file's GHCB unless told. */
const setUpGhcb = (cpu: CpuContext, gpa = GHCB_GPA) => setUpGhcbAt(cpu, gpa);
const nae = (cpu: CpuContext, call: NaeCall & { gpa?: number }) =>
  naeAt(cpu, call.gpa ?? GHCB_GPA, call);

/** EXITINFO1/EXITINFO2 of a completed NAE event. */
const result = (g: GhcbPage): [bigint, bigint] => [g.get("swExitInfo1"), g.get("swExitInfo2")];

Deno.test("host: launch measures the image and starts the BSP at the VMSA's VMPL", async () => {
  let seen = "";
  const { measurement, host, machine } = boot([async (cpu) => {
    seen = new TextDecoder().decode(cpu.read(IMAGE_GPA, IMAGE.length));
    assert.equal(cpu.vmpl, 0);
    await cpu.pause();
  }]);
  assert.equal(measurement?.length, 48);
  assert.equal((await host.run()).status, "finished");
  assert.equal(seen, "measured image page");
  const entry = machine.rmp.entry(host.attacks.spaOf(IMAGE_GPA));
  assert.ok(entry.assigned && entry.validated);
  assert.notDeepEqual(host.attacks.readGuestPage(IMAGE_GPA).subarray(0, IMAGE.length), IMAGE);
});

Deno.test("host: guest memory starts assigned to the ASID and not validated", () => {
  const { machine, vm } = boot([]);
  const spa = vm.npt.translate(0x5000)!;
  assert.notEqual(spa, 0x5000, "GPA and SPA differ");
  const e = machine.rmp.entry(spa);
  assert.deepEqual([e.assigned, e.asid, e.gpa, e.validated], [true, vm.asid, 0x5000, false]);
});

Deno.test("host: MSR protocol SEV_INFO, CPUID, HV_FEATURES, PREF_GPA", async () => {
  const got: MsrResponse[] = [];
  const { host } = boot([async (cpu) => {
    got.push(await msr(cpu, { kind: "sev-info" }));
    got.push(await msr(cpu, { kind: "cpuid", fn: 0x8000001f, reg: 1 }));
    got.push(await msr(cpu, { kind: "hv-features" }));
    got.push(await msr(cpu, { kind: "pref-gpa" }));
  }]);
  await host.run();
  assert.deepEqual(got[0], { kind: "sev-info", maxProtocol: 2, minProtocol: 1, cBit: 51 });
  assert.equal(got[1].kind === "cpuid" && got[1].value & 0x3f, 51);
  assert.deepEqual(got[2], { kind: "hv-features", features: 0b100011n });
  assert.equal(got[3].kind === "pref-gpa" && got[3].gfn, 2 ** 52 - 1);
});

Deno.test("host: MSR PSC flips the RMP; a bad GFN gets an error", async () => {
  const out: MsrResponse[] = [];
  const { host, machine, vm } = boot([async (cpu) => {
    out.push(await msr(cpu, { kind: "psc", gfn: 0x20, op: PSC_OP_SHARED }));
    out.push(await msr(cpu, { kind: "psc", gfn: 0x21, op: PSC_OP_SHARED }));
    out.push(await msr(cpu, { kind: "psc", gfn: 0x21, op: PSC_OP_PRIVATE }));
    out.push(await msr(cpu, { kind: "psc", gfn: 0xFFFFF, op: PSC_OP_SHARED }));
    out.push(await msr(cpu, { kind: "psc", gfn: 0x22, op: 9 }));
  }]);
  await host.run();
  assert.deepEqual(out.map((r) => r.kind === "psc" && r.error), [0, 0, 0, 5, 5]);
  assert.equal(machine.rmp.entry(vm.npt.translate(0x20000)!).assigned, false);
  assert.equal(machine.rmp.entry(vm.npt.translate(0x21000)!).assigned, true);
});

Deno.test("host: an unknown MSR protocol request terminates the guest", async () => {
  const { host } = boot([async (cpu) => {
    cpu.wrmsr(MSR_GHCB, 0xFFEn);
    await cpu.vmgexit();
  }]);
  const r = await host.run();
  assert.equal(r.status, "terminated");
  assert.match(r.reason ?? "", /unsupported MSR protocol request 0xffe/);
});

Deno.test("host: GHCB HV_FEATURES, and the error values for invalid usage", async () => {
  const results: [bigint, bigint][] = [];
  const { host } = boot([async (cpu) => {
    // Not yet registered (but shared): NOT_REGISTERED.
    await msr(cpu, { kind: "psc", gfn: GHCB_GPA / PAGE_SIZE, op: PSC_OP_SHARED });
    results.push(result(await nae(cpu, { code: NAE_HV_FEATURES })));
    await setUpGhcb(cpu);
    results.push(result(await nae(cpu, { code: NAE_HV_FEATURES })));
    results.push(result(await nae(cpu, { code: NAE_HV_FEATURES, edit: (g) => g.usage = 1 })));
    results.push(
      result(await nae(cpu, { code: NAE_HV_FEATURES, edit: (g) => g.protocolVersion = 7 })),
    );
    results.push(result(await nae(cpu, { code: NAE_HV_FEATURES, edit: (g) => g.clearValid() })));
    results.push(result(await nae(cpu, { code: 0x8000_1234 })));
  }]);
  await host.run();
  assert.deepEqual(results, [
    [2n, BigInt(GHCB_ERR_NOT_REGISTERED)],
    [0n, 0b100011n],
    [2n, BigInt(GHCB_ERR_INVALID_USAGE)],
    [2n, BigInt(GHCB_ERR_INVALID_USAGE)],
    [2n, BigInt(GHCB_ERR_MISSING_INPUT)],
    [2n, BigInt(GHCB_ERR_INVALID_EVENT)],
  ]);
});

Deno.test("host: GHCB PSC follows the descriptor and advances CUR_ENTRY", async () => {
  const results: [bigint, bigint][] = [];
  let cur = -1;
  const scratch = BigInt(GHCB_GPA + GHCB_SHARED_BUFFER_OFFSET);
  const { host, machine, vm } = boot([async (cpu) => {
    await setUpGhcb(cpu);
    const entries = [0x40, 0x41, 0x42].map((gfn) => ({
      curPage: 0,
      gfn,
      op: PSC_OP_SHARED,
      size2M: false,
    }));
    const desc = encodePsc(entries);
    const put = (g: GhcbPage) => g.sharedBuffer.set(desc);
    const g = await nae(cpu, { code: NAE_PSC, regs: { swScratch: scratch }, edit: put });
    results.push(result(g));
    cur = PSC_HEADER.get(g.sharedBuffer, "curEntry");
    results.push(result(await nae(cpu, { code: NAE_PSC, edit: put })));
    results.push(
      result(await nae(cpu, { code: NAE_PSC, regs: { swScratch: 0x1000n }, edit: put })),
    );
    const broken = (g: GhcbPage) => g.sharedBuffer.set([0, 0, 0xFF, 0xFF]);
    results.push(
      result(await nae(cpu, { code: NAE_PSC, regs: { swScratch: scratch }, edit: broken })),
    );
  }]);
  await host.run();
  assert.deepEqual(results, [
    [0n, 0n],
    [2n, BigInt(GHCB_ERR_MISSING_INPUT)],
    [2n, BigInt(GHCB_ERR_INVALID_SCRATCH_AREA)],
    [2n, BigInt(GHCB_ERR_INVALID_INPUT)],
  ]);
  assert.equal(cur, 3);
  for (const gpa of [0x40000, 0x41000, 0x42000]) {
    assert.equal(machine.rmp.entry(vm.npt.translate(gpa)!).assigned, false);
  }
});

Deno.test("host: AP_CREATION starts an AP on its VMSA; bad requests get INVALID_INPUT", async () => {
  const VMSA_GPA = 0x30000;
  const results: [bigint, bigint][] = [];
  const log: string[] = [];
  const { host } = boot([async (cpu) => {
    if (cpu.vcpuId === 1) {
      log.push(`AP ${cpu.apicId} runs at VMPL${cpu.vmpl}`);
      return;
    }
    await setUpGhcb(cpu);
    assert.equal(cpu.pvalidate(VMSA_GPA, false, true).rc, 0);
    cpu.write(VMSA_GPA, qemuResetVmsa());
    assert.equal(cpu.rmpadjust(VMSA_GPA, false, rmpadjustAttrs(1, 0, true)), 0);
    const create = (apicId: number, rax?: bigint) =>
      nae(cpu, {
        code: NAE_AP_CREATION,
        info1: encodeApCreation({ request: AP_CREATE, vmpl: 0, apicId }),
        info2: BigInt(VMSA_GPA),
        regs: rax === undefined ? {} : { rax },
      });
    results.push(result(await create(7, 1n)));
    results.push(result(await create(1, 0n)));
    results.push(result(await create(1)));
    results.push(result(await create(1, 1n)));
    while (log.length === 0) await cpu.pause();
  }], 2);
  assert.equal((await host.run()).status, "finished");
  assert.deepEqual(results, [
    [2n, BigInt(GHCB_ERR_INVALID_INPUT)],
    [2n, BigInt(GHCB_ERR_INVALID_INPUT)],
    [2n, BigInt(GHCB_ERR_MISSING_INPUT)],
    [0n, 0n],
  ]);
  assert.deepEqual(log, ["AP 1 runs at VMPL0"]);
});

Deno.test("host: SNP_RUN_VMPL through the GHCB; a VMPL without a VMSA is refused", async () => {
  const results: [bigint, bigint][] = [];
  const { host } = boot([async (cpu) => {
    await setUpGhcb(cpu);
    results.push(result(await nae(cpu, { code: NAE_SNP_RUN_VMPL, info1: 2n })));
    results.push(result(await nae(cpu, { code: NAE_SNP_RUN_VMPL, info1: 0n })));
    const r = await msr(cpu, { kind: "run-vmpl", vmpl: 3 });
    results.push([0n, BigInt(r.kind === "run-vmpl" ? r.error : -1)]);
  }]);
  await host.run();
  assert.deepEqual(results, [
    [2n, BigInt(GHCB_ERR_INVALID_INPUT)],
    [0n, 0n],
    [0n, BigInt(GHCB_ERR_INVALID_INPUT)],
  ]);
});

Deno.test("host: GUEST_REQUEST reaches the firmware; EXT asks for a bigger buffer", async () => {
  const results: [bigint, bigint, bigint][] = [];
  const REQ = 0x11000, RESP = 0x12000, CERTS = 0x13000;
  const { host } = boot([async (cpu) => {
    await setUpGhcb(cpu);
    for (const gpa of [REQ, RESP, CERTS]) {
      await msr(cpu, { kind: "psc", gfn: gpa / PAGE_SIZE, op: PSC_OP_SHARED });
    }
    const pages = { info1: BigInt(REQ), info2: BigInt(RESP) };
    let g = await nae(cpu, { code: NAE_GUEST_REQUEST, ...pages });
    results.push([...result(g), 0n]);
    g = await nae(cpu, {
      code: NAE_EXT_GUEST_REQUEST,
      ...pages,
      regs: { rax: BigInt(CERTS), rbx: 0n },
    });
    results.push([...result(g), g.get("rbx")]);
    g = await nae(cpu, { code: NAE_GUEST_REQUEST, info1: 0x5000n, info2: BigInt(RESP) });
    results.push([...result(g), 0n]);
  }]);
  host.certificates = new Uint8Array(3 * PAGE_SIZE);
  await host.run();
  // A garbage request page: the firmware answers INVALID_PARAM (0x16) in EXITINFO2[31:0].
  assert.deepEqual(results[0], [0n, 0x16n, 0n]);
  assert.deepEqual(results[1], [0n, 1n << 32n, 3n]);
  assert.deepEqual(results[2], [2n, BigInt(GHCB_ERR_INVALID_INPUT), 0n]);
  assert.ok(host.machine.trace.ofKind("firmware").some((e) => e.name === "SNP_GUEST_REQUEST"));
});

Deno.test("host: TERM through the GHCB ends the VM", async () => {
  const { host } = boot([async (cpu) => {
    await setUpGhcb(cpu);
    await nae(cpu, { code: NAE_TERM_REQUEST, info1: 0x3n });
  }]);
  const r = await host.run();
  assert.equal(r.status, "terminated");
  assert.match(r.reason ?? "", /guest requested termination/);
});

Deno.test("host: a GHCB that is private (not shared) is unusable: the VM ends", async () => {
  const { host } = boot([async (cpu) => {
    cpu.wrmsr(MSR_GHCB, BigInt(GHCB_GPA));
    await cpu.vmgexit();
  }]);
  const r = await host.run();
  assert.match(r.reason ?? "", /not a mapped shared page/);
});

Deno.test("host: relays an attestation request the host cannot read", async () => {
  const SECRETS = 0x5000, REQ = 0x11000, RESP = 0x12000;
  const reportData = new Uint8Array(64).fill(0xAB);
  let report: Uint8Array | undefined;
  let seenByHost: Uint8Array | undefined;
  const machine = new Machine({ memoryBytes: GUEST_BYTES + (4 << 20), vcpus: 1, seed: 1 });
  const sp = new SecureProcessor({ machine });
  const host = new Host(machine, { firmware: sp, guestFirmware: sp });
  host.createVm({ guestMemoryBytes: GUEST_BYTES });
  machine.setProgram(0, async (cpu) => {
    await setUpGhcb(cpu);
    for (const gpa of [REQ, RESP]) {
      await msr(cpu, { kind: "psc", gfn: gpa / PAGE_SIZE, op: PSC_OP_SHARED });
    }
    const vmpck0 = SECRETS_PAGE.get(cpu.read(SECRETS, PAGE_SIZE), "vmpck0");
    const messenger = new GuestMessenger(vmpck0, 0);
    const payload = MSG_REPORT_REQ.encode({ reportData, vmpl: 0 });
    cpu.write(REQ, messenger.request(MsgType.REPORT_REQ, payload), false);
    const g = await nae(cpu, { code: NAE_GUEST_REQUEST, info1: BigInt(REQ), info2: BigInt(RESP) });
    assert.deepEqual(result(g), [0n, 0n]);
    const rsp = messenger.response(cpu.read(RESP, PAGE_SIZE, false));
    report = MSG_REPORT_RSP.get(rsp, "report");
  });
  host.launch({
    pages: [{ gpa: SECRETS, type: LaunchPageType.SECRETS }],
    bootVmsa: qemuResetVmsa(),
  });
  host.attacks.corruptGhcbResponses(() => {
    seenByHost ??= host.sharedPage(REQ)?.slice();
  });
  assert.equal((await host.run()).status, "finished");
  assert.ok(report !== undefined);
  const parsed = parseReport(report);
  assert.deepEqual(parsed.reportData, reportData);
  assert.deepEqual(parsed.measurement, host.vm!.measurement);
  const hostText = new TextDecoder("latin1").decode(seenByHost);
  assert.ok(!hostText.includes("\xAB".repeat(16)), "the host sees only the sealed request");
});

/** Three vCPUs exchanging MSR requests with the host; returns the trace. */
async function chatter(seed: number): Promise<string[]> {
  const VMSA_GPA = 0x30000;
  const { host, machine } = boot(
    [async (cpu) => {
      if (cpu.vcpuId === 0) {
        await setUpGhcb(cpu);
        for (const apicId of [1, 2]) {
          const gpa = VMSA_GPA + apicId * PAGE_SIZE;
          cpu.pvalidate(gpa, false, true);
          cpu.write(gpa, qemuResetVmsa());
          cpu.rmpadjust(gpa, false, rmpadjustAttrs(1, 0, true));
          const info1 = encodeApCreation({ request: AP_CREATE, vmpl: 0, apicId });
          await nae(cpu, { code: NAE_AP_CREATION, info1, info2: BigInt(gpa), regs: { rax: 1n } });
        }
      }
      for (let i = 0; i < 6; i++) await msr(cpu, { kind: "cpuid", fn: i, reg: 0 });
    }],
    3,
    seed,
  );
  assert.equal((await host.run()).status, "finished");
  return machine.trace.lines();
}

Deno.test("host: the same seed replays the same trace; another seed interleaves differently", async () => {
  const a = await chatter(21);
  assert.deepEqual(await chatter(21), a);
  const lanes = (t: string[]) => t.filter((l) => l.includes(" msr ")).map((l) => l.split(" ")[1]);
  let differs = false;
  for (const seed of [22, 23, 24]) {
    differs ||= lanes(await chatter(seed)).join() !== lanes(a).join();
  }
  assert.ok(differs);
});
