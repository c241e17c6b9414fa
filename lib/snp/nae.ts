/**
 * NAE (non-automatic exit) events a guest raises through the GHCB, the Page
 * State Change descriptor, AP_CREATION operands and GHCB error values
 * (snp-abi.md §9.3, §9.4; torvalds/linux arch/x86/include/uapi/asm/svm.h;
 * coconut-svsm/svsm kernel/src/sev/ghcb.rs).
 * @module
 */
import type { Decoded, Layout } from "../common/layout.ts";
import { type FieldsOf, layoutFromTable } from "./layout_table.ts";

/** NAE exit codes, set in SW_EXITCODE (snp-abi.md §9.3). */
export const NAE_RDTSC = 0x6E;
/** RDTSCP. */
export const NAE_RDTSCP = 0x87;
/** CPUID. */
export const NAE_CPUID = 0x72;
/** IOIO. */
export const NAE_IOIO = 0x7B;
/** MSR read/write. */
export const NAE_MSR = 0x7C;
/** VMMCALL. */
export const NAE_VMMCALL = 0x81;
/** MMIO read. */
export const NAE_MMIO_READ = 0x80000001;
/** MMIO write. */
export const NAE_MMIO_WRITE = 0x80000002;
/** NMI complete. */
export const NAE_NMI_COMPLETE = 0x80000003;
/** AP HLT loop. */
export const NAE_AP_HLT_LOOP = 0x80000004;
/** AP jump table. */
export const NAE_AP_JUMP_TABLE = 0x80000005;
/** Page State Change: SW_SCRATCH points at the descriptor (§9.4). */
export const NAE_PSC = 0x80000010;
/** SNP guest request (to the firmware). */
export const NAE_GUEST_REQUEST = 0x80000011;
/** SNP extended guest request (with certificates). */
export const NAE_EXT_GUEST_REQUEST = 0x80000012;
/** AP creation. */
export const NAE_AP_CREATION = 0x80000013;
/** HV doorbell page. */
export const NAE_HV_DOORBELL_PAGE = 0x80000014;
/** HV IPI. */
export const NAE_HV_IPI = 0x80000015;
/** Get APIC IDs. */
export const NAE_GET_APIC_IDS = 0x80000017;
/** Run another VMPL (EXITINFO1 = target VMPL). */
export const NAE_SNP_RUN_VMPL = 0x80000018;
/** HV features. */
export const NAE_HV_FEATURES = 0x8000FFFD;
/** Terminate. */
export const NAE_TERM_REQUEST = 0x8000FFFE;
/** Unsupported event. */
export const NAE_UNSUPPORTED_EVENT = 0x8000FFFF;

/** Returned EXITINFO1 low 32 bits = 2: error, EXITINFO2 holds one of the codes below (snp-abi.md §9.3). */
export const GHCB_EXITINFO1_ERROR = 2;
/** GHCB error: GHCB not registered. */
export const GHCB_ERR_NOT_REGISTERED = 1;
/** GHCB error: invalid usage. */
export const GHCB_ERR_INVALID_USAGE = 2;
/** GHCB error: invalid scratch area. */
export const GHCB_ERR_INVALID_SCRATCH_AREA = 3;
/** GHCB error: missing input (a needed field not marked valid). */
export const GHCB_ERR_MISSING_INPUT = 4;
/** GHCB error: invalid input. */
export const GHCB_ERR_INVALID_INPUT = 5;
/** GHCB error: invalid event. */
export const GHCB_ERR_INVALID_EVENT = 6;

/** AP_CREATION EXITINFO1 [31:0] requests (snp-abi.md §9.3). */
export const AP_CREATE_ON_INIT = 0, AP_CREATE = 1, AP_DESTROY = 2;

/** AP_CREATION's EXITINFO1, decoded. */
export interface ApCreation {
  /** AP_CREATE_ON_INIT, AP_CREATE or AP_DESTROY. */
  request: number;
  /** Target VMPL ([19:16]). */
  vmpl: number;
  /** APIC ID ([63:32]). */
  apicId: number;
}

/**
 * Encodes AP_CREATION's EXITINFO1.
 *
 * @example
 * ```ts
 * import { AP_CREATE, encodeApCreation } from "./nae.ts";
 * encodeApCreation({ request: AP_CREATE, vmpl: 2, apicId: 1 }).toString(16); // "100020001"
 * ```
 */
export function encodeApCreation(a: ApCreation): bigint {
  return (BigInt(a.apicId >>> 0) << 32n) | (BigInt(a.vmpl & 0xF) << 16n) |
    BigInt(a.request & 0xFFFF);
}

/**
 * Decodes AP_CREATION's EXITINFO1 (request = bits 15:0 beside the VMPL in 19:16).
 *
 * @example
 * ```ts
 * import { AP_CREATE, decodeApCreation, encodeApCreation } from "./nae.ts";
 * decodeApCreation(encodeApCreation({ request: AP_CREATE, vmpl: 2, apicId: 1 })).apicId; // 1
 * ```
 */
export function decodeApCreation(v: bigint): ApCreation {
  return {
    request: Number(v & 0xFFFFn),
    vmpl: Number((v >> 16n) & 0xFn),
    apicId: Number((v >> 32n) & 0xFFFFFFFFn),
  };
}

/** PSC descriptor header table (snp-abi.md §9.4). */
export const PSC_HEADER_TABLE = [
  ["curEntry", "u16", 0x0],
  ["endEntry", "u16", 0x2],
  ["reserved", "u32", 0x4],
] as const;

/**
 * PSC descriptor header layout (8 bytes; entries follow).
 *
 * @example
 * ```ts
 * import { PSC_HEADER } from "./nae.ts";
 * const desc = new Uint8Array(2032);
 * PSC_HEADER.get(desc, "endEntry"); // 0
 * ```
 */
export const PSC_HEADER: Layout<FieldsOf<typeof PSC_HEADER_TABLE>> = layoutFromTable(
  "PSC header",
  8,
  PSC_HEADER_TABLE,
);

/** A decoded PSC header. */
export type PscHeader = Decoded<FieldsOf<typeof PSC_HEADER_TABLE>>;

/** Entries start here. */
export const PSC_ENTRY_OFFSET = 8;
/** At most 253 entries fit in SHARED_BUFFER (snp-abi.md §9.4). */
export const PSC_MAX_ENTRIES = 253;
/** Page state operations of a PSC entry and of the MSR PSC request (snp-abi.md §9.2, §9.4). */
export const PSC_OP_PRIVATE = 1, PSC_OP_SHARED = 2, PSC_OP_PSMASH = 3, PSC_OP_UNSMASH = 4;

/** One PSC entry. */
export interface PscEntry {
  /** Progress inside a 2M entry (bits 11:0). */
  curPage: number;
  /** Guest frame number (51:12). */
  gfn: number;
  /** Operation (55:52). */
  op: number;
  /** 2M page (bit 56). */
  size2M: boolean;
}

/** Encodes a PSC entry (reserved bits 63:57 zero). */
export function encodePscEntry(e: PscEntry): bigint {
  return (BigInt(e.size2M ? 1 : 0) << 56n) | (BigInt(e.op & 0xF) << 52n) |
    ((BigInt(e.gfn) & 0xFFFFFFFFFFn) << 12n) | BigInt(e.curPage & 0xFFF);
}

/** Decodes a PSC entry. */
export function decodePscEntry(v: bigint): PscEntry {
  return {
    curPage: Number(v & 0xFFFn),
    gfn: Number((v >> 12n) & 0xFFFFFFFFFFn),
    op: Number((v >> 52n) & 0xFn),
    size2M: ((v >> 56n) & 1n) === 1n,
  };
}

/** A whole PSC descriptor as found in SHARED_BUFFER. */
export interface PscDescriptor {
  /** Header. */
  header: PscHeader;
  /** Entries 0..END_ENTRY. */
  entries: PscEntry[];
}

/**
 * Parses a PSC descriptor from guest-controlled bytes: `undefined` when the
 * header is inconsistent (END_ENTRY beyond the buffer or 253, CUR_ENTRY past
 * END_ENTRY + 1), so the host answers GHCB_ERR_INVALID_INPUT instead of crashing.
 *
 * @example
 * ```ts
 * import { decodePsc, encodePsc, PSC_OP_SHARED } from "./nae.ts";
 * const buf = encodePsc([{ curPage: 0, gfn: 0x100, op: PSC_OP_SHARED, size2M: false }]);
 * decodePsc(buf)?.entries[0].gfn; // 0x100
 * ```
 */
export function decodePsc(buf: Uint8Array): PscDescriptor | undefined {
  if (buf.length < PSC_ENTRY_OFFSET) return undefined;
  const header = PSC_HEADER.decode(buf);
  const count = header.endEntry + 1;
  if (header.endEntry >= PSC_MAX_ENTRIES || PSC_ENTRY_OFFSET + 8 * count > buf.length) {
    return undefined;
  }
  if (header.curEntry > count) return undefined;
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.length);
  const entries: PscEntry[] = [];
  for (let i = 0; i < count; i++) {
    entries.push(decodePscEntry(dv.getBigUint64(PSC_ENTRY_OFFSET + 8 * i, true)));
  }
  return { header, entries };
}

/**
 * Encodes a PSC descriptor (CUR_ENTRY = `cur`, END_ENTRY = entries.length − 1).
 *
 * @example
 * ```ts
 * import { decodePsc, encodePsc, PSC_OP_PRIVATE } from "./nae.ts";
 * const d = encodePsc([{ curPage: 0, gfn: 0x100, op: PSC_OP_PRIVATE, size2M: false }]);
 * decodePsc(d)?.entries.length; // 1
 * ```
 */
export function encodePsc(entries: PscEntry[], cur = 0): Uint8Array {
  if (entries.length === 0 || entries.length > PSC_MAX_ENTRIES) {
    throw new RangeError(
      `a PSC descriptor holds 1..${PSC_MAX_ENTRIES} entries, got ${entries.length}`,
    );
  }
  const buf = new Uint8Array(PSC_ENTRY_OFFSET + 8 * entries.length);
  PSC_HEADER.encode({ curEntry: cur, endEntry: entries.length - 1 }, buf);
  const dv = new DataView(buf.buffer);
  entries.forEach((e, i) => dv.setBigUint64(PSC_ENTRY_OFFSET + 8 * i, encodePscEntry(e), true));
  return buf;
}
