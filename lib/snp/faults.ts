/**
 * Faults the model raises on a forbidden access: #VC to the guest, nested
 * page faults (#NPF) to the host, and #PF on a host write (snp-abi.md §8).
 * They are thrown as {@link MachineFault}; the vCPU layer turns them into the
 * exit or exception the real machine would deliver.
 * @module
 */

/**
 * #VC error code: private page not validated (SVM_EXIT_PAGE_NOT_VALIDATED, snp-abi.md §8).
 *
 * @example
 * ```ts
 * import { MachineFault, VC_PAGE_NOT_VALIDATED } from "./faults.ts";
 * function needsPvalidate(e: unknown): boolean {
 *   return e instanceof MachineFault && e.kind === "vc" && e.code === VC_PAGE_NOT_VALIDATED;
 * }
 * needsPvalidate(new MachineFault("vc", 0x404, 0x2000)); // true
 * ```
 */
export const VC_PAGE_NOT_VALIDATED = 0x404;
/**
 * #VMEXIT code of a nested page fault (snp-abi.md §8).
 *
 * @example
 * ```ts
 * import { SVM_EXIT_NPF } from "./faults.ts";
 * import { VmsaPage } from "./vmsa.ts";
 * const vmsa = new VmsaPage(new Uint8Array(4096));
 * vmsa.guestExitCode = BigInt(SVM_EXIT_NPF);
 * vmsa.guestExitCode === 0x400n; // true
 * ```
 */
export const SVM_EXIT_NPF = 0x400;
/**
 * #VMEXIT code of VMGEXIT (snp-abi.md §8).
 *
 * @example
 * ```ts
 * import { SVM_EXIT_VMGEXIT } from "./faults.ts";
 * import { VMSA } from "./vmsa.ts";
 * const page = new Uint8Array(4096);
 * VMSA.set(page, "guestExitCode", 0x403n);
 * VMSA.get(page, "guestExitCode") === BigInt(SVM_EXIT_VMGEXIT); // true
 * ```
 */
export const SVM_EXIT_VMGEXIT = 0x403;

/**
 * Page-fault error bit: the page was present (x86 #PF error code bit 0).
 *
 * @example
 * ```ts
 * import { MachineFault, PFERR_PRESENT, PFERR_WRITE } from "./faults.ts";
 * const f = new MachineFault("pf", PFERR_PRESENT | PFERR_WRITE, 0x5000);
 * f.has(PFERR_PRESENT); // true: a protection fault, not a missing page
 * ```
 */
export const PFERR_PRESENT = 1;
/**
 * Page-fault error bit: write access (bit 1).
 *
 * @example
 * ```ts
 * import { PFERR_WRITE } from "./faults.ts";
 * const errorCode = 0x3; // as pushed by the CPU on #PF
 * const onWrite = (errorCode & PFERR_WRITE) !== 0; // true
 * ```
 */
export const PFERR_WRITE = 2;
/**
 * Page-fault error bit: user-mode access (bit 2).
 *
 * @example
 * ```ts
 * import { MachineFault, PFERR_USER, PFERR_WRITE } from "./faults.ts";
 * const f = new MachineFault("pf", PFERR_WRITE, 0x5000);
 * f.has(PFERR_USER); // false: a supervisor-mode write
 * ```
 */
export const PFERR_USER = 4;
/**
 * Page-fault error bit: instruction fetch (bit 4).
 *
 * @example
 * ```ts
 * import { PFERR_FETCH, PFERR_PRESENT } from "./faults.ts";
 * const code = PFERR_PRESENT | PFERR_FETCH; // 0x11
 * const onExecute = (code & PFERR_FETCH) !== 0; // true
 * ```
 */
export const PFERR_FETCH = 0x10;
/**
 * #NPF bit 31: caused by an RMP check (snp-abi.md §8). Numbers, not int32: combine with {@link faultBits}.
 *
 * @example
 * ```ts
 * import { faultBits, MachineFault, PFERR_GUEST_FINAL, PFERR_GUEST_RMP } from "./faults.ts";
 * const code = faultBits(PFERR_GUEST_RMP, PFERR_GUEST_FINAL); // 0x180000000
 * new MachineFault("npf", code, 0x1000).has(PFERR_GUEST_RMP); // true
 * ```
 */
export const PFERR_GUEST_RMP = 2 ** 31;
/**
 * #NPF bit 32: on the final GPA translation.
 *
 * @example
 * ```ts
 * import { MachineFault, PFERR_GUEST_FINAL } from "./faults.ts";
 * const f = new MachineFault("npf", PFERR_GUEST_FINAL, 0x7000, "no nested mapping");
 * f.message; // "#NPF 0x100000000 at GPA 0x7000 (no nested mapping)"
 * ```
 */
export const PFERR_GUEST_FINAL = 2 ** 32;
/**
 * #NPF bit 33: during a page-table walk.
 *
 * @example
 * ```ts
 * import { MachineFault, PFERR_GUEST_FINAL, PFERR_GUEST_PAGE } from "./faults.ts";
 * const f = new MachineFault("npf", PFERR_GUEST_FINAL, 0x7000);
 * f.has(PFERR_GUEST_PAGE); // false: the final access faulted, not a page-table walk
 * ```
 */
export const PFERR_GUEST_PAGE = 2 ** 33;
/**
 * #NPF bit 34: the access was private (C-bit set).
 *
 * @example
 * ```ts
 * import { faultBits, PFERR_GUEST_ENC, PFERR_GUEST_RMP } from "./faults.ts";
 * const code = faultBits(PFERR_GUEST_RMP, PFERR_GUEST_ENC);
 * code.toString(16); // "480000000": a private access refused by the RMP
 * ```
 */
export const PFERR_GUEST_ENC = 2 ** 34;
/**
 * #NPF bit 35: page-size mismatch.
 *
 * @example
 * ```ts
 * import { faultBits, MachineFault, PFERR_GUEST_FINAL, PFERR_GUEST_SIZEM } from "./faults.ts";
 * const f = new MachineFault("npf", faultBits(PFERR_GUEST_FINAL, PFERR_GUEST_SIZEM), 0x200000);
 * f.has(PFERR_GUEST_SIZEM); // true: a 2M PVALIDATE over a split nested mapping
 * ```
 */
export const PFERR_GUEST_SIZEM = 2 ** 35;
/**
 * #NPF bit 36: VMPL permission violation.
 *
 * @example
 * ```ts
 * import { faultBits, PFERR_GUEST_RMP, PFERR_GUEST_VMPL } from "./faults.ts";
 * const code = faultBits(PFERR_GUEST_RMP, PFERR_GUEST_VMPL);
 * (BigInt(code) & BigInt(PFERR_GUEST_VMPL)) !== 0n; // true: `&` on numbers would truncate bit 36
 * ```
 */
export const PFERR_GUEST_VMPL = 2 ** 36;

/** ORs distinct error bits that may lie above bit 31 (where `|` would truncate). */
export function faultBits(...bits: number[]): number {
  let v = 0n;
  for (const b of bits) v |= BigInt(b);
  return Number(v);
}

/**
 * Which fault: #VC to the guest, #NPF exit to the host, #PF to the host.
 *
 * @example
 * ```ts
 * import { type FaultKind, MachineFault } from "./faults.ts";
 * const deliveredTo = (kind: FaultKind): string => kind === "vc" ? "guest" : "host";
 * deliveredTo(new MachineFault("npf", 0, 0x1000).kind); // "host"
 * ```
 */
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
