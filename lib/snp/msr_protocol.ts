/**
 * The GHCB MSR protocol: requests a guest writes to the GHCB MSR before it has
 * (or instead of using) a GHCB page, and the host's responses (snp-abi.md
 * §9.2; torvalds/linux arch/x86/include/asm/sev-common.h; coconut-svsm/svsm
 * kernel/src/sev/msr_protocol.rs). Bits 11:0 are GHCBInfo, the request code.
 * @module
 */

/**
 * The GHCB MSR (snp-abi.md §9.2).
 *
 * @example
 * ```ts
 * import type { CpuContext } from "./cpu_context.ts";
 * import { encodeMsrRequest, MSR_GHCB } from "./msr_protocol.ts";
 * async function askSevInfo(cpu: CpuContext): Promise<bigint> {
 *   cpu.wrmsr(MSR_GHCB, encodeMsrRequest({ kind: "sev-info" })); // MSR 0xC0010130 <- 0x2
 *   await cpu.vmgexit();
 *   return cpu.rdmsr(MSR_GHCB); // the host's SEV_INFO response
 * }
 * ```
 */
export const MSR_GHCB = 0xC0010130;
/**
 * SEV_STATUS MSR: bit 0 SEV, 1 SEV-ES, 2 SNP, higher bits mirror SEV_FEATURES.
 *
 * @example
 * ```ts
 * import type { CpuContext } from "./cpu_context.ts";
 * import { MSR_SEV_STATUS, SEV_STATUS_SNP } from "./msr_protocol.ts";
 * const snpActive = (cpu: CpuContext): boolean =>
 *   (cpu.rdmsr(MSR_SEV_STATUS) & SEV_STATUS_SNP) !== 0n;
 * ```
 */
export const MSR_SEV_STATUS = 0xC0010131;
/**
 * SEV_STATUS bits.
 *
 * @example
 * ```ts
 * import { SEV_STATUS_ES, SEV_STATUS_SEV, SEV_STATUS_SNP } from "./msr_protocol.ts";
 * const status = SEV_STATUS_SEV | SEV_STATUS_ES; // 0x3n: an SEV-ES guest
 * const isSnp = (status & SEV_STATUS_SNP) !== 0n; // false: an SNP guest reads 0x7n
 * ```
 */
export const SEV_STATUS_SEV = 1n, SEV_STATUS_ES = 2n, SEV_STATUS_SNP = 4n;

/**
 * GHCBInfo codes (snp-abi.md §9.2).
 *
 * @example
 * ```ts
 * import { GHCB_INFO, ghcbInfo } from "./msr_protocol.ts";
 * const fromHost = 0x2000133000001n; // as read back from the GHCB MSR
 * ghcbInfo(fromHost) === GHCB_INFO.SEV_INFO_RESP; // true
 * ```
 */
export const GHCB_INFO = {
  SEV_INFO_RESP: 0x001,
  SEV_INFO_REQ: 0x002,
  CPUID_REQ: 0x004,
  CPUID_RESP: 0x005,
  AP_RESET_HOLD_REQ: 0x006,
  AP_RESET_HOLD_RESP: 0x007,
  PREF_GPA_REQ: 0x010,
  PREF_GPA_RESP: 0x011,
  REG_GPA_REQ: 0x012,
  REG_GPA_RESP: 0x013,
  PSC_REQ: 0x014,
  PSC_RESP: 0x015,
  RUN_VMPL_REQ: 0x016,
  RUN_VMPL_RESP: 0x017,
  HV_FEATURES_REQ: 0x080,
  HV_FEATURES_RESP: 0x081,
  TERM_REQ: 0x100,
} as const;

/**
 * HV feature bits (snp-abi.md §9.2): 0 SNP, 1 AP creation, 5 multi-VMPL.
 *
 * @example
 * ```ts
 * import {
 *   HV_FEATURE_AP_CREATION,
 *   HV_FEATURE_MULTI_VMPL,
 *   HV_FEATURE_SNP,
 * } from "./msr_protocol.ts";
 * const needed = HV_FEATURE_SNP | HV_FEATURE_AP_CREATION | HV_FEATURE_MULTI_VMPL; // 0x23n
 * const canRunSvsm = (features: bigint): boolean => (features & needed) === needed;
 * canRunSvsm(0x3n); // false: no multi-VMPL support
 * ```
 */
export const HV_FEATURE_SNP = 1n << 0n,
  HV_FEATURE_AP_CREATION = 1n << 1n,
  HV_FEATURE_MULTI_VMPL = 1n << 5n;

/**
 * Termination reason set 0 codes (snp-abi.md §9.2).
 *
 * @example
 * ```ts
 * import {
 *   encodeMsrRequest,
 *   TERM_GENERAL,
 *   TERM_PROTOCOL_UNSUPPORTED,
 *   TERM_SNP_UNSUPPORTED,
 * } from "./msr_protocol.ts";
 * const reason = (snp: boolean, protocolOk: boolean): number =>
 *   !snp ? TERM_SNP_UNSUPPORTED : !protocolOk ? TERM_PROTOCOL_UNSUPPORTED : TERM_GENERAL;
 * encodeMsrRequest({ kind: "term", reasonSet: 0, reasonCode: reason(false, true) }); // 0x20100n
 * ```
 */
export const TERM_GENERAL = 0, TERM_PROTOCOL_UNSUPPORTED = 1, TERM_SNP_UNSUPPORTED = 2;

/**
 * A guest's MSR-protocol request, decoded.
 *
 * @example
 * ```ts
 * import { encodeMsrRequest, type MsrRequest } from "./msr_protocol.ts";
 * const req: MsrRequest = { kind: "cpuid", fn: 0x8000001F, reg: 1 }; // EBX: the C-bit position
 * encodeMsrRequest(req); // 0x8000001f40000004n
 * ```
 */
export type MsrRequest =
  | { kind: "sev-info" }
  | { kind: "cpuid"; fn: number; reg: 0 | 1 | 2 | 3 }
  | { kind: "ap-reset-hold" }
  | { kind: "pref-gpa" }
  | { kind: "reg-gpa"; gfn: number }
  | { kind: "psc"; gfn: number; /** PSC_OP_PRIVATE or PSC_OP_SHARED (nae.ts) */ op: number }
  | { kind: "run-vmpl"; vmpl: number }
  | { kind: "hv-features" }
  | { kind: "term"; reasonSet: number; reasonCode: number }
  | { kind: "unknown"; info: number; value: bigint };

/**
 * A host's MSR-protocol response, decoded.
 *
 * @example
 * ```ts
 * import { decodeMsrResponse, type MsrResponse } from "./msr_protocol.ts";
 * const r: MsrResponse = decodeMsrResponse(0x2000133000001n);
 * if (r.kind === "sev-info") r.cBit; // 51, protocols 1..2
 * ```
 */
export type MsrResponse =
  | { kind: "sev-info"; maxProtocol: number; minProtocol: number; cBit: number }
  | { kind: "cpuid"; value: number }
  | { kind: "ap-reset-hold" }
  | { kind: "pref-gpa"; gfn: number }
  | { kind: "reg-gpa"; gfn: number }
  | { kind: "psc"; error: number }
  | { kind: "run-vmpl"; error: number }
  | { kind: "hv-features"; features: bigint }
  | { kind: "unknown"; info: number; value: bigint };

const I = GHCB_INFO;

function bits(v: bigint, lo: number, width: number): number {
  return Number((v >> BigInt(lo)) & ((1n << BigInt(width)) - 1n));
}

function put(value: number | bigint, lo: number, width: number): bigint {
  return (BigInt(value) & ((1n << BigInt(width)) - 1n)) << BigInt(lo);
}

/** GHCBInfo (bits 11:0) of an MSR value. */
export function ghcbInfo(v: bigint): number {
  return bits(v, 0, 12);
}

/**
 * Encodes a request as the guest writes it to the GHCB MSR.
 *
 * @example
 * ```ts
 * import { encodeMsrRequest } from "./msr_protocol.ts";
 * encodeMsrRequest({ kind: "run-vmpl", vmpl: 0 }); // 0x16n
 * ```
 */
export function encodeMsrRequest(r: MsrRequest): bigint {
  switch (r.kind) {
    case "sev-info":
      return BigInt(I.SEV_INFO_REQ);
    case "cpuid":
      return put(r.fn, 32, 32) | put(r.reg, 30, 2) | BigInt(I.CPUID_REQ);
    case "ap-reset-hold":
      return BigInt(I.AP_RESET_HOLD_REQ);
    case "pref-gpa":
      return BigInt(I.PREF_GPA_REQ);
    case "reg-gpa":
      return put(r.gfn, 12, 52) | BigInt(I.REG_GPA_REQ);
    case "psc":
      return put(r.op, 52, 4) | put(r.gfn, 12, 40) | BigInt(I.PSC_REQ);
    case "run-vmpl":
      return put(r.vmpl, 32, 8) | BigInt(I.RUN_VMPL_REQ);
    case "hv-features":
      return BigInt(I.HV_FEATURES_REQ);
    case "term":
      return put(r.reasonCode, 16, 8) | put(r.reasonSet, 12, 4) | BigInt(I.TERM_REQ);
    case "unknown":
      return BigInt.asUintN(64, r.value);
  }
}

/**
 * Decodes a value the guest wrote to the GHCB MSR (any value: unknown codes stay "unknown").
 *
 * @example
 * ```ts
 * import { decodeMsrRequest, encodeMsrRequest } from "./msr_protocol.ts";
 * const v = encodeMsrRequest({ kind: "reg-gpa", gfn: 0x123 });
 * decodeMsrRequest(v); // { kind: "reg-gpa", gfn: 0x123 }
 * ```
 */
export function decodeMsrRequest(v: bigint): MsrRequest {
  v = BigInt.asUintN(64, v);
  const info = ghcbInfo(v);
  switch (info) {
    case I.SEV_INFO_REQ:
      return { kind: "sev-info" };
    case I.CPUID_REQ:
      return { kind: "cpuid", fn: bits(v, 32, 32), reg: bits(v, 30, 2) as 0 | 1 | 2 | 3 };
    case I.AP_RESET_HOLD_REQ:
      return { kind: "ap-reset-hold" };
    case I.PREF_GPA_REQ:
      return { kind: "pref-gpa" };
    case I.REG_GPA_REQ:
      return { kind: "reg-gpa", gfn: bits(v, 12, 52) };
    case I.PSC_REQ:
      return { kind: "psc", gfn: bits(v, 12, 40), op: bits(v, 52, 4) };
    case I.RUN_VMPL_REQ:
      return { kind: "run-vmpl", vmpl: bits(v, 32, 8) };
    case I.HV_FEATURES_REQ:
      return { kind: "hv-features" };
    case I.TERM_REQ:
      return { kind: "term", reasonSet: bits(v, 12, 4), reasonCode: bits(v, 16, 8) };
    default:
      return { kind: "unknown", info, value: v };
  }
}

/**
 * Encodes the host's response.
 *
 * @example
 * ```ts
 * import { encodeMsrResponse } from "./msr_protocol.ts";
 * encodeMsrResponse({ kind: "run-vmpl", error: 0 }); // 0x17n
 * ```
 */
export function encodeMsrResponse(r: MsrResponse): bigint {
  switch (r.kind) {
    case "sev-info":
      return put(r.maxProtocol, 48, 16) | put(r.minProtocol, 32, 16) | put(r.cBit, 24, 8) |
        BigInt(I.SEV_INFO_RESP);
    case "cpuid":
      return put(r.value, 32, 32) | BigInt(I.CPUID_RESP);
    case "ap-reset-hold":
      return BigInt(I.AP_RESET_HOLD_RESP);
    case "pref-gpa":
      return put(r.gfn, 12, 52) | BigInt(I.PREF_GPA_RESP);
    case "reg-gpa":
      return put(r.gfn, 12, 52) | BigInt(I.REG_GPA_RESP);
    case "psc":
      return put(r.error, 32, 32) | BigInt(I.PSC_RESP);
    case "run-vmpl":
      return put(r.error, 32, 32) | BigInt(I.RUN_VMPL_RESP);
    case "hv-features":
      return put(r.features, 12, 52) | BigInt(I.HV_FEATURES_RESP);
    case "unknown":
      return BigInt.asUintN(64, r.value);
  }
}

/**
 * Decodes the host's response as the guest reads it back from the GHCB MSR.
 *
 * @example
 * ```ts
 * import { decodeMsrResponse, encodeMsrResponse } from "./msr_protocol.ts";
 * decodeMsrResponse(encodeMsrResponse({ kind: "psc", error: 0 })); // { kind: "psc", error: 0 }
 * ```
 */
export function decodeMsrResponse(v: bigint): MsrResponse {
  v = BigInt.asUintN(64, v);
  const info = ghcbInfo(v);
  switch (info) {
    case I.SEV_INFO_RESP:
      return {
        kind: "sev-info",
        maxProtocol: bits(v, 48, 16),
        minProtocol: bits(v, 32, 16),
        cBit: bits(v, 24, 8),
      };
    case I.CPUID_RESP:
      return { kind: "cpuid", value: bits(v, 32, 32) };
    case I.AP_RESET_HOLD_RESP:
      return { kind: "ap-reset-hold" };
    case I.PREF_GPA_RESP:
      return { kind: "pref-gpa", gfn: bits(v, 12, 52) };
    case I.REG_GPA_RESP:
      return { kind: "reg-gpa", gfn: bits(v, 12, 52) };
    case I.PSC_RESP:
      return { kind: "psc", error: bits(v, 32, 32) };
    case I.RUN_VMPL_RESP:
      return { kind: "run-vmpl", error: bits(v, 32, 32) };
    case I.HV_FEATURES_RESP:
      return { kind: "hv-features", features: v >> 12n };
    default:
      return { kind: "unknown", info, value: v };
  }
}

/**
 * "No preferred GHCB GPA": all-ones GFN in a PREF_GPA response (snp-abi.md §9.2).
 *
 * @example
 * ```ts
 * import { decodeMsrResponse, encodeMsrResponse, PREF_GPA_NONE } from "./msr_protocol.ts";
 * const r = decodeMsrResponse(encodeMsrResponse({ kind: "pref-gpa", gfn: PREF_GPA_NONE }));
 * r.kind === "pref-gpa" && r.gfn === PREF_GPA_NONE; // true: the guest picks its own GHCB page
 * ```
 */
export const PREF_GPA_NONE: number = 2 ** 52 - 1;
