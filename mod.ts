/**
 * The reference SVSM in TypeScript: a spec-readable model of an AMD SEV-SNP
 * machine and its secure processor (`snp`), the untrusted host (`host`), the
 * SVSM kernel's memory manager (`mm`), the SVSM kernel itself (`svsm`), a
 * TPM 2.0 (`tpm`), an enlightened guest OS (`guest`) and an attestation
 * verifier (`verify`).
 *
 * The main components are exported by name below; each layer's whole API is
 * its namespace here and its own entry point (`@svsm-ref/svsm/snp`, `/mm`,
 * `/svsm`, `/tpm`, `/tpm/server`, `/host`, `/guest`, `/verify`, `/common`).
 *
 * @example Boot a one-vCPU confidential VM and make one SVSM call from the guest
 * ```ts
 * import { GuestOs, Host, Machine, SecureProcessor, Svsm, svsmImage, svsmLayout } from "./mod.ts";
 * const layout = svsmLayout({ vmMemoryBytes: 16 << 20 });
 * const machine = new Machine({ memoryBytes: 20 << 20, vcpus: 1, seed: 1 });
 * machine.firmware = new SecureProcessor({ machine, chipSecret: new Uint8Array(32) });
 * const host = new Host(machine);
 * host.createVm({ guestMemoryBytes: layout.vmMemoryBytes });
 * new Svsm(machine, { layout }).install(); // VMPL0 of every vCPU
 * const guest = new GuestOs({
 *   secretsGpa: layout.guestSecretsGpa,
 *   main: async (os, cpu) => {
 *     const r = await os.svsmCall(cpu, 0, 6, 1n); // core QUERY_PROTOCOL(core, version 1)
 *     console.log(r.rcx.toString(16)); // "100000001": versions 1..1
 *   },
 * });
 * guest.install(machine); // VMPL2
 * host.launch(svsmImage(layout)); // measured by the secure processor
 * console.log((await host.run()).status); // "finished"
 * ```
 * @module
 */
export * as common from "./lib/common/mod.ts";
export * as snp from "./lib/snp/mod.ts";
export * as mm from "./lib/mm/mod.ts";
export * as svsm from "./lib/svsm/mod.ts";
export * as tpm from "./lib/tpm/mod.ts";
export * as host from "./lib/host/mod.ts";
export * as guest from "./lib/guest/mod.ts";
export * as verify from "./lib/verify/mod.ts";

export { Machine, SecureProcessor, toChromeTrace } from "./lib/snp/mod.ts";
export { Host } from "./lib/host/mod.ts";
export { KernelAllocator, PageTable, PerCpuPageTables } from "./lib/mm/mod.ts";
export { Svsm, svsmImage, svsmLayout, SvsmVtpm } from "./lib/svsm/mod.ts";
export { Tpm } from "./lib/tpm/mod.ts";
export { GuestOs } from "./lib/guest/mod.ts";
export { verifyReport } from "./lib/verify/mod.ts";

// Types that the named exports above use (so that `deno doc --lint mod.ts` sees them as public);
// each is documented where it is declared.
export type { Decoded, Field, FieldKind, FieldValue, Layout } from "./lib/common/mod.ts";
export type {
  AccessContext,
  AccessKind,
  AmdKeyHierarchy,
  AttestationReport,
  Certificate,
  ChromeTrace,
  ChromeTraceEvent,
  ChromeTraceOptions,
  CpuContext,
  EcKeyPair,
  ExitAction,
  Extension,
  Fiber,
  FiberEnd,
  FieldsOf,
  FirmwareResult,
  FirmwareVersion,
  GhcbPage,
  GhcbRegister,
  GuestBinding,
  GuestMemoryAccess,
  HostMemoryAccess,
  Hypervisor,
  LaunchFinishInput,
  LaunchUpdateInput,
  LayoutRow,
  MachineConfig,
  MemoryEncryption,
  Name,
  Npt,
  PageType,
  Product,
  ProductInfo,
  PvalidateResult,
  ReportFields,
  Rmp,
  RmpEntry,
  RmpResult,
  RmpUpdate,
  RunResult,
  Scheduler,
  SchedulerStop,
  Segment,
  SegmentName,
  SystemMemory,
  TcbLayout,
  TcbParts,
  Thread,
  Trace,
  TraceEvent,
  TraceKind,
  TraceOptions,
  TracePhase,
  Vcpu,
  VcpuState,
  VmplCpu,
  VmplProgram,
  VMSA_TABLE,
  VmsaFields,
  VmsaPage,
} from "./lib/snp/mod.ts";
export type {
  Access,
  AllocLayout,
  BuddyAllocator,
  MapAttrs,
  Mapping,
  MmError,
  MmErrorCode,
  MmResult,
  PAGE_1G,
  PAGE_2M,
  PAGE_4K,
  PageSize,
  PhysRegion,
  SlabCache,
  Tlb,
  TlbEntry,
  TopLevelShare,
  Translation,
  WalkStep,
} from "./lib/mm/mod.ts";
export type {
  AttestationService,
  Backtrace,
  CallRegisters,
  CpuRelax,
  DepositPool,
  ExceptionHandler,
  ExceptionTable,
  Ghcb,
  GuestMemory,
  GuestVcpu,
  KernelStack,
  LockCpu,
  MemoryRegion,
  NaeResult,
  PanicHandler,
  PerCpu,
  PERCPU_DATA,
  ProtocolHandler,
  ReportOutcome,
  RequestLoopCpu,
  RwLock,
  StackFrame,
  SvsmCpu,
  SvsmImage,
  SvsmKernelServices,
  SvsmLaunchPage,
  SvsmLayout,
  SvsmLayoutOptions,
  SvsmPanic,
  SvsmRequest,
  VtpmService,
} from "./lib/svsm/mod.ts";
export type {
  HashSequence,
  Hierarchies,
  Hierarchy,
  LoadedEntity,
  Lockout,
  NvIndex,
  NvPublic,
  NvStore,
  ObjectStore,
  PcrBanks,
  PcrSelection,
  Phase,
  Policy,
  SavedState,
  Scheme,
  Session,
  SessionTable,
  SymDef,
  TpmClock,
  TpmObject,
  TpmRandom,
  TpmState,
  TpmtPublic,
} from "./lib/tpm/mod.ts";
export type {
  FirmwareReply,
  GuestRequestFirmware,
  GuestVm,
  HostAttacks,
  HostPageAllocator,
  HostTamper,
  LaunchFirmware,
  LaunchPage,
  LaunchPlan,
  RunDecision,
  VmConfig,
} from "./lib/host/mod.ts";
export type { GuestCpu, SvsmCallResult, SvsmInfo } from "./lib/guest/mod.ts";
export type { CertificateChain, Finding, VerifyOptions, VerifyResult } from "./lib/verify/mod.ts";
