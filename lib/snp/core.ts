/**
 * The SEV-SNP machine core: memory, RMP, memory encryption, nested paging, the
 * per-access checks, faults, the RMP instructions, and the VMSA/GHCB layouts
 * with the MSR protocol and NAE codes. `mod.ts` re-exports this with the
 * execution layer.
 *
 * Names follow notes/machine_api.md. Additions beyond the contract:
 * - `HostMemoryAccess`: the host's view (reads ciphertext; writes to
 *   RMP-assigned pages raise #PF with the RMP bit).
 * - `GuestMemoryAccess.check` (one checked access, returns the SPA),
 *   `.overwritePage`/`.zeroPage` (whole-page writes that skip decryption).
 * - `MemoryEncryption.overwriteView`, `toRaw`, `toPrivate`, `toPrivateRun`,
 *   `views`/`epoch` (the lazy view machinery, for the vCPU and firmware layers).
 * - `Rmp.psmash`, `Rmp.pageOf`, and `Rmp.setFlag`/`setPerms` (microcode and
 *   firmware only: the host must go through `rmpupdate`).
 * - `pvalidate`/`rmpadjust` take an `InstructionContext` (= AccessContext +
 *   rmp) and a GPA (guest paging is identity in the model); `rmpadjustAttrs`.
 * - `qemuResetVmsa`, `VmsaPage.segment`, `GhcbPage`, `decodePsc`/`encodePsc`,
 *   `encodeMsrRequest`/`decodeMsrRequest` (+ responses), `layoutFromTable`.
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
