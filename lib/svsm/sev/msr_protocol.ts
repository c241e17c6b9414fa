/**
 * The SVSM's side of the GHCB MSR protocol (snp-abi.md §9.2; COCONUT
 * kernel/src/sev/msr_protocol.rs): write a request into the GHCB MSR, VMGEXIT, read the
 * response back. Used before a GHCB exists (page-state change, GHCB registration) and on the
 * hot path (RUN_VMPL), where it needs no shared page.
 * @module
 */

import {
  type CpuContext,
  encodeMsrRequest,
  GHCB_INFO,
  MSR_GHCB,
  type MsrRequest,
  PSC_OP_PRIVATE,
  PSC_OP_SHARED,
} from "../../snp/mod.ts";
import { ghcbInfo } from "../../snp/msr_protocol.ts";

/**
 * The host answered an MSR-protocol request with something else than the protocol allows.
 *
 * @example
 * ```ts
 * import { MsrProtocolError } from "./msr_protocol.ts";
 * const e: unknown = new MsrProtocolError("REG_GPA answered with another GFN");
 * e instanceof MsrProtocolError; // true
 * ```
 */
export class MsrProtocolError extends Error {
  /** The error name. */
  override name = "MsrProtocolError";
}

/** Sends one request and returns the raw response value. */
export async function msrRequest(ctx: CpuContext, request: MsrRequest): Promise<bigint> {
  ctx.wrmsr(MSR_GHCB, encodeMsrRequest(request));
  await ctx.vmgexit();
  return ctx.rdmsr(MSR_GHCB);
}

const RUN_VMPL_OK = BigInt(GHCB_INFO.RUN_VMPL_RESP); // GHCBInfo 0x17, error 0

/**
 * RUN_VMPL(`vmpl`) request value, precomputed: `(vmpl << 32) | 0x16` (§9.2).
 *
 * @example
 * ```ts
 * import { runVmplRequest } from "./msr_protocol.ts";
 * runVmplRequest(2).toString(16); // "200000016"
 * ```
 */
export function runVmplRequest(vmpl: number): bigint {
  return (BigInt(vmpl) << 32n) | BigInt(GHCB_INFO.RUN_VMPL_REQ);
}

/**
 * RUN_VMPL: runs `vmpl` on this vCPU until it exits back here. Returns the error field of the
 * response (0 = ok); -1 when the response is no RUN_VMPL response at all (COCONUT checks that
 * GHCBInfo is 0x17).
 */
export async function runVmpl(ctx: CpuContext, request: bigint): Promise<number> {
  ctx.wrmsr(MSR_GHCB, request);
  await ctx.vmgexit();
  const resp = ctx.rdmsr(MSR_GHCB);
  if (resp === RUN_VMPL_OK) return 0;
  if (Number(resp & 0xFFFn) !== GHCB_INFO.RUN_VMPL_RESP) return -1;
  return Number(resp >> 32n);
}

/** REG_GPA: registers the GHCB at `gpa`; the response must echo the GFN. */
export async function registerGhcb(ctx: CpuContext, gpa: number): Promise<void> {
  const gfn = Math.floor(gpa / 4096);
  const resp = await msrRequest(ctx, { kind: "reg-gpa", gfn });
  if (ghcbInfo(resp) !== GHCB_INFO.REG_GPA_RESP || Number(resp >> 12n) !== gfn) {
    throw new MsrProtocolError(`GHCB registration of 0x${gpa.toString(16)} refused`);
  }
}

/** PSC through the MSR protocol: one 4 KiB page to private or shared. */
export async function pageStateChange(
  ctx: CpuContext,
  gpa: number,
  shared: boolean,
): Promise<void> {
  const resp = await msrRequest(ctx, {
    kind: "psc",
    gfn: Math.floor(gpa / 4096),
    op: shared ? PSC_OP_SHARED : PSC_OP_PRIVATE,
  });
  if (ghcbInfo(resp) !== GHCB_INFO.PSC_RESP || (resp >> 32n) !== 0n) {
    throw new MsrProtocolError(`page state change of 0x${gpa.toString(16)} failed`);
  }
}

/**
 * Makes the validated private page at `gpa` shared: rescind it (PVALIDATE 0), then PSC to
 * shared, and zero what the host now sees (COCONUT `make_page_shared`).
 */
export async function makePageShared(ctx: CpuContext, gpa: number): Promise<void> {
  const r = ctx.pvalidate(gpa, false, false);
  if (r.rc !== 0) {
    throw new MsrProtocolError(`PVALIDATE(0) of 0x${gpa.toString(16)} failed: ${r.rc}`);
  }
  await pageStateChange(ctx, gpa, true);
  ctx.page(gpa, "write", false).fill(0);
}

/**
 * TERM_REQ: asks the host to end the guest (reason set 0, general). The host never answers;
 * if it resumes us anyway, the caller must not continue.
 */
export async function terminate(ctx: CpuContext, reasonSet = 0, reasonCode = 0): Promise<void> {
  await msrRequest(ctx, { kind: "term", reasonSet, reasonCode });
}
