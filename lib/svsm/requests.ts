/**
 * The request loop, one per CPU (COCONUT kernel/src/requests.rs and kernel/src/vmm/execloop.rs;
 * svsm-abi.md §1, §12). Each iteration follows the guest VMSA/CA the kernel registered for this
 * CPU (none: HLT until an IPI), sets EFER.SVME in the guest VMSA, runs VMPL2 with RUN_VMPL
 * through the GHCB MSR, and on return reacts only to a VMGEXIT (GUEST_EXIT_CODE 0x403) with
 * `call_pending` set: the flag is written back as 0 every time, the call is decoded from
 * RAX/RCX/RDX/R8 of the guest VMSA, dispatched, and RAX (plus RCX/RDX/R8 on success and on a
 * soft error) written back. A fatal error panics.
 * @module
 */

import { GHCB_INFO, MSR_GHCB, SVM_EXIT_VMGEXIT, type Trace, VMSA, VmsaPage } from "../snp/mod.ts";
import { callName } from "./abi/protocol_ids.ts";
import type { PanicHandler } from "./debug/panic.ts";
import type { ExceptionTable } from "./cpu/idt.ts";
import { faultVector } from "./cpu/idt.ts";
import type { PerCpu } from "./cpu/percpu.ts";
import { resultName, SvsmRequestFailure } from "./protocols/errors.ts";
import type { CallRegisters, ProtocolHandler, SvsmCpu, SvsmRequest } from "./request_context.ts";
import type { Ghcb } from "./sev/ghcb.ts";
import { runVmplRequest } from "./sev/msr_protocol.ts";

/** The VMPL the guest OS runs at (COCONUT kernel/src/types.rs `GUEST_VMPL`; svsm-abi.md §10). */
export const GUEST_VMPL = 2;
const RUN_GUEST = runVmplRequest(GUEST_VMPL);
const RUN_GUEST_OK = BigInt(GHCB_INFO.RUN_VMPL_RESP); // GHCBInfo 0x17, error 0
// The hot path reads and writes VMSA fields as 32-bit halves and bytes (no BigInt per call).
const F = VMSA.fields;
const EFER_SVME_BYTE = F.efer.offset + 1, EFER_SVME_BIT = 1 << 4; // EFER bit 12
const RAX = F.rax.offset, EXIT_CODE = F.guestExitCode.offset;

/** What the loop needs from the kernel. */
export interface RequestLoopKernel {
  /** The protocol dispatcher (lib/svsm/protocols `dispatchRequest`). */
  readonly dispatch: ProtocolHandler;
  /** The exception table (faults outside guarded accesses panic through it). */
  readonly idt: ExceptionTable;
  /** The panic handler. */
  readonly panics: PanicHandler;
  /** The machine trace (calls are traced only when it records). */
  readonly trace: Trace;
}

/**
 * One CPU as the loop drives it.
 *
 * @example
 * ```ts
 * import type { RequestLoopCpu } from "./requests.ts";
 * function guestVmsaGpa(cpu: RequestLoopCpu): bigint {
 *   return cpu.percpu.get("guestVmsaGpa"); // the VMSA this CPU runs; NO_GPA when none
 * }
 * ```
 */
export interface RequestLoopCpu extends SvsmCpu {
  /** The CPU's per-CPU area. */
  readonly percpu: PerCpu;
  /** The CPU's GHCB (registering a new guest VMSA with the host). */
  readonly ghcb: Ghcb;
}

/** The loop's reusable request (one call at a time per CPU, so no allocation per call). */
interface MutableRequest {
  protocol: number;
  call: number;
  regs: CallRegisters;
  callerSevFeatures: bigint;
  cpu: SvsmCpu;
}

/**
 * Runs the loop on `cpu` until the SVSM panics (the panic propagates as `SvsmPanic`).
 *
 * @example
 * ```ts
 * // In the SVSM's per-CPU main, after boot: await requestLoop(kernel, cpu);
 * import { requestLoop } from "./requests.ts";
 * typeof requestLoop; // "function"
 * ```
 */
export async function requestLoop(k: RequestLoopKernel, cpu: RequestLoopCpu): Promise<never> {
  const { ctx, percpu, stack } = cpu;
  using _frame = stack.frame("requests", "request_loop", 83);
  const req: MutableRequest = {
    protocol: 0,
    call: 0,
    regs: { rcx: 0n, rdx: 0n, r8: 0n },
    callerSevFeatures: 0n,
    cpu,
  };
  let vmsa: VmsaPage | undefined;
  for (;;) {
    percpu.refreshGuestMappings(cpu.guest);
    const vmsaGpa = percpu.vmsaGpa;
    if (vmsaGpa < 0) {
      await ctx.hlt(); // idle until CREATE_VCPU sends an IPI
      continue;
    }
    try {
      if (!percpu.vmsaRegistered) await registerGuestVmsa(cpu, vmsaGpa);
      if (!stillOurs(cpu, vmsaGpa)) continue; // DELETE_VCPU while the host answered
      vmsa = guestVmsa(cpu, vmsaGpa, vmsa);
      vmsa.bytes[EFER_SVME_BYTE] |= EFER_SVME_BIT;
    } catch (e) {
      kernelFault(k, cpu, e);
    }
    // RUN_VMPL inline (sev/msr_protocol.ts `runVmpl`): one async frame less per call.
    ctx.wrmsr(MSR_GHCB, RUN_GUEST);
    await ctx.vmgexit();
    const response = ctx.rdmsr(MSR_GHCB);
    if (response !== RUN_GUEST_OK) checkRunVmpl(k, cpu, response);
    // Another CPU may have deleted the VMSA while the guest ran: the page is the guest's again,
    // so neither its EFER nor its registers are the SVSM's to touch (or to trust).
    if (!stillOurs(cpu, vmsaGpa)) continue;
    try {
      vmsa = guestVmsa(cpu, vmsaGpa, vmsa);
      vmsa.bytes[EFER_SVME_BYTE] &= ~EFER_SVME_BIT;
      if (!exitedWithVmgexit(vmsa) || !takeCall(cpu)) continue;
    } catch (e) {
      kernelFault(k, cpu, e);
    }
    const pending = handleCall(k, req, vmsaGpa, vmsa);
    if (pending !== undefined) await pending;
  }
}

/**
 * Panics on a RUN_VMPL response whose error field (bits 63:32) is not 0, or that is no RUN_VMPL
 * response at all (error -1; COCONUT checks GHCBInfo = 0x17).
 */
function checkRunVmpl(k: RequestLoopKernel, cpu: RequestLoopCpu, response: bigint): void {
  const error = Number(response & 0xFFFn) !== GHCB_INFO.RUN_VMPL_RESP
    ? -1
    : Number(response >> 32n);
  if (error !== 0) k.panics.panic(cpu.stack, `RUN_VMPL(${GUEST_VMPL}) failed: ${error}`);
}

/** The VMSA at `vmsaGpa` is still the one registered for this CPU (no DELETE_VCPU since)? */
function stillOurs(cpu: RequestLoopCpu, vmsaGpa: number): boolean {
  return cpu.guest.vmsaGpa === vmsaGpa;
}

/** GUEST_EXIT_CODE = 0x403 (VMGEXIT)? */
function exitedWithVmgexit(vmsa: VmsaPage): boolean {
  const v = vmsa.view;
  return v.getUint32(EXIT_CODE, true) === SVM_EXIT_VMGEXIT &&
    v.getUint32(EXIT_CODE + 4, true) === 0;
}

/** The host learns the guest VMSA of this vCPU (AP_CREATION, VMPL2 in bits 19:16; §11 step 6). */
async function registerGuestVmsa(cpu: RequestLoopCpu, vmsaGpa: number): Promise<void> {
  const vmsa = new VmsaPage(cpu.ctx.page(vmsaGpa, "read"));
  await cpu.ghcb.apCreation({
    create: false,
    vmpl: GUEST_VMPL,
    apicId: cpu.ctx.apicId,
    vmsaGpa,
    sevFeatures: vmsa.sevFeatures,
  });
  cpu.percpu.vmsaRegistered = true;
}

/** The guest VMSA through the per-CPU mapping, reusing the previous wrapper for the same page. */
function guestVmsa(cpu: RequestLoopCpu, gpa: number, last: VmsaPage | undefined): VmsaPage {
  const page = cpu.ctx.page(gpa, "write");
  return page === last?.bytes ? last : new VmsaPage(page);
}

/**
 * Reads `call_pending` and always writes it back as 0 (requests.rs: the CA is written back
 * with call_pending = 0 whatever it held). A CA the guest or host broke reads as "no call".
 */
function takeCall(cpu: RequestLoopCpu): boolean {
  const ca = cpu.percpu.caGpa;
  if (ca < 0) return false;
  const guard = cpu.stack.guard(); // explicit dispose: `using` costs more on this hot path
  try {
    // call_pending is byte 0 of the CA; the first four bytes are read and written back as one
    // word (no page view to allocate on this path).
    const word = cpu.ctx.readU32(ca);
    cpu.ctx.writeU32(ca, word & ~0xFF);
    return (word & 0xFF) !== 0;
  } catch (e) {
    if (faultVector(e) < 0) throw e;
    return false;
  } finally {
    guard[Symbol.dispose]();
  }
}

/**
 * Decodes, dispatches and completes one call (svsm-abi.md §1 steps 6–7). A synchronous
 * handler completes here and returns undefined (no Promise on the hot path).
 */
function handleCall(
  k: RequestLoopKernel,
  req: MutableRequest,
  vmsaGpa: number,
  vmsa: VmsaPage,
): Promise<void> | undefined {
  const cpu = req.cpu as RequestLoopCpu;
  req.protocol = vmsa.view.getUint32(RAX + 4, true);
  req.call = vmsa.view.getUint32(RAX, true);
  req.regs.rcx = vmsa.rcx;
  req.regs.rdx = vmsa.rdx;
  req.regs.r8 = vmsa.r8;
  req.callerSevFeatures = vmsa.sevFeatures;
  const name = k.trace.enabled ? callName(req.protocol, req.call) : "";
  if (name !== "") cpu.ctx.traceBegin("call", name);
  let r: number | Promise<number>;
  try { // a failed handler may have changed page state: the VMSA page is fetched again
    r = k.dispatch(req as SvsmRequest);
  } catch (e) {
    return completeCall(k, req, vmsaGpa, vmsa, name, softError(k, cpu, e), true);
  }
  if (typeof r === "number") return completeCall(k, req, vmsaGpa, vmsa, name, r, false);
  return r.then(
    (rc) => completeCall(k, req, vmsaGpa, vmsa, name, rc, true),
    (e) => completeCall(k, req, vmsaGpa, vmsa, name, softError(k, cpu, e), true),
  );
}

/**
 * Writes RAX = `rc` and RCX/RDX/R8 back, unless the VMSA was deleted meanwhile. After a yield
 * (`stale`) the VMSA page is fetched again.
 */
function completeCall(
  k: RequestLoopKernel,
  req: MutableRequest,
  vmsaGpa: number,
  vmsa: VmsaPage,
  name: string,
  rc: number,
  stale: boolean,
): undefined {
  const cpu = req.cpu as RequestLoopCpu;
  if (name !== "") cpu.ctx.traceEnd("call", name, resultName(rc));
  // A deleted VMSA (DELETE_VCPU of the caller, or by another CPU during an async call) is a
  // guest page again: the results have nowhere to go.
  if (!stillOurs(cpu, vmsaGpa)) return undefined;
  try {
    const out = stale ? guestVmsa(cpu, vmsaGpa, vmsa) : vmsa;
    out.view.setUint32(RAX, rc >>> 0, true); // RAX = the result, zero-extended
    out.view.setUint32(RAX + 4, 0, true);
    out.rcx = req.regs.rcx;
    out.rdx = req.regs.rdx;
    out.r8 = req.regs.r8;
  } catch (e) {
    kernelFault(k, cpu, e);
  }
  return undefined;
}

/** A handler's failure: a soft error's code, or a panic (fatal errors, anything unexpected). */
function softError(k: RequestLoopKernel, cpu: RequestLoopCpu, e: unknown): number {
  if (e instanceof SvsmRequestFailure) {
    if (e.error.kind === "result") return e.error.code;
    k.panics.panic(cpu.stack, `fatal request error: ${e.error.reason}`, e);
  }
  kernelFault(k, cpu, e);
}

/** A CPU exception outside a guarded access goes through the IDT (a panic); anything else too. */
function kernelFault(k: RequestLoopKernel, cpu: RequestLoopCpu, e: unknown): never {
  if (faultVector(e) >= 0) k.idt.dispatch(cpu.stack, e);
  throw k.panics.uncaught(cpu.stack, e);
}
