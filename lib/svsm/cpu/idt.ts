/**
 * Exception dispatch, after COCONUT's IDT (kernel/src/cpu/idt/svsm.rs; svsm-abi.md §14): a
 * fault raised by an SVSM instruction is routed by vector to its handler. Kernel-mode #PF, #GP
 * and #VC consult the exception table: inside a guarded region (the model's fixup ranges,
 * `KernelStack.guard()`) the fault goes back to the guarded accessor, which reports it as an
 * error; anywhere else it is a panic. The model also routes the nested page fault, which real
 * hardware delivers to the host, here: the machine surfaces it in the faulting program.
 * @module
 */

import { MachineFault, SVM_EXIT_NPF } from "../../snp/mod.ts";
import type { PanicHandler } from "../debug/panic.ts";
import type { KernelStack } from "../debug/stacktrace.ts";

/**
 * Exception vectors (AMD APM vol. 2 §8.2) and the model's NPF pseudo-vector.
 *
 * @example
 * ```ts
 * import { faultVector, GeneralProtectionFault, Vector } from "./idt.ts";
 * faultVector(new GeneralProtectionFault("GPA 2^60")) === Vector.GP; // true: vector 13
 * ```
 */
export const Vector = {
  /** General protection (e.g. a non-canonical address). */
  GP: 13,
  /** Page fault (an RMP violation seen by a host-side write). */
  PF: 14,
  /** VMM communication exception (e.g. 0x404, page not validated). */
  VC: 29,
  /** Nested page fault (#VMEXIT 0x400): RMP or NPT violation of a guest access. */
  NPF: SVM_EXIT_NPF,
} as const;

/**
 * #GP raised by the model when an address cannot be formed at all (a GPA that is no exact
 * integer below 2^53, i.e. outside any canonical mapping).
 *
 * @example
 * ```ts
 * import { GeneralProtectionFault } from "./idt.ts";
 * const f: unknown = new GeneralProtectionFault("GPA 2^60 cannot be formed");
 * f instanceof GeneralProtectionFault; // true
 * ```
 */
export class GeneralProtectionFault extends Error {
  /** The error name. */
  override name = "GeneralProtectionFault";
}

/** The vector a fault arrives on, or -1 for an error that is no CPU exception. */
export function faultVector(error: unknown): number {
  if (error instanceof MachineFault) {
    if (error.kind === "vc") return Vector.VC;
    return error.kind === "pf" ? Vector.PF : Vector.NPF;
  }
  return error instanceof GeneralProtectionFault ? Vector.GP : -1;
}

/**
 * A handler: recovers by throwing the fault back to a fixup, or panics. Never returns.
 *
 * @example
 * ```ts
 * import type { KernelStack } from "../debug/mod.ts";
 * import type { ExceptionHandler, ExceptionTable } from "./idt.ts";
 * import { Vector } from "./idt.ts";
 * const rethrow: ExceptionHandler = (_stack: KernelStack, fault: unknown) => {
 *   throw fault; // back to the guarded accessor's fixup
 * };
 * function installFixup(idt: ExceptionTable): void {
 *   idt.register(Vector.PF, rethrow);
 * }
 * ```
 */
export type ExceptionHandler = (stack: KernelStack, fault: unknown) => never;

/**
 * The SVSM's exception table, one per kernel.
 *
 * @example
 * ```ts
 * import { KernelStack, PanicHandler } from "../debug/mod.ts";
 * import { ExceptionTable, Vector } from "./idt.ts";
 * const panics = new PanicHandler({ secretsPage: () => undefined, terminate: () => {}, log: () => {} });
 * const idt = new ExceptionTable(panics);
 * idt.handlerFor(Vector.VC) !== undefined; // true
 * ```
 */
export class ExceptionTable {
  readonly #handlers = new Map<number, ExceptionHandler>();
  readonly #panics: PanicHandler;

  /** The kernel-mode handlers for #GP, #PF, #VC and NPF: fixup when guarded, else panic. */
  constructor(panics: PanicHandler) {
    this.#panics = panics;
    const kernelFault: ExceptionHandler = (stack, fault) => panics.fault(stack, fault);
    for (const v of Object.values(Vector)) this.#handlers.set(v, kernelFault);
  }

  /** Installs `handler` for `vector`. */
  register(vector: number, handler: ExceptionHandler): void {
    this.#handlers.set(vector, handler);
  }

  /** The handler of `vector`. */
  handlerFor(vector: number): ExceptionHandler | undefined {
    return this.#handlers.get(vector);
  }

  /**
   * Delivers `error`, raised on the CPU owning `stack`: to its vector's handler, or a panic
   * when it is no exception or has no handler (COCONUT: unhandled exceptions panic).
   */
  dispatch(stack: KernelStack, error: unknown): never {
    const handler = this.#handlers.get(faultVector(error));
    if (handler === undefined) {
      return this.#panics.panic(stack, `unhandled exception: ${describe(error)}`, error);
    }
    return handler(stack, error);
  }
}

function describe(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}
