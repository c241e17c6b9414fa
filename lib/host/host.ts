/**
 * The untrusted host (the role KVM and QEMU play): it creates the guest (ASID, memory, nested
 * page table, RMP assignments), launches it through the firmware, handles every VMGEXIT
 * (MSR protocol and GHCB NAE events) and decides which VMPL runs next. Everything it can do
 * to a guest on purpose is in {@link HostAttacks}; the hooks in {@link HostTamper} let a test
 * make the exit handling itself malicious.
 * @module
 */

import {
  type ExitAction,
  ExitActions,
  GHCB_ERR_INVALID_INPUT,
  GhcbPage,
  HV_FEATURE_AP_CREATION,
  HV_FEATURE_MULTI_VMPL,
  HV_FEATURE_SNP,
  type Hypervisor,
  type Machine,
  PAGE_SIZE,
  RMP_FLAG_ASSIGNED,
  type RunResult,
  type TraceKind,
  type Vcpu,
  VMSA_LAUNCH_GPA,
} from "../snp/mod.ts";
import { HostAttacks } from "./attacks.ts";
import { handleGhcbExit } from "./ghcb_handler.ts";
import { GuestVm, type VmConfig } from "./guest_vm.ts";
import {
  type GuestRequestFirmware,
  LaunchError,
  type LaunchFirmware,
  LaunchPageType,
  type LaunchPlan,
} from "./launch.ts";
import { handleMsrProtocol, isMsrProtocolRequest } from "./msr_protocol_handler.ts";
import { HostPageAllocator } from "./page_allocator.ts";

/**
 * Where the host keeps its own pages: the first 2 MiB of system memory, then what guests leave.
 *
 * @example
 * ```ts
 * import { Host, HOST_RESERVED_BYTES } from "./host.ts";
 * import { Machine } from "../snp/mod.ts";
 * const machine = new Machine({ memoryBytes: 8 << 20, vcpus: 1, seed: 1 });
 * const vm = new Host(machine).createVm({ guestMemoryBytes: 4 << 20 });
 * vm.npt.translate(0) === HOST_RESERVED_BYTES; // true: guest memory starts right above the reserve
 * ```
 */
export const HOST_RESERVED_BYTES = 0x200000;

/**
 * How the host is set up.
 *
 * @example
 * ```ts
 * import { Host } from "./host.ts";
 * import { Machine } from "../snp/machine.ts";
 * import { SecureProcessor } from "../snp/firmware/secure_processor.ts";
 * const machine = new Machine({ memoryBytes: 8 << 20, vcpus: 1, seed: 1 });
 * const firmware = new SecureProcessor({ machine });
 * machine.firmware = firmware;
 * // The host hands the guest the VCEK chain with extended guest requests.
 * const host = new Host(machine, { certificates: firmware.certTable() });
 * ```
 */
export interface HostOptions {
  /** The firmware's launch commands (default: the machine's secure processor). */
  firmware?: LaunchFirmware;
  /** The firmware's SNP_GUEST_REQUEST (default: the machine's secure processor). */
  guestFirmware?: GuestRequestFirmware;
  /** The certificate table handed out with EXT_GUEST_REQUEST (snp-abi.md §2.6). */
  certificates?: Uint8Array;
}

/**
 * What RUN_VMPL does under a malicious host: run another VMPL, refuse, or halt the vCPU.
 *
 * @example
 * ```ts
 * import { Host, type RunDecision } from "./host.ts";
 * import { Machine } from "../snp/mod.ts";
 * const host = new Host(new Machine({ memoryBytes: 8 << 20, vcpus: 1, seed: 1 }));
 * // Never hand control back to the SVSM at VMPL0; run VMPL2 instead.
 * host.attacks.reorderRuns((_vcpu, _vmpl, requested): RunDecision => requested === 0 ? 2 : requested);
 * ```
 */
export type RunDecision = number | "refuse" | "halt";

/**
 * Hooks that make the exit handling malicious (see {@link HostAttacks}).
 *
 * @example
 * ```ts
 * import { Host, type HostTamper } from "./host.ts";
 * import { Machine } from "../snp/mod.ts";
 * const host = new Host(new Machine({ memoryBytes: 8 << 20, vcpus: 1, seed: 1 }));
 * const tamper: HostTamper = host.tamper;
 * // Answer every MSR-protocol request with a nonzero error field (bits 63:32).
 * tamper.msrResponse = (_vcpu, _vmpl, response) => response | (1n << 32n);
 * ```
 */
export interface HostTamper {
  /** Rewrites the MSR-protocol response just written for (vCPU, VMPL). */
  msrResponse?: (vcpu: number, vmpl: number, response: bigint) => bigint;
  /** Rewrites the GHCB after the host wrote its response. */
  ghcbResponse?: (vcpu: number, vmpl: number, ghcb: GhcbPage) => void;
  /** Overrides a RUN_VMPL request from (vCPU, VMPL) for `requested`. */
  runVmpl?: (vcpu: number, vmpl: number, requested: number) => RunDecision | undefined;
  /** Whether AP_CREATION(CREATE) from `vcpu` really starts `apicId`; false acknowledges only. */
  startAp?: (vcpu: number, apicId: number) => boolean;
}

/**
 * The host.
 *
 * @example
 * ```ts
 * import { Machine } from "../snp/mod.ts";
 * import { Host } from "./host.ts";
 * const machine = new Machine({ memoryBytes: 8 << 20, vcpus: 1, seed: 1 });
 * const host = new Host(machine);
 * const vm = host.createVm({ guestMemoryBytes: 4 << 20 });
 * vm.npt.translate(0); // the SPA backing GPA 0
 * ```
 */
export class Host implements Hypervisor {
  /** The machine it runs on. */
  readonly machine: Machine;
  /** The host's free system pages. */
  readonly pages: HostPageAllocator;
  /** Launch commands. */
  readonly firmware: LaunchFirmware | undefined;
  /** SNP_GUEST_REQUEST. */
  readonly guestFirmware: GuestRequestFirmware | undefined;
  /** Certificate table for EXT_GUEST_REQUEST. */
  certificates: Uint8Array | undefined;
  /** The HV features it advertises (snp-abi.md §9.2). */
  readonly hvFeatures: bigint = HV_FEATURE_SNP | HV_FEATURE_AP_CREATION | HV_FEATURE_MULTI_VMPL;
  /** The guest, once created. */
  vm: GuestVm | undefined;
  /** Malicious exit handling (empty: an honest host). */
  readonly tamper: HostTamper = {};
  /** Every attack on guest memory, pages and scheduling. */
  readonly attacks: HostAttacks;

  /** A host owning all of `machine`'s memory. */
  constructor(machine: Machine, options: HostOptions = {}) {
    this.machine = machine;
    this.pages = new HostPageAllocator(0, machine.memory.size);
    this.firmware = options.firmware ?? machine.firmware;
    this.guestFirmware = options.guestFirmware ?? machine.firmware;
    this.certificates = options.certificates;
    this.attacks = new HostAttacks(this);
  }

  /**
   * Creates the guest: backs `guestMemoryBytes` from GPA 0 with host pages above
   * {@link HOST_RESERVED_BYTES}, maps them in a new NPT and assigns them to the guest's ASID
   * with RMPUPDATE (private, not yet validated: the guest must PVALIDATE).
   */
  createVm(config: VmConfig): GuestVm {
    if (this.vm !== undefined) throw new Error("this host runs one guest");
    if (config.guestMemoryBytes % PAGE_SIZE !== 0 || config.guestMemoryBytes <= 0) {
      throw new RangeError(`guest memory must be a positive multiple of 4 KiB`);
    }
    const vm = new GuestVm(config, this.machine.vcpus.length);
    const count = config.guestMemoryBytes / PAGE_SIZE;
    if (HOST_RESERVED_BYTES + config.guestMemoryBytes > this.machine.memory.size) {
      throw new RangeError("guest memory does not fit beside the host's reserve");
    }
    this.pages.allocRange(HOST_RESERVED_BYTES / PAGE_SIZE); // the host kernel's own
    const base = this.pages.allocRange(count);
    const rmp = this.machine.rmp;
    for (let i = 0; i < count; i++) {
      const gpa = i * PAGE_SIZE;
      vm.npt.map(gpa, base + gpa);
      rmp.rmpupdate(base + gpa, { assigned: true, asid: vm.asid, gpa, pageSize2M: false });
    }
    this.vm = vm;
    this.machine.attach({ asid: vm.asid, npt: vm.npt }, this);
    return vm;
  }

  /**
   * Launches the guest: LAUNCH_START, LAUNCH_UPDATE of each image page, then the boot VMSA
   * (in a host page the RMP assigns at the launch VMSA GPA), LAUNCH_FINISH; finally points
   * vCPU 0 at the VMSA and starts it. Returns the launch digest.
   */
  launch(plan: LaunchPlan): Uint8Array | undefined {
    const fw = this.firmware;
    const vm = this.vm;
    if (fw === undefined) throw new Error("no launch firmware");
    if (vm === undefined) throw new Error("create the VM first");
    const trace = this.machine.trace;
    trace.begin(-1, -1, "firmware", "SNP_LAUNCH");
    const start = fw.launchStart({ asid: vm.asid, policy: plan.policy ?? 0x30000n });
    if (start.status !== 0 || start.handle === undefined) {
      throw new LaunchError("SNP_LAUNCH_START", start.status);
    }
    const handle = start.handle;
    for (const page of plan.pages) {
      const spa = vm.contains(page.gpa) ? vm.npt.translate(page.gpa) : undefined;
      if (spa === undefined) {
        throw new RangeError(`launch page GPA ${page.gpa} is not guest memory`);
      }
      this.#place(spa, page.gpa, page.data);
      this.#update(fw, handle, page.type, page.gpa, spa, page.data);
    }
    const vmsaSpa = this.pages.alloc();
    this.#place(vmsaSpa, VMSA_LAUNCH_GPA, plan.bootVmsa);
    this.#update(fw, handle, LaunchPageType.VMSA, VMSA_LAUNCH_GPA, vmsaSpa, plan.bootVmsa);
    const finish = fw.launchFinish(handle);
    if (finish.status !== 0) throw new LaunchError("SNP_LAUNCH_FINISH", finish.status);
    vm.launchHandle = handle;
    vm.measurement = fw.measurement(handle);
    trace.end(-1, -1, "firmware", "SNP_LAUNCH", `${plan.pages.length + 1} pages`);
    const bootVmpl = plan.bootVmsa[0xCA]; // the VMSA's VMPL field (snp-abi.md §12)
    const bsp = this.machine.vcpus[0];
    bsp.setVmsa(bootVmpl, vmsaSpa);
    bsp.start(bootVmpl);
    return vm.measurement;
  }

  /** Runs the machine (see {@link Machine.run}). */
  run(): Promise<RunResult> {
    return this.machine.run();
  }

  /** The VMGEXIT handler: MSR protocol when GHCBInfo ≠ 0, else the GHCB page it names. */
  handleVmgexit(vcpu: Vcpu, vmpl: number): ExitAction | Promise<ExitAction> {
    if (this.vm === undefined) return { kind: "terminate", reason: "no VM" };
    const msr = vcpu.ghcbMsr(vmpl);
    if (isMsrProtocolRequest(msr)) {
      const action = handleMsrProtocol(this, vcpu, vmpl, msr);
      const tamper = this.tamper.msrResponse;
      if (tamper !== undefined) vcpu.setGhcbMsr(vmpl, tamper(vcpu.id, vmpl, vcpu.ghcbMsr(vmpl)));
      return action;
    }
    const gpa = Number(msr);
    const action = handleGhcbExit(this, vcpu, vmpl, gpa);
    if (this.tamper.ghcbResponse === undefined) return action;
    return action instanceof Promise
      ? action.then((a) => this.#tamperGhcb(vcpu, vmpl, gpa, a))
      : this.#tamperGhcb(vcpu, vmpl, gpa, action);
  }

  /**
   * RUN_VMPL (MSR protocol or SNP_RUN_VMPL): the action running `target` when that VMPL has a
   * VMSA on this vCPU, else the error value the caller must report (and resume the caller).
   * {@link HostTamper}'s `runVmpl` may redirect, refuse or halt instead.
   */
  runVmpl(vcpu: Vcpu, vmpl: number, target: number): ExitAction | number {
    const decision = this.tamper.runVmpl?.(vcpu.id, vmpl, target) ?? target;
    if (decision === "halt") return ExitActions.halt;
    if (decision === "refuse" || decision > 3 || vcpu.context(decision) === undefined) {
      return GHCB_ERR_INVALID_INPUT;
    }
    return ExitActions.run[decision];
  }

  /**
   * The host's mapping of the guest page holding `gpa`, if it is a shared page: what the host
   * reads and writes for the GHCB and guest-request pages. Undefined when unmapped or private.
   */
  sharedPage(gpa: number): Uint8Array | undefined {
    const vm = this.vm;
    if (vm === undefined || !vm.contains(gpa)) return undefined;
    const spa = vm.npt.translate(gpa - (gpa % PAGE_SIZE));
    if (spa === undefined) return undefined;
    const page = this.machine.rmp.pageOf(spa);
    if (page < 0 || (this.machine.rmp.flags[page] & RMP_FLAG_ASSIGNED)) return undefined;
    return this.machine.encryption.sharedView(spa);
  }

  /** Records what the host handled, on the exiting vCPU's trace lane. */
  note(vcpu: Vcpu, vmpl: number, kind: TraceKind, name: string, detail: string): void {
    this.machine.trace.instant(vcpu.id, vmpl, kind, name, detail);
  }

  /**
   * Puts a launch page's plaintext in place the way KVM does: into the page while the host
   * still owns it, then RMPUPDATE assigns it to the guest; LAUNCH_UPDATE encrypts it in place.
   */
  #place(spa: number, gpa: number, data: Uint8Array | undefined): void {
    const rmp = this.machine.rmp;
    const asid = this.vm!.asid;
    if (data !== undefined) {
      rmp.rmpupdate(spa, { assigned: false, asid: 0, gpa: 0, pageSize2M: false });
      this.machine.hostAccess.write(spa, data);
    }
    const rc = rmp.rmpupdate(spa, { assigned: true, asid, gpa, pageSize2M: false });
    if (rc !== 0) throw new LaunchError(`RMPUPDATE of GPA 0x${gpa.toString(16)}`, rc);
  }

  #update(
    fw: LaunchFirmware,
    handle: number,
    type: number,
    gpa: number,
    spa: number,
    data: Uint8Array | undefined,
  ): void {
    const r = fw.launchUpdate(handle, { type, gpa, spa, data });
    if (r.status !== 0) {
      throw new LaunchError(`SNP_LAUNCH_UPDATE of GPA 0x${gpa.toString(16)}`, r.status);
    }
  }

  #tamperGhcb(vcpu: Vcpu, vmpl: number, gpa: number, action: ExitAction): ExitAction {
    const page = this.sharedPage(gpa);
    if (page !== undefined) this.tamper.ghcbResponse?.(vcpu.id, vmpl, new GhcbPage(page));
    return action;
  }
}
