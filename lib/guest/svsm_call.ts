/**
 * Calling the SVSM from the guest, as Linux does (arch/x86/coco/sev `svsm_perform_call_protocol`,
 * `svsm_perform_msr_protocol`; svsm-abi.md §1): set `call_pending` in this CPU's calling area,
 * put RAX = (protocol << 32) | call and the arguments in RCX/RDX/R8, ask the host to run VMPL0
 * through the GHCB MSR (RUN_VMPL, VMPL 0 in bits 39:32) and VMGEXIT. Back at VMPL2 the MSR must
 * hold a RUN_VMPL response with error 0, and `call_pending` is swapped with 0: still 1 means the
 * SVSM never took the call.
 * @module
 */

import { type CpuContext, GHCB_INFO, MSR_GHCB, VMSA } from "../snp/mod.ts";

/**
 * The raw result registers.
 *
 * @example
 * ```ts
 * import type { SvsmCallResult } from "./svsm_call.ts";
 * import type { GuestCpu, GuestOs } from "./guest_os.ts";
 * // QUERY_PROTOCOL(core, version 1): RAX = 0 (SUCCESS), RCX = the supported version range.
 * async function coreVersions(os: GuestOs, cpu: GuestCpu): Promise<bigint> {
 *   const r: SvsmCallResult = await os.svsmCall(cpu, 0, 6, 1n);
 *   if (r.rax !== 0n) throw new Error(`SVSM error 0x${r.rax.toString(16)}`);
 *   return r.rcx; // 0x1_0000_0001n: versions 1..1
 * }
 * ```
 */
export interface SvsmCallResult {
  /** RAX: the result code (SVSM result codes, svsm-abi.md §3). */
  readonly rax: bigint;
  /** RCX after the call. */
  readonly rcx: bigint;
  /** RDX after the call. */
  readonly rdx: bigint;
  /** R8 after the call. */
  readonly r8: bigint;
}

/**
 * The call did not reach the SVSM (Linux: -EINVAL).
 *
 * @example
 * ```ts
 * import { SvsmCallError } from "./svsm_call.ts";
 * const e: unknown = new SvsmCallError("no calling area");
 * e instanceof SvsmCallError; // true
 * ```
 */
export class SvsmCallError extends Error {
  /** The error name. */
  override name = "SvsmCallError";
}

const RUN_VMPL0 = BigInt(GHCB_INFO.RUN_VMPL_REQ); // VMPL 0 in bits 39:32
const RESPONSE_OK = BigInt(GHCB_INFO.RUN_VMPL_RESP); // 0x17 with error 0 in bits 63:32
const RAX = VMSA.fields.rax.offset;

/**
 * One SVSM call on the CPU `ctx`, through the calling area at `caGpa`.
 *
 * @example
 * ```ts
 * // const r = await svsmCallOn(cpu, caGpa, 0, 6, (0n << 32n) | 1n, 0n, 0n); // QUERY_PROTOCOL
 * import { svsmCallOn } from "./svsm_call.ts";
 * typeof svsmCallOn; // "function"
 * ```
 */
export function svsmCallOn(
  ctx: CpuContext,
  caGpa: number,
  protocol: number,
  call: number,
  rcx: bigint,
  rdx: bigint,
  r8: bigint,
): Promise<SvsmCallResult> {
  // Not an async function (its frame costs ~8% of a QUERY_PROTOCOL round trip); a failure
  // before the VMGEXIT still comes back as a rejected promise.
  try {
    // call_pending = 1: byte 0 of the CA, written as part of its first word.
    ctx.writeU32(caGpa, (ctx.readU32(caGpa) & ~0xFF) | 1);
    const regs = ctx.regs;
    regs.view.setUint32(RAX, call >>> 0, true); // RAX = (protocol << 32) | call, as two halves
    regs.view.setUint32(RAX + 4, protocol >>> 0, true);
    regs.rcx = rcx;
    regs.rdx = rdx;
    regs.r8 = r8;
    ctx.wrmsr(MSR_GHCB, RUN_VMPL0);
    return ctx.vmgexit().then(() => finishCall(ctx, caGpa));
  } catch (e) {
    return Promise.reject(e);
  }
}

/** Back at VMPL2: checks the RUN_VMPL response, swaps call_pending with 0, reads the results. */
function finishCall(ctx: CpuContext, caGpa: number): SvsmCallResult {
  const response = ctx.rdmsr(MSR_GHCB);
  // Atomic swap of call_pending with 0: nothing else runs on this vCPU between read and write.
  const word = ctx.readU32(caGpa);
  ctx.writeU32(caGpa, word & ~0xFF);
  const pending = word & 0xFF;
  if (response !== RESPONSE_OK) {
    throw new SvsmCallError(`RUN_VMPL(0) answered 0x${response.toString(16)}`);
  }
  if (pending !== 0) throw new SvsmCallError("the SVSM did not take the call");
  const out = ctx.regs;
  return { rax: out.rax, rcx: out.rcx, rdx: out.rdx, r8: out.r8 };
}
