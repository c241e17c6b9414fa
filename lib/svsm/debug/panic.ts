/**
 * SVSM panic: stop the SVSM cleanly, as COCONUT's panic handler does (kernel/src/svsm.rs,
 * svsm-abi.md §15): zero VMPCK0–3 in the secrets page so the guest can never reuse them, log the
 * reason and a backtrace, then terminate the guest (the kernel wires termination to the GHCB
 * termination request, snp-abi.md §9.2 TERM_REQ).
 *
 * How errors become panics:
 * - kernel code calls {@linkcode PanicHandler.panic} on a fatal condition;
 * - a fault raised by an SVSM memory access is handed to {@linkcode PanicHandler.fault} at the
 *   faulting access (the model's kernel-mode #PF/#GP/#VC entry, cpu/idt/svsm.rs): inside a
 *   guarded region ({@linkcode KernelStack.guard}, the fixup table of cpu/extable.rs) it is
 *   rethrown for the fixup to turn into an error code; outside, it is a panic;
 * - anything else that escapes a CPU's request loop goes to {@linkcode PanicHandler.uncaught}.
 * @module
 */

import type { Backtrace, KernelStack } from "./stacktrace.ts";

/** Offset of VMPCK0 in the secrets page (snp-abi.md §10). */
export const SECRETS_VMPCK0_OFFSET = 0x20;
/** Size of one VMPCK (snp-abi.md §10). */
export const VMPCK_SIZE = 32;
/** VMPCK0..3 (snp-abi.md §10). */
export const VMPCK_COUNT = 4;

/**
 * Zeroes VMPCK0–3 (bytes 0x20..0x9F) of a secrets page in place.
 *
 * @example
 * ```ts
 * import { wipeVmpcks } from "./panic.ts";
 * const page = new Uint8Array(4096).fill(0xaa);
 * wipeVmpcks(page);
 * page[0x20]; // 0
 * ```
 */
export function wipeVmpcks(secretsPage: Uint8Array): void {
  const end = SECRETS_VMPCK0_OFFSET + VMPCK_COUNT * VMPCK_SIZE;
  if (secretsPage.length < end) {
    throw new RangeError(`secrets page too short to hold VMPCK0-3 (${secretsPage.length} bytes)`);
  }
  secretsPage.fill(0, SECRETS_VMPCK0_OFFSET, end);
}

/**
 * A panic of the SVSM: thrown out of the panicking CPU once the SVSM has been stopped.
 *
 * @example
 * ```ts
 * import { SvsmPanic } from "./panic.ts";
 * function isFatal(e: unknown): boolean {
 *   return e instanceof SvsmPanic;
 * }
 * ```
 */
export class SvsmPanic extends Error {
  /** Why the SVSM stopped. */
  readonly reason: string;
  /** The CPU that panicked. */
  readonly cpuId: number;
  /** The modeled kernel frames at the panic, innermost first. */
  readonly backtrace: Backtrace;

  /** A panic with its reason, backtrace and (optionally) the error that caused it. */
  constructor(reason: string, backtrace: Backtrace, cause?: unknown) {
    super(`SVSM panic on CPU ${backtrace.cpuId}: ${reason}`, { cause });
    this.name = "SvsmPanic";
    this.reason = reason;
    this.cpuId = backtrace.cpuId;
    this.backtrace = backtrace;
  }

  /** The panic report as printed: reason line, then the backtrace between markers. */
  report(): string[] {
    return [this.message, "---BACKTRACE---", ...this.backtrace.lines(), "---END---"];
  }
}

/**
 * What the kernel gives the panic handler.
 *
 * @example
 * ```ts
 * import { KernelStack } from "./stacktrace.ts";
 * import { PanicHandler, type PanicHooks } from "./panic.ts";
 * const secrets = new Uint8Array(4096).fill(0xaa);
 * const hooks: PanicHooks = { secretsPage: () => secrets, terminate: () => {}, log: () => {} };
 * new PanicHandler(hooks).uncaught(new KernelStack(0), new Error("boom"));
 * secrets[0x20]; // 0: VMPCK0 wiped by the panic
 * ```
 */
export interface PanicHooks {
  /**
   * The SVSM's secrets page bytes (4096); VMPCK0–3 are zeroed in place. `undefined` before the
   * page exists (early boot): nothing to wipe yet.
   */
  secretsPage(): Uint8Array | undefined;
  /**
   * Terminates the guest. The kernel wires this to the GHCB termination request (MSR protocol
   * TERM_REQ, snp-abi.md §9.2); the panicking CPU's loop performs the VMGEXIT when it catches
   * the {@linkcode SvsmPanic}. Called once, for the first panic.
   */
  terminate(panic: SvsmPanic): void;
  /** Console output, one line per call; defaults to `console.error`. */
  log?(line: string): void;
}

/**
 * The SVSM's panic handler (one per SVSM instance).
 *
 * @example
 * ```ts
 * import { KernelStack } from "./stacktrace.ts";
 * import { PanicHandler, SvsmPanic } from "./panic.ts";
 * const secrets = new Uint8Array(4096).fill(0xaa);
 * const panics = new PanicHandler({
 *   secretsPage: () => secrets,
 *   terminate: (p) => console.log("terminate:", p.reason),
 *   log: () => {},
 * });
 * const stack = new KernelStack(0);
 * try {
 *   using _f = stack.frame("svsm", "svsm_main", 10);
 *   panics.panic(stack, "out of memory");
 * } catch (e) {
 *   if (!(e instanceof SvsmPanic)) throw e;
 * }
 * ```
 */
export class PanicHandler {
  readonly #hooks: PanicHooks;
  #first: SvsmPanic | undefined;

  /** A handler using the kernel's hooks. */
  constructor(hooks: PanicHooks) {
    this.#hooks = hooks;
  }

  /** The first panic, once the SVSM has panicked. */
  get panicked(): SvsmPanic | undefined {
    return this.#first;
  }

  /** Stops the SVSM: wipe VMPCK0–3, log reason and backtrace, terminate the guest, throw. */
  panic(stack: KernelStack, reason: string, cause?: unknown): never {
    throw this.#stop(new SvsmPanic(reason, stack.backtrace(), cause));
  }

  /**
   * The modeled kernel-mode exception entry for a fault raised by an SVSM access: rethrown
   * inside a guarded region (the fixup recovers it), a panic outside.
   */
  fault(stack: KernelStack, fault: unknown): never {
    if (stack.isInGuardedRegion()) throw fault;
    this.panic(stack, `unhandled fault outside a guarded region: ${describe(fault)}`, fault);
  }

  /**
   * For a CPU loop's last-resort catch: an {@linkcode SvsmPanic} is returned as is; any other
   * error is turned into a panic (the SVSM is stopped) with the frames at the catch site. Returns
   * the panic so the loop can rethrow it or end.
   */
  uncaught(stack: KernelStack, error: unknown): SvsmPanic {
    if (error instanceof SvsmPanic) return error;
    return this.#stop(
      new SvsmPanic(`unhandled error: ${describe(error)}`, stack.backtrace(), error),
    );
  }

  #stop(panic: SvsmPanic): SvsmPanic {
    // Secrets first: whatever happens next, the guest must not get VMPCKs back (svsm.rs order).
    const page = this.#hooks.secretsPage();
    if (page !== undefined) wipeVmpcks(page);
    const log = this.#hooks.log ?? ((line: string) => console.error(line));
    for (const line of panic.report()) log(line);
    if (this.#first === undefined) {
      this.#first = panic;
      this.#hooks.terminate(panic);
    }
    return panic;
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
