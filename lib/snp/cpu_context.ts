/**
 * What software running at one VMPL of one vCPU can do: the instructions of the model. A
 * program (the SVSM at VMPL0, the guest at VMPL2) is an async function of a
 * {@link CpuContext}; memory accesses go through the hardware checks, registers live in the
 * VMSA page, and `vmgexit`, `pause` and `hlt` are the yield points where the scheduler may
 * run another vCPU.
 * @module
 */

import { PAGE_SIZE } from "./constants.ts";
import type { AccessKind, GuestMemoryAccess } from "./guest_memory_access.ts";
import { MachineFault, SVM_EXIT_VMGEXIT } from "./faults.ts";
import {
  type InstructionContext,
  pvalidate,
  type PvalidateResult,
  rmpadjust,
} from "./instructions.ts";
import { MSR_GHCB, MSR_SEV_STATUS, SEV_STATUS_ES, SEV_STATUS_SEV } from "./msr_protocol.ts";
import { NAE_MSR } from "./nae.ts";
import type { RmpResult } from "./rmp.ts";
import type { MemoryEncryption } from "./memory_encryption.ts";
import type { Fiber } from "./scheduler.ts";
import type { TraceKind } from "./trace.ts";
import type { Vcpu } from "./vcpu.ts";
import { VMSA, VmsaPage } from "./vmsa.ts";

const EXIT_CODE = VMSA.fields.guestExitCode.offset;

/**
 * Software running at one VMPL: it returns when that software stops for good.
 *
 * @example
 * ```ts
 * import type { VmplProgram } from "./cpu_context.ts";
 * import { Machine } from "./machine.ts";
 * const guest: VmplProgram = async (cpu) => {
 *   if (cpu.vcpuId === 0) cpu.writeU32(0x10000, 1); // the BSP publishes a flag
 *   await cpu.hlt();
 * };
 * new Machine({ memoryBytes: 4 << 20, vcpus: 2, seed: 1 }).setProgram(2, guest);
 * ```
 */
export type VmplProgram = (cpu: CpuContext) => Promise<void>;

/**
 * The instructions a program can execute. Accesses default to private (C-bit set); a
 * forbidden access throws {@link MachineFault} (#VC to the program, or #NPF, which the
 * model also surfaces in the program; unhandled, either ends the VM).
 *
 * @example
 * ```ts
 * import type { CpuContext } from "./cpu_context.ts";
 * // Spins until another vCPU sets the flag at `gpa`; PAUSE lets the scheduler run that vCPU.
 * async function waitFor(cpu: CpuContext, gpa: number): Promise<void> {
 *   while (cpu.readU32(gpa) === 0) await cpu.pause();
 * }
 * ```
 */
export interface CpuContext {
  /** vCPU index (0 = BSP). */
  readonly vcpuId: number;
  /** The vCPU's APIC ID. */
  readonly apicId: number;
  /** The VMPL this program runs at. */
  readonly vmpl: number;
  /** The guest's ASID (selects its memory encryption key). */
  readonly asid: number;
  /** GPA of this VMPL's VMSA page as the host registered it (-1 for the launch VMSA). */
  readonly vmsaGpa: number;
  /** This VMPL's registers, in place in its VMSA page. */
  readonly regs: VmsaPage;
  /** Reads `length` bytes (a copy). */
  read(gpa: number, length: number, cbit?: boolean): Uint8Array;
  /** Writes `data`. */
  write(gpa: number, data: Uint8Array, cbit?: boolean): void;
  /** Reads a little-endian u32. */
  readU32(gpa: number, cbit?: boolean): number;
  /** Reads a little-endian u64. */
  readU64(gpa: number, cbit?: boolean): bigint;
  /** Writes a little-endian u32. */
  writeU32(gpa: number, value: number, cbit?: boolean): void;
  /** Writes a little-endian u64. */
  writeU64(gpa: number, value: bigint, cbit?: boolean): void;
  /**
   * The checked 4 KiB page holding `gpa`, live until the next yield point. Asking again for the
   * same page usually returns the same view object (no allocation).
   */
  page(gpa: number, kind: AccessKind, cbit?: boolean): Uint8Array;
  /** Zeroes the page holding `gpa` (one whole-page write). */
  zeroPage(gpa: number, cbit?: boolean): void;
  /** PVALIDATE (snp-abi.md §7.2). */
  pvalidate(gpa: number, size2M: boolean, validate: boolean): PvalidateResult;
  /** RMPADJUST (snp-abi.md §7.2). */
  rmpadjust(gpa: number, size2M: boolean, attrs: number): RmpResult;
  /** RDMSR: the GHCB MSR and SEV_STATUS; any other MSR raises #VC (exit code MSR). */
  rdmsr(msr: number): bigint;
  /** WRMSR: the GHCB MSR; any other MSR raises #VC (exit code MSR). */
  wrmsr(msr: number, value: bigint): void;
  /** VMGEXIT: exits to the host, which decides what runs next. A yield point. */
  vmgexit(): Promise<void>;
  /** PAUSE, for spin loops. A yield point. */
  pause(): Promise<void>;
  /** HLT: the vCPU sleeps until woken. A yield point. */
  hlt(): Promise<void>;
  /** Opens a slice in the machine trace (an SVSM call, a TPM command). */
  traceBegin(kind: TraceKind, name: string, detail?: string): void;
  /** Closes the slice opened by {@link CpuContext.traceBegin}. */
  traceEnd(kind: TraceKind, name: string, detail?: string): void;
  /** Records an instant event in the machine trace. */
  traceInstant(kind: TraceKind, name: string, detail?: string): void;
}

/**
 * The model's {@link CpuContext}: one per (vCPU, VMPL) that has a VMSA. Also holds the state
 * the host sees in the VMCB (the GHCB MSR value) and the fiber running the program.
 *
 * @example
 * ```ts
 * import { Machine } from "./machine.ts";
 * const m = new Machine({ memoryBytes: 4 << 20, vcpus: 1, seed: 1 });
 * m.setProgram(0, async (cpu) => {
 *   cpu.wrmsr(0xC0010130, 0x2n); // SEV_INFO request, to be read by the host at VMGEXIT
 * });
 * ```
 */
export class VmplCpu implements CpuContext {
  /** The vCPU this context belongs to. */
  readonly vcpu: Vcpu;
  /** The VMPL. */
  readonly vmpl: number;
  /** VMSA GPA as registered (-1 when the host registered only an SPA, e.g. at launch). */
  readonly vmsaGpa: number;
  /** VMSA system physical address (what the VMCB points to). */
  readonly vmsaSpa: number;
  /** The GHCB MSR value (0xC0010130) of this VMSA, visible to the host at each exit. */
  ghcbMsr = 0n;
  /** The coroutine running this VMPL's program. */
  readonly fiber: Fiber;
  readonly #regs: VmsaPage;
  readonly #ctx: InstructionContext;
  readonly #encryption: MemoryEncryption;
  readonly #access: GuestMemoryAccess;
  readonly #vmsaPage: number;

  /** Use {@link Vcpu.setVmsa}. */
  constructor(
    vcpu: Vcpu,
    vmpl: number,
    vmsaSpa: number,
    vmsaGpa: number,
    fiber: (ctx: VmplCpu) => Fiber,
  ) {
    this.vcpu = vcpu;
    this.vmpl = vmpl;
    this.vmsaSpa = vmsaSpa;
    this.vmsaGpa = vmsaGpa;
    const m = vcpu.machine;
    const guest = m.guest;
    if (guest === undefined) throw new Error("no guest attached to the machine");
    this.#ctx = { asid: guest.asid, vmpl, npt: guest.npt, rmp: m.rmp };
    this.#regs = new VmsaPage(m.encryption.privateView(guest.asid, vmsaSpa));
    this.#encryption = m.encryption;
    this.#access = m.access;
    this.#vmsaPage = vmsaSpa / PAGE_SIZE;
    this.fiber = fiber(this);
  }

  /** vCPU index. */
  get vcpuId(): number {
    return this.vcpu.id;
  }

  /** APIC ID. */
  get apicId(): number {
    return this.vcpu.apicId;
  }

  /** Guest ASID. */
  get asid(): number {
    return this.#ctx.asid;
  }

  /** The registers. The page is brought back to plaintext if the host looked at it meanwhile. */
  get regs(): VmsaPage {
    const enc = this.#encryption, asid = this.#ctx.asid;
    if (enc.views[this.#vmsaPage] !== asid) enc.toPrivate(asid, this.#vmsaPage);
    return this.#regs;
  }

  /** Reads `length` bytes (a copy). */
  read(gpa: number, length: number, cbit = true): Uint8Array {
    try {
      return this.#access.read(this.#ctx, gpa, length, cbit);
    } catch (e) {
      throw this.#traced(e);
    }
  }

  /** Writes `data`. */
  write(gpa: number, data: Uint8Array, cbit = true): void {
    try {
      this.#access.write(this.#ctx, gpa, data, cbit);
    } catch (e) {
      throw this.#traced(e);
    }
  }

  /** Reads a little-endian u32. */
  readU32(gpa: number, cbit = true): number {
    try {
      return this.#access.readU32(this.#ctx, gpa, cbit);
    } catch (e) {
      throw this.#traced(e);
    }
  }

  /** Reads a little-endian u64. */
  readU64(gpa: number, cbit = true): bigint {
    try {
      return this.#access.readU64(this.#ctx, gpa, cbit);
    } catch (e) {
      throw this.#traced(e);
    }
  }

  /** Writes a little-endian u32. */
  writeU32(gpa: number, value: number, cbit = true): void {
    try {
      this.#access.writeU32(this.#ctx, gpa, value, cbit);
    } catch (e) {
      throw this.#traced(e);
    }
  }

  /** Writes a little-endian u64. */
  writeU64(gpa: number, value: bigint, cbit = true): void {
    try {
      this.#access.writeU64(this.#ctx, gpa, value, cbit);
    } catch (e) {
      throw this.#traced(e);
    }
  }

  /** The checked page holding `gpa`. */
  page(gpa: number, kind: AccessKind, cbit = true): Uint8Array {
    try {
      return this.#access.page(this.#ctx, gpa, kind, cbit);
    } catch (e) {
      throw this.#traced(e);
    }
  }

  /** Zeroes the page holding `gpa`. */
  zeroPage(gpa: number, cbit = true): void {
    try {
      this.#access.zeroPage(this.#ctx, gpa, cbit);
    } catch (e) {
      throw this.#traced(e);
    }
  }

  /** PVALIDATE. */
  pvalidate(gpa: number, size2M: boolean, validate: boolean): PvalidateResult {
    try {
      return pvalidate(this.#ctx, gpa, size2M, validate);
    } catch (e) {
      throw this.#traced(e);
    }
  }

  /** RMPADJUST. */
  rmpadjust(gpa: number, size2M: boolean, attrs: number): RmpResult {
    try {
      return rmpadjust(this.#ctx, gpa, size2M, attrs);
    } catch (e) {
      throw this.#traced(e);
    }
  }

  /** RDMSR. SEV_STATUS = SEV | SEV-ES | SEV_FEATURES << 2 (snp-abi.md §9.2). */
  rdmsr(msr: number): bigint {
    if (msr === MSR_GHCB) return this.ghcbMsr;
    if (msr === MSR_SEV_STATUS) {
      return SEV_STATUS_SEV | SEV_STATUS_ES | (this.regs.sevFeatures << 2n);
    }
    throw this.#traced(new MachineFault("vc", NAE_MSR, 0, `RDMSR 0x${msr.toString(16)}`));
  }

  /** WRMSR. */
  wrmsr(msr: number, value: bigint): void {
    if (msr === MSR_GHCB) {
      this.ghcbMsr = BigInt.asUintN(64, value);
      return;
    }
    throw this.#traced(new MachineFault("vc", NAE_MSR, 0, `WRMSR 0x${msr.toString(16)}`));
  }

  /** VMGEXIT: GUEST_EXIT_CODE = 0x403 in this VMSA, then the host's exit handler decides. */
  vmgexit(): Promise<void> {
    const view = this.regs.view;
    view.setUint32(EXIT_CODE, SVM_EXIT_VMGEXIT, true);
    view.setUint32(EXIT_CODE + 4, 0, true);
    return this.vcpu.exit(this);
  }

  /** PAUSE. */
  pause(): Promise<void> {
    return this.vcpu.machine.scheduler.yieldFrom(this.fiber);
  }

  /** HLT. */
  hlt(): Promise<void> {
    return this.vcpu.halt(this);
  }

  /** Opens a trace slice on this vCPU's lane. */
  traceBegin(kind: TraceKind, name: string, detail = ""): void {
    this.vcpu.machine.trace.begin(this.vcpu.id, this.vmpl, kind, name, detail);
  }

  /** Closes a trace slice. */
  traceEnd(kind: TraceKind, name: string, detail = ""): void {
    this.vcpu.machine.trace.end(this.vcpu.id, this.vmpl, kind, name, detail);
  }

  /** Records an instant event. */
  traceInstant(kind: TraceKind, name: string, detail = ""): void {
    this.vcpu.machine.trace.instant(this.vcpu.id, this.vmpl, kind, name, detail);
  }

  /** Records a fault on its way to the program (trace kind: #VC "vc", #NPF/#PF "fault"). */
  #traced(e: unknown): unknown {
    if (e instanceof MachineFault) {
      const kind = e.kind === "vc" ? "vc" : "fault";
      this.traceInstant(kind, `#${e.kind.toUpperCase()}`, e.message);
    }
    return e;
  }
}
