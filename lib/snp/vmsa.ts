/**
 * The VMSA: a vCPU's register state at one VMPL, a 4096-byte page whose
 * architectural part (0x670 bytes) is byte-exact to the AMD layout
 * (snp-abi.md §12; torvalds/linux arch/x86/include/asm/svm.h
 * `sev_es_save_area`). The layout is declared once ({@link VMSA}); the
 * {@link VmsaPage} accessors read the registers in place at the same offsets.
 * @module
 */
import type { Decoded, Layout } from "../common/layout.ts";
import { PAGE_SIZE } from "./constants.ts";
import { type FieldsOf, layoutFromTable } from "./layout_table.ts";

/**
 * The VMSA field table (snp-abi.md §12). Segments: selector u16, attrib u16, limit u32, base u64.
 *
 * @example
 * ```ts
 * import { VMSA_TABLE } from "./vmsa.ts";
 * const row = VMSA_TABLE.find(([name]) => name === "sevFeatures"); // ["sevFeatures", "u64", 0x3B0]
 * ```
 */
export const VMSA_TABLE = [
  ["esSelector", "u16", 0x000],
  ["esAttrib", "u16", 0x002],
  ["esLimit", "u32", 0x004],
  ["esBase", "u64", 0x008],
  ["csSelector", "u16", 0x010],
  ["csAttrib", "u16", 0x012],
  ["csLimit", "u32", 0x014],
  ["csBase", "u64", 0x018],
  ["ssSelector", "u16", 0x020],
  ["ssAttrib", "u16", 0x022],
  ["ssLimit", "u32", 0x024],
  ["ssBase", "u64", 0x028],
  ["dsSelector", "u16", 0x030],
  ["dsAttrib", "u16", 0x032],
  ["dsLimit", "u32", 0x034],
  ["dsBase", "u64", 0x038],
  ["fsSelector", "u16", 0x040],
  ["fsAttrib", "u16", 0x042],
  ["fsLimit", "u32", 0x044],
  ["fsBase", "u64", 0x048],
  ["gsSelector", "u16", 0x050],
  ["gsAttrib", "u16", 0x052],
  ["gsLimit", "u32", 0x054],
  ["gsBase", "u64", 0x058],
  ["gdtrSelector", "u16", 0x060],
  ["gdtrAttrib", "u16", 0x062],
  ["gdtrLimit", "u32", 0x064],
  ["gdtrBase", "u64", 0x068],
  ["ldtrSelector", "u16", 0x070],
  ["ldtrAttrib", "u16", 0x072],
  ["ldtrLimit", "u32", 0x074],
  ["ldtrBase", "u64", 0x078],
  ["idtrSelector", "u16", 0x080],
  ["idtrAttrib", "u16", 0x082],
  ["idtrLimit", "u32", 0x084],
  ["idtrBase", "u64", 0x088],
  ["trSelector", "u16", 0x090],
  ["trAttrib", "u16", 0x092],
  ["trLimit", "u32", 0x094],
  ["trBase", "u64", 0x098],
  ["pl0Ssp", "u64", 0x0A0],
  ["pl1Ssp", "u64", 0x0A8],
  ["pl2Ssp", "u64", 0x0B0],
  ["pl3Ssp", "u64", 0x0B8],
  ["uCet", "u64", 0x0C0],
  ["vmpl", "u8", 0x0CA],
  ["cpl", "u8", 0x0CB],
  ["efer", "u64", 0x0D0],
  ["xss", "u64", 0x140],
  ["cr4", "u64", 0x148],
  ["cr3", "u64", 0x150],
  ["cr0", "u64", 0x158],
  ["dr7", "u64", 0x160],
  ["dr6", "u64", 0x168],
  ["rflags", "u64", 0x170],
  ["rip", "u64", 0x178],
  ["dr0AddrMask", "u64", 0x180],
  ["dr1AddrMask", "u64", 0x188],
  ["dr2AddrMask", "u64", 0x190],
  ["dr3AddrMask", "u64", 0x198],
  ["rsp", "u64", 0x1D8],
  ["sCet", "u64", 0x1E0],
  ["ssp", "u64", 0x1E8],
  ["isstAddr", "u64", 0x1F0],
  ["rax", "u64", 0x1F8],
  ["star", "u64", 0x200],
  ["lstar", "u64", 0x208],
  ["cstar", "u64", 0x210],
  ["sfmask", "u64", 0x218],
  ["kernelGsBase", "u64", 0x220],
  ["sysenterCs", "u64", 0x228],
  ["sysenterEsp", "u64", 0x230],
  ["sysenterEip", "u64", 0x238],
  ["cr2", "u64", 0x240],
  ["gPat", "u64", 0x268],
  ["dbgctl", "u64", 0x270],
  ["pkru", "u32", 0x2E8],
  ["tscAux", "u32", 0x2EC],
  ["tscScale", "u64", 0x2F0],
  ["tscOffset", "u64", 0x2F8],
  ["rcx", "u64", 0x308],
  ["rdx", "u64", 0x310],
  ["rbx", "u64", 0x318],
  ["rbp", "u64", 0x328],
  ["rsi", "u64", 0x330],
  ["rdi", "u64", 0x338],
  ["r8", "u64", 0x340],
  ["r9", "u64", 0x348],
  ["r10", "u64", 0x350],
  ["r11", "u64", 0x358],
  ["r12", "u64", 0x360],
  ["r13", "u64", 0x368],
  ["r14", "u64", 0x370],
  ["r15", "u64", 0x378],
  ["guestExitInfo1", "u64", 0x390],
  ["guestExitInfo2", "u64", 0x398],
  ["exitIntInfo", "u64", 0x3A0],
  ["nrip", "u64", 0x3A8],
  ["sevFeatures", "u64", 0x3B0],
  ["vintrCtrl", "u64", 0x3B8],
  ["guestExitCode", "u64", 0x3C0],
  ["virtualTom", "u64", 0x3C8],
  ["tlbId", "u64", 0x3D0],
  ["pcpuId", "u64", 0x3D8],
  ["eventInj", "u64", 0x3E0],
  ["xcr0", "u64", 0x3E8],
  ["x87Dp", "u64", 0x400],
  ["mxcsr", "u32", 0x408],
  ["x87Ftw", "u16", 0x40C],
  ["x87Fsw", "u16", 0x40E],
  ["x87Fcw", "u16", 0x410],
  ["x87Fop", "u16", 0x412],
  ["x87Ds", "u16", 0x414],
  ["x87Cs", "u16", 0x416],
  ["x87Rip", "u64", 0x418],
  ["fpregX87", "bytes", 0x420, 80],
  ["fpregXmm", "bytes", 0x470, 256],
  ["fpregYmm", "bytes", 0x570, 256],
] as const;

/**
 * VMSA page layout (4096 bytes).
 *
 * @example
 * ```ts
 * import { VMSA } from "./vmsa.ts";
 * const page = new Uint8Array(4096);
 * VMSA.set(page, "rip", 0xfff0n);
 * VMSA.get(page, "rip"); // 0xfff0n
 * ```
 */
export const VMSA: Layout<FieldsOf<typeof VMSA_TABLE>> = layoutFromTable(
  "VMSA",
  PAGE_SIZE,
  VMSA_TABLE,
);

/**
 * A decoded VMSA.
 *
 * @example
 * ```ts
 * import { qemuResetVmsa, VMSA, type VmsaFields } from "./vmsa.ts";
 * const regs: VmsaFields = VMSA.decode(qemuResetVmsa());
 * regs.csSelector; // 0xF000
 * regs.rip; // 0xFFF0n
 * ```
 */
export type VmsaFields = Decoded<FieldsOf<typeof VMSA_TABLE>>;

/**
 * SEV_FEATURES bit 0: SNP active (snp-abi.md §12.1).
 *
 * @example
 * ```ts
 * import { qemuResetVmsa, SEV_FEATURE_SNP_ACTIVE, VmsaPage } from "./vmsa.ts";
 * const vmsa = new VmsaPage(qemuResetVmsa());
 * vmsa.sevFeatures & SEV_FEATURE_SNP_ACTIVE; // 1n: VMRUN refuses a VMSA without it
 * ```
 */
export const SEV_FEATURE_SNP_ACTIVE = 1n << 0n;
/**
 * SEV_FEATURES bit 1: virtual TOM (unverified).
 *
 * @example
 * ```ts
 * import { qemuResetVmsa, SEV_FEATURE_SNP_ACTIVE, SEV_FEATURE_VIRTUAL_TOM } from "./vmsa.ts";
 * const sevFeatures = SEV_FEATURE_SNP_ACTIVE | SEV_FEATURE_VIRTUAL_TOM; // 0x3n
 * const page = qemuResetVmsa({ sevFeatures });
 * ```
 */
export const SEV_FEATURE_VIRTUAL_TOM = 1n << 1n;
/**
 * SEV_FEATURES bit 2: reflect #VC (unverified).
 *
 * @example
 * ```ts
 * import { qemuResetVmsa, SEV_FEATURE_REFLECT_VC, VmsaPage } from "./vmsa.ts";
 * const vmsa = new VmsaPage(qemuResetVmsa());
 * (vmsa.sevFeatures & SEV_FEATURE_REFLECT_VC) !== 0n; // false: the reset VMSA has only SNP_ACTIVE
 * ```
 */
export const SEV_FEATURE_REFLECT_VC = 1n << 2n;
/**
 * SEV_FEATURES bit 3: restricted injection.
 *
 * @example
 * ```ts
 * import { SEV_FEATURE_RESTRICTED_INJECTION, SEV_FEATURE_SNP_ACTIVE } from "./vmsa.ts";
 * const svsmFeatures = SEV_FEATURE_SNP_ACTIVE | SEV_FEATURE_RESTRICTED_INJECTION; // 0x9n
 * const guestFeatures = svsmFeatures & ~SEV_FEATURE_RESTRICTED_INJECTION; // 0x1n: the VMPL2 guest's
 * ```
 */
export const SEV_FEATURE_RESTRICTED_INJECTION = 1n << 3n;
/**
 * SEV_FEATURES bit 4: alternate injection.
 *
 * @example
 * ```ts
 * import { SEV_FEATURE_ALTERNATE_INJECTION, SEV_FEATURE_RESTRICTED_INJECTION } from "./vmsa.ts";
 * // An AP_CREATION VMSA must use the VM's injection mode.
 * const modes = SEV_FEATURE_RESTRICTED_INJECTION | SEV_FEATURE_ALTERNATE_INJECTION; // 0x18n
 * const sameMode = (vm: bigint, ap: bigint): boolean => (vm & modes) === (ap & modes);
 * sameMode(0x1n, 0x1n | SEV_FEATURE_ALTERNATE_INJECTION); // false
 * ```
 */
export const SEV_FEATURE_ALTERNATE_INJECTION = 1n << 4n;
/**
 * SEV_FEATURES bit 5: debug swap.
 *
 * @example
 * ```ts
 * import { qemuResetVmsa, SEV_FEATURE_DEBUG_SWAP, SEV_FEATURE_SNP_ACTIVE } from "./vmsa.ts";
 * const sevFeatures = SEV_FEATURE_SNP_ACTIVE | SEV_FEATURE_DEBUG_SWAP; // 0x21n
 * const page = qemuResetVmsa({ sevFeatures });
 * ```
 */
export const SEV_FEATURE_DEBUG_SWAP = 1n << 5n;
/**
 * SEV_FEATURES bit 9: secure TSC.
 *
 * @example
 * ```ts
 * import { SEV_FEATURE_SECURE_TSC } from "./vmsa.ts";
 * const features = 0x201n; // SNP_ACTIVE | SECURE_TSC
 * const secureTsc = (features & SEV_FEATURE_SECURE_TSC) !== 0n; // true: bit 9
 * ```
 */
export const SEV_FEATURE_SECURE_TSC = 1n << 9n;

/**
 * EFER.SVME (bit 12), set in every SEV-ES/SNP VMSA (snp-abi.md §12).
 *
 * @example
 * ```ts
 * import { EFER_SVME, qemuResetVmsa, VmsaPage } from "./vmsa.ts";
 * const vmsa = new VmsaPage(qemuResetVmsa());
 * vmsa.efer & EFER_SVME; // 0x1000n
 * vmsa.efer &= ~EFER_SVME; // COCONUT clears it while it edits a VMSA: VMRUN of it then fails
 * ```
 */
export const EFER_SVME = 1n << 12n;

/**
 * The segment registers of the VMSA.
 *
 * @example
 * ```ts
 * import { qemuResetVmsa, type SegmentName, VmsaPage } from "./vmsa.ts";
 * const vmsa = new VmsaPage(qemuResetVmsa());
 * const names: SegmentName[] = ["cs", "ldtr", "tr"];
 * names.map((n) => vmsa.segment(n).attrib); // [0x9B, 0x82, 0x8B]
 * ```
 */
export type SegmentName = "es" | "cs" | "ss" | "ds" | "fs" | "gs" | "gdtr" | "ldtr" | "idtr" | "tr";

/**
 * One segment register.
 *
 * @example
 * ```ts
 * import { type Segment, VmsaPage } from "./vmsa.ts";
 * const flatData: Segment = { selector: 0x10, attrib: 0xC93, limit: 0xFFFFFFFF, base: 0n };
 * const vmsa = new VmsaPage(new Uint8Array(4096));
 * vmsa.setSegment("ds", flatData);
 * vmsa.segment("ds").selector; // 0x10
 * ```
 */
export interface Segment {
  /** Selector. */
  selector: number;
  /** Attributes (VMCB-packed). */
  attrib: number;
  /** Limit. */
  limit: number;
  /** Base address. */
  base: bigint;
}

const F = VMSA.fields;

/**
 * Register accessors over a VMSA page, reading and writing the bytes in place
 * through one DataView at the {@link VMSA} offsets.
 *
 * @example
 * ```ts
 * import { VmsaPage } from "./vmsa.ts";
 * const vmsa = new VmsaPage(new Uint8Array(4096));
 * vmsa.rax = 0x1234n;
 * vmsa.vmpl = 2;
 * vmsa.bytes[0x1F8]; // 0x34
 * ```
 */
export class VmsaPage {
  /** The page bytes (4096). */
  readonly bytes: Uint8Array;
  /** A DataView over the page. */
  readonly view: DataView;

  /** Wraps a 4096-byte page (a view into memory is fine: access is in place). */
  constructor(bytes: Uint8Array) {
    if (bytes.length !== PAGE_SIZE) {
      throw new RangeError(`VMSA page must be 4096 bytes, got ${bytes.length}`);
    }
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, PAGE_SIZE);
  }

  /** Decodes every field. */
  decode(): VmsaFields {
    return VMSA.decode(this.bytes);
  }

  /** VMPL of this save area (u8 at 0xCA). */
  get vmpl(): number {
    return this.bytes[F.vmpl.offset];
  }
  set vmpl(v: number) {
    this.bytes[F.vmpl.offset] = v;
  }

  /** CPL (u8 at 0xCB). */
  get cpl(): number {
    return this.bytes[F.cpl.offset];
  }
  set cpl(v: number) {
    this.bytes[F.cpl.offset] = v;
  }

  /** RAX. */
  get rax(): bigint {
    return this.view.getBigUint64(F.rax.offset, true);
  }
  set rax(v: bigint) {
    this.view.setBigUint64(F.rax.offset, BigInt.asUintN(64, v), true);
  }
  /** RBX. */
  get rbx(): bigint {
    return this.view.getBigUint64(F.rbx.offset, true);
  }
  set rbx(v: bigint) {
    this.view.setBigUint64(F.rbx.offset, BigInt.asUintN(64, v), true);
  }
  /** RCX. */
  get rcx(): bigint {
    return this.view.getBigUint64(F.rcx.offset, true);
  }
  set rcx(v: bigint) {
    this.view.setBigUint64(F.rcx.offset, BigInt.asUintN(64, v), true);
  }
  /** RDX. */
  get rdx(): bigint {
    return this.view.getBigUint64(F.rdx.offset, true);
  }
  set rdx(v: bigint) {
    this.view.setBigUint64(F.rdx.offset, BigInt.asUintN(64, v), true);
  }
  /** RSI. */
  get rsi(): bigint {
    return this.view.getBigUint64(F.rsi.offset, true);
  }
  set rsi(v: bigint) {
    this.view.setBigUint64(F.rsi.offset, BigInt.asUintN(64, v), true);
  }
  /** RDI. */
  get rdi(): bigint {
    return this.view.getBigUint64(F.rdi.offset, true);
  }
  set rdi(v: bigint) {
    this.view.setBigUint64(F.rdi.offset, BigInt.asUintN(64, v), true);
  }
  /** RBP. */
  get rbp(): bigint {
    return this.view.getBigUint64(F.rbp.offset, true);
  }
  set rbp(v: bigint) {
    this.view.setBigUint64(F.rbp.offset, BigInt.asUintN(64, v), true);
  }
  /** RSP (0x1D8, outside the GPR block). */
  get rsp(): bigint {
    return this.view.getBigUint64(F.rsp.offset, true);
  }
  set rsp(v: bigint) {
    this.view.setBigUint64(F.rsp.offset, BigInt.asUintN(64, v), true);
  }
  /** R8. */
  get r8(): bigint {
    return this.view.getBigUint64(F.r8.offset, true);
  }
  set r8(v: bigint) {
    this.view.setBigUint64(F.r8.offset, BigInt.asUintN(64, v), true);
  }
  /** R9. */
  get r9(): bigint {
    return this.view.getBigUint64(F.r9.offset, true);
  }
  set r9(v: bigint) {
    this.view.setBigUint64(F.r9.offset, BigInt.asUintN(64, v), true);
  }
  /** R10. */
  get r10(): bigint {
    return this.view.getBigUint64(F.r10.offset, true);
  }
  set r10(v: bigint) {
    this.view.setBigUint64(F.r10.offset, BigInt.asUintN(64, v), true);
  }
  /** R11. */
  get r11(): bigint {
    return this.view.getBigUint64(F.r11.offset, true);
  }
  set r11(v: bigint) {
    this.view.setBigUint64(F.r11.offset, BigInt.asUintN(64, v), true);
  }
  /** R12. */
  get r12(): bigint {
    return this.view.getBigUint64(F.r12.offset, true);
  }
  set r12(v: bigint) {
    this.view.setBigUint64(F.r12.offset, BigInt.asUintN(64, v), true);
  }
  /** R13. */
  get r13(): bigint {
    return this.view.getBigUint64(F.r13.offset, true);
  }
  set r13(v: bigint) {
    this.view.setBigUint64(F.r13.offset, BigInt.asUintN(64, v), true);
  }
  /** R14. */
  get r14(): bigint {
    return this.view.getBigUint64(F.r14.offset, true);
  }
  set r14(v: bigint) {
    this.view.setBigUint64(F.r14.offset, BigInt.asUintN(64, v), true);
  }
  /** R15. */
  get r15(): bigint {
    return this.view.getBigUint64(F.r15.offset, true);
  }
  set r15(v: bigint) {
    this.view.setBigUint64(F.r15.offset, BigInt.asUintN(64, v), true);
  }
  /** RIP. */
  get rip(): bigint {
    return this.view.getBigUint64(F.rip.offset, true);
  }
  set rip(v: bigint) {
    this.view.setBigUint64(F.rip.offset, BigInt.asUintN(64, v), true);
  }
  /** RFLAGS. */
  get rflags(): bigint {
    return this.view.getBigUint64(F.rflags.offset, true);
  }
  set rflags(v: bigint) {
    this.view.setBigUint64(F.rflags.offset, BigInt.asUintN(64, v), true);
  }
  /** EFER. */
  get efer(): bigint {
    return this.view.getBigUint64(F.efer.offset, true);
  }
  set efer(v: bigint) {
    this.view.setBigUint64(F.efer.offset, BigInt.asUintN(64, v), true);
  }
  /** CR0. */
  get cr0(): bigint {
    return this.view.getBigUint64(F.cr0.offset, true);
  }
  set cr0(v: bigint) {
    this.view.setBigUint64(F.cr0.offset, BigInt.asUintN(64, v), true);
  }
  /** CR2. */
  get cr2(): bigint {
    return this.view.getBigUint64(F.cr2.offset, true);
  }
  set cr2(v: bigint) {
    this.view.setBigUint64(F.cr2.offset, BigInt.asUintN(64, v), true);
  }
  /** CR3. */
  get cr3(): bigint {
    return this.view.getBigUint64(F.cr3.offset, true);
  }
  set cr3(v: bigint) {
    this.view.setBigUint64(F.cr3.offset, BigInt.asUintN(64, v), true);
  }
  /** CR4. */
  get cr4(): bigint {
    return this.view.getBigUint64(F.cr4.offset, true);
  }
  set cr4(v: bigint) {
    this.view.setBigUint64(F.cr4.offset, BigInt.asUintN(64, v), true);
  }
  /** XCR0. */
  get xcr0(): bigint {
    return this.view.getBigUint64(F.xcr0.offset, true);
  }
  set xcr0(v: bigint) {
    this.view.setBigUint64(F.xcr0.offset, BigInt.asUintN(64, v), true);
  }
  /** SEV_FEATURES (§12.1). */
  get sevFeatures(): bigint {
    return this.view.getBigUint64(F.sevFeatures.offset, true);
  }
  set sevFeatures(v: bigint) {
    this.view.setBigUint64(F.sevFeatures.offset, BigInt.asUintN(64, v), true);
  }
  /** GUEST_EXIT_CODE. */
  get guestExitCode(): bigint {
    return this.view.getBigUint64(F.guestExitCode.offset, true);
  }
  set guestExitCode(v: bigint) {
    this.view.setBigUint64(F.guestExitCode.offset, BigInt.asUintN(64, v), true);
  }
  /** GUEST_EXIT_INFO_1. */
  get guestExitInfo1(): bigint {
    return this.view.getBigUint64(F.guestExitInfo1.offset, true);
  }
  set guestExitInfo1(v: bigint) {
    this.view.setBigUint64(F.guestExitInfo1.offset, BigInt.asUintN(64, v), true);
  }
  /** GUEST_EXIT_INFO_2. */
  get guestExitInfo2(): bigint {
    return this.view.getBigUint64(F.guestExitInfo2.offset, true);
  }
  set guestExitInfo2(v: bigint) {
    this.view.setBigUint64(F.guestExitInfo2.offset, BigInt.asUintN(64, v), true);
  }

  /** Reads a segment register. */
  segment(name: SegmentName): Segment {
    const o = F[`${name}Selector`].offset;
    return {
      selector: this.view.getUint16(o, true),
      attrib: this.view.getUint16(o + 2, true),
      limit: this.view.getUint32(o + 4, true),
      base: this.view.getBigUint64(o + 8, true),
    };
  }

  /** Writes a segment register. */
  setSegment(name: SegmentName, s: Segment): void {
    const o = F[`${name}Selector`].offset;
    this.view.setUint16(o, s.selector, true);
    this.view.setUint16(o + 2, s.attrib, true);
    this.view.setUint32(o + 4, s.limit, true);
    this.view.setBigUint64(o + 8, BigInt.asUintN(64, s.base), true);
  }
}

/**
 * Inputs of the QEMU reset-state VMSA (snp-abi.md §12.2).
 *
 * @example
 * ```ts
 * import { qemuResetVmsa, type ResetVmsaOptions, VmsaPage } from "./vmsa.ts";
 * const ap: ResetVmsaOptions = { resetIp: 0x80B004, rdx: 0x800F12n };
 * const vmsa = new VmsaPage(qemuResetVmsa(ap));
 * vmsa.segment("cs").base; // 0x800000n: CS:IP = 0xF000:0xB004 with the base set high
 * vmsa.rip; // 0xB004n
 * ```
 */
export interface ResetVmsaOptions {
  /** Reset IP: 0xFFFFFFF0 for the BSP, the OVMF SEV-ES reset block address for APs. */
  resetIp?: number;
  /** RDX at reset: the vCPU signature (EPYC-v4: 0x800F12). */
  rdx?: bigint;
  /** SEV_FEATURES (default 0x1, SNP active). */
  sevFeatures?: bigint;
}

/**
 * Builds the QEMU reset-state VMSA page (virtee/sev-snp-measure
 * sevsnpmeasure/vmsa.py, 8f2b337e; snp-abi.md §12.2), as measured at launch.
 *
 * @example
 * ```ts
 * import { qemuResetVmsa } from "./vmsa.ts";
 * const page = qemuResetVmsa({ rdx: 0x800F12n });
 * page.length; // 4096
 * ```
 */
export function qemuResetVmsa(opts: ResetVmsaOptions = {}): Uint8Array {
  const ip = opts.resetIp ?? 0xFFFFFFF0;
  const v = new VmsaPage(new Uint8Array(PAGE_SIZE));
  const data = { selector: 0, attrib: 0x93, limit: 0xFFFF, base: 0n };
  for (const s of ["es", "ss", "ds", "fs", "gs"] as const) v.setSegment(s, data);
  v.setSegment("cs", {
    selector: 0xF000,
    attrib: 0x9B,
    limit: 0xFFFF,
    base: BigInt(ip - (ip % 0x10000)),
  });
  v.setSegment("gdtr", { selector: 0, attrib: 0, limit: 0xFFFF, base: 0n });
  v.setSegment("idtr", { selector: 0, attrib: 0, limit: 0xFFFF, base: 0n });
  v.setSegment("ldtr", { selector: 0, attrib: 0x82, limit: 0xFFFF, base: 0n });
  v.setSegment("tr", { selector: 0, attrib: 0x8B, limit: 0xFFFF, base: 0n });
  v.rip = BigInt(ip % 0x10000);
  v.efer = EFER_SVME;
  v.cr0 = 0x10n;
  v.cr4 = 0x40n;
  v.view.setBigUint64(F.dr7.offset, 0x400n, true);
  v.view.setBigUint64(F.dr6.offset, 0xFFFF0FF0n, true);
  v.rflags = 0x2n;
  v.view.setBigUint64(F.gPat.offset, 0x0007040600070406n, true);
  v.rdx = opts.rdx ?? 0n;
  v.sevFeatures = opts.sevFeatures ?? SEV_FEATURE_SNP_ACTIVE;
  v.xcr0 = 0x1n;
  v.view.setUint32(F.mxcsr.offset, 0x1F80, true);
  v.view.setUint16(F.x87Fcw.offset, 0x37F, true);
  return v.bytes;
}
