/**
 * Faults the model raises on a forbidden access: #VC to the guest, nested
 * page faults (#NPF) to the host, and #PF on a host write (snp-abi.md §8).
 * They are thrown as {@link MachineFault}; the vCPU layer turns them into the
 * exit or exception the real machine would deliver.
 * @module
 */

/** #VC error code: private page not validated (SVM_EXIT_PAGE_NOT_VALIDATED, snp-abi.md §8). */
export const VC_PAGE_NOT_VALIDATED = 0x404;
/** #VMEXIT code of a nested page fault (snp-abi.md §8). */
export const SVM_EXIT_NPF = 0x400;
/** #VMEXIT code of VMGEXIT (snp-abi.md §8). */
export const SVM_EXIT_VMGEXIT = 0x403;

/** Page-fault error bit: the page was present (x86 #PF error code bit 0). */
export const PFERR_PRESENT = 1;
/** Page-fault error bit: write access (bit 1). */
export const PFERR_WRITE = 2;
/** Page-fault error bit: user-mode access (bit 2). */
export const PFERR_USER = 4;
/** Page-fault error bit: instruction fetch (bit 4). */
export const PFERR_FETCH = 0x10;
/** #NPF bit 31: caused by an RMP check (snp-abi.md §8). Numbers, not int32: combine with {@link faultBits}. */
export const PFERR_GUEST_RMP = 2 ** 31;
/** #NPF bit 32: on the final GPA translation. */
export const PFERR_GUEST_FINAL = 2 ** 32;
/** #NPF bit 33: during a page-table walk. */
export const PFERR_GUEST_PAGE = 2 ** 33;
/** #NPF bit 34: the access was private (C-bit set). */
export const PFERR_GUEST_ENC = 2 ** 34;
/** #NPF bit 35: page-size mismatch. */
export const PFERR_GUEST_SIZEM = 2 ** 35;
/** #NPF bit 36: VMPL permission violation. */
export const PFERR_GUEST_VMPL = 2 ** 36;

/** ORs distinct error bits that may lie above bit 31 (where `|` would truncate). */
export function faultBits(...bits: number[]): number {
  let v = 0n;
  for (const b of bits) v |= BigInt(b);
  return Number(v);
}

/** Which fault: #VC to the guest, #NPF exit to the host, #PF to the host. */
export type FaultKind = "vc" | "npf" | "pf";

/**
 * A hardware fault raised by an access or instruction.
 *
 * @example
 * ```ts
 * import { MachineFault, VC_PAGE_NOT_VALIDATED } from "./faults.ts";
 * const f = new MachineFault("vc", VC_PAGE_NOT_VALIDATED, 0x1000);
 * f.message; // "#VC 0x404 at GPA 0x1000"
 * ```
 */
export class MachineFault extends Error {
  /** The fault type. */
  readonly kind: FaultKind;
  /** #VC error code, or the #NPF/#PF error-code bits. */
  readonly code: number;
  /** Faulting address: GPA for vc/npf, SPA for pf. */
  readonly gpa: number;

  /** Builds a fault; the message names kind, code and address in hex. */
  constructor(kind: FaultKind, code: number, gpa: number, detail?: string) {
    const where = kind === "pf" ? "SPA" : "GPA";
    super(
      `#${kind.toUpperCase()} 0x${code.toString(16)} at ${where} 0x${gpa.toString(16)}` +
        (detail ? ` (${detail})` : ""),
    );
    this.name = "MachineFault";
    this.kind = kind;
    this.code = code;
    this.gpa = gpa;
  }

  /** True if the given error bit (e.g. {@link PFERR_GUEST_RMP}) is set in `code`. */
  has(bit: number): boolean {
    return (BigInt(this.code) & BigInt(bit)) !== 0n;
  }
}
