/**
 * The GHCB: the shared page through which a guest hands an exit to the host
 * (snp-abi.md §9.1; torvalds/linux arch/x86/include/asm/svm.h `struct ghcb`;
 * coconut-svsm/svsm kernel/src/sev/ghcb.rs). Save-area offsets match the VMSA.
 * Each qword of the save area has a bit in VALID_BITMAP; a field set through
 * {@link GhcbPage} marks itself valid, as the guest-side protocol requires.
 * @module
 */
import type { Decoded, Layout } from "../common/layout.ts";
import { PAGE_SIZE } from "./constants.ts";
import { type FieldsOf, layoutFromTable } from "./layout_table.ts";

/**
 * The GHCB field table (snp-abi.md §9.1).
 *
 * @example
 * ```ts
 * import { GHCB_TABLE } from "./ghcb.ts";
 * const row = GHCB_TABLE.find(([name]) => name === "swExitCode");
 * row?.[2]; // 0x390, SW_EXITCODE
 * ```
 */
export const GHCB_TABLE = [
  ["cpl", "u8", 0x0CB],
  ["xss", "u64", 0x140],
  ["dr7", "u64", 0x160],
  ["rax", "u64", 0x1F8],
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
  ["swExitCode", "u64", 0x390],
  ["swExitInfo1", "u64", 0x398],
  ["swExitInfo2", "u64", 0x3A0],
  ["swScratch", "u64", 0x3A8],
  ["xcr0", "u64", 0x3E8],
  ["validBitmap", "bytes", 0x3F0, 16],
  ["x87StateGpa", "u64", 0x400],
  ["sharedBuffer", "bytes", 0x800, 0x7F0],
  ["reserved", "bytes", 0xFF0, 10],
  ["protocolVersion", "u16", 0xFFA],
  ["ghcbUsage", "u32", 0xFFC],
] as const;

/**
 * GHCB page layout (4096 bytes).
 *
 * @example
 * ```ts
 * import { GHCB } from "./ghcb.ts";
 * const page = new Uint8Array(4096);
 * GHCB.set(page, "swExitCode", 0x80000010n); // NAE_PSC
 * GHCB.get(page, "swExitCode"); // 0x80000010n
 * ```
 */
export const GHCB: Layout<FieldsOf<typeof GHCB_TABLE>> = layoutFromTable(
  "GHCB",
  PAGE_SIZE,
  GHCB_TABLE,
);

/**
 * A decoded GHCB.
 *
 * @example
 * ```ts
 * import { GHCB, type GhcbFields } from "./ghcb.ts";
 * const ghcb: GhcbFields = GHCB.decode(new Uint8Array(4096));
 * ghcb.swExitCode; // 0n
 * ```
 */
export type GhcbFields = Decoded<FieldsOf<typeof GHCB_TABLE>>;

/**
 * Offset of SHARED_BUFFER.
 *
 * @example
 * ```ts
 * import { GHCB_SHARED_BUFFER_OFFSET, GhcbPage } from "./ghcb.ts";
 * const ghcbGpa = 0x9000;
 * const ghcb = new GhcbPage(new Uint8Array(4096));
 * ghcb.set("swScratch", BigInt(ghcbGpa + GHCB_SHARED_BUFFER_OFFSET)); // 0x9800n
 * ```
 */
export const GHCB_SHARED_BUFFER_OFFSET = 0x800;
/**
 * Size of SHARED_BUFFER (2032 bytes).
 *
 * @example
 * ```ts
 * import { GHCB_SHARED_BUFFER_SIZE } from "./ghcb.ts";
 * import { PSC_ENTRY_OFFSET } from "./nae.ts";
 * Math.floor((GHCB_SHARED_BUFFER_SIZE - PSC_ENTRY_OFFSET) / 8); // 253 PSC entries fit
 * ```
 */
export const GHCB_SHARED_BUFFER_SIZE = 0x7F0;
/**
 * GHCB protocol version SNP requires (snp-abi.md §9.1).
 *
 * @example
 * ```ts
 * import { GHCB_PROTOCOL_VERSION, GhcbPage } from "./ghcb.ts";
 * const ghcb = new GhcbPage(new Uint8Array(4096));
 * ghcb.protocolVersion = GHCB_PROTOCOL_VERSION; // 2, before every VMGEXIT
 * ```
 */
export const GHCB_PROTOCOL_VERSION = 2;
/**
 * Lowest protocol version the model's host accepts.
 *
 * @example
 * ```ts
 * import { GHCB_PROTOCOL_MIN, GHCB_PROTOCOL_VERSION } from "./ghcb.ts";
 * import { encodeMsrResponse } from "./msr_protocol.ts";
 * const info = { maxProtocol: GHCB_PROTOCOL_VERSION, minProtocol: GHCB_PROTOCOL_MIN, cBit: 51 };
 * encodeMsrResponse({ kind: "sev-info", ...info }); // 0x2000133000001n
 * ```
 */
export const GHCB_PROTOCOL_MIN = 1;
/**
 * GHCB_USAGE 0: standard layout.
 *
 * @example
 * ```ts
 * import { GHCB_USAGE_STANDARD, GhcbPage } from "./ghcb.ts";
 * import { GHCB_ERR_INVALID_USAGE } from "./nae.ts";
 * const ghcb = new GhcbPage(new Uint8Array(4096));
 * const error = ghcb.usage === GHCB_USAGE_STANDARD ? 0 : GHCB_ERR_INVALID_USAGE; // 0
 * ```
 */
export const GHCB_USAGE_STANDARD = 0;

/**
 * The save-area registers a GHCB exchange uses (u64 fields with a valid bit).
 *
 * @example
 * ```ts
 * import { GhcbPage, type GhcbRegister } from "./ghcb.ts";
 * const inputs: GhcbRegister[] = ["swExitCode", "swExitInfo1", "swExitInfo2"];
 * const ghcb = new GhcbPage(new Uint8Array(4096));
 * inputs.every((r) => ghcb.isValid(r)); // false: nothing marked valid yet
 * ```
 */
export type GhcbRegister =
  | "xss"
  | "dr7"
  | "rax"
  | "rcx"
  | "rdx"
  | "rbx"
  | "rbp"
  | "rsi"
  | "rdi"
  | "r8"
  | "r9"
  | "r10"
  | "r11"
  | "r12"
  | "r13"
  | "r14"
  | "r15"
  | "swExitCode"
  | "swExitInfo1"
  | "swExitInfo2"
  | "swScratch"
  | "xcr0"
  | "x87StateGpa";

/** VALID_BITMAP bit of the field at `offset`: its qword index. */
export function ghcbValidBit(offset: number): number {
  return Math.floor(offset / 8);
}

const F = GHCB.fields;
const BITMAP = F.validBitmap.offset;

/**
 * Accessors over a GHCB page (in place).
 *
 * @example
 * ```ts
 * import { GhcbPage, NAE_PSC } from "./core.ts";
 * const ghcb = new GhcbPage(new Uint8Array(4096));
 * ghcb.set("swExitCode", BigInt(NAE_PSC));
 * ghcb.isValid("swExitCode"); // true
 * ```
 */
export class GhcbPage {
  /** The page bytes (4096). */
  readonly bytes: Uint8Array;
  /** A DataView over the page. */
  readonly view: DataView;

  /** Wraps a 4096-byte page. */
  constructor(bytes: Uint8Array) {
    if (bytes.length !== PAGE_SIZE) {
      throw new RangeError(`GHCB must be 4096 bytes, got ${bytes.length}`);
    }
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, PAGE_SIZE);
  }

  /** Reads a register (whether or not it is marked valid). */
  get(name: GhcbRegister): bigint {
    return this.view.getBigUint64(F[name].offset, true);
  }

  /** Writes a register and marks it valid. */
  set(name: GhcbRegister, value: bigint): void {
    this.view.setBigUint64(F[name].offset, BigInt.asUintN(64, value), true);
    this.markValid(name);
  }

  /** Reads a register only if its valid bit is set (the host's rule for guest input). */
  getValid(name: GhcbRegister): bigint | undefined {
    return this.isValid(name) ? this.get(name) : undefined;
  }

  /** Sets the valid bit of a field. */
  markValid(name: GhcbRegister | "cpl"): void {
    const bit = ghcbValidBit(F[name].offset);
    this.bytes[BITMAP + (bit >>> 3)] |= 1 << (bit & 7);
  }

  /** True if the field's valid bit is set. */
  isValid(name: GhcbRegister | "cpl"): boolean {
    const bit = ghcbValidBit(F[name].offset);
    return (this.bytes[BITMAP + (bit >>> 3)] & (1 << (bit & 7))) !== 0;
  }

  /** Clears VALID_BITMAP (done before building each request). */
  clearValid(): void {
    this.bytes.fill(0, BITMAP, BITMAP + 16);
  }

  /** PROTOCOL_VERSION. */
  get protocolVersion(): number {
    return this.view.getUint16(F.protocolVersion.offset, true);
  }
  set protocolVersion(v: number) {
    this.view.setUint16(F.protocolVersion.offset, v, true);
  }

  /** GHCB_USAGE. */
  get usage(): number {
    return this.view.getUint32(F.ghcbUsage.offset, true);
  }
  set usage(v: number) {
    this.view.setUint32(F.ghcbUsage.offset, v, true);
  }

  /** SHARED_BUFFER as a live view. */
  get sharedBuffer(): Uint8Array {
    return this.bytes.subarray(
      GHCB_SHARED_BUFFER_OFFSET,
      GHCB_SHARED_BUFFER_OFFSET + GHCB_SHARED_BUFFER_SIZE,
    );
  }
}
