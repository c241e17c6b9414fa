/**
 * The SEV-SNP machine core: memory, RMP, memory encryption, nested paging, the
 * per-access checks, faults, the RMP instructions, and the VMSA/GHCB layouts
 * with the MSR protocol and NAE codes. `mod.ts` re-exports this with the
 * execution layer.
 *
 * Names follow notes/machine_api.md. Additions beyond the contract:
 * `HostMemoryAccess` (the host's checked view), `GuestMemoryAccess.check`,
 * `.overwritePage` and `.zeroPage` (whole-page writes skip decryption),
 * `MemoryEncryption.overwriteView/toRaw/toPrivate`, `Rmp.psmash`,
 * `Rmp.setFlag/setPerms` (microcode and firmware only), `InstructionContext`
 * (= AccessContext + rmp) as the first argument of pvalidate/rmpadjust,
 * `qemuResetVmsa`, `layoutFromTable` (lib/snp/layout_table.ts).
 * @module
 */
export * from "./constants.ts";
export * from "./memory.ts";
export * from "./rmp.ts";
export * from "./memory_encryption.ts";
export * from "./npt.ts";
export * from "./guest_memory_access.ts";
export * from "./faults.ts";
export * from "./instructions.ts";
export * from "./vmsa.ts";
export * from "./ghcb.ts";
export * from "./msr_protocol.ts";
export * from "./nae.ts";
export * from "./layout_table.ts";
