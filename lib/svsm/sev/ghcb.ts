/**
 * The SVSM's GHCB (snp-abi.md §9.1, §9.3; COCONUT kernel/src/sev/ghcb.rs): one shared page per
 * CPU, registered with the host, through which NAE events with more inputs than the MSR
 * protocol carries are sent (AP_CREATION, GUEST_REQUEST, EXT_GUEST_REQUEST).
 * @module
 */

import {
  AP_CREATE,
  AP_CREATE_ON_INIT,
  type CpuContext,
  encodeApCreation,
  GHCB_PROTOCOL_VERSION,
  GHCB_USAGE_STANDARD,
  GhcbPage,
  type GhcbRegister,
  MSR_GHCB,
  NAE_AP_CREATION,
  NAE_EXT_GUEST_REQUEST,
  NAE_GUEST_REQUEST,
} from "../../snp/mod.ts";
import { makePageShared, registerGhcb } from "./msr_protocol.ts";

/**
 * An NAE event the host refused: EXITINFO1 low half non-zero; EXITINFO2 says why (§9.3).
 *
 * @example
 * ```ts
 * import { GhcbError } from "./ghcb.ts";
 * const e = new GhcbError("PSC", 1n, 0x100000000n);
 * e.info2; // 0x100000000n
 * ```
 */
export class GhcbError extends Error {
  /** The error name. */
  override name = "GhcbError";
  /** EXITINFO1 as returned. */
  readonly info1: bigint;
  /** EXITINFO2 as returned. */
  readonly info2: bigint;

  /** The host's answer to event `what`. */
  constructor(what: string, info1: bigint, info2: bigint) {
    super(`${what}: EXITINFO1 0x${info1.toString(16)}, EXITINFO2 0x${info2.toString(16)}`);
    this.info1 = info1;
    this.info2 = info2;
  }
}

/**
 * The result of an NAE event: the GHCB fields the host wrote.
 *
 * @example
 * ```ts
 * import type { Ghcb, NaeResult } from "./ghcb.ts";
 * async function hostRbx(ghcb: Ghcb, exitCode: number): Promise<bigint> {
 *   const r: NaeResult = await ghcb.call("NAE", exitCode, 0n, 0n);
 *   return r.get("rbx"); // 0n unless the host marked RBX valid
 * }
 * ```
 */
export interface NaeResult {
  /** SW_EXITINFO2. */
  readonly info2: bigint;
  /** Reads a register the host returned (0 when not marked valid). */
  get(name: GhcbRegister): bigint;
}

/**
 * One CPU's GHCB.
 *
 * @example
 * ```ts
 * // After `await Ghcb.setup(ctx, gpa)` on a validated private page:
 * // await ghcb.apCreation({ create: true, vmpl: 0, apicId: 1, vmsaGpa, sevFeatures: 1n });
 * import { Ghcb } from "./ghcb.ts";
 * typeof Ghcb.setup; // "function"
 * ```
 */
export class Ghcb {
  /** The GHCB's GPA. */
  readonly gpa: number;
  readonly #ctx: CpuContext;

  private constructor(ctx: CpuContext, gpa: number) {
    this.#ctx = ctx;
    this.gpa = gpa;
  }

  /**
   * Turns the validated private page at `gpa` into this CPU's GHCB: rescind it (PVALIDATE 0),
   * make it shared (PSC), register it (REG_GPA), as COCONUT's `GHCB::init` does.
   */
  static async setup(ctx: CpuContext, gpa: number): Promise<Ghcb> {
    await makePageShared(ctx, gpa);
    await registerGhcb(ctx, gpa);
    return new Ghcb(ctx, gpa);
  }

  /**
   * AP_CREATION (0x80000013): EXITINFO1 = request | vmpl << 16 | apic_id << 32, EXITINFO2 =
   * VMSA GPA, RAX = SEV_FEATURES (svsm-abi.md §11 steps 5–6). `create` starts the vCPU
   * (CREATE); otherwise the VMSA is only registered (value 0, as COCONUT registers the guest's).
   */
  async apCreation(
    a: { create: boolean; vmpl: number; apicId: number; vmsaGpa: number; sevFeatures: bigint },
  ): Promise<void> {
    const request = a.create ? AP_CREATE : AP_CREATE_ON_INIT;
    await this.call(
      "AP_CREATION",
      NAE_AP_CREATION,
      encodeApCreation({ ...a, request }),
      BigInt(a.vmsaGpa),
      {
        rax: a.sevFeatures,
      },
    );
  }

  /**
   * GUEST_REQUEST / EXT_GUEST_REQUEST: request and response pages (shared) by GPA; for the
   * extended form RAX = certificate buffer GPA, RBX = its pages. Returns EXITINFO2 (firmware
   * status in the low half, VMM status in the high half) and RBX (pages the host wants).
   */
  async guestRequest(
    requestGpa: number,
    responseGpa: number,
    certs?: { gpa: number; pages: number },
  ): Promise<{ info2: bigint; rbx: bigint }> {
    const code = certs === undefined ? NAE_GUEST_REQUEST : NAE_EXT_GUEST_REQUEST;
    const regs = certs === undefined ? {} : { rax: BigInt(certs.gpa), rbx: BigInt(certs.pages) };
    const r = await this.call("GUEST_REQUEST", code, BigInt(requestGpa), BigInt(responseGpa), regs);
    return { info2: r.info2, rbx: r.get("rbx") };
  }

  /**
   * One NAE event: fills the GHCB, points the GHCB MSR at it, VMGEXIT, checks EXITINFO1.
   * Throws {@link GhcbError} when the host reports an error.
   */
  async call(
    what: string,
    exitCode: number,
    info1: bigint,
    info2: bigint,
    regs: Partial<Record<GhcbRegister, bigint>> = {},
  ): Promise<NaeResult> {
    const page = this.#page();
    page.clearValid();
    page.protocolVersion = GHCB_PROTOCOL_VERSION;
    page.usage = GHCB_USAGE_STANDARD;
    for (const [name, value] of Object.entries(regs)) page.set(name as GhcbRegister, value);
    page.set("swExitCode", BigInt(exitCode));
    page.set("swExitInfo1", info1);
    page.set("swExitInfo2", info2);
    this.#ctx.wrmsr(MSR_GHCB, BigInt(this.gpa));
    await this.#ctx.vmgexit();
    const back = this.#page(); // re-fetched: the view may have changed while others ran
    const out1 = back.get("swExitInfo1");
    const out2 = back.get("swExitInfo2");
    if ((out1 & 0xFFFFFFFFn) !== 0n) throw new GhcbError(what, out1, out2);
    return { info2: out2, get: (name) => back.getValid(name) ?? 0n };
  }

  #page(): GhcbPage {
    return new GhcbPage(this.#ctx.page(this.gpa, "write", false));
  }
}
