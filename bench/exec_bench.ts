/**
 * Execution-model benchmark: the cost of a guest -> SVSM -> guest round trip, i.e. VMPL2
 * asking the host to run VMPL0 (GHCB MSR protocol RUN_VMPL), and VMPL0 asking back, through
 * the real host exit handler and the seeded scheduler. `deno bench bench/exec_bench.ts`;
 * each iteration is ROUND_TRIPS round trips, so round trips/s = ROUND_TRIPS / (time/iter).
 * Also runnable as a script (`deno run bench/exec_bench.ts`) to print round trips per second.
 * @module
 */

import {
  encodeMsrRequest,
  Machine,
  MSR_GHCB,
  qemuResetVmsa,
  type RunResult,
} from "../lib/snp/mod.ts";
import { SecureProcessor } from "../lib/snp/firmware/mod.ts";
import { Host } from "../lib/host/mod.ts";

/** Round trips per benchmark iteration. */
export const ROUND_TRIPS = 10_000;

const RUN_VMPL0 = encodeMsrRequest({ kind: "run-vmpl", vmpl: 0 });
const RUN_VMPL2 = encodeMsrRequest({ kind: "run-vmpl", vmpl: 2 });
const GUEST_VMSA = 0x10000;

/**
 * A launched VM whose guest pings the SVSM `ROUND_TRIPS` times, then halts; each `round()`
 * wakes it for another batch.
 */
function pingMachine(trace: boolean): () => Promise<RunResult> {
  const machine = new Machine({
    memoryBytes: 4 << 20,
    vcpus: 1,
    seed: 1,
    trace: { enabled: trace },
  });
  const sp = new SecureProcessor({ machine });
  const host = new Host(machine, { firmware: sp });
  const vm = host.createVm({ guestMemoryBytes: 1 << 20 });
  machine.setProgram(0, async (cpu) => {
    // The SVSM makes the guest's VMSA, then serves forever.
    cpu.pvalidate(GUEST_VMSA, false, true);
    const vmsa = qemuResetVmsa();
    vmsa[0xCA] = 2;
    cpu.write(GUEST_VMSA, vmsa);
    cpu.rmpadjust(GUEST_VMSA, false, 1 | (1 << 16));
    machine.vcpus[0].setVmsa(2, vm.npt.translate(GUEST_VMSA)!, GUEST_VMSA);
    for (;;) {
      cpu.wrmsr(MSR_GHCB, RUN_VMPL2);
      await cpu.vmgexit();
    }
  });
  machine.setProgram(2, async (cpu) => {
    for (;;) {
      for (let i = 0; i < ROUND_TRIPS; i++) {
        cpu.wrmsr(MSR_GHCB, RUN_VMPL0);
        await cpu.vmgexit();
      }
      await cpu.hlt();
    }
  });
  host.launch({ pages: [], bootVmsa: qemuResetVmsa() });
  let first = true;
  return () => {
    if (!first) machine.vcpus[0].wake();
    first = false;
    return machine.run();
  };
}

if (typeof Deno.bench === "function" && !import.meta.main) {
  const quiet = pingMachine(false);
  const traced = pingMachine(true);
  Deno.bench(`RUN_VMPL round trips x${ROUND_TRIPS}, trace off`, async () => {
    await quiet();
  });
  Deno.bench(`RUN_VMPL round trips x${ROUND_TRIPS}, trace on`, async () => {
    await traced();
  });
}

if (import.meta.main) {
  for (const trace of [false, true]) {
    const round = pingMachine(trace);
    await round();
    const t0 = performance.now();
    const batches = 50;
    for (let i = 0; i < batches; i++) await round();
    const s = (performance.now() - t0) / 1000;
    const rate = (batches * ROUND_TRIPS) / s;
    console.log(
      `trace ${trace ? "on " : "off"}: ${(rate / 1e6).toFixed(2)} M round trips/s (${
        (1e9 / rate).toFixed(0)
      } ns each)`,
    );
  }
}
