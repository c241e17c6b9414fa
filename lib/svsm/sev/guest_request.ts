/**
 * The SVSM's SNP guest-request driver (COCONUT kernel/src/greq/driver.rs; snp-abi.md §2): it
 * owns VMPCK0 and its sequence numbers, seals each message with the firmware's guest-message
 * helpers, and sends it through the GHCB (GUEST_REQUEST, or EXT_GUEST_REQUEST when
 * certificates are wanted) using shared request/response pages. One exchange at a time across
 * all CPUs (a spinlock, as COCONUT's `GREQ_DRIVER`). A failed exchange wipes VMPCK0 for good.
 * @module
 */

import {
  GuestMessenger,
  KeySel,
  MSG_REPORT_REQ,
  MSG_REPORT_RSP,
  MsgType,
} from "../../snp/firmware/mod.ts";
import type { CpuContext } from "../../snp/mod.ts";
import type { LockCpu } from "../locking/cpu_relax.ts";
import type { LockDebugger } from "../locking/lock_debug.ts";
import { SpinLock } from "../locking/spinlock.ts";
import type { Ghcb } from "./ghcb.ts";

/** VMM status INVALID_LEN in EXITINFO2[63:32]: the certificate buffer is too small (§2.6). */
const VMM_INVALID_LEN = 1n;
/**
 * The model's largest certificate buffer: 0x4000 bytes, the attestation limit (svsm-abi.md §8).
 *
 * @example
 * ```ts
 * import { ATTEST_MAX_CERTIFICATE_SIZE } from "../abi/attest_ops.ts";
 * import { GREQ_CERT_PAGES } from "./guest_request.ts";
 * GREQ_CERT_PAGES * 4096 === ATTEST_MAX_CERTIFICATE_SIZE; // true: 0x4000 bytes
 * ```
 */
export const GREQ_CERT_PAGES = 4;

/**
 * A guest request failed (firmware status, host refusal, or a bad response).
 *
 * @example
 * ```ts
 * import { GuestRequestError } from "./guest_request.ts";
 * const e: unknown = new GuestRequestError("firmware status 0x16");
 * e instanceof GuestRequestError; // true
 * ```
 */
export class GuestRequestError extends Error {
  /** The error name. */
  override name = "GuestRequestError";
}

/**
 * The shared pages the driver exchanges messages through (already shared, zeroed).
 *
 * @example
 * ```ts
 * import { GuestRequestDriver, type GuestRequestPages } from "./guest_request.ts";
 * const pages: GuestRequestPages = { request: 0x10000, response: 0x11000, certs: 0x12000 };
 * const driver = new GuestRequestDriver(new Uint8Array(32), pages); // VMPCK0 from the secrets page
 * ```
 */
export interface GuestRequestPages {
  /** Request page GPA. */
  readonly request: number;
  /** Response page GPA. */
  readonly response: number;
  /** Certificate buffer GPA ({@link GREQ_CERT_PAGES} pages). */
  readonly certs: number;
}

/**
 * The CPU sending a request: its instructions, its GHCB, its lock identity.
 *
 * @example
 * ```ts
 * import type { GuestRequestCpu, GuestRequestDriver, ReportResult } from "./guest_request.ts";
 * function extendedReport(driver: GuestRequestDriver, cpu: GuestRequestCpu): Promise<ReportResult> {
 *   return driver.report(cpu, new Uint8Array(64), 0x4000); // sent through cpu.ghcb
 * }
 * ```
 */
export interface GuestRequestCpu {
  /** VMPL0 instructions. */
  readonly ctx: CpuContext;
  /** The CPU's GHCB. */
  readonly ghcb: Ghcb;
  /** Lock identity (PAUSE). */
  readonly lockCpu: LockCpu;
}

/**
 * A report, or the host's "certificate buffer too small" answer.
 *
 * @example
 * ```ts
 * import type { ReportResult } from "./guest_request.ts";
 * function describe(r: ReportResult): string {
 *   return r.ok ? `${r.report.length}-byte report` : `retry with ${r.certificatePagesNeeded} pages`;
 * }
 * ```
 */
export type ReportResult =
  | { readonly ok: true; readonly report: Uint8Array; readonly certificates: Uint8Array }
  | { readonly ok: false; readonly certificatePagesNeeded: number };

/**
 * The driver.
 *
 * @example
 * ```ts
 * // const driver = new GuestRequestDriver(vmpck0, pages);
 * // const r = await driver.report(cpu, reportData, 0); // r.ok && r.report: 0x4A0 bytes
 * import { GuestRequestDriver } from "./guest_request.ts";
 * typeof GuestRequestDriver; // "function"
 * ```
 */
export class GuestRequestDriver {
  readonly #messenger: GuestMessenger;
  readonly #pages: GuestRequestPages;
  readonly #lock: SpinLock;

  /**
   * A driver over VMPCK0 `vmpck0` (sequence numbers from 1, as the firmware expects after
   * launch), its lock watched by `debug` when given.
   */
  constructor(vmpck0: Uint8Array, pages: GuestRequestPages, debug?: LockDebugger) {
    this.#messenger = new GuestMessenger(vmpck0, 0);
    this.#pages = pages;
    this.#lock = new SpinLock({ name: "GREQ_DRIVER", debug });
  }

  /** True once VMPCK0 was wiped after a failed exchange. */
  get disabled(): boolean {
    return this.#messenger.wiped;
  }

  /** Wipes VMPCK0 (panic path). */
  wipe(): void {
    this.#messenger.wipe();
  }

  /**
   * MSG_REPORT_REQ at VMPL0 with `reportData` (64 bytes), KEY_SEL default; with
   * `certificateBytes` > 0 as an extended request returning the certificate table.
   */
  async report(
    cpu: GuestRequestCpu,
    reportData: Uint8Array,
    certificateBytes: number,
  ): Promise<ReportResult> {
    const payload = MSG_REPORT_REQ.encode({ reportData, vmpl: 0, flags: KeySel.DEFAULT });
    const certPages = Math.min(GREQ_CERT_PAGES, Math.ceil(certificateBytes / 4096));
    await this.#lock.lock(cpu.lockCpu);
    try {
      const out = await this.#exchange(cpu, MsgType.REPORT_REQ, payload, certPages);
      if (!out.ok) return out;
      const rsp = MSG_REPORT_RSP.decode(out.payload);
      if (rsp.status !== 0 || rsp.reportSize !== 0x4A0) {
        throw new GuestRequestError(`report status 0x${rsp.status.toString(16)}`);
      }
      return { ok: true, report: rsp.report, certificates: out.certificates };
    } finally {
      this.#lock.unlock(cpu.lockCpu);
    }
  }

  async #exchange(
    cpu: GuestRequestCpu,
    type: number,
    payload: Uint8Array,
    certPages: number,
  ): Promise<
    | { ok: true; payload: Uint8Array; certificates: Uint8Array }
    | { ok: false; certificatePagesNeeded: number }
  > {
    const p = this.#pages;
    const ctx = cpu.ctx;
    const message = this.#messenger.request(type, payload);
    ctx.page(p.request, "write", false).set(message);
    const certs = certPages > 0 ? { gpa: p.certs, pages: certPages } : undefined;
    let r = await this.#send(cpu, certs);
    let pagesNeeded = 0;
    if (certs !== undefined && (r.info2 >> 32n) === VMM_INVALID_LEN) {
      // Resend without certificates so the sequence number still advances (Linux does the
      // same): an unanswered request would leave its IV to be reused.
      pagesNeeded = Number(r.rbx);
      ctx.page(p.request, "write", false).set(message);
      r = await this.#send(cpu, undefined);
    }
    if ((r.info2 & 0xFFFFFFFFn) !== 0n) {
      this.#messenger.wipe();
      throw new GuestRequestError(`firmware status 0x${(r.info2 & 0xFFFFFFFFn).toString(16)}`);
    }
    let answer: Uint8Array;
    try {
      answer = this.#messenger.response(ctx.page(p.response, "read", false).slice());
    } catch (e) {
      throw new GuestRequestError(`bad response: ${(e as Error).message}`);
    }
    if (pagesNeeded > 0) return { ok: false, certificatePagesNeeded: pagesNeeded };
    const certificates = new Uint8Array(certPages * 4096);
    for (let i = 0; i < certPages; i++) {
      certificates.set(ctx.page(p.certs + i * 4096, "read", false), i * 4096);
    }
    return { ok: true, payload: answer, certificates };
  }

  async #send(
    cpu: GuestRequestCpu,
    certs: { gpa: number; pages: number } | undefined,
  ): Promise<{ info2: bigint; rbx: bigint }> {
    try {
      return await cpu.ghcb.guestRequest(this.#pages.request, this.#pages.response, certs);
    } catch (e) {
      this.#messenger.wipe();
      throw new GuestRequestError(`host refused the guest request: ${(e as Error).message}`);
    }
  }
}
