/**
 * A virtual CPU: one VMSA (and one program) per VMPL, the VMPL it is currently in, and the
 * hardware side of exits — VMGEXIT hands control to the host's exit handler
 * ({@link Hypervisor}), which answers with what runs next; entering a VMPL (VMRUN) checks the
 * VMSA page in the RMP, so a host that remaps or reclaims it cannot run it.
 * @module
 */

import { VMPL_COUNT } from "./constants.ts";
import { VmplCpu } from "./cpu_context.ts";
import { MachineFault } from "./faults.ts";
import type { Machine } from "./machine.ts";
import { RMP_FLAG_ASSIGNED, RMP_FLAG_VMSA } from "./rmp.ts";
import type { Fiber, Thread } from "./scheduler.ts";
import { VMSA } from "./vmsa.ts";

// Byte-wide reads of the bits VMRUN checks, so the check costs no BigInt work:
// SEV_FEATURES.SNP_ACTIVE is bit 0 of the byte at 0x3B0, EFER.SVME bit 4 of the byte at 0xD1.
const SEV_FEATURES_BYTE = VMSA.fields.sevFeatures.offset;
const EFER_SVME_BYTE = VMSA.fields.efer.offset + 1;
const EFER_SVME_BIT = 1 << 4;
const VMPL_NAMES = ["VMPL0", "VMPL1", "VMPL2", "VMPL3"];

/**
 * off: nothing to run (not started, or its program ended); halted: HLT until woken.
 *
 * @example
 * ```ts
 * import { Machine } from "./machine.ts";
 * import type { VcpuState } from "./vcpu.ts";
 * const m = new Machine({ memoryBytes: 4 << 20, vcpus: 2, seed: 1 });
 * const states: VcpuState[] = m.vcpus.map((v) => v.state); // ["off", "off"]
 * ```
 */
export type VcpuState = "off" | "runnable" | "halted";

/**
 * What the host decides after an exit.
 *
 * @example
 * ```ts
 * import type { ExitAction } from "./vcpu.ts";
 * // A guest at VMPL2 asked for the SVSM: run VMPL0; anything else from VMPL2 ends the VM.
 * function afterGuestExit(svsmCall: boolean): ExitAction {
 *   return svsmCall ? { kind: "run", vmpl: 0 } : { kind: "terminate", reason: "unexpected exit" };
 * }
 * ```
 */
export type ExitAction =
  | { readonly kind: "resume" } // VMRUN the VMPL that exited
  | { readonly kind: "run"; readonly vmpl: number } // VMRUN another VMPL of this vCPU
  | { readonly kind: "halt" } // leave the vCPU asleep until woken
  | { readonly kind: "terminate"; readonly reason: string }; // end the VM

/**
 * Shared action values, so the common exits allocate nothing.
 *
 * @example
 * ```ts
 * import { ExitActions } from "./vcpu.ts";
 * ExitActions.run[2]; // { kind: "run", vmpl: 2 }: back to the guest after an SVSM call
 * ExitActions.run[2] === ExitActions.run[2]; // true: one object, reused on every exit
 * ```
 */
export const ExitActions: {
  readonly resume: ExitAction;
  readonly halt: ExitAction;
  readonly run: readonly ExitAction[];
} = {
  resume: { kind: "resume" },
  halt: { kind: "halt" },
  run: [0, 1, 2, 3].map((vmpl) => ({ kind: "run", vmpl }) as const),
};

/**
 * The host's side of the exits (implemented by lib/host; the hardware only calls it).
 *
 * @example
 * ```ts
 * import { Machine } from "./machine.ts";
 * import { Npt } from "./npt.ts";
 * import { ExitActions, type Hypervisor } from "./vcpu.ts";
 * const host: Hypervisor = {
 *   // Parks a vCPU that exits with no GHCB MSR request; any other exit resumes the same VMPL.
 *   handleVmgexit(vcpu, vmpl) {
 *     return vcpu.ghcbMsr(vmpl) === 0n ? ExitActions.halt : ExitActions.resume;
 *   },
 * };
 * const m = new Machine({ memoryBytes: 4 << 20, vcpus: 1, seed: 1 });
 * m.attach({ asid: 1, npt: new Npt() }, host);
 * ```
 */
export interface Hypervisor {
  /**
   * A VMGEXIT from `vcpu` at `vmpl` (GUEST_EXIT_CODE 0x403 is in that VMSA). The host reads
   * the GHCB MSR ({@link Vcpu.ghcbMsr}) or the GHCB page it names, writes its response, and
   * says what runs next. Async only when it needs the firmware.
   */
  handleVmgexit(vcpu: Vcpu, vmpl: number): ExitAction | Promise<ExitAction>;
}

/**
 * One vCPU.
 *
 * @example
 * ```ts
 * import { Machine } from "./machine.ts";
 * const m = new Machine({ memoryBytes: 4 << 20, vcpus: 2, seed: 1 });
 * m.vcpus[1].apicId; // 1
 * m.vcpus[1].state; // "off" until the host gives it a VMSA and starts it
 * ```
 */
export class Vcpu implements Thread {
  /** Index (0 = BSP). */
  readonly id: number;
  /** APIC ID (AP_CREATION names vCPUs by it). */
  readonly apicId: number;
  /** The machine this vCPU belongs to. */
  readonly machine: Machine;
  /** VMPL currently (or last) running. */
  vmpl = 0;
  #state: VcpuState = "off";
  #wakePending = false;
  readonly #contexts: (VmplCpu | undefined)[] = new Array(VMPL_COUNT).fill(undefined);

  /** Use {@link Machine}. */
  constructor(machine: Machine, id: number, apicId: number) {
    this.machine = machine;
    this.id = id;
    this.apicId = apicId;
  }

  /** Scheduling state. */
  get state(): VcpuState {
    return this.#state;
  }

  /** The fiber of the current VMPL (what the scheduler continues). */
  get fiber(): Fiber | undefined {
    return this.#contexts[this.vmpl]?.fiber;
  }

  /** The context of `vmpl`, if a VMSA is registered there. */
  context(vmpl: number): VmplCpu | undefined {
    return this.#contexts[vmpl];
  }

  /** The GHCB MSR value of `vmpl`'s VMSA (host-visible, like the VMCB's GHCB field). */
  ghcbMsr(vmpl: number): bigint {
    return this.#contexts[vmpl]?.ghcbMsr ?? 0n;
  }

  /** Writes the GHCB MSR value the program at `vmpl` reads after its VMGEXIT (the host's response). */
  setGhcbMsr(vmpl: number, value: bigint): void {
    const ctx = this.#contexts[vmpl];
    if (ctx !== undefined) ctx.ghcbMsr = BigInt.asUintN(64, value);
  }

  /**
   * Points `vmpl`'s VMCB at the VMSA page `spa` (host action: launch, AP_CREATION). A fresh
   * program instance will run there; a program previously at that VMPL is abandoned.
   */
  setVmsa(vmpl: number, spa: number, gpa = -1): VmplCpu {
    checkVmpl(vmpl);
    const m = this.machine;
    const ctx = new VmplCpu(
      this,
      vmpl,
      spa,
      gpa,
      (c) =>
        m.scheduler.fiber(`vcpu${this.id}.vmpl${vmpl}`, () => {
          const program = m.programFor(vmpl);
          if (program === undefined) throw new Error(`no program loaded at VMPL${vmpl}`);
          return program(c);
        }, (_f, error) => this.#ended(c, error)),
    );
    this.#contexts[vmpl] = ctx;
    return ctx;
  }

  /** Removes `vmpl`'s VMSA (AP_CREATION DESTROY); if it was running, the vCPU turns off. */
  clearVmsa(vmpl: number): void {
    checkVmpl(vmpl);
    this.#contexts[vmpl] = undefined;
    if (this.vmpl === vmpl) this.#setState("off");
  }

  /** Host: VMRUN `vmpl` and make the vCPU runnable. False (and the VM ends) if VMRUN fails. */
  start(vmpl: number): boolean {
    if (!this.#enter(vmpl)) return false;
    this.#setState("runnable");
    return true;
  }

  /** An interrupt for this vCPU: wakes it from HLT, or makes its next HLT return at once. */
  wake(): void {
    if (this.#state !== "halted") {
      this.#wakePending = true;
      return;
    }
    this.machine.trace.instant(this.id, this.vmpl, "halt", "wake");
    if (this.#enter(this.vmpl)) this.#setState("runnable");
  }

  /** The hardware side of VMGEXIT, called by {@link VmplCpu.vmgexit}. */
  exit(ctx: VmplCpu): Promise<void> {
    const m = this.machine;
    if (m.trace.enabled) {
      m.trace.end(this.id, ctx.vmpl, "run", VMPL_NAMES[ctx.vmpl], "VMGEXIT");
      m.trace.instant(this.id, ctx.vmpl, "exit", "VMGEXIT", "0x403");
    }
    const hv = m.hypervisor;
    if (hv === undefined) return this.#act(ctx, { kind: "terminate", reason: "no hypervisor" });
    let action: ExitAction | Promise<ExitAction>;
    try {
      action = hv.handleVmgexit(this, ctx.vmpl);
    } catch (e) {
      return this.#hostFailed(ctx, e);
    }
    if (action instanceof Promise) {
      return action.then((a) => this.#act(ctx, a), (e) => this.#hostFailed(ctx, e));
    }
    return this.#act(ctx, action);
  }

  /** HLT (an automatic exit): sleep until {@link Vcpu.wake}. */
  halt(ctx: VmplCpu): Promise<void> {
    const m = this.machine;
    m.trace.end(this.id, ctx.vmpl, "run", VMPL_NAMES[ctx.vmpl], "HLT");
    m.trace.instant(this.id, ctx.vmpl, "halt", "HLT");
    if (this.#wakePending) {
      this.#wakePending = false;
      this.#enter(ctx.vmpl);
    } else {
      this.#setState("halted");
    }
    return m.scheduler.yieldFrom(ctx.fiber);
  }

  #act(ctx: VmplCpu, action: ExitAction): Promise<void> {
    const m = this.machine;
    switch (action.kind) {
      case "resume":
        this.#enter(ctx.vmpl);
        break;
      case "run":
        this.#enter(action.vmpl);
        break;
      case "halt":
        m.trace.instant(this.id, ctx.vmpl, "halt", "host halts the vCPU");
        this.#setState("halted");
        break;
      case "terminate":
        m.terminate(action.reason, this.id, ctx.vmpl);
        break;
    }
    return m.scheduler.yieldFrom(ctx.fiber);
  }

  #hostFailed(ctx: VmplCpu, error: unknown): Promise<void> {
    this.machine.terminate(
      `host exit handler failed: ${describe(error)}`,
      this.id,
      ctx.vmpl,
      error,
    );
    return this.machine.scheduler.yieldFrom(ctx.fiber);
  }

  /**
   * VMRUN of `vmpl`: the VMSA page must be assigned to this guest, marked VMSA in the RMP,
   * SNP-active, have EFER.SVME set (COCONUT clears it while it edits the VMSA) and name the
   * same VMPL. Otherwise VMRUN fails and, in this model, the VM ends.
   */
  #enter(vmpl: number): boolean {
    const m = this.machine;
    const ctx = this.#contexts[vmpl];
    const why = ctx === undefined ? `no VMSA at VMPL${vmpl}` : this.#vmsaProblem(ctx);
    if (why !== undefined) {
      m.trace.instant(this.id, vmpl, "fault", "VMRUN failed", why);
      m.terminate(`VMRUN of VMPL${vmpl} failed: ${why}`, this.id, vmpl);
      return false;
    }
    this.vmpl = vmpl;
    if (m.trace.enabled) m.trace.begin(this.id, vmpl, "run", VMPL_NAMES[vmpl]);
    return true;
  }

  #vmsaProblem(ctx: VmplCpu): string | undefined {
    const m = this.machine;
    const page = m.rmp.pageOf(ctx.vmsaSpa);
    if (page < 0) return "VMSA outside memory";
    const flags = m.rmp.flags[page];
    const asid = m.guest?.asid;
    if (!(flags & RMP_FLAG_ASSIGNED) || m.rmp.asids[page] !== asid) {
      return "VMSA page not assigned to the guest";
    }
    if (!(flags & RMP_FLAG_VMSA)) return "page is not a VMSA in the RMP";
    const regs = ctx.regs, bytes = regs.bytes;
    if ((bytes[SEV_FEATURES_BYTE] & 1) === 0) return "SEV_FEATURES.SNP_ACTIVE clear";
    if ((bytes[EFER_SVME_BYTE] & EFER_SVME_BIT) === 0) return "EFER.SVME clear";
    if (regs.vmpl !== ctx.vmpl) return `VMSA says VMPL${regs.vmpl}`;
    return undefined;
  }

  #ended(ctx: VmplCpu, error: unknown): void {
    const m = this.machine;
    if (error === undefined) {
      m.trace.end(this.id, ctx.vmpl, "run", VMPL_NAMES[ctx.vmpl], "program ended");
      m.trace.instant(this.id, ctx.vmpl, "halt", "program ended");
      if (this.#contexts[ctx.vmpl] === ctx) this.#setState("off");
      return;
    }
    const what = error instanceof MachineFault ? `unhandled ${error.message}` : describe(error);
    m.terminate(what, this.id, ctx.vmpl, error);
  }

  #setState(state: VcpuState): void {
    this.#state = state;
    this.machine.scheduler.setRunnable(this, state === "runnable");
  }
}

function checkVmpl(vmpl: number): void {
  if (!Number.isInteger(vmpl) || vmpl < 0 || vmpl >= VMPL_COUNT) {
    throw new RangeError(`VMPL must be 0..3, got ${vmpl}`);
  }
}

function describe(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}
