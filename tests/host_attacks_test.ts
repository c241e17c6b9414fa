// The host as attacker: each attack from lib/host/attacks.ts, and what the guest sees.
import assert from "node:assert/strict";
import {
  type CpuContext,
  decodeMsrResponse,
  encodeMsrRequest,
  GhcbPage,
  HV_FEATURE_MULTI_VMPL,
  Machine,
  MachineFault,
  MSR_GHCB,
  type MsrRequest,
  type MsrResponse,
  NAE_HV_FEATURES,
  PAGE_SIZE,
  PFERR_GUEST_RMP,
  PSC_OP_SHARED,
  qemuResetVmsa,
  type VmplProgram,
} from "../lib/snp/mod.ts";
import { SecureProcessor } from "../lib/snp/firmware/mod.ts";
import { Host } from "../lib/host/mod.ts";

const SECRET = new TextEncoder().encode("the guest's secret, 32 bytes ok.");
const A = 0x20000;
const B = 0x21000;

/** A launched guest (no image pages) whose BSP runs `program` at VMPL0. */
function launched(program: VmplProgram) {
  const machine = new Machine({ memoryBytes: 6 << 20, vcpus: 1, seed: 9 });
  const sp = new SecureProcessor({ machine });
  const host = new Host(machine, { firmware: sp, guestFirmware: sp });
  host.createVm({ guestMemoryBytes: 2 << 20 });
  machine.setProgram(0, program);
  host.launch({ pages: [], bootVmsa: qemuResetVmsa() });
  return { machine, host, attacks: host.attacks };
}

/** Validates `gpa` and writes the secret there. */
function keepSecret(cpu: CpuContext, gpa: number): void {
  assert.equal(cpu.pvalidate(gpa, false, true).rc, 0);
  cpu.write(gpa, SECRET);
}

/** Runs `attack` between the guest's two steps (the host acts at a VMGEXIT). */
async function exitThen(cpu: CpuContext, attack: () => void): Promise<void> {
  cpu.wrmsr(MSR_GHCB, encodeMsrRequest({ kind: "hv-features" }));
  attackAtNextExit = attack;
  await cpu.vmgexit();
}
let attackAtNextExit: (() => void) | undefined;

/** Installs the pending attack into the host's exit path. */
function armed(host: Host): void {
  host.attacks.corruptMsrResponses((_v, _p, r) => {
    attackAtNextExit?.();
    attackAtNextExit = undefined;
    return r;
  });
}

/** The fault the guest's access raises, or undefined. */
function faultOf(f: () => unknown): MachineFault | undefined {
  try {
    f();
  } catch (e) {
    if (e instanceof MachineFault) return e;
    throw e;
  }
  return undefined;
}

Deno.test("attack: the host reads ciphertext; same plaintext at two SPAs differs", async () => {
  const { host, attacks } = launched(async (cpu) => {
    keepSecret(cpu, A);
    keepSecret(cpu, B);
    await cpu.pause();
  });
  assert.equal((await host.run()).status, "finished");
  const a = attacks.readGuestPage(A);
  const b = attacks.readGuestPage(B);
  assert.notDeepEqual(a.subarray(0, SECRET.length), SECRET);
  assert.notDeepEqual(a, b, "the tweak is the SPA");
});

Deno.test("attack: a host write to a guest page faults (#PF, RMP)", async () => {
  const { host, attacks } = launched(async (cpu) => {
    keepSecret(cpu, A);
    await cpu.pause();
  });
  assert.equal((await host.run()).status, "finished");
  const f = faultOf(() => attacks.writeGuestPage(A, new Uint8Array(PAGE_SIZE)));
  assert.equal(f?.kind, "pf");
  assert.ok(f?.has(PFERR_GUEST_RMP));
});

Deno.test("attack: RMPUPDATE behind the guest raises #VC 0x404 on its next access", async () => {
  let fault: MachineFault | undefined;
  const { host, attacks } = launched(async (cpu) => {
    armed(host);
    keepSecret(cpu, A);
    await exitThen(cpu, () => attacks.reassignBehindGuest(A));
    fault = faultOf(() => cpu.read(A, 4));
  });
  await host.run();
  assert.equal(fault?.kind, "vc");
  assert.equal(fault?.code, 0x404);
});

Deno.test("attack: remapping GPA->SPA gives an RMP #NPF, never the other page", async () => {
  let fault: MachineFault | undefined;
  const { host, attacks } = launched(async (cpu) => {
    armed(host);
    keepSecret(cpu, A);
    keepSecret(cpu, B);
    await exitThen(cpu, () => attacks.swap(A, B));
    fault = faultOf(() => cpu.read(A, 4));
  });
  await host.run();
  assert.equal(fault?.kind, "npf");
  assert.ok(fault?.has(PFERR_GUEST_RMP));
});

Deno.test("attack: an unhandled RMP fault after a remap ends the VM cleanly", async () => {
  const { host, attacks } = launched(async (cpu) => {
    armed(host);
    keepSecret(cpu, A);
    await exitThen(cpu, () => attacks.remap(A, attacks.spaOf(B)));
    cpu.read(A, 4);
  });
  const r = await host.run();
  assert.equal(r.status, "terminated");
  assert.match(r.reason ?? "", /unhandled #NPF/);
});

Deno.test("attack: replayed ciphertext costs the page its VALIDATED bit (#VC 0x404)", async () => {
  let fault: MachineFault | undefined;
  let old: Uint8Array | undefined;
  const { host, attacks } = launched(async (cpu) => {
    armed(host);
    keepSecret(cpu, A);
    await exitThen(cpu, () => old = attacks.snapshot(A));
    cpu.write(A, new TextEncoder().encode("new value"));
    await exitThen(cpu, () => attacks.replay(A, old!));
    fault = faultOf(() => cpu.read(A, 4));
  });
  await host.run();
  assert.equal(fault?.code, 0x404);
});

Deno.test("attack: ciphertext moved to another page decrypts to garbage there", async () => {
  let seen: Uint8Array | undefined;
  const { host, attacks, machine } = launched(async (cpu) => {
    armed(host);
    keepSecret(cpu, A);
    await exitThen(cpu, () => {
      // The host copies A's ciphertext into a page of its own and gives that page to the
      // guest at B, as if it were B's memory.
      const spa = host.pages.alloc();
      attacks.copyCiphertext(A, spa);
      attacks.rmpupdate(spa, { assigned: true, asid: 1, gpa: B, pageSize2M: false });
      attacks.remap(B, spa);
    });
    assert.equal(cpu.pvalidate(B, false, true).rc, 0); // a naive guest validates it
    seen = cpu.read(B, SECRET.length);
  });
  assert.equal((await host.run()).status, "finished");
  assert.ok(seen !== undefined && machine !== undefined);
  assert.notDeepEqual(seen, SECRET);
});

Deno.test("attack: the VMSA is out of reach — ciphertext, write fault, VMRUN refuses it", async () => {
  const { host, attacks, machine } = launched(async (cpu) => {
    cpu.regs.rax = 0x1122334455667788n;
    await cpu.pause();
  });
  await host.run();
  const vmsaSpa = machine.vcpus[0].context(0)!.vmsaSpa;
  const seen = attacks.readSystemPage(vmsaSpa);
  const regs = machine.vcpus[0].context(0)!.regs;
  assert.equal(regs.rax, 0x1122334455667788n);
  const plain = regs.bytes;
  assert.notDeepEqual(seen.subarray(0x1F8, 0x200), plain.subarray(0x1F8, 0x200));
  assert.equal(faultOf(() => attacks.writeSystemPage(vmsaSpa, new Uint8Array(16)))?.kind, "pf");

  // Taking the page back and forging it: the RMP no longer says VMSA, so VMRUN fails.
  const { host: h2, attacks: a2, machine: m2 } = launched(async (cpu) => {
    armed(h2);
    await exitThen(cpu, () => {
      const spa = m2.vcpus[0].context(0)!.vmsaSpa;
      a2.rmpupdate(spa, { assigned: false, asid: 0, gpa: 0, pageSize2M: false });
      a2.writeSystemPage(spa, qemuResetVmsa());
      a2.rmpupdate(spa, { assigned: true, asid: 1, gpa: 0xFFFFFFFFF000, pageSize2M: false });
    });
    throw new Error("the forged VMSA must not run");
  });
  const r = await h2.run();
  assert.equal(r.status, "terminated");
  assert.match(r.reason ?? "", /VMRUN of VMPL0 failed: page is not a VMSA/);
});

/** The guest-side check Linux and COCONUT make: REG_GPA must echo our GFN. */
async function registerChecked(cpu: CpuContext, gpa: number): Promise<boolean> {
  const resp = await msr(cpu, { kind: "reg-gpa", gfn: gpa / PAGE_SIZE });
  return resp.kind === "reg-gpa" && resp.gfn === gpa / PAGE_SIZE;
}

async function msr(cpu: CpuContext, req: MsrRequest): Promise<MsrResponse> {
  cpu.wrmsr(MSR_GHCB, encodeMsrRequest(req));
  await cpu.vmgexit();
  return decodeMsrResponse(cpu.rdmsr(MSR_GHCB));
}

Deno.test("attack: a corrupted MSR response is caught by the guest's check", async () => {
  const { host, attacks } = launched(async (cpu) => {
    attacks.corruptMsrResponses((_v, _p, r) => r ^ (1n << 20n));
    if (!(await registerChecked(cpu, 0x10000))) {
      await msr(cpu, { kind: "term", reasonSet: 0, reasonCode: 0 });
    }
  });
  const r = await host.run();
  assert.equal(r.status, "terminated");
  assert.match(r.reason ?? "", /guest requested termination/);
});

Deno.test("attack: a corrupted GHCB response is caught by the guest's check", async () => {
  let features = -1n;
  const { host, attacks } = launched(async (cpu) => {
    await msr(cpu, { kind: "psc", gfn: 0x10, op: PSC_OP_SHARED });
    assert.ok(await registerChecked(cpu, 0x10000));
    attacks.corruptGhcbResponses((_v, _p, g) => g.set("swExitInfo2", 1n));
    const g = new GhcbPage(cpu.page(0x10000, "write", false));
    g.clearValid();
    g.protocolVersion = 2;
    g.set("swExitCode", BigInt(NAE_HV_FEATURES));
    g.set("swExitInfo1", 0n);
    g.set("swExitInfo2", 0n);
    cpu.wrmsr(MSR_GHCB, 0x10000n);
    await cpu.vmgexit();
    features = g.get("swExitInfo2");
    // An SVSM guest needs multi-VMPL support (snp-abi.md §9.2): without it, stop.
    if ((features & HV_FEATURE_MULTI_VMPL) === 0n) {
      await msr(cpu, { kind: "term", reasonSet: 0, reasonCode: 2 });
    }
  });
  const r = await host.run();
  assert.equal(features, 1n);
  assert.match(r.reason ?? "", /code 2/);
});

/** A guest (VMPL2) calling the SVSM (VMPL0) with a pending flag the SVSM clears. */
function svsmAndGuest(attack: (host: Host) => void) {
  const FLAG = 0x30000;
  const out = { calls: 0, detected: false, runError: -1 };
  const machine = new Machine({ memoryBytes: 6 << 20, vcpus: 1, seed: 3 });
  const sp = new SecureProcessor({ machine });
  const host = new Host(machine, { firmware: sp, guestFirmware: sp });
  const vm = host.createVm({ guestMemoryBytes: 2 << 20 });
  const GUEST_VMSA = 0x31000;
  machine.setProgram(0, async (cpu) => {
    keepSecret(cpu, FLAG);
    assert.equal(cpu.pvalidate(GUEST_VMSA, false, true).rc, 0);
    const vmsa = qemuResetVmsa();
    vmsa[0xCA] = 2;
    cpu.write(GUEST_VMSA, vmsa);
    assert.equal(cpu.rmpadjust(GUEST_VMSA, false, 1 | (0xF << 8) | (1 << 16)), 0);
    assert.equal(cpu.rmpadjust(FLAG, false, 2 | (0x3 << 8)), 0);
    machine.vcpus[0].setVmsa(2, vm.npt.translate(GUEST_VMSA)!, GUEST_VMSA); // AP_CREATION's effect
    attack(host);
    for (;;) {
      const r = await msr(cpu, { kind: "run-vmpl", vmpl: 2 });
      assert.equal(r.kind, "run-vmpl");
      if (cpu.readU32(FLAG) === 1) {
        out.calls++;
        cpu.writeU32(FLAG, 0);
      }
    }
  });
  machine.setProgram(2, async (cpu) => {
    cpu.writeU32(FLAG, 1);
    const r = await msr(cpu, { kind: "run-vmpl", vmpl: 0 });
    out.runError = r.kind === "run-vmpl" ? r.error : -1;
    out.detected = cpu.readU32(FLAG) === 1; // the SVSM never saw the call
  });
  host.launch({ pages: [], bootVmsa: qemuResetVmsa() });
  return { host, out };
}

Deno.test("attack: an honest host runs the SVSM call", async () => {
  const { host, out } = svsmAndGuest(() => {});
  assert.equal((await host.run()).status, "finished");
  assert.deepEqual(out, { calls: 1, detected: false, runError: 0 });
});

Deno.test("attack: refused runs are reported to the guest as an error", async () => {
  const { host, out } = svsmAndGuest((h) =>
    h.attacks.reorderRuns((_v, vmpl, want) => vmpl === 2 ? "refuse" : want)
  );
  await host.run();
  assert.equal(out.runError, 5);
  assert.equal(out.detected, true);
});

Deno.test("attack: a reordered run (guest resumed as if served) is detected by the flag", async () => {
  const { host, out } = svsmAndGuest((h) =>
    h.attacks.reorderRuns((_v, vmpl, want) => vmpl === 2 ? 2 : want)
  );
  await host.run();
  assert.deepEqual(out, { calls: 0, detected: true, runError: 0 });
});

Deno.test("attack: a host that halts the vCPU only denies service", async () => {
  const { host, out } = svsmAndGuest((h) => h.attacks.reorderRuns(() => "halt"));
  assert.equal((await host.run()).status, "halted");
  assert.equal(out.calls, 0);
});
