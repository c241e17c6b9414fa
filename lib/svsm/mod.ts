/**
 * The SVSM kernel at VMPL0, mirroring COCONUT-SVSM's components one module
 * each: locking, debug (stack traces, panic), the guest-visible ABI, the
 * request contract and the protocols.
 * @module
 */
export * from "./abi/mod.ts";
export * from "./locking/mod.ts";
export * from "./debug/mod.ts";
export * from "./request_context.ts";
