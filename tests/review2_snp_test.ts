// Second review pass over the SEV-SNP model and the untrusted host: hostile guest inputs the
// honest host must refuse (snp-abi.md §9.2-§9.4) and host writes that must not reach private
// memory (§8).
import assert from "node:assert/strict";
import {
  AP_CREATE,
  AP_CREATE_ON_INIT,
  AP_DESTROY,
  type CpuContext,
  decodeMsrResponse,
  encodeApCreation,
  encodeMsrRequest,
  GHCB_ERR_INVALID_INPUT,
  GhcbPage,
  type GhcbRegister,
  Machine,
  MSR_GHCB,
  type MsrRequest,
  type MsrResponse,
  NAE_AP_CREATION,
  NAE_SNP_RUN_VMPL,
  PAGE_SIZE,
  PSC_OP_SHARED,
  qemuResetVmsa,
  rmpadjustAttrs,
  type VmplProgram,
} from "../lib/snp/mod.ts";
import { SecureProcessor } from "../lib/snp/firmware/mod.ts";
import { Host } from "../lib/host/mod.ts";

const GUEST_BYTES = 4 << 20;
const GHCB_GPA = 0x10000;
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

async function msr(cpu: CpuContext, req: MsrRequest): Promise<MsrResponse> {
  cpu.wrmsr(MSR_GHCB, encodeMsrRequest(req));
  await cpu.vmgexit();
  return decodeMsrResponse(cpu.rdmsr(MSR_GHCB));
}

async function setUpGhcb(cpu: CpuContext, gpa: number): Promise<void> {
  const gfn = gpa / PAGE_SIZE;
  assert.deepEqual(await msr(cpu, { kind: "psc", gfn, op: PSC_OP_SHARED }), {
    kind: "psc",
    error: 0,
  });
  assert.deepEqual(await msr(cpu, { kind: "reg-gpa", gfn }), { kind: "reg-gpa", gfn });
}

interface NaeCall {
  code: number;
  info1?: bigint;
  info2?: bigint;
  regs?: Partial<Record<GhcbRegister, bigint>>;
  edit?: (g: GhcbPage) => void;
}

/** One GHCB NAE exchange; returns [EXITINFO1, EXITINFO2] and the GHCB as the host left it. */
async function nae(cpu: CpuContext, gpa: number, call: NaeCall): Promise<[bigint, bigint]> {
  const g = new GhcbPage(cpu.page(gpa, "write", false));
  g.clearValid();
  g.protocolVersion = 2;
  g.usage = 0;
  g.set("swExitCode", BigInt(call.code));
  g.set("swExitInfo1", call.info1 ?? 0n);
  g.set("swExitInfo2", call.info2 ?? 0n);
  for (const [k, v] of Object.entries(call.regs ?? {})) g.set(k as GhcbRegister, v);
  call.edit?.(g);
  cpu.wrmsr(MSR_GHCB, BigInt(gpa));
  await cpu.vmgexit();
  const out = new GhcbPage(cpu.page(gpa, "read", false));
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
