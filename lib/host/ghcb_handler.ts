/**
 * The host's side of GHCB NAE events (snp-abi.md §9.3): the GHCB MSR holds the GHCB's GPA,
 * the page (shared, registered with REG_GPA) holds SW_EXITCODE, EXITINFO1/2 and registers.
 * Invalid usage is answered as the GHCB specification says: EXITINFO1 = 2 and EXITINFO2 =
 * the error (NOT_REGISTERED, INVALID_USAGE, INVALID_SCRATCH_AREA, MISSING_INPUT,
 * INVALID_INPUT, INVALID_EVENT).
 * @module
 */

import {
  AP_CREATE,
  AP_CREATE_ON_INIT,
  AP_DESTROY,
  decodeApCreation,
  decodePsc,
  type ExitAction,
  ExitActions,
  GHCB_ERR_INVALID_EVENT,
  GHCB_ERR_INVALID_INPUT,
  GHCB_ERR_INVALID_SCRATCH_AREA,
  GHCB_ERR_INVALID_USAGE,
  GHCB_ERR_MISSING_INPUT,
  GHCB_ERR_NOT_REGISTERED,
  GHCB_PROTOCOL_MIN,
  GHCB_PROTOCOL_VERSION,
  GHCB_SHARED_BUFFER_OFFSET,
  GHCB_SHARED_BUFFER_SIZE,
  GHCB_USAGE_STANDARD,
  GhcbPage,
  NAE_AP_CREATION,
  NAE_CPUID,
  NAE_EXT_GUEST_REQUEST,
  NAE_GUEST_REQUEST,
  NAE_HV_FEATURES,
  NAE_PSC,
  NAE_SNP_RUN_VMPL,
  NAE_TERM_REQUEST,
  PAGE_SIZE,
  PAGES_PER_2M,
  PSC_ENTRY_OFFSET,
  PSC_HEADER,
  SEV_FEATURE_ALTERNATE_INJECTION,
  SEV_FEATURE_RESTRICTED_INJECTION,
  SEV_FEATURE_SNP_ACTIVE,
  type Vcpu,
} from "../snp/mod.ts";
import { encodePscEntry } from "../snp/nae.ts";
import { hostCpuid } from "./cpuid.ts";
import type { Host } from "./host.ts";
import { changePageState } from "./page_state_change.ts";
import { relayGuestRequest } from "./guest_request_relay.ts";
import { fail, type NaeExit, succeed } from "./nae_exit.ts";

/** The injection-mode bits a new VMSA must share with the VM (KVM's check on AP_CREATION). */
const INJECTION_MODES = SEV_FEATURE_RESTRICTED_INJECTION | SEV_FEATURE_ALTERNATE_INJECTION;

/**
 * Handles the NAE event in the GHCB at `ghcbGpa` for `vcpu` at `vmpl`.
 *
 * @example
 * ```ts
 * // Called by Host.handleVmgexit when GHCBInfo (bits 11:0 of the GHCB MSR) is zero.
 * import { handleGhcbExit } from "./ghcb_handler.ts";
 * typeof handleGhcbExit; // "function"
 * ```
 */
export function handleGhcbExit(
  host: Host,
  vcpu: Vcpu,
  vmpl: number,
  ghcbGpa: number,
): ExitAction | Promise<ExitAction> {
  const page = host.sharedPage(ghcbGpa);
  if (page === undefined) {
    return terminate(`GHCB at GPA 0x${ghcbGpa.toString(16)} is not a mapped shared page`);
  }
  const ghcb = new GhcbPage(page);
  const exitCode = ghcb.getValid("swExitCode");
  const info1 = ghcb.getValid("swExitInfo1");
  const info2 = ghcb.getValid("swExitInfo2");
  const name = exitCode === undefined ? "?" : `0x${exitCode.toString(16)}`;
  if (host.machine.trace.enabled) host.note(vcpu, vmpl, "nae", naeName(Number(exitCode)), name);
  if (host.vm!.registeredGhcb(vcpu.id, vmpl) !== ghcbGpa) {
    return fail(host, vcpu, vmpl, ghcb, GHCB_ERR_NOT_REGISTERED);
  }
  if (
    ghcb.usage !== GHCB_USAGE_STANDARD || ghcb.protocolVersion < GHCB_PROTOCOL_MIN ||
    ghcb.protocolVersion > GHCB_PROTOCOL_VERSION
  ) {
    return fail(host, vcpu, vmpl, ghcb, GHCB_ERR_INVALID_USAGE);
  }
  if (exitCode === undefined || info1 === undefined || info2 === undefined) {
    return fail(host, vcpu, vmpl, ghcb, GHCB_ERR_MISSING_INPUT);
  }
  const exit: NaeExit = {
    host,
    vcpu,
    vmpl,
    ghcbGpa,
    ghcb,
    exitCode: Number(exitCode),
    info1,
    info2,
  };
  return dispatch(exit);
}

function dispatch(e: NaeExit): ExitAction | Promise<ExitAction> {
  switch (e.exitCode) {
    case NAE_SNP_RUN_VMPL:
      return runVmpl(e);
    case NAE_HV_FEATURES:
      return succeed(e, e.host.hvFeatures);
    case NAE_TERM_REQUEST:
      return terminate(`guest requested termination (EXITINFO1 0x${e.info1.toString(16)})`);
    case NAE_CPUID:
      return cpuid(e);
    case NAE_PSC:
      return pageStateChange(e);
    case NAE_AP_CREATION:
      return apCreation(e);
    case NAE_GUEST_REQUEST:
    case NAE_EXT_GUEST_REQUEST:
      return relayGuestRequest(e);
    default:
      return fail(e.host, e.vcpu, e.vmpl, e.ghcb, GHCB_ERR_INVALID_EVENT);
  }
}

function runVmpl(e: NaeExit): ExitAction {
  const target = e.info1 > 3n ? 4 : Number(e.info1);
  const action = e.host.runVmpl(e.vcpu, e.vmpl, target);
  if (typeof action === "number") return fail(e.host, e.vcpu, e.vmpl, e.ghcb, action);
  succeed(e, 0n);
  return action;
}

function terminate(reason: string): ExitAction {
  return { kind: "terminate", reason };
}

function cpuid(e: NaeExit): ExitAction {
  const rax = e.ghcb.getValid("rax");
  if (rax === undefined || e.ghcb.getValid("rcx") === undefined) {
    return fail(e.host, e.vcpu, e.vmpl, e.ghcb, GHCB_ERR_MISSING_INPUT);
  }
  const [a, b, c, d] = hostCpuid(Number(rax & 0xFFFFFFFFn));
  succeed(e, 0n);
  e.ghcb.set("rax", BigInt(a));
  e.ghcb.set("rbx", BigInt(b));
  e.ghcb.set("rcx", BigInt(c));
  e.ghcb.set("rdx", BigInt(d));
  return ExitActions.resume;
}

/** PSC: the descriptor must sit in SHARED_BUFFER; CUR_ENTRY advances as entries complete. */
function pageStateChange(e: NaeExit): ExitAction {
  const scratch = e.ghcb.getValid("swScratch");
  if (scratch === undefined) return fail(e.host, e.vcpu, e.vmpl, e.ghcb, GHCB_ERR_MISSING_INPUT);
  const start = e.ghcbGpa + GHCB_SHARED_BUFFER_OFFSET;
  const offset = Number(scratch) - start;
  if (offset < 0 || offset + PSC_ENTRY_OFFSET > GHCB_SHARED_BUFFER_SIZE) {
    return fail(e.host, e.vcpu, e.vmpl, e.ghcb, GHCB_ERR_INVALID_SCRATCH_AREA);
  }
  const buf = e.ghcb.sharedBuffer.subarray(offset);
  const desc = decodePsc(buf);
  if (desc === undefined) return fail(e.host, e.vcpu, e.vmpl, e.ghcb, GHCB_ERR_INVALID_INPUT);
  const vm = e.host.vm!;
  const entries = new DataView(
    buf.buffer,
    buf.byteOffset + PSC_ENTRY_OFFSET,
    8 * desc.entries.length,
  );
  for (let i = desc.header.curEntry; i < desc.entries.length; i++) {
    const entry = desc.entries[i];
    const pages = entry.size2M ? PAGES_PER_2M : 1;
    // A 2M entry names a 2M-aligned GFN; CUR_PAGE counts the pages already done (snp-abi.md §9.4),
    // so it resumes a partly done entry and can never exceed the entry's pages.
    if (entry.curPage > pages || entry.gfn % pages !== 0) {
      return fail(e.host, e.vcpu, e.vmpl, e.ghcb, GHCB_ERR_INVALID_INPUT);
    }
    for (let p = entry.curPage; p < pages; p++) {
      const error = changePageState(e.host.machine, vm, entry.gfn + p, entry.op);
      if (error !== 0) return fail(e.host, e.vcpu, e.vmpl, e.ghcb, error);
    }
    entries.setBigUint64(8 * i, encodePscEntry({ ...entry, curPage: pages }), true);
    PSC_HEADER.set(buf, "curEntry", i + 1);
  }
  return succeed(e, 0n);
}

/**
 * AP_CREATION: EXITINFO1 = request | VMPL << 16 | APIC ID << 32, EXITINFO2 = VMSA GPA,
 * RAX = the VMSA's SEV_FEATURES (snp-abi.md §9.3). CREATE starts the target vCPU there;
 * CREATE_ON_INIT only registers the VMSA (and is what a vCPU uses for itself). The VMPL named
 * may not be more privileged than the caller's.
 */
function apCreation(e: NaeExit): ExitAction {
  const { request, vmpl, apicId } = decodeApCreation(e.info1);
  const target = e.host.machine.vcpuByApicId(apicId);
  const bad = (error: number) => fail(e.host, e.vcpu, e.vmpl, e.ghcb, error);
  // A VMPL may name only itself or a less privileged VMPL: otherwise the guest OS at VMPL2 could
  // destroy the SVSM's VMSA, or start VMPL0 on any VMSA page VMPL0 made (the VMRUN checks pass).
  if (target === undefined || vmpl > 3 || vmpl < e.vmpl) return bad(GHCB_ERR_INVALID_INPUT);
  if (request === AP_DESTROY) {
    target.clearVmsa(vmpl);
    return succeed(e, 0n);
  }
  if (request !== AP_CREATE && request !== AP_CREATE_ON_INIT) return bad(GHCB_ERR_INVALID_INPUT);
  const features = e.ghcb.getValid("rax");
  if (features === undefined) return bad(GHCB_ERR_MISSING_INPUT);
  const vm = e.host.vm!;
  if (
    (features & SEV_FEATURE_SNP_ACTIVE) === 0n ||
    (features & INJECTION_MODES) !== (vm.sevFeatures & INJECTION_MODES)
  ) {
    return bad(GHCB_ERR_INVALID_INPUT);
  }
  const gpa = Number(e.info2);
  const spa = gpa % PAGE_SIZE === 0 && vm.contains(gpa) ? vm.npt.translate(gpa) : undefined;
  if (spa === undefined) return bad(GHCB_ERR_INVALID_INPUT);
  target.setVmsa(vmpl, spa, gpa);
  const start = request === AP_CREATE && target !== e.vcpu;
  if (start && e.host.tamper.startAp?.(e.vcpu.id, apicId) !== false) target.start(vmpl);
  return succeed(e, 0n);
}

const NAE_NAMES: ReadonlyMap<number, string> = new Map([
  [NAE_SNP_RUN_VMPL, "SNP_RUN_VMPL"],
  [NAE_HV_FEATURES, "HV_FEATURES"],
  [NAE_TERM_REQUEST, "TERM_REQUEST"],
  [NAE_CPUID, "CPUID"],
  [NAE_PSC, "PSC"],
  [NAE_AP_CREATION, "AP_CREATION"],
  [NAE_GUEST_REQUEST, "GUEST_REQUEST"],
  [NAE_EXT_GUEST_REQUEST, "EXT_GUEST_REQUEST"],
]);

/** The event's name for traces. */
export function naeName(code: number): string {
  return NAE_NAMES.get(code) ?? "UNSUPPORTED";
}
