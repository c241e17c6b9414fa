/**
 * The SVSM kernel at VMPL0, mirroring COCONUT-SVSM's components one module
 * each: locking, debug (stack traces, panic), the guest-visible ABI, the
 * request contract and the protocols.
 *
 * @example
 * ```ts
 * import { Svsm, svsmImage, svsmLayout } from "./mod.ts";
 * import { Machine } from "../snp/mod.ts";
 * const layout = svsmLayout({ vmMemoryBytes: 16 << 20 });
 * const svsm = new Svsm(new Machine({ memoryBytes: 20 << 20, vcpus: 2, seed: 1 }), { layout });
 * svsm.install(); // the host then launches svsmImage(layout) and runs the VM
 * ```
 * @module
 */
export * from "./abi/mod.ts";
export * from "./locking/mod.ts";
export * from "./debug/mod.ts";
export * from "./request_context.ts";
export * from "./svsm.ts";
export * from "./boot/mod.ts";
export * from "./cpu/mod.ts";
export * from "./sev/mod.ts";
export * from "./fixups/mod.ts";
export * from "./vtpm/mod.ts";
export { dispatchRequest, ListDepositPool, protocolVersionRange } from "./protocols/mod.ts";
export type { VersionRange } from "./protocols/mod.ts";
export type { RequestLoopCpu } from "./requests.ts";
