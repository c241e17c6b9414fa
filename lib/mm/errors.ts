/**
 * Typed results for every memory-management operation. Nothing in lib/mm
 * throws at run time: an operation answers `{ ok: true, value }` or
 * `{ ok: false, error }`, where the error carries one code from
 * {@link MmErrorCode}. Constructors throw `RangeError` only for a bad
 * configuration, which is a programming error.
 * @module
 */

/**
 * Error codes. Where COCONUT has an equivalent, it is named beside it
 * (COCONUT kernel/src/mm/alloc.rs `AllocError`); COCONUT panics on the
 * free-time checks, which here are reported instead.
 *
 * @example
 * ```ts
 * import type { MmErrorCode } from "./errors.ts";
 * // Only this code may clear up once other allocations are freed.
 * const transient = (code: MmErrorCode): boolean => code === "out-of-memory";
 * ```
 */
export type MmErrorCode =
  /** No free block large enough (`AllocError::OutOfMemory`). */
  | "out-of-memory"
  /** Size 0, a non-integer, or an alignment that is not a power of two (`InvalidLayout`). */
  | "invalid-layout"
  /** Alignment above the 4 KiB page size; COCONUT silently ignores it. */
  | "alignment-unsupported"
  /** The block or slot is already free (double free, or never allocated). */
  | "double-free"
  /** Not the start of a live allocation of this allocator (`InvalidHeapAddress`). */
  | "foreign-pointer"
  /** The layout given to dealloc/realloc differs from the one used to allocate. */
  | "layout-mismatch"
  /** The page exists but has another type, e.g. get/put on a non-file page (`InvalidPageType`). */
  | "wrong-page-type"
  /** A virtual or physical address that is misaligned, non-canonical or out of range. */
  | "invalid-address"
  /** Page-table flags outside the set a caller may choose. */
  | "invalid-flags"
  /** The virtual range already holds a mapping (or a table where a large page should go). */
  | "already-mapped"
  /** Nothing is mapped at that virtual address. */
  | "not-mapped"
  /** A modeled processor access faulted (#PF); the error carries the #PF error code. */
  | "page-fault";

/**
 * A failed operation: the code and a human-readable detail.
 *
 * @example
 * ```ts
 * import type { MmError } from "./errors.ts";
 * import { PF_P, PF_W } from "./page_table.ts";
 * const e: MmError = { code: "page-fault", message: "#PF at 0x5000, error code 3", pfec: PF_P | PF_W };
 * ```
 */
export interface MmError {
  /** What went wrong. */
  readonly code: MmErrorCode;
  /** Detail for logs; never parsed. */
  readonly message: string;
  /** For `page-fault`: the #PF error code (Intel SDM Vol. 3A §4.7). */
  readonly pfec?: number;
}

/**
 * The outcome of an operation: a value, or a typed error.
 *
 * @example
 * ```ts
 * import { hexAddr, type MmResult } from "./errors.ts";
 * const describe = (r: MmResult<number>): string => r.ok ? hexAddr(r.value) : r.error.code;
 * describe({ ok: true, value: 0x7000 }); // "0x7000"
 * ```
 */
export type MmResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: MmError };

/**
 * Builds a success.
 *
 * @example
 * ```ts
 * import { ok } from "./errors.ts";
 * const r = ok(0x1000); // { ok: true, value: 0x1000 }
 * ```
 */
export function ok<T>(value: T): MmResult<T> {
  return { ok: true, value };
}

/** The shared success of operations that return nothing (no allocation per call). */
export const OK_VOID: MmResult<void> = Object.freeze({ ok: true, value: undefined });

/**
 * Builds a failure.
 *
 * @example
 * ```ts
 * import { fail } from "./errors.ts";
 * const r = fail("out-of-memory", "no order-3 block");
 * ```
 */
export function fail<T = never>(code: MmErrorCode, message: string): MmResult<T> {
  return { ok: false, error: { code, message } };
}

/** Formats an address for messages. */
export function hexAddr(a: number): string {
  return "0x" + a.toString(16);
}
