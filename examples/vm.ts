/**
 * The whole confidential VM the examples and `svsm boot` run: the SEV-SNP machine with its
 * secure processor, the untrusted host, the SVSM at VMPL0 with its vTPM, and the enlightened
 * guest OS at VMPL2 running `main`. Everything is seeded: the same options give the same run.
 * @module
 */

import { Prng } from "../lib/common/prng.ts";
import { Host } from "../lib/host/mod.ts";
import { GuestOs, type GuestOsOptions } from "../lib/guest/mod.ts";
import {
  Machine,
  measureLaunch,
  PageType,
  SecureProcessor,
  VMSA_LAUNCH_GPA,
} from "../lib/snp/mod.ts";
import type { PageUpdate } from "../lib/snp/firmware/launch_digest.ts";
import { svsmImage, type SvsmLayout, svsmLayout } from "../lib/svsm/boot/mod.ts";
import { Svsm } from "../lib/svsm/svsm.ts";
import { SvsmVtpm } from "../lib/svsm/vtpm/mod.ts";

/** How the VM is built. */
export interface VmOptions {
  /** Scheduler, firmware and vTPM seed (default 1). */
  seed?: number;
  /** vCPUs (default 4). */
  vcpus?: number;
  /** VM memory in MiB, a multiple of 2 (default 256); the SVSM takes the top 2 MiB. */
  memMiB?: number;
  /** Record the machine trace (default false). */
  trace?: boolean;
  /** Give the SVSM a vTPM (default true). */
  vtpm?: boolean;
  /** The guest's program on the boot CPU. */
  main: NonNullable<GuestOsOptions["main"]>;
  /** The guest's program on each AP it starts. */
  apMain?: GuestOsOptions["apMain"];
}

/** The composed VM, not yet launched. */
export interface ConfidentialVm {
  /** The hardware. */
  readonly machine: Machine;
  /** The AMD secure processor. */
  readonly firmware: SecureProcessor;
  /** The untrusted hypervisor. */
  readonly host: Host;
  /** The SVSM at VMPL0. */
  readonly svsm: Svsm;
  /** The guest OS at VMPL2. */
  readonly os: GuestOs;
  /** Where the SVSM and the guest's boot pages are. */
  readonly layout: SvsmLayout;
}

/**
 * Builds the VM.
 *
 * @example
 * ```ts
 * import { createVm, launch } from "./vm.ts";
 * const vm = await createVm({ vcpus: 1, memMiB: 8, main: async () => {} });
 * launch(vm); // the launch digest
 * const result = await vm.host.run(); // { status: "finished" }
 * ```
 */
export async function createVm(o: VmOptions): Promise<ConfidentialVm> {
  const seed = o.seed ?? 1;
  // A product, not `<< 20`: 2048 MiB and up overflow int32.
  const layout = svsmLayout({ vmMemoryBytes: (o.memMiB ?? 256) * (1 << 20) });
  const machine = new Machine({
    memoryBytes: layout.vmMemoryBytes + (4 << 20), // the host keeps a few MiB for itself
    vcpus: o.vcpus ?? 4,
    seed,
    trace: { enabled: o.trace ?? false },
  });
  const prng = new Prng(seed);
  const firmware = new SecureProcessor({
    machine,
    chipSecret: new Uint8Array(32).fill(0xc5), // one chip: the VCEK stays the same across seeds
    random: (out) => prng.fill(out),
  });
  machine.firmware = firmware;
  const host = new Host(machine, { certificates: firmware.certTable() });
  host.createVm({ guestMemoryBytes: layout.vmMemoryBytes });
  const vtpm = o.vtpm === false
    ? undefined
    : await SvsmVtpm.create({ seed: prng.fill(new Uint8Array(32)) });
  const svsm = new Svsm(machine, { layout, vtpm, log: () => {} });
  svsm.install();
  const os = new GuestOs({ secretsGpa: layout.guestSecretsGpa, main: o.main, apMain: o.apMain });
  os.install(machine);
  return { machine, firmware, host, svsm, os, layout };
}

/** Launches the SVSM image: the host loads it, the firmware measures it. Returns the digest. */
export function launch(vm: ConfidentialVm): Uint8Array {
  const measurement = vm.host.launch(svsmImage(vm.layout));
  if (measurement === undefined) throw new Error("the launch produced no measurement");
  return measurement;
}

/**
 * The MEASUREMENT a verifier expects, computed from the image alone (no machine): the same
 * PAGE_INFO chain the firmware builds, ending with the boot VMSA (snp-abi.md §6).
 */
export function expectedMeasurement(layout: SvsmLayout): Uint8Array {
  const image = svsmImage(layout);
  const pages = [...image.pages.map((p) => ({ ...p, type: p.type as PageUpdate["type"] })), {
    type: PageType.VMSA,
    gpa: VMSA_LAUNCH_GPA,
    data: image.bootVmsa,
  }];
  return measureLaunch(pages).at(-1)!;
}
