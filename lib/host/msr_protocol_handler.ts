/**
 * The host's side of the GHCB MSR protocol (snp-abi.md §9.2): the request is in the exiting
 * VMSA's GHCB MSR, the response goes back into it.
 * @module
 */

import {
  C_BIT_POSITION,
  decodeMsrRequest,
  encodeMsrRequest,
  encodeMsrResponse,
  type ExitAction,
  ExitActions,
  GHCB_ERR_INVALID_INPUT,
  GHCB_INFO,
  GHCB_PROTOCOL_MIN,
  GHCB_PROTOCOL_VERSION,
  type MsrRequest,
  type MsrResponse,
  PAGE_SIZE,
  PREF_GPA_NONE,
  PSC_OP_PRIVATE,
  PSC_OP_SHARED,
  type Vcpu,
} from "../snp/mod.ts";
import { hostCpuid } from "./cpuid.ts";
import type { Host } from "./host.ts";
import { changePageState } from "./page_state_change.ts";

/**
 * Handles one MSR-protocol request from `vcpu` at `vmpl`.
 *
 * @example
 * ```ts
 * // Called by Host.handleVmgexit when GHCBInfo (bits 11:0 of the GHCB MSR) is non-zero.
 * import { handleMsrProtocol } from "./msr_protocol_handler.ts";
 * typeof handleMsrProtocol; // "function"
 * ```
 */
export function handleMsrProtocol(host: Host, vcpu: Vcpu, vmpl: number, value: bigint): ExitAction {
  // RUN_VMPL is every SVSM call's path: decoded without building a request object, and the
  // plain requests (nothing but VMPL 0..3 and GHCBInfo) without BigInt arithmetic.
  if (!host.machine.trace.enabled) {
    const plain = plainRunVmpl(value);
    if (plain >= 0) return runVmpl(host, vcpu, vmpl, plain);
    const low = Number(value & 0xFF_FFFF_FFFFn);
    if (low % 0x1000 === GHCB_INFO.RUN_VMPL_REQ) {
      return runVmpl(host, vcpu, vmpl, Math.floor(low / 2 ** 32));
    }
  }
  const req = decodeMsrRequest(value);
  const respond = (r: MsrResponse): void => vcpu.setGhcbMsr(vmpl, encodeMsrResponse(r));
  if (host.machine.trace.enabled) host.note(vcpu, vmpl, "msr", req.kind, describe(req));
  const vm = host.vm!;
  switch (req.kind) {
    case "sev-info":
      respond({
        kind: "sev-info",
        maxProtocol: GHCB_PROTOCOL_VERSION,
        minProtocol: GHCB_PROTOCOL_MIN,
        cBit: C_BIT_POSITION,
      });
      return ExitActions.resume;
    case "cpuid":
      respond({ kind: "cpuid", value: hostCpuid(req.fn)[req.reg] });
      return ExitActions.resume;
    case "ap-reset-hold":
      respond({ kind: "ap-reset-hold" });
      return ExitActions.halt;
    case "pref-gpa":
      respond({ kind: "pref-gpa", gfn: PREF_GPA_NONE });
      return ExitActions.resume;
    case "reg-gpa":
      vm.registerGhcb(vcpu.id, vmpl, req.gfn * PAGE_SIZE);
      respond({ kind: "reg-gpa", gfn: req.gfn });
      return ExitActions.resume;
    case "psc": {
      // The MSR protocol knows only these two operations (snp-abi.md §9.2); PSMASH/UNSMASH are
      // GHCB PSC entry operations.
      const known = req.op === PSC_OP_PRIVATE || req.op === PSC_OP_SHARED;
      const error = known
        ? changePageState(host.machine, vm, req.gfn, req.op)
        : GHCB_ERR_INVALID_INPUT;
      respond({ kind: "psc", error });
      return ExitActions.resume;
    }
    case "run-vmpl":
      return runVmpl(host, vcpu, vmpl, req.vmpl);
    case "hv-features":
      respond({ kind: "hv-features", features: host.hvFeatures });
      return ExitActions.resume;
    case "term":
      return {
        kind: "terminate",
        reason: `guest requested termination (reason set ${req.reasonSet}, code ${req.reasonCode})`,
      };
    case "unknown":
      return {
        kind: "terminate",
        reason: `unsupported MSR protocol request 0x${req.info.toString(16)}`,
      };
  }
}

const RUN_VMPL_OK = encodeMsrResponse({ kind: "run-vmpl", error: 0 });
const PLAIN_RUN_VMPL = [0, 1, 2, 3].map((vmpl) => encodeMsrRequest({ kind: "run-vmpl", vmpl }));

/** The VMPL of a RUN_VMPL request with no other bits set, else -1 (BigInt compares only). */
function plainRunVmpl(value: bigint): number {
  for (let vmpl = 0; vmpl < PLAIN_RUN_VMPL.length; vmpl++) {
    if (value === PLAIN_RUN_VMPL[vmpl]) return vmpl;
  }
  return -1;
}

/**
 * True when the GHCB MSR value is an MSR-protocol request (GHCBInfo, bits 11:0, not 0);
 * otherwise it is the GPA of a GHCB page.
 *
 * @example
 * ```ts
 * import { isMsrProtocolRequest } from "./msr_protocol_handler.ts";
 * isMsrProtocolRequest(0x2_0000_0016n); // true: RUN_VMPL(2)
 * isMsrProtocolRequest(0x5000n); // false: a GHCB at GPA 0x5000
 * ```
 */
export function isMsrProtocolRequest(value: bigint): boolean {
  return plainRunVmpl(value) >= 0 || (value & 0xFFFn) !== 0n;
}

function runVmpl(host: Host, vcpu: Vcpu, vmpl: number, target: number): ExitAction {
  const action = host.runVmpl(vcpu, vmpl, target);
  if (typeof action !== "number") {
    vcpu.setGhcbMsr(vmpl, RUN_VMPL_OK);
    return action;
  }
  vcpu.setGhcbMsr(vmpl, encodeMsrResponse({ kind: "run-vmpl", error: action }));
  return ExitActions.resume;
}

function describe(req: MsrRequest): string {
  switch (req.kind) {
    case "cpuid":
      return `fn 0x${req.fn.toString(16)} reg ${req.reg}`;
    case "reg-gpa":
    case "psc":
      return `gfn 0x${req.gfn.toString(16)}${req.kind === "psc" ? ` op ${req.op}` : ""}`;
    case "run-vmpl":
      return `VMPL${req.vmpl}`;
    default:
      return "";
  }
}
