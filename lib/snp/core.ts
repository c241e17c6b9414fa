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
export {
  FAIL_INPUT,
  FAIL_INUSE,
  FAIL_OVERLAP,
  FAIL_PERMISSION,
  FAIL_SIZEMISMATCH,
  FAIL_UNCHANGED,
  MAX_ASID,
  Rmp,
  RMP_FLAG_2M,
  RMP_FLAG_ASSIGNED,
  RMP_FLAG_IMMUTABLE,
  RMP_FLAG_VALIDATED,
  RMP_FLAG_VMSA,
  RMP_PERM_ALL,
  RMP_PERM_EXEC_SUPER,
  RMP_PERM_EXEC_USER,
  RMP_PERM_READ,
  RMP_PERM_WRITE,
  RMP_SUCCESS,
  type RmpEntry,
  type RmpResult,
  type RmpUpdate,
} from "./rmp.ts";
export { MemoryEncryption } from "./memory_encryption.ts";
export * from "./npt.ts";
export {
  type AccessContext,
  type AccessKind,
  GuestMemoryAccess,
  HostMemoryAccess,
} from "./guest_memory_access.ts";
export {
  type FaultKind,
  MachineFault,
  PFERR_FETCH,
  PFERR_GUEST_ENC,
  PFERR_GUEST_FINAL,
  PFERR_GUEST_PAGE,
  PFERR_GUEST_RMP,
  PFERR_GUEST_SIZEM,
  PFERR_GUEST_VMPL,
  PFERR_PRESENT,
  PFERR_USER,
  PFERR_WRITE,
  SVM_EXIT_NPF,
  SVM_EXIT_VMGEXIT,
  VC_PAGE_NOT_VALIDATED,
} from "./faults.ts";
export * from "./instructions.ts";
export * from "./vmsa.ts";
export {
  GHCB,
  GHCB_PROTOCOL_MIN,
  GHCB_PROTOCOL_VERSION,
  GHCB_SHARED_BUFFER_OFFSET,
  GHCB_SHARED_BUFFER_SIZE,
  GHCB_TABLE,
  GHCB_USAGE_STANDARD,
  type GhcbFields,
  GhcbPage,
  type GhcbRegister,
} from "./ghcb.ts";
export {
  decodeMsrRequest,
  decodeMsrResponse,
  encodeMsrRequest,
  encodeMsrResponse,
  GHCB_INFO,
  HV_FEATURE_AP_CREATION,
  HV_FEATURE_MULTI_VMPL,
  HV_FEATURE_SNP,
  MSR_GHCB,
  MSR_SEV_STATUS,
  type MsrRequest,
  type MsrResponse,
  PREF_GPA_NONE,
  SEV_STATUS_ES,
  SEV_STATUS_SEV,
  SEV_STATUS_SNP,
  TERM_GENERAL,
  TERM_PROTOCOL_UNSUPPORTED,
  TERM_SNP_UNSUPPORTED,
} from "./msr_protocol.ts";
export {
  AP_CREATE,
  AP_CREATE_ON_INIT,
  AP_DESTROY,
  type ApCreation,
  decodeApCreation,
  decodePsc,
  encodeApCreation,
  encodePsc,
  GHCB_ERR_INVALID_EVENT,
  GHCB_ERR_INVALID_INPUT,
  GHCB_ERR_INVALID_SCRATCH_AREA,
  GHCB_ERR_INVALID_USAGE,
  GHCB_ERR_MISSING_INPUT,
  GHCB_ERR_NOT_REGISTERED,
  GHCB_EXITINFO1_ERROR,
  NAE_AP_CREATION,
  NAE_AP_HLT_LOOP,
  NAE_AP_JUMP_TABLE,
  NAE_CPUID,
  NAE_EXT_GUEST_REQUEST,
  NAE_GET_APIC_IDS,
  NAE_GUEST_REQUEST,
  NAE_HV_DOORBELL_PAGE,
  NAE_HV_FEATURES,
  NAE_HV_IPI,
  NAE_IOIO,
  NAE_MMIO_READ,
  NAE_MMIO_WRITE,
  NAE_MSR,
  NAE_NMI_COMPLETE,
  NAE_PSC,
  NAE_RDTSC,
  NAE_RDTSCP,
  NAE_SNP_RUN_VMPL,
  NAE_TERM_REQUEST,
  NAE_UNSUPPORTED_EVENT,
  NAE_VMMCALL,
  PSC_ENTRY_OFFSET,
  PSC_HEADER,
  PSC_HEADER_TABLE,
  PSC_MAX_ENTRIES,
  PSC_OP_PRIVATE,
  PSC_OP_PSMASH,
  PSC_OP_SHARED,
  PSC_OP_UNSMASH,
  type PscDescriptor,
  type PscEntry,
  type PscHeader,
} from "./nae.ts";
export * from "./layout_table.ts";
