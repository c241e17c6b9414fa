// The execution model on its own: vCPUs, VMPL switches through VMGEXIT, faults, halts and
// the seeded interleaving. The hypervisor here is a minimal test double; lib/host is tested
// in host_test.ts.
import assert from "node:assert/strict";
import {
  type CpuContext,
  decodeMsrRequest,
  encodeMsrRequest,
  encodeMsrResponse,
  type ExitAction,
  ExitActions,
  type Hypervisor,
  Machine,
  MachineFault,
  MSR_GHCB,
  MSR_SEV_STATUS,
  Npt,
  PAGE_SIZE,
  qemuResetVmsa,
  RMP_FLAG_VALIDATED,
  RMP_FLAG_VMSA,
  type Vcpu,
  type VmplProgram,
} from "../lib/snp/mod.ts";

const ASID = 1;
const GUEST_BASE_SPA = 0x200000; // guest GPA 0 lives here
const VMSA_BASE_SPA = 0x100000; // VMSA pages, outside the guest's GPA space

/** Handles RUN_VMPL and TERM from the MSR protocol; anything else resumes the caller. */
class MiniHypervisor implements Hypervisor {
  exits = 0;
  handleVmgexit(vcpu: Vcpu, vmpl: number): ExitAction {
    this.exits++;
    const req = decodeMsrRequest(vcpu.ghcbMsr(vmpl));
    if (req.kind === "run-vmpl") {
      vcpu.setGhcbMsr(vmpl, encodeMsrResponse({ kind: "run-vmpl", error: 0 }));
      return ExitActions.run[req.vmpl];
    }
    if (req.kind === "term") return { kind: "terminate", reason: `guest TERM ${req.reasonCode}` };
    return ExitActions.resume;
  }
}

/**
 * A machine with `vcpus` vCPUs, 1 MiB of validated guest memory at GPA 0, and a VMSA at
 * every VMPL in `vmpls` (playing the launch firmware: encrypt, mark VMSA + validated).
 */
function machine(seed: number, vcpus: number, vmpls: number[], trace = true): Machine {
  const m = new Machine({ memoryBytes: 4 << 20, vcpus, seed, trace: { enabled: trace } });
  const npt = new Npt();
  m.encryption.installKey(ASID);
  for (let gpa = 0; gpa < 0x100000; gpa += PAGE_SIZE) {
    npt.map(gpa, GUEST_BASE_SPA + gpa);
    m.rmp.rmpupdate(GUEST_BASE_SPA + gpa, { assigned: true, asid: ASID, gpa, pageSize2M: false });
    m.rmp.setFlag((GUEST_BASE_SPA + gpa) / PAGE_SIZE, 1, RMP_FLAG_VALIDATED, true);
  }
  m.attach({ asid: ASID, npt }, new MiniHypervisor());
  for (const v of m.vcpus) {
    for (const vmpl of vmpls) {
      const spa = VMSA_BASE_SPA + (v.id * 4 + vmpl) * PAGE_SIZE;
      m.rmp.rmpupdate(spa, { assigned: true, asid: ASID, gpa: 0xFFFFFFFFF000, pageSize2M: false });
      m.rmp.setFlag(spa / PAGE_SIZE, 1, RMP_FLAG_VALIDATED | RMP_FLAG_VMSA, true);
      const page = qemuResetVmsa();
      page[0xCA] = vmpl;
      m.encryption.privateView(ASID, spa).set(page);
      v.setVmsa(vmpl, spa);
    }
  }
  return m;
}

/** A program with no yield point. */
const once = (body: (cpu: CpuContext) => void): VmplProgram => (cpu) => {
  body(cpu);
  return Promise.resolve();
};

const runVmpl = (vmpl: number): bigint => encodeMsrRequest({ kind: "run-vmpl", vmpl });

Deno.test("exec: RUN_VMPL round trip between the SVSM (VMPL0) and the guest (VMPL2)", async () => {
  const m = machine(1, 1, [0, 2]);
  const log: string[] = [];
  m.setProgram(0, async (cpu) => {
    for (let i = 0; i < 3; i++) {
      cpu.wrmsr(MSR_GHCB, runVmpl(2));
      await cpu.vmgexit(); // returns when the guest asks for VMPL0
      log.push(`svsm sees rax=${m.vcpus[0].context(2)?.regs.rax}`);
      assert.equal(cpu.rdmsr(MSR_GHCB) & 0xFFFn, 0x17n, "RUN_VMPL response");
    }
  });
  m.setProgram(2, async (cpu) => {
    for (let i = 0n;; i++) {
      cpu.regs.rax = i;
      cpu.wrmsr(MSR_GHCB, runVmpl(0));
      await cpu.vmgexit();
    }
  });
  m.vcpus[0].start(0);
  const r = await m.run();
  assert.equal(r.status, "finished");
  assert.deepEqual(log, ["svsm sees rax=0", "svsm sees rax=1", "svsm sees rax=2"]);
  assert.equal(m.vcpus[0].context(2)?.regs.guestExitCode, 0x403n, "hardware wrote VMGEXIT");
});

/** Four vCPUs, each a guest at VMPL2 calling the SVSM at VMPL0 `rounds` times. */
async function contended(seed: number, rounds = 5): Promise<string[]> {
  const m = machine(seed, 4, [0, 2]);
  m.setProgram(0, async (cpu) => {
    for (;;) {
      cpu.wrmsr(MSR_GHCB, runVmpl(2));
      await cpu.vmgexit();
      cpu.traceInstant("call", "served", `v${cpu.vcpuId}`);
    }
  });
  m.setProgram(2, async (cpu) => {
    for (let i = 0; i < rounds; i++) {
      cpu.wrmsr(MSR_GHCB, runVmpl(0));
      await cpu.vmgexit();
      await cpu.pause();
    }
  });
  for (const v of m.vcpus) v.start(0);
  assert.equal((await m.run()).status, "finished");
  return m.trace.lines();
}

Deno.test("exec: the same seed gives an identical trace", async () => {
  const a = await contended(7);
  assert.ok(a.length > 100);
  assert.deepEqual(await contended(7), a);
});

Deno.test("exec: different seeds give different interleavings", async () => {
  const order = (lines: string[]) =>
    lines.filter((l) => l.includes(" call ")).map((l) => l.split(" ")[1]).join("");
  const seen = new Set<string>();
  for (let seed = 1; seed <= 6; seed++) seen.add(order(await contended(seed)));
  assert.ok(seen.size >= 5, `only ${seen.size} distinct vCPU orders from 6 seeds`);
});

Deno.test("exec: an unhandled #VC terminates the VM cleanly and is traced", async () => {
  const m = machine(1, 1, [0]);
  const gpa = 0x3000;
  m.rmp.setFlag((GUEST_BASE_SPA + gpa) / PAGE_SIZE, 1, RMP_FLAG_VALIDATED, false);
  m.setProgram(
    0,
    once((cpu) => {
      cpu.readU64(gpa);
    }),
  );
  m.vcpus[0].start(0);
  const r = await m.run();
  assert.equal(r.status, "terminated");
  assert.ok(r.error instanceof MachineFault && r.error.code === 0x404);
  assert.match(r.reason ?? "", /unhandled #VC 0x404/);
  assert.equal(m.trace.ofKind("vc").length, 1);
  assert.equal(m.trace.ofKind("terminate").length, 1);
});

Deno.test("exec: a program may handle its own #VC (the #VC handler)", async () => {
  const m = machine(1, 1, [0]);
  let code = 0;
  m.setProgram(
    0,
    once((cpu) => {
      try {
        cpu.rdmsr(0x10); // TSC: not in the model, so #VC with exit code MSR
      } catch (e) {
        if (e instanceof MachineFault) code = e.code;
      }
    }),
  );
  m.vcpus[0].start(0);
  assert.equal((await m.run()).status, "finished");
  assert.equal(code, 0x7C);
});

Deno.test("exec: SEV_STATUS reports SEV, SEV-ES and the VMSA's features", async () => {
  const m = machine(1, 1, [0]);
  let status = 0n;
  m.setProgram(
    0,
    once((cpu) => {
      status = cpu.rdmsr(MSR_SEV_STATUS);
    }),
  );
  m.vcpus[0].start(0);
  await m.run();
  assert.equal(status, 0b111n); // SEV | SEV-ES | SNP (SEV_FEATURES.SNP_ACTIVE << 2)
});

Deno.test("exec: HLT sleeps until woken; a pending wake makes HLT return", async () => {
  const m = machine(3, 2, [0]);
  const log: string[] = [];
  m.setProgram(0, async (cpu) => {
    if (cpu.vcpuId === 1) {
      log.push("ap sleeps");
      await cpu.hlt();
      log.push("ap woke");
      return;
    }
    while (m.vcpus[1].state !== "halted") await cpu.pause();
    log.push("bsp wakes ap");
    m.vcpus[1].wake();
    m.vcpus[0].wake(); // pending: the next HLT returns at once
    await cpu.hlt();
    log.push("bsp done");
  });
  m.vcpus[0].start(0);
  m.vcpus[1].start(0);
  assert.equal((await m.run()).status, "finished");
  assert.deepEqual(log.filter((l) => l.startsWith("ap")), ["ap sleeps", "ap woke"]);
  assert.ok(log.includes("bsp done"));
});

Deno.test("exec: a run with only sleeping vCPUs ends halted and can continue", async () => {
  const m = machine(1, 1, [0]);
  let woke = false;
  m.setProgram(0, async (cpu) => {
    await cpu.hlt();
    woke = true;
  });
  m.vcpus[0].start(0);
  assert.equal((await m.run()).status, "halted");
  m.vcpus[0].wake();
  assert.equal((await m.run()).status, "finished");
  assert.ok(woke);
});

Deno.test("exec: VMRUN refuses a VMSA page the RMP no longer marks as a VMSA", async () => {
  const m = machine(1, 1, [0, 2]);
  const guestVmsa = m.vcpus[0].context(2)!.vmsaSpa;
  m.setProgram(0, async (cpu) => {
    // The host reassigns the guest's VMSA page (RMPUPDATE clears the VMSA bit) …
    m.rmp.rmpupdate(guestVmsa, { assigned: true, asid: ASID, gpa: 0, pageSize2M: false });
    cpu.wrmsr(MSR_GHCB, runVmpl(2));
    await cpu.vmgexit(); // … so running VMPL2 fails
    throw new Error("not reached");
  });
  m.setProgram(2, () => Promise.reject(new Error("guest must not run")));
  m.vcpus[0].start(0);
  const r = await m.run();
  assert.equal(r.status, "terminated");
  assert.match(r.reason ?? "", /VMRUN of VMPL2 failed: page is not a VMSA/);
});

Deno.test("exec: VMRUN refuses a VMSA whose EFER.SVME is clear or whose VMPL differs", async () => {
  for (const [poke, why] of [[0xD1, /EFER.SVME clear/], [0xCA, /VMSA says VMPL0/]] as const) {
    const m = machine(1, 1, [0, 2]);
    m.setProgram(0, async (cpu) => {
      const guest = m.vcpus[0].context(2)!;
      guest.regs.bytes[poke] = 0; // what the SVSM may do while it edits the VMSA
      cpu.wrmsr(MSR_GHCB, runVmpl(2));
      await cpu.vmgexit();
    });
    m.setProgram(2, () => Promise.reject(new Error("guest must not run")));
    m.vcpus[0].start(0);
    assert.match((await m.run()).reason ?? "", why);
  }
});

Deno.test("exec: a guest TERM request ends the VM with its reason", async () => {
  const m = machine(1, 1, [0]);
  m.setProgram(0, async (cpu) => {
    cpu.wrmsr(MSR_GHCB, encodeMsrRequest({ kind: "term", reasonSet: 0, reasonCode: 2 }));
    await cpu.vmgexit();
    throw new Error("not reached");
  });
  m.vcpus[0].start(0);
  const r = await m.run();
  assert.equal(r.status, "terminated");
  assert.equal(r.reason, "guest TERM 2");
});

Deno.test("exec: trace has matching run slices per VMPL", async () => {
  const lines = await contended(2, 2);
  const begins = lines.filter((l) => l.includes(" run begin ")).length;
  const ends = lines.filter((l) => l.includes(" run end ")).length;
  assert.ok(begins > 0);
  assert.ok(Math.abs(begins - ends) <= 4, `${begins} begins vs ${ends} ends`);
});

Deno.test("exec: a program error is reported, never thrown out of run()", async () => {
  const m = machine(1, 1, [0]);
  m.setProgram(0, () => Promise.reject(new TypeError("bug")));
  m.vcpus[0].start(0);
  const r = await m.run();
  assert.equal(r.status, "terminated");
  assert.ok(r.error instanceof TypeError);
});

Deno.test("exec: a host exit handler that throws ends the VM, it does not crash", async () => {
  const m = machine(1, 1, [0]);
  m.hypervisor = {
    handleVmgexit: () => {
      throw new RangeError("host bug");
    },
  };
  m.setProgram(0, async (cpu) => {
    await cpu.vmgexit();
  });
  m.vcpus[0].start(0);
  const r = await m.run();
  assert.equal(r.status, "terminated");
  assert.match(r.reason ?? "", /host exit handler failed: RangeError: host bug/);
  assert.equal(m.trace.ofKind("exit").length, 1);
});
