/**
 * The enlightened guest OS at VMPL2, behaving like Linux's SVSM support: on the boot CPU it
 * finds the SVSM in its secrets page, then calls it through each CPU's calling area, validates
 * its memory through SVSM PVALIDATE lists, and starts its APs with CREATE_VCPU. What the guest
 * does beyond that is given as `main` (boot CPU) and `apMain` (each AP), so tests, examples,
 * the attestation client and the vTPM driver reuse one call path: {@link GuestOs.svsmCall}.
 * @module
 */

import {
  type CpuContext,
  encodeMsrRequest,
  type Machine,
  MSR_GHCB,
  type VmplProgram,
} from "../snp/mod.ts";
import { CoreCall, SvsmProtocol } from "../svsm/abi/protocol_ids.ts";
import { guestApVmsa, ownSevFeatures } from "./ap_start.ts";
import { svsmPvalidate } from "./pvalidate.ts";
import { svsmCallOn, type SvsmCallResult } from "./svsm_call.ts";
import { findSvsm, SEV_TERM_SET_LINUX, type SvsmInfo, svsmInfoFault } from "./svsm_info.ts";

/**
 * One guest CPU: its instructions and its calling area.
 *
 * @example
 * ```ts
 * import type { GuestCpu, GuestOs } from "./guest_os.ts";
 * // Move `cpu`'s calling area to a fresh page (REMAP_CA), then call through it.
 * async function moveCallingArea(os: GuestOs, cpu: GuestCpu): Promise<GuestCpu> {
 *   const page = await os.allocPages(cpu, 1); // validated guest memory
 *   const { rax } = await os.remapCallingArea(cpu, page);
 *   if (rax !== 0) return cpu; // the SVSM refused: keep the old calling area
 *   const moved: GuestCpu = { ctx: cpu.ctx, caGpa: page }; // the same vCPU, its new CA
 *   await os.svsmCall(moved, 0, 6, 1n); // QUERY_PROTOCOL(core, 1) through the new CA
 *   return moved;
 * }
 * ```
 */
export interface GuestCpu {
  /** The VMPL2 instructions of this vCPU. */
  readonly ctx: CpuContext;
  /** GPA of this CPU's calling area. */
  readonly caGpa: number;
}

/**
 * Guest code run on a CPU once the OS has set it up.
 *
 * @example
 * ```ts
 * import { type GuestMain, GuestOs } from "./guest_os.ts";
 * // Each AP reports its APIC ID and calling area once the OS has started it.
 * const apMain: GuestMain = async (_os, cpu) => {
 *   console.log(`AP ${cpu.ctx.apicId} calls through 0x${cpu.caGpa.toString(16)}`);
 * };
 * const os = new GuestOs({ secretsGpa: 0x1000, apMain });
 * ```
 */
export type GuestMain = (os: GuestOs, cpu: GuestCpu) => Promise<void>;

/**
 * How the guest is configured (what firmware metadata tells Linux).
 *
 * @example
 * ```ts
 * import { GuestOs } from "./guest_os.ts";
 * const os = new GuestOs({
 *   secretsGpa: 0x80d000,
 *   main: async (os, cpu) => {
 *     // the boot CPU's program, run once the SVSM hands over
 *   },
 * });
 * ```
 */
export interface GuestOsOptions {
  /** GPA of the guest's secrets page. */
  secretsGpa: number;
  /** First GPA of the guest's page pool, validated on demand (default 1 MiB). */
  poolBase?: number;
  /** Runs on the boot CPU. */
  main?: GuestMain;
  /** Runs on each AP started with {@link GuestOs.startAp}. */
  apMain?: GuestMain;
}

/**
 * The guest refused to go on (no SVSM, a failed call).
 *
 * @example
 * ```ts
 * import { GuestOsError } from "./guest_os.ts";
 * const e: unknown = new GuestOsError("no SVSM in the secrets page");
 * if (e instanceof GuestOsError) e.message; // "no SVSM in the secrets page"
 * ```
 */
export class GuestOsError extends Error {
  /** The error name. */
  override name = "GuestOsError";
}

/**
 * The guest OS.
 *
 * @example
 * ```ts
 * import { GuestOs } from "./guest_os.ts";
 * const os = new GuestOs({
 *   secretsGpa: 0x1000,
 *   main: async (os, cpu) => {
 *     const r = await os.svsmCall(cpu, 0, 6, (0n << 32n) | 1n); // QUERY_PROTOCOL(core, 1)
 *     console.log(r.rcx); // (max << 32) | min
 *   },
 * });
 * // os.install(machine) before the host launches the SVSM.
 * ```
 */
export class GuestOs {
  /** The VMPL2 program. */
  readonly program: VmplProgram = (ctx) => this.#run(ctx);
  /** Calling areas by APIC ID. */
  readonly callingAreas: Map<number, number> = new Map();
  /** APIC IDs whose guest code ran (boot CPU included). */
  readonly ranOn: Set<number> = new Set();
  readonly #options: GuestOsOptions;
  #svsm: SvsmInfo | undefined;
  #next: number;

  /** A guest OS; nothing runs until {@link GuestOs.install} and the SVSM starts VMPL2. */
  constructor(options: GuestOsOptions) {
    this.#options = options;
    this.#next = options.poolBase ?? 0x100000;
  }

  /** The SVSM found in the secrets page (after the boot CPU started). */
  get svsm(): SvsmInfo | undefined {
    return this.#svsm;
  }

  /** Loads the guest as the VMPL2 program of every vCPU. */
  install(machine: Machine): void {
    machine.setProgram(2, this.program);
  }

  async #run(ctx: CpuContext): Promise<void> {
    const opts = this.#options;
    if (this.#svsm === undefined) {
      const svsm = findSvsm(ctx, opts.secretsGpa);
      if (svsm === undefined) throw new GuestOsError("no SVSM in the secrets page");
      const fault = svsmInfoFault(svsm);
      if (fault !== undefined) return terminate(ctx, fault);
      this.#svsm = svsm;
      this.callingAreas.set(ctx.apicId, svsm.caa);
    }
    const caGpa = this.callingAreas.get(ctx.apicId);
    if (caGpa === undefined) throw new GuestOsError(`no calling area for APIC ${ctx.apicId}`);
    this.ranOn.add(ctx.apicId);
    const main = ctx.vcpuId === 0 ? opts.main : opts.apMain;
    await main?.(this, { ctx, caGpa });
  }

  /** A raw SVSM call on `cpu`: any registers in, RAX/RCX/RDX/R8 out. */
  svsmCall(
    cpu: GuestCpu,
    protocol: number,
    call: number,
    rcx = 0n,
    rdx = 0n,
    r8 = 0n,
  ): Promise<SvsmCallResult> {
    return svsmCallOn(cpu.ctx, cpu.caGpa, protocol, call, rcx, rdx, r8);
  }

  /** Validates (or invalidates) `[gpa, gpa + size)` through SVSM PVALIDATE lists. */
  pvalidate(cpu: GuestCpu, gpa: number, size: number, validate = true): Promise<void> {
    return svsmPvalidate(
      {
        caGpa: cpu.caGpa,
        write: (at, data) => cpu.ctx.write(at, data),
        read: (at, length) => cpu.ctx.read(at, length),
        call: (p, c, rcx) => this.svsmCall(cpu, p, c, rcx),
      },
      gpa,
      size,
      validate,
    );
  }

  /** `count` fresh pages from the pool, validated (hence zeroed by the SVSM). */
  async allocPages(cpu: GuestCpu, count: number): Promise<number> {
    const gpa = this.#next;
    this.#next += count * 0x1000;
    await this.pvalidate(cpu, gpa, count * 0x1000);
    return gpa;
  }

  /**
   * REMAP_CA: moves `cpu`'s calling area to the page at `caGpa` (a validated guest page).
   * Returns the SVSM's result code and the CPU to use from now on.
   */
  async remapCallingArea(cpu: GuestCpu, caGpa: number): Promise<{ rax: number; cpu: GuestCpu }> {
    const r = await this.svsmCall(cpu, SvsmProtocol.CORE, CoreCall.REMAP_CA, BigInt(caGpa));
    if (r.rax !== 0n) return { rax: Number(r.rax), cpu };
    this.callingAreas.set(cpu.ctx.apicId, caGpa);
    return { rax: 0, cpu: { ctx: cpu.ctx, caGpa } };
  }

  /**
   * Starts the AP `apicId`: a VMSA page that is not 2 MiB-aligned (VMPL2, EFER.SVME, own SEV
   * features) and a calling area page, then CREATE_VCPU. Returns the SVSM's result code.
   */
  async startAp(cpu: GuestCpu, apicId: number): Promise<number> {
    let vmsa = await this.allocPages(cpu, 1);
    // Never a 2 MiB-aligned VMSA (Linux `snp_alloc_vmsa_page`: a hardware erratum); the
    // skipped page stays in the pool's past, validated and unused.
    if (vmsa % 0x200000 === 0) vmsa = await this.allocPages(cpu, 1);
    const ca = await this.allocPages(cpu, 1);
    const vmpl = this.#svsm?.guestVmpl ?? 2;
    cpu.ctx.write(vmsa, guestApVmsa(ownSevFeatures(cpu.ctx), vmpl).bytes);
    this.callingAreas.set(apicId, ca);
    const r = await this.svsmCall(
      cpu,
      SvsmProtocol.CORE,
      CoreCall.CREATE_VCPU,
      BigInt(vmsa),
      BigInt(ca),
      BigInt(apicId),
    );
    if (r.rax !== 0n) this.callingAreas.delete(apicId);
    return Number(r.rax);
  }
}

/** GHCB MSR protocol TERM_REQ with a Linux reason code (Linux `sev_es_terminate`). */
async function terminate(ctx: CpuContext, reasonCode: number): Promise<void> {
  ctx.wrmsr(
    MSR_GHCB,
    encodeMsrRequest({ kind: "term", reasonSet: SEV_TERM_SET_LINUX, reasonCode }),
  );
  await ctx.vmgexit();
}
