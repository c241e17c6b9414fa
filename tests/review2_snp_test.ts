// Second review pass over the SEV-SNP model and the untrusted host: hostile guest inputs the
// honest host must refuse (snp-abi.md §9.2-§9.4) and host writes that must not reach private
// memory (§8).
import assert from "node:assert/strict";
import { msr, nae as naeAt, type NaeCall, setUpGhcb } from "./support/guest_exits.ts";
import {
  AP_CREATE,
  AP_CREATE_ON_INIT,
  AP_DESTROY,
  type CpuContext,
  encodeApCreation,
  encodePsc,
  GHCB_ERR_INVALID_INPUT,
  GHCB_SHARED_BUFFER_OFFSET,
  GhcbPage,
  Machine,
  MachineFault,
  NAE_AP_CREATION,
  NAE_EXT_GUEST_REQUEST,
  NAE_GUEST_REQUEST,
  NAE_PSC,
  NAE_SNP_RUN_VMPL,
  Npt,
  PAGE_SIZE,
  PSC_OP_PRIVATE,
  PSC_OP_PSMASH,
  PSC_OP_SHARED,
  PSC_OP_UNSMASH,
  qemuResetVmsa,
  rmpadjustAttrs,
  type VmplProgram,
} from "../lib/snp/mod.ts";
import { decodePsc } from "../lib/snp/nae.ts";
import { SecureProcessor } from "../lib/snp/firmware/mod.ts";
import { type GuestVm, Host } from "../lib/host/mod.ts";
import { changePageState } from "../lib/host/page_state_change.ts";
import { relayGuestRequest } from "../lib/host/guest_request_relay.ts";

const GUEST_BYTES = 4 << 20;
const GHCB_GPA = 0x10000;
const SCRATCH = BigInt(GHCB_GPA + GHCB_SHARED_BUFFER_OFFSET);
const VMPL_BYTE = 0xCA; // VMSA VMPL field (snp-abi.md §12)

/** A machine, its firmware, an honest host and its guest, launched; each VMPL runs a program. */
function boot(programs: VmplProgram[], vcpus = 1) {
  const machine = new Machine({ memoryBytes: GUEST_BYTES + (4 << 20), vcpus, seed: 7 });
  const sp = new SecureProcessor({ machine });
  const host = new Host(machine, { firmware: sp, guestFirmware: sp });
  const vm = host.createVm({ guestMemoryBytes: GUEST_BYTES });
  programs.forEach((p, vmpl) => machine.setProgram(vmpl, p));
  host.launch({ pages: [], bootVmsa: qemuResetVmsa() });
  return { machine, host, vm };
}

/** One NAE exchange (tests/support/guest_exits.ts); returns [EXITINFO1, EXITINFO2]. */
async function nae(cpu: CpuContext, gpa: number, call: NaeCall): Promise<[bigint, bigint]> {
  const out = await naeAt(cpu, gpa, call);
  return [out.get("swExitInfo1"), out.get("swExitInfo2")];
}

const INVALID: [bigint, bigint] = [2n, BigInt(GHCB_ERR_INVALID_INPUT)];

Deno.test("attack: AP_CREATION from VMPL2 cannot create or destroy a VMPL0 VMSA", async () => {
  const GUEST_VMSA = 0x30000, AP_VMSA = 0x31000, GUEST_GHCB = 0x11000;
  const results: [bigint, bigint][] = [];
  let svsmRestarted = 0;
  const { host, machine } = boot([
    async (cpu) => {
      if (cpu.vcpuId !== 0) return void svsmRestarted++;
      await setUpGhcb(cpu, GHCB_GPA);
      // The SVSM builds the guest's VMPL2 VMSA, registers it (as COCONUT does) and runs it.
      assert.equal(cpu.pvalidate(GUEST_VMSA, false, true).rc, 0);
      const vmsa = qemuResetVmsa();
      vmsa[VMPL_BYTE] = 2;
      cpu.write(GUEST_VMSA, vmsa);
      assert.equal(cpu.rmpadjust(GUEST_VMSA, false, rmpadjustAttrs(1, 0, true)), 0);
      // A VMPL0 VMSA the SVSM keeps for a later AP start (an AP's VMSA page).
      assert.equal(cpu.pvalidate(AP_VMSA, false, true).rc, 0);
      cpu.write(AP_VMSA, qemuResetVmsa());
      assert.equal(cpu.rmpadjust(AP_VMSA, false, rmpadjustAttrs(1, 0, true)), 0);
      const info1 = encodeApCreation({ request: AP_CREATE_ON_INIT, vmpl: 2, apicId: cpu.apicId });
      assert.deepEqual(
        await nae(cpu, GHCB_GPA, {
          code: NAE_AP_CREATION,
          info1,
          info2: BigInt(GUEST_VMSA),
          regs: { rax: 1n },
        }),
        [0n, 0n],
      );
      await nae(cpu, GHCB_GPA, { code: NAE_SNP_RUN_VMPL, info1: 2n });
    },
    async () => {},
    async (cpu) => {
      await setUpGhcb(cpu, GUEST_GHCB);
      // The guest starts vCPU 1's VMPL0 on the SVSM's AP VMSA, then destroys vCPU 0's VMPL0.
      for (const [request, apicId] of [[AP_CREATE, 1], [AP_DESTROY, 0]]) {
        results.push(
          await nae(cpu, GUEST_GHCB, {
            code: NAE_AP_CREATION,
            info1: encodeApCreation({ request, vmpl: 0, apicId: machine.vcpus[apicId].apicId }),
            info2: BigInt(AP_VMSA),
            regs: { rax: 1n },
          }),
        );
      }
    },
  ], 2);
  await host.run();
  assert.deepEqual(results, [INVALID, INVALID]);
  assert.equal(svsmRestarted, 0);
  assert.notEqual(machine.vcpus[0].context(0), undefined);
});

Deno.test("MSR protocol PSC: only private (1) and shared (2) exist; PSMASH/UNSMASH/0 are errors", async () => {
  const errors: number[] = [];
  const { host } = boot([async (cpu) => {
    for (const op of [PSC_OP_PSMASH, PSC_OP_UNSMASH, 0, 0xF]) {
      const r = await msr(cpu, { kind: "psc", gfn: 0x40, op });
      errors.push(r.kind === "psc" ? r.error : -1);
    }
  }]);
  await host.run();
  assert.deepEqual(errors, Array(4).fill(GHCB_ERR_INVALID_INPUT));
});

/** Runs one GHCB PSC with `entries` from VMPL0; returns the result and the descriptor after. */
async function psc(entries: Parameters<typeof encodePsc>[0], cur = 0) {
  let out: [bigint, bigint] = [0n, 0n];
  let after: ReturnType<typeof decodePsc>;
  const { host, machine, vm } = boot([async (cpu) => {
    await setUpGhcb(cpu, GHCB_GPA);
    const desc = encodePsc(entries, cur);
    out = await nae(cpu, GHCB_GPA, {
      code: NAE_PSC,
      regs: { swScratch: SCRATCH },
      edit: (g) => g.sharedBuffer.set(desc),
    });
    after = decodePsc(new GhcbPage(cpu.page(GHCB_GPA, "read", false)).sharedBuffer);
  }]);
  await host.run();
  const shared = (gfn: number) => !machine.rmp.entry(vm.npt.translate(gfn * PAGE_SIZE)!).assigned;
  return { out, after: after!, shared };
}

Deno.test("GHCB PSC: a 2M entry whose GFN is not 2M-aligned is refused and changes nothing", async () => {
  const { out, shared } = await psc([{ curPage: 0, gfn: 0x201, op: PSC_OP_SHARED, size2M: true }]);
  assert.deepEqual(out, INVALID);
  assert.equal(shared(0x201), false);
  assert.equal(shared(0x300), false);
});

Deno.test("GHCB PSC: CUR_PAGE beyond the entry's pages is refused; a partial 2M entry resumes", async () => {
  const bad = await psc([{ curPage: 513, gfn: 0x200, op: PSC_OP_SHARED, size2M: true }]);
  assert.deepEqual(bad.out, INVALID);
  assert.equal(bad.shared(0x200), false);
  // 4K entry: CUR_PAGE 2 > 1 page.
  const bad4k = await psc([{ curPage: 2, gfn: 0x50, op: PSC_OP_SHARED, size2M: false }]);
  assert.deepEqual(bad4k.out, INVALID);
  // A 2M entry the host had done 0x100 pages of: the rest is done, the first part is left.
  const part = await psc([{ curPage: 0x100, gfn: 0x200, op: PSC_OP_SHARED, size2M: true }]);
  assert.deepEqual(part.out, [0n, 0n]);
  assert.equal(part.shared(0x2FF), false);
  assert.equal(part.shared(0x300), true);
  assert.equal(part.shared(0x3FF), true);
  assert.equal(part.after?.header.curEntry, 1);
  assert.equal(part.after?.entries[0].curPage, 512);
});

const REQ = 0x20000, RESP = 0x21000, CERTS = 0x22000;

/** A host relaying one GUEST_REQUEST whose firmware call lets `during` run before it replies. */
function relayRig(during: (machine: Machine, vm: GuestVm) => void, ext?: { certs: number }) {
  const machine = new Machine({ memoryBytes: GUEST_BYTES + (4 << 20), vcpus: 1, seed: 7 });
  const host = new Host(machine, {
    guestFirmware: {
      guestRequest: async () => {
        await Promise.resolve();
        during(machine, vm); // another vCPU's PSC, between the host's check and its write
        return { status: 0, response: new Uint8Array(PAGE_SIZE).fill(0xAA) };
      },
    },
  });
  host.certificates = new Uint8Array(PAGE_SIZE).fill(0xCE);
  const vm = host.createVm({ guestMemoryBytes: GUEST_BYTES });
  vm.launchHandle = 1;
  for (const gpa of [GHCB_GPA, REQ, RESP, CERTS]) {
    assert.equal(changePageState(machine, vm, gpa / PAGE_SIZE, PSC_OP_SHARED), 0);
  }
  vm.registerGhcb(0, 0, GHCB_GPA);
  const ghcb = new GhcbPage(host.sharedPage(GHCB_GPA)!);
  if (ext !== undefined) {
    ghcb.set("rax", BigInt(ext.certs));
    ghcb.set("rbx", 1n);
  }
  const relay = () =>
    relayGuestRequest({
      host,
      vcpu: machine.vcpus[0],
      vmpl: 0,
      ghcbGpa: GHCB_GPA,
      ghcb,
      exitCode: ext === undefined ? NAE_GUEST_REQUEST : NAE_EXT_GUEST_REQUEST,
      info1: BigInt(REQ),
      info2: BigInt(RESP),
    });
  return {
    machine,
    ghcb,
    relay,
    ghcbSpa: vm.npt.translate(GHCB_GPA)!,
    respSpa: vm.npt.translate(RESP)!,
    certsSpa: vm.npt.translate(CERTS)!,
  };
}

Deno.test("attack: a response page made private during the firmware call is not written by the host", async () => {
  const { machine, ghcb, relay, respSpa } = relayRig((m, vm) =>
    assert.equal(changePageState(m, vm, RESP / PAGE_SIZE, PSC_OP_PRIVATE), 0)
  );
  const before = machine.hostAccess.read(respSpa, PAGE_SIZE);
  const action = await relay();
  assert.equal(action.kind, "resume");
  assert.deepEqual([ghcb.get("swExitInfo1"), ghcb.get("swExitInfo2")], INVALID);
  assert.deepEqual(machine.hostAccess.read(respSpa, PAGE_SIZE), before);
});

Deno.test("attack: a GHCB made private during the firmware call is not written by the host", async () => {
  const { machine, relay, ghcbSpa } = relayRig((m, vm) =>
    assert.equal(changePageState(m, vm, GHCB_GPA / PAGE_SIZE, PSC_OP_PRIVATE), 0)
  );
  const before = machine.hostAccess.read(ghcbSpa, PAGE_SIZE);
  const action = await relay();
  assert.equal(action.kind, "terminate");
  assert.deepEqual(machine.hostAccess.read(ghcbSpa, PAGE_SIZE), before);
});

Deno.test("EXT_GUEST_REQUEST: a certificate buffer GPA that is not page-aligned is INVALID_INPUT", async () => {
  const { machine, ghcb, relay, certsSpa } = relayRig(() => {}, { certs: CERTS + 0x10 });
  const before = machine.hostAccess.read(certsSpa, PAGE_SIZE);
  assert.equal((await relay()).kind, "resume");
  assert.deepEqual([ghcb.get("swExitInfo1"), ghcb.get("swExitInfo2")], INVALID);
  assert.deepEqual(machine.hostAccess.read(certsSpa, PAGE_SIZE), before);
  // The aligned buffer gets the table.
  const ok = relayRig(() => {}, { certs: CERTS });
  await ok.relay();
  assert.deepEqual([ok.ghcb.get("swExitInfo1"), ok.ghcb.get("swExitInfo2")], [0n, 0n]);
  assert.equal(ok.machine.hostAccess.read(ok.certsSpa, 1)[0], 0xCE);
});

Deno.test("guest: an instruction fetch is private whatever the C-bit says (never runs host bytes)", () => {
  const m = new Machine({ memoryBytes: 4 << 20, vcpus: 1, seed: 7 });
  const npt = new Npt();
  npt.map(0x1000, 0x3000); // a host (unassigned) page, readable as shared
  const ctx = { asid: 1, vmpl: 0, npt };
  assert.equal(m.access.check(ctx, 0x1000, "read", false), 0x3000);
  for (const kind of ["execute-user", "execute-supervisor"] as const) {
    assert.throws(
      () => m.access.check(ctx, 0x1000, kind, false),
      (e) => e instanceof MachineFault && e.kind === "npf",
    );
  }
});
