/**
 * The machine: system memory, the RMP, the memory encryption engine, the access checks, the
 * vCPUs, the seeded scheduler and the trace, wired together. The host (lib/host) attaches a
 * guest (ASID + nested page table) and its exit handler; programs are loaded per VMPL; then
 * {@link Machine.run} runs them until the VM ends or has nothing left to run.
 * @module
 */

import type { SecureProcessor } from "./firmware/secure_processor.ts";
import type { Npt } from "./npt.ts";
import type { VmplProgram } from "./cpu_context.ts";
import { GuestMemoryAccess, HostMemoryAccess } from "./guest_memory_access.ts";
import { SystemMemory } from "./memory.ts";
import { MemoryEncryption } from "./memory_encryption.ts";
import { Rmp } from "./rmp.ts";
import { Scheduler } from "./scheduler.ts";
import { Trace, type TraceOptions } from "./trace.ts";
import { type Hypervisor, Vcpu } from "./vcpu.ts";

/**
 * How to build a {@link Machine}.
 *
 * @example
 * ```ts
 * import { Machine, type MachineConfig } from "./machine.ts";
 * const config: MachineConfig = {
 *   memoryBytes: 64 << 20,
 *   vcpus: 4,
 *   seed: 7,
 *   trace: { enabled: false },
 * };
 * new Machine(config).vcpus.length; // 4
 * ```
 */
export interface MachineConfig {
  /** System memory in bytes (a multiple of 2 MiB); guest memory and the host's share it. */
  memoryBytes: number;
  /** Number of vCPUs. */
  vcpus: number;
  /** Scheduler seed: the same seed replays the same interleaving. */
  seed: number;
  /** APIC ID of each vCPU (default: its index). */
  apicIds?: number[];
  /** Trace options (recording is on by default). */
  trace?: TraceOptions;
}

/**
 * The guest the vCPUs run: its ASID (memory key) and its nested page table.
 *
 * @example
 * ```ts
 * import { ExitActions } from "./vcpu.ts";
 * import { type GuestBinding, Machine } from "./machine.ts";
 * import { Npt } from "./npt.ts";
 * const m = new Machine({ memoryBytes: 4 << 20, vcpus: 1, seed: 1 });
 * const guest: GuestBinding = { asid: 1, npt: new Npt() };
 * m.attach(guest, { handleVmgexit: () => ExitActions.resume });
 * m.guest?.asid; // 1
 * ```
 */
export interface GuestBinding {
  /** Guest ASID. */
  readonly asid: number;
  /** Nested page table (owned by the host). */
  readonly npt: Npt;
}

/**
 * How a run ended.
 *
 * @example
 * ```ts
 * import { Machine, type RunResult } from "./machine.ts";
 * const m = new Machine({ memoryBytes: 4 << 20, vcpus: 1, seed: 1 });
 * const result: RunResult = await m.run(); // { status: "finished" }: no vCPU was started
 * if (result.status === "terminated") console.error(result.reason);
 * ```
 */
export interface RunResult {
  /** finished: every vCPU's program ended; halted: the rest sleep in HLT; terminated: the VM is gone. */
  readonly status: "finished" | "halted" | "terminated";
  /** Why the VM terminated. */
  readonly reason?: string;
  /** vCPU and VMPL that caused the termination. */
  readonly vcpu?: number;
  /** VMPL that caused the termination. */
  readonly vmpl?: number;
  /** The error behind the termination, if one was thrown (a fault, a program bug). */
  readonly error?: unknown;
}

/**
 * The whole machine.
 *
 * @example
 * ```ts
 * import { Machine } from "./machine.ts";
 * const m = new Machine({ memoryBytes: 4 << 20, vcpus: 2, seed: 42 });
 * m.rmp.entry(0x1000).assigned; // false: every page starts with the host
 * ```
 */
export class Machine {
  /** The configuration it was built from. */
  readonly config: Readonly<MachineConfig>;
  /** DRAM. */
  readonly memory: SystemMemory;
  /** The RMP. */
  readonly rmp: Rmp;
  /** The memory encryption engine (per-ASID keys). */
  readonly encryption: MemoryEncryption;
  /** The checks on every guest access. */
  readonly access: GuestMemoryAccess;
  /** The host's view of memory (ciphertext reads, RMP-checked writes). */
  readonly hostAccess: HostMemoryAccess;
  /** The seeded scheduler. */
  readonly scheduler: Scheduler;
  /** The event trace. */
  readonly trace: Trace;
  /** The vCPUs, by index. */
  readonly vcpus: readonly Vcpu[];
  /** The AMD secure processor, installed by whoever composes the machine (the host uses it). */
  firmware: SecureProcessor | undefined = undefined;
  /** The host's exit handler. */
  hypervisor: Hypervisor | undefined = undefined;
  /** The guest the vCPUs run. */
  guest: GuestBinding | undefined = undefined;
  readonly #programs: (VmplProgram | undefined)[] = [undefined, undefined, undefined, undefined];
  #result: RunResult | undefined;

  /** Builds the machine; every page starts unassigned, every vCPU off. */
  constructor(config: MachineConfig) {
    if (!Number.isInteger(config.vcpus) || config.vcpus < 1 || config.vcpus > 256) {
      throw new RangeError(`vcpus must be 1..256, got ${config.vcpus}`);
    }
    this.config = config;
    this.memory = new SystemMemory(config.memoryBytes);
    this.rmp = new Rmp(this.memory.pageCount);
    this.encryption = new MemoryEncryption(this.memory);
    this.access = new GuestMemoryAccess(this.memory, this.rmp, this.encryption);
    this.hostAccess = new HostMemoryAccess(this.rmp, this.encryption);
    this.scheduler = new Scheduler(config.seed);
    this.trace = new Trace(config.trace);
    this.vcpus = Array.from(
      { length: config.vcpus },
      (_, i) => new Vcpu(this, i, config.apicIds?.[i] ?? i),
    );
  }

  /** Loads the software every vCPU runs at `vmpl` (it reads `cpu.vcpuId` to tell BSP from AP). */
  setProgram(vmpl: number, program: VmplProgram): void {
    this.#programs[vmpl] = program;
  }

  /** The program loaded at `vmpl`. */
  programFor(vmpl: number): VmplProgram | undefined {
    return this.#programs[vmpl];
  }

  /** Host: binds the vCPUs to a guest and installs the exit handler. */
  attach(guest: GuestBinding, hypervisor: Hypervisor): void {
    this.guest = guest;
    this.hypervisor = hypervisor;
  }

  /** The vCPU with APIC ID `apicId`. */
  vcpuByApicId(apicId: number): Vcpu | undefined {
    return this.vcpus.find((v) => v.apicId === apicId);
  }

  /** Set once the VM has terminated. */
  get result(): RunResult | undefined {
    return this.#result;
  }

  /**
   * Runs the started vCPUs until the VM terminates or no vCPU is runnable. Never rejects:
   * an unhandled fault or a program error terminates the VM and is reported in the result.
   */
  async run(): Promise<RunResult> {
    if (this.#result !== undefined) return this.#result;
    const stop = await this.scheduler.run();
    if (stop === "stopped" && this.#result !== undefined) return this.#result;
    const halted = this.vcpus.some((v) => v.state === "halted");
    return { status: halted ? "halted" : "finished" };
  }

  /** Ends the VM: nothing runs again. The first reason given is kept. */
  terminate(reason: string, vcpu = -1, vmpl = -1, error?: unknown): void {
    if (this.#result !== undefined) return;
    this.#result = { status: "terminated", reason, vcpu, vmpl, error };
    this.trace.instant(vcpu, vmpl, "terminate", "terminate", reason);
    this.scheduler.stop();
  }
}
