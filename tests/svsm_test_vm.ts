/**
 * Test fixture: a machine with the model's firmware and host, the SVSM at VMPL0 and the
 * enlightened guest at VMPL2, launched and run to the end.
 * @module
 */

import { Machine, type RunResult } from "../lib/snp/mod.ts";
import { SecureProcessor } from "../lib/snp/firmware/mod.ts";
import { Host } from "../lib/host/mod.ts";
import { svsmImage, type SvsmLayout, svsmLayout } from "../lib/svsm/boot/mod.ts";
import { Svsm } from "../lib/svsm/svsm.ts";
import type { VtpmService } from "../lib/svsm/request_context.ts";
import type { LockDebugger } from "../lib/svsm/locking/mod.ts";
import { GuestOs, type GuestOsOptions } from "../lib/guest/mod.ts";

/** What a test VM is built from. */
export interface TestVmOptions {
  vcpus?: number;
  seed?: number;
  vmMiB?: number;
  trace?: boolean;
  main?: GuestOsOptions["main"];
  apMain?: GuestOsOptions["apMain"];
  /** First GPA of the guest's page pool. */
  poolBase?: number;
  /** Lock debugging for the SVSM's locks. */
  lockDebug?: LockDebugger;
  /** The SVSM's vTPM, if it runs one. */
  vtpm?: VtpmService;
  /** Called after creation, before launch (install host tampering, etc.). */
  setup?: (vm: TestVm) => void;
}

/** The composed VM. */
export interface TestVm {
  machine: Machine;
  host: Host;
  svsm: Svsm;
  os: GuestOs;
  layout: SvsmLayout;
  firmware: SecureProcessor;
}

const CHIP_SECRET = new Uint8Array(32).fill(7);

/** Builds the VM (not launched). */
export function createTestVm(o: TestVmOptions = {}): TestVm {
  const layout = svsmLayout({ vmMemoryBytes: (o.vmMiB ?? 16) << 20 });
  const machine = new Machine({
    memoryBytes: layout.vmMemoryBytes + (4 << 20),
    vcpus: o.vcpus ?? 1,
    seed: o.seed ?? 1,
    trace: { enabled: o.trace ?? false },
  });
  let counter = 0;
  const firmware = new SecureProcessor({
    machine,
    chipSecret: CHIP_SECRET,
    // Deterministic secrets: the same seed gives the same VMPCKs, so runs compare byte for byte.
    random: (out) => out.fill(++counter & 0xFF),
  });
  machine.firmware = firmware;
  const host = new Host(machine);
  host.createVm({ guestMemoryBytes: layout.vmMemoryBytes });
  const svsm = new Svsm(machine, { layout, vtpm: o.vtpm, log: () => {}, lockDebug: o.lockDebug });
  svsm.install();
  const os = new GuestOs({
    secretsGpa: layout.guestSecretsGpa,
    main: o.main,
    apMain: o.apMain,
    poolBase: o.poolBase,
  });
  os.install(machine);
  return { machine, host, svsm, os, layout, firmware };
}

/** Builds, launches and runs a VM; returns it with the run's result. */
export async function runTestVm(o: TestVmOptions = {}): Promise<TestVm & { result: RunResult }> {
  const vm = createTestVm(o);
  o.setup?.(vm);
  vm.host.launch(svsmImage(vm.layout));
  const result = await vm.host.run();
  return { ...vm, result };
}
