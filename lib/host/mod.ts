/**
 * The untrusted host: creates and launches the guest, owns its nested page table, handles
 * its VMGEXITs (MSR protocol, GHCB NAE events), runs VMPLs on request, and exposes every
 * attack a malicious host can try.
 *
 * @example
 * ```ts
 * import { Machine } from "../snp/mod.ts";
 * import { Host } from "./mod.ts";
 * const host = new Host(new Machine({ memoryBytes: 8 << 20, vcpus: 2, seed: 1 }));
 * host.createVm({ guestMemoryBytes: 4 << 20 });
 * ```
 * @module
 */
export * from "./host.ts";
export * from "./guest_vm.ts";
export * from "./launch.ts";
export * from "./page_allocator.ts";
export * from "./attacks.ts";
