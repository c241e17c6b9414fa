/**
 * The contract between the SVSM request loop (kernel/src/requests.rs in
 * COCONUT) and the protocol handlers (kernel/src/protocols/*.rs): what a
 * handler is given for one guest call, and what the kernel offers it.
 *
 * The loop decodes `RAX = (protocol << 32) | call` and RCX/RDX/R8 from the
 * caller's VMSA, builds an {@link SvsmRequest}, awaits the handler, then
 * writes RAX = the result and RCX/RDX/R8 back on success and on a soft error
 * (svsm-abi.md §1 step 7). A {@link SvsmRequestFailure} carrying a fatal error
 * panics the SVSM.
 * @module
 */
import type { CpuContext } from "../snp/cpu_context.ts";
import type { LockCpu } from "./locking/cpu_relax.ts";
import type { RwLock } from "./locking/rwlock.ts";
import type { KernelStack } from "./debug/stacktrace.ts";

/**
 * RCX, RDX and R8: inputs, updated in place by the handler for the outputs.
 *
 * @example
 * ```ts
 * import type { CallRegisters } from "./request_context.ts";
 * const regs: CallRegisters = { rcx: (2n << 32n) | 1n, rdx: 0n, r8: 0n }; // QUERY_PROTOCOL: vTPM, v1
 * regs.rcx = (1n << 32n) | 1n; // the handler's answer: versions 1..1
 * ```
 */
export interface CallRegisters {
  /** RCX. */
  rcx: bigint;
  /** RDX. */
  rdx: bigint;
  /** R8. */
  r8: bigint;
}

/**
 * Guarded accessors on guest memory (COCONUT mm/guestmem.rs + cpu/extable.rs).
 * Every method first checks that the range lies inside one guest memory-map
 * region (the SVSM's own region is not part of it), then accesses it at VMPL0
 * with the C-bit set; any fault (not validated, RMP violation, unmapped) or an
 * out-of-map range throws `SvsmRequestFailure(INVALID_ADDRESS)` instead of
 * crashing the SVSM (svsm-abi.md §14).
 *
 * @example
 * ```ts
 * import type { GuestMemory } from "./request_context.ts";
 * function pvalidateEntries(mem: GuestMemory, listGpa: number): number {
 *   return mem.readU16(listGpa); // faults become INVALID_ADDRESS, never a crash
 * }
 * ```
 */
export interface GuestMemory {
  /** True when `[gpa, gpa + length)` lies inside one guest memory-map region. */
  contains(gpa: number, length: number): boolean;
  /** Reads `length` bytes (a copy). */
  read(gpa: number, length: number): Uint8Array;
  /** Writes `data`. */
  write(gpa: number, data: Uint8Array): void;
  /** Reads a little-endian u16. */
  readU16(gpa: number): number;
  /** Reads a little-endian u32. */
  readU32(gpa: number): number;
  /** Reads a little-endian u64. */
  readU64(gpa: number): bigint;
  /** Writes a little-endian u16. */
  writeU16(gpa: number, value: number): void;
  /** Writes a little-endian u64. */
  writeU64(gpa: number, value: bigint): void;
  /** Zeroes `length` bytes. */
  zero(gpa: number, length: number): void;
}

/**
 * A guest vCPU as the SVSM tracks it (COCONUT `PERCPU_VMSAS` + per-CPU guest VMSA/CA).
 *
 * @example
 * ```ts
 * import type { GuestVcpu } from "./request_context.ts";
 * const bsp: GuestVcpu = { apicId: 0, vmsaGpa: -1, caGpa: 0x2000 }; // CA known, no VMSA yet
 * bsp.vmsaGpa = 0x3000; // CREATE_VCPU registered one
 * ```
 */
export interface GuestVcpu {
  /** APIC ID of the vCPU. */
  readonly apicId: number;
  /** GPA of the guest's VMPL2 VMSA, or -1 when none is registered. */
  vmsaGpa: number;
  /** GPA of the calling area, or -1 when none. */
  caGpa: number;
}

/**
 * Kernel-wide services a handler may use; one per SVSM instance.
 *
 * @example
 * ```ts
 * import type { SvsmKernelServices } from "./request_context.ts";
 * function forgetVmsa(kernel: SvsmKernelServices, apicId: number): void {
 *   const vcpu = kernel.guestVcpus.get(apicId);
 *   if (vcpu !== undefined) vcpu.vmsaGpa = -1;
 *   kernel.notifyVcpu(apicId); // its request loop drops the mapping
 * }
 * ```
 */
export interface SvsmKernelServices {
  /** Guest vCPUs by APIC ID; the known APIC IDs are the keys. */
  readonly guestVcpus: ReadonlyMap<number, GuestVcpu>;
  /** PVALIDATE lock: read for PVALIDATE; write for CREATE_VCPU, DELETE_VCPU, REMAP_CA. */
  readonly pvalidateLock: RwLock;
  /**
   * Wakes the SVSM request loop of the vCPU with `apicId` so it picks up a
   * new or removed guest VMSA/CA (COCONUT: the target CPU refreshes its VMSA
   * mapping on its next loop iteration).
   */
  notifyVcpu(apicId: number): void;
  /** The vTPM, when this SVSM runs one (protocol 2 is offered only then). */
  readonly vtpm?: VtpmService;
  /** The secure processor, reached through the SVSM's VMPCK0 guest-request driver. */
  readonly attestation: AttestationService;
  /** Pages the guest deposited with DEPOSIT_MEM and the SVSM holds. */
  readonly depositedPages: DepositPool;
}

/**
 * What the vTPM protocol needs from the TPM (COCONUT kernel/src/vtpm).
 *
 * @example
 * ```ts
 * import type { VtpmService } from "./request_context.ts";
 * const tpmSuccess = new Uint8Array([0x80, 0x01, 0, 0, 0, 0x0a, 0, 0, 0, 0]); // TPM_ST_NO_SESSIONS, TPM_RC_SUCCESS
 * const stub: VtpmService = {
 *   poweredOn: true,
 *   execute: () => Promise.resolve(tpmSuccess),
 *   ekPublic: () => Promise.resolve(new Uint8Array(0)),
 * };
 * ```
 */
export interface VtpmService {
  /** False until the SVSM has manufactured and powered on the TPM. */
  readonly poweredOn: boolean;
  /** Runs one TPM command; always answers with a response (TPM errors inside it). */
  execute(command: Uint8Array, locality: number): Promise<Uint8Array>;
  /** The EK's marshalled TPMT_PUBLIC: the vTPM entry of the services manifest. */
  ekPublic(): Promise<Uint8Array>;
}

/**
 * The outcome of asking the secure processor for an attestation report.
 *
 * @example
 * ```ts
 * import type { ReportOutcome } from "./request_context.ts";
 * const tooSmall: ReportOutcome = { ok: false, certificatePagesNeeded: 3 }; // host needs 3 pages
 * ```
 */
export type ReportOutcome =
  | {
    readonly ok: true;
    /** The 0x4A0-byte ATTESTATION_REPORT. */
    readonly report: Uint8Array;
    /** The certificate table, empty when none was requested or the host gave none. */
    readonly certificates: Uint8Array;
  }
  | {
    readonly ok: false;
    /** The host says the certificate buffer is too small: pages needed. */
    readonly certificatePagesNeeded: number;
  };

/**
 * Attestation reports from the secure processor (COCONUT kernel/src/greq).
 *
 * @example
 * ```ts
 * import type { AttestationService, ReportOutcome, SvsmCpu } from "./request_context.ts";
 * function reportOnly(att: AttestationService, cpu: SvsmCpu): Promise<ReportOutcome> {
 *   return att.requestReport(cpu, new Uint8Array(64), 0); // 0: no certificate table
 * }
 * ```
 */
export interface AttestationService {
  /**
   * Requests a report at VMPL0 with `reportData`; with `certificateBufferSize`
   * > 0 an extended request that also returns the certificate table. A
   * firmware or decryption failure throws `SvsmRequestFailure(INVALID_REQUEST)`.
   */
  requestReport(
    cpu: SvsmCpu,
    reportData: Uint8Array,
    certificateBufferSize: number,
  ): Promise<ReportOutcome>;
}

/**
 * The SVSM's pool of guest-deposited pages (DEPOSIT_MEM / WITHDRAW_MEM).
 *
 * @example
 * ```ts
 * import { ListDepositPool } from "./protocols/core_memory.ts";
 * import type { DepositPool } from "./request_context.ts";
 * const pool: DepositPool = new ListDepositPool();
 * pool.add(0x20000); // DEPOSIT_MEM
 * pool.has(0x20000); // true
 * ```
 */
export interface DepositPool {
  /** Number of pages held. */
  readonly size: number;
  /** Takes ownership of a (revoked, zeroed) guest page. */
  add(gpa: number): void;
  /** True when `gpa` is held. */
  has(gpa: number): boolean;
  /** Gives a page back to be returned to the guest, or undefined when empty. */
  take(): number | undefined;
}

/**
 * Per-CPU kernel state the handler runs with.
 *
 * @example
 * ```ts
 * import type { SvsmCpu } from "./request_context.ts";
 * function callPending(cpu: SvsmCpu): boolean {
 *   return cpu.guestMem.read(cpu.guest.caGpa, 1)[0] !== 0; // CA byte 0: call_pending
 * }
 * ```
 */
export interface SvsmCpu {
  /** The VMPL0 instructions of this vCPU. */
  readonly ctx: CpuContext;
  /** Lock CPU (PAUSE = the machine's yield point). */
  readonly lockCpu: LockCpu;
  /** The modeled kernel stack, for backtraces and guarded regions. */
  readonly stack: KernelStack;
  /** Guarded guest memory. */
  readonly guestMem: GuestMemory;
  /** The guest vCPU this CPU serves. */
  readonly guest: GuestVcpu;
  /** The kernel's shared services. */
  readonly kernel: SvsmKernelServices;
}

/**
 * One decoded guest call.
 *
 * @example
 * ```ts
 * import { CoreCall, SvsmProtocol } from "./abi/protocol_ids.ts";
 * import type { SvsmRequest } from "./request_context.ts";
 * function isQueryProtocol(req: SvsmRequest): boolean {
 *   return req.protocol === SvsmProtocol.CORE && req.call === CoreCall.QUERY_PROTOCOL;
 * }
 * ```
 */
export interface SvsmRequest {
  /** RAX[63:32]. */
  readonly protocol: number;
  /** RAX[31:0]. */
  readonly call: number;
  /** RCX/RDX/R8 in, and out. */
  readonly regs: CallRegisters;
  /** SEV_FEATURES of the calling guest VMSA. */
  readonly callerSevFeatures: bigint;
  /** The serving CPU. */
  readonly cpu: SvsmCpu;
}

/**
 * Handles one call; returns the result code (0 = SUCCESS) or throws
 * `SvsmRequestFailure`. Synchronous handlers return a number, so the hot path
 * (QUERY_PROTOCOL) allocates no Promise.
 *
 * @example
 * ```ts
 * import { VTPM_PLATFORM_COMMANDS } from "./abi/vtpm_cmd.ts";
 * import { SvsmResultCode } from "./protocols/errors.ts";
 * import type { ProtocolHandler } from "./request_context.ts";
 * const vtpmQuery: ProtocolHandler = (req) => {
 *   req.regs.rcx = BigInt(VTPM_PLATFORM_COMMANDS);
 *   return SvsmResultCode.SUCCESS; // synchronous: no Promise on the hot path
 * };
 * ```
 */
export type ProtocolHandler = (req: SvsmRequest) => number | Promise<number>;
