/**
 * Debugging components of the SVSM kernel (COCONUT kernel/src/debug/, kernel/src/svsm.rs):
 * modeled kernel stacks and backtraces, and the panic path.
 * @module
 */
export * from "./stacktrace.ts";
export * from "./panic.ts";
