/**
 * SVSM call result codes and the one table that maps internal errors to
 * them, as COCONUT keeps them in kernel/src/protocols/errors.rs
 * (svsm-abi.md §3). Everything a protocol handler can fail with is an
 * {@link SvsmReqError}: either a soft error the guest sees as a result code,
 * or a fatal condition that panics the SVSM.
 * @module
 */

/**
 * SVSM result codes (SVSM spec 58019 table 5; svsm-abi.md §3).
 *
 * @example
 * ```ts
 * import { resultName, SvsmResultCode } from "./errors.ts";
 * const rax = SvsmResultCode.PROTOCOL_BASE + 6; // PVALIDATE's FAIL_SIZEMISMATCH (6) as a result code
 * rax === SvsmResultCode.SUCCESS; // false
 * resultName(rax); // "PROTOCOL_BASE+0x6"
 * ```
 */
export const SvsmResultCode = {
  SUCCESS: 0x0000_0000,
  INCOMPLETE: 0x8000_0000,
  UNSUPPORTED_PROTOCOL: 0x8000_0001,
  UNSUPPORTED_CALL: 0x8000_0002,
  INVALID_ADDRESS: 0x8000_0003,
  INVALID_FORMAT: 0x8000_0004,
  INVALID_PARAMETER: 0x8000_0005,
  INVALID_REQUEST: 0x8000_0006,
  BUSY: 0x8000_0007,
  /** Protocol-specific codes start here; PVALIDATE/RMPADJUST failure n → BASE + n. */
  PROTOCOL_BASE: 0x8000_1000,
} as const;

/**
 * Readable name of a result code, for traces and the CLI.
 *
 * @example
 * ```ts
 * import { resultName, SvsmResultCode } from "./errors.ts";
 * resultName(SvsmResultCode.INVALID_ADDRESS); // "INVALID_ADDRESS"
 * ```
 */
export function resultName(code: number): string {
  for (const [k, v] of Object.entries(SvsmResultCode)) {
    if (v === code && k !== "PROTOCOL_BASE") return k;
  }
  if (code >= SvsmResultCode.PROTOCOL_BASE && code < SvsmResultCode.PROTOCOL_BASE + 0x1000) {
    return `PROTOCOL_BASE+0x${(code - SvsmResultCode.PROTOCOL_BASE).toString(16)}`;
  }
  return `0x${code.toString(16)}`;
}

/**
 * Why a request failed, before it is mapped to a result code (errors.rs `SvsmReqError`).
 *
 * @example
 * ```ts
 * import { fatal, reqError, SvsmResultCode, type SvsmReqError } from "./errors.ts";
 * const toRax = (e: SvsmReqError): number | "panic" => e.kind === "result" ? e.code : "panic";
 * toRax(reqError(SvsmResultCode.BUSY)); // 0x80000007
 * toRax(fatal("heap exhausted")); // "panic"
 * ```
 */
export type SvsmReqError =
  | { readonly kind: "result"; readonly code: number }
  | { readonly kind: "fatal"; readonly reason: string };

/** A soft error carrying a result code. */
export function reqError(code: number): SvsmReqError {
  return { kind: "result", code };
}

/** A fatal condition: the SVSM panics (out of memory, broken invariants). */
export function fatal(reason: string): SvsmReqError {
  return { kind: "fatal", reason };
}

/** A failed SEV-SNP instruction with hardware return code `rc` → PROTOCOL_BASE + rc. */
export function instructionError(rc: number): SvsmReqError {
  return reqError(SvsmResultCode.PROTOCOL_BASE + rc);
}

/**
 * The software "PVALIDATE did not change the page" code COCONUT reports (FAIL_UNCHANGED).
 *
 * @example
 * ```ts
 * import { instructionError, PVALIDATE_FAIL_UNCHANGED } from "./errors.ts";
 * instructionError(PVALIDATE_FAIL_UNCHANGED); // { kind: "result", code: 0x80001010 }
 * ```
 */
export const PVALIDATE_FAIL_UNCHANGED = 0x10;

/**
 * Thrown inside a handler to unwind to the request loop with a {@link SvsmReqError}.
 *
 * @example
 * ```ts
 * import { SvsmRequestFailure, SvsmResultCode } from "./errors.ts";
 * const e = new SvsmRequestFailure({ kind: "result", code: SvsmResultCode.INVALID_PARAMETER });
 * e.error.kind; // "result"
 * ```
 */
export class SvsmRequestFailure extends Error {
  /** Error name, for logs. */
  override name: string = "SvsmRequestFailure";
  /** The error the request loop turns into a result code or a panic. */
  readonly error: SvsmReqError;
  /** Wraps `error`; its message names the code or the fatal reason. */
  constructor(error: SvsmReqError) {
    super(error.kind === "result" ? resultName(error.code) : `fatal: ${error.reason}`);
    this.error = error;
  }
}

/** Throws a soft error with `code`. */
export function fail(code: number): never {
  throw new SvsmRequestFailure(reqError(code));
}
