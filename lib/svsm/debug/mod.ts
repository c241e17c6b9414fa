/**
 * Debugging components of the SVSM kernel (COCONUT kernel/src/debug/, kernel/src/svsm.rs):
 * modeled kernel stacks and backtraces, and the panic path.
 *
 * @example
 * ```ts
 * import { formatFrame } from "./mod.ts";
 * formatFrame({ module: "requests", function: "request_loop", line: 12 }, 0);
 * // "  [#0] requests::request_loop (requests.ts:12)"
 * ```
 * @module
 */
export { Backtrace, formatFrame, KernelStack, type StackFrame } from "./stacktrace.ts";
export { PanicHandler, type PanicHooks, SvsmPanic } from "./panic.ts";
