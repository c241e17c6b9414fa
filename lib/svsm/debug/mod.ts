/**
 * Debugging components of the SVSM kernel (COCONUT kernel/src/debug/, kernel/src/svsm.rs):
 * modeled kernel stacks and backtraces, and the panic path.
 * @module
 */
export { Backtrace, formatFrame, KernelStack, type StackFrame } from "./stacktrace.ts";
export { PanicHandler, type PanicHooks, SvsmPanic } from "./panic.ts";
