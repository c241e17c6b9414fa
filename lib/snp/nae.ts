/**
 * NAE (non-automatic exit) events a guest raises through the GHCB, the Page
 * State Change descriptor, AP_CREATION operands and GHCB error values
 * (snp-abi.md §9.3, §9.4; torvalds/linux arch/x86/include/uapi/asm/svm.h;
 * coconut-svsm/svsm kernel/src/sev/ghcb.rs).
 * @module
 */
import type { Decoded, Layout } from "../common/layout.ts";
import { type FieldsOf, layoutFromTable } from "./layout_table.ts";

/**
 * NAE exit codes, set in SW_EXITCODE (snp-abi.md §9.3).
 *
 * @example
 * ```ts
 * import { MachineFault } from "./faults.ts";
 * import { NAE_RDTSC } from "./nae.ts";
 * const vc = new MachineFault("vc", 0x6E, 0);
 * vc.code === NAE_RDTSC; // true: the #VC error code is the SW_EXITCODE to forward
 * ```
 */
export const NAE_RDTSC = 0x6E;
/**
 * RDTSCP.
 *
 * @example
 * ```ts
 * import { GhcbPage } from "./ghcb.ts";
 * import { NAE_RDTSCP } from "./nae.ts";
 * const ghcb = new GhcbPage(new Uint8Array(4096));
 * ghcb.set("swExitCode", BigInt(NAE_RDTSCP)); // 0x87n; the host answers RAX, RDX and RCX
 * ```
 */
export const NAE_RDTSCP = 0x87;
/**
 * CPUID.
 *
 * @example
 * ```ts
 * import { GhcbPage } from "./ghcb.ts";
 * import { NAE_CPUID } from "./nae.ts";
 * const ghcb = new GhcbPage(new Uint8Array(4096));
 * ghcb.set("swExitCode", BigInt(NAE_CPUID)); // 0x72n
 * ghcb.set("rax", 0x8000001Fn); // leaf
 * ghcb.set("rcx", 0n); // subleaf
 * ```
 */
export const NAE_CPUID = 0x72;
/**
 * IOIO.
 *
 * @example
 * ```ts
 * import { GhcbPage } from "./ghcb.ts";
 * import { NAE_IOIO } from "./nae.ts";
 * const ghcb = new GhcbPage(new Uint8Array(4096));
 * ghcb.set("swExitCode", BigInt(NAE_IOIO)); // 0x7bn
 * ghcb.set("swExitInfo1", 0x3F8n << 16n); // IOIO info: the port (COM1) sits in bits 31:16
 * ```
 */
export const NAE_IOIO = 0x7B;
/**
 * MSR read/write.
 *
 * @example
 * ```ts
 * import { GhcbPage } from "./ghcb.ts";
 * import { NAE_MSR } from "./nae.ts";
 * const ghcb = new GhcbPage(new Uint8Array(4096));
 * ghcb.set("swExitCode", BigInt(NAE_MSR)); // 0x7cn
 * ghcb.set("swExitInfo1", 0n); // 0 = RDMSR, 1 = WRMSR
 * ghcb.set("rcx", 0x1Bn); // the MSR number
 * ```
 */
export const NAE_MSR = 0x7C;
/**
 * VMMCALL.
 *
 * @example
 * ```ts
 * import { GhcbPage } from "./ghcb.ts";
 * import { NAE_VMMCALL } from "./nae.ts";
 * const ghcb = new GhcbPage(new Uint8Array(4096));
 * ghcb.set("swExitCode", BigInt(NAE_VMMCALL)); // 0x81n
 * ghcb.markValid("cpl"); // the host needs the caller's CPL (0 here)
 * ```
 */
export const NAE_VMMCALL = 0x81;
/**
 * MMIO read.
 *
 * @example
 * ```ts
 * import { GhcbPage } from "./ghcb.ts";
 * import { NAE_MMIO_READ } from "./nae.ts";
 * const ghcb = new GhcbPage(new Uint8Array(4096));
 * ghcb.set("swExitCode", BigInt(NAE_MMIO_READ));
 * ghcb.set("swExitInfo1", 0xFED00000n); // the MMIO GPA
 * ghcb.set("swExitInfo2", 4n); // length; the bytes come back at SW_SCRATCH
 * ```
 */
export const NAE_MMIO_READ = 0x80000001;
/**
 * MMIO write.
 *
 * @example
 * ```ts
 * import { NAE_MMIO_READ, NAE_MMIO_WRITE } from "./nae.ts";
 * const mmioExit = (write: boolean): number => write ? NAE_MMIO_WRITE : NAE_MMIO_READ;
 * mmioExit(true).toString(16); // "80000002"
 * ```
 */
export const NAE_MMIO_WRITE = 0x80000002;
/**
 * NMI complete.
 *
 * @example
 * ```ts
 * import { GhcbPage } from "./ghcb.ts";
 * import { NAE_NMI_COMPLETE } from "./nae.ts";
 * const ghcb = new GhcbPage(new Uint8Array(4096));
 * ghcb.set("swExitCode", BigInt(NAE_NMI_COMPLETE)); // at the end of the NMI handler
 * ```
 */
export const NAE_NMI_COMPLETE = 0x80000003;
/**
 * AP HLT loop.
 *
 * @example
 * ```ts
 * import { NAE_AP_HLT_LOOP } from "./nae.ts";
 * const parksAp = (exitCode: bigint): boolean => exitCode === BigInt(NAE_AP_HLT_LOOP);
 * parksAp(0x80000004n); // true: the AP waits in the host until it is woken
 * ```
 */
export const NAE_AP_HLT_LOOP = 0x80000004;
/**
 * AP jump table.
 *
 * @example
 * ```ts
 * import { GhcbPage } from "./ghcb.ts";
 * import { NAE_AP_JUMP_TABLE } from "./nae.ts";
 * const ghcb = new GhcbPage(new Uint8Array(4096));
 * ghcb.set("swExitCode", BigInt(NAE_AP_JUMP_TABLE));
 * ghcb.set("swExitInfo1", 1n); // 0 = set the table's GPA, 1 = get it
 * ```
 */
export const NAE_AP_JUMP_TABLE = 0x80000005;
/**
 * Page State Change: SW_SCRATCH points at the descriptor (§9.4).
 *
 * @example
 * ```ts
 * import { GHCB_SHARED_BUFFER_OFFSET, GhcbPage } from "./ghcb.ts";
 * import { encodePsc, NAE_PSC, PSC_OP_SHARED } from "./nae.ts";
 * const ghcb = new GhcbPage(new Uint8Array(4096));
 * const entry = { curPage: 0, gfn: 0x100, op: PSC_OP_SHARED, size2M: false };
 * ghcb.sharedBuffer.set(encodePsc([entry]));
 * ghcb.set("swExitCode", BigInt(NAE_PSC));
 * ghcb.set("swScratch", BigInt(0x9000 + GHCB_SHARED_BUFFER_OFFSET)); // GHCB at GPA 0x9000
 * ```
 */
export const NAE_PSC = 0x80000010;
/**
 * SNP guest request (to the firmware).
 *
 * @example
 * ```ts
 * import { GhcbPage } from "./ghcb.ts";
 * import { NAE_GUEST_REQUEST } from "./nae.ts";
 * const ghcb = new GhcbPage(new Uint8Array(4096));
 * ghcb.set("swExitCode", BigInt(NAE_GUEST_REQUEST));
 * ghcb.set("swExitInfo1", 0xA000n); // shared page holding the encrypted request
 * ghcb.set("swExitInfo2", 0xB000n); // shared page for the response
 * ```
 */
export const NAE_GUEST_REQUEST = 0x80000011;
/**
 * SNP extended guest request (with certificates).
 *
 * @example
 * ```ts
 * import { GhcbPage } from "./ghcb.ts";
 * import { NAE_EXT_GUEST_REQUEST } from "./nae.ts";
 * const ghcb = new GhcbPage(new Uint8Array(4096));
 * ghcb.set("swExitCode", BigInt(NAE_EXT_GUEST_REQUEST)); // EXITINFO1/2 as for GUEST_REQUEST
 * ghcb.set("rax", 0xC000n); // certificate buffer GPA
 * ghcb.set("rbx", 4n); // its size in pages (too small: the host answers the pages needed)
 * ```
 */
export const NAE_EXT_GUEST_REQUEST = 0x80000012;
/**
 * AP creation.
 *
 * @example
 * ```ts
 * import { GhcbPage } from "./ghcb.ts";
 * import { AP_CREATE, encodeApCreation, NAE_AP_CREATION } from "./nae.ts";
 * const ghcb = new GhcbPage(new Uint8Array(4096));
 * ghcb.set("swExitCode", BigInt(NAE_AP_CREATION));
 * ghcb.set("swExitInfo1", encodeApCreation({ request: AP_CREATE, vmpl: 0, apicId: 1 }));
 * ghcb.set("swExitInfo2", 0x7000n); // the AP's VMSA GPA; RAX: its SEV_FEATURES
 * ```
 */
export const NAE_AP_CREATION = 0x80000013;
/**
 * HV doorbell page.
 *
 * @example
 * ```ts
 * import { GhcbPage } from "./ghcb.ts";
 * import { NAE_HV_DOORBELL_PAGE } from "./nae.ts";
 * const ghcb = new GhcbPage(new Uint8Array(4096));
 * ghcb.set("swExitCode", BigInt(NAE_HV_DOORBELL_PAGE));
 * ghcb.set("swExitInfo1", 1n); // 0 = get preferred, 1 = set, 2 = query
 * ghcb.set("swExitInfo2", 0xD000n); // the doorbell page GPA
 * ```
 */
export const NAE_HV_DOORBELL_PAGE = 0x80000014;
/**
 * HV IPI.
 *
 * @example
 * ```ts
 * import { GhcbPage } from "./ghcb.ts";
 * import { NAE_HV_IPI } from "./nae.ts";
 * const ghcb = new GhcbPage(new Uint8Array(4096));
 * ghcb.set("swExitCode", BigInt(NAE_HV_IPI)); // 0x80000015n
 * ghcb.get("swExitCode") === 0x80000015n; // true
 * ```
 */
export const NAE_HV_IPI = 0x80000015;
/**
 * Get APIC IDs.
 *
 * @example
 * ```ts
 * import { NAE_GET_APIC_IDS, NAE_HV_FEATURES } from "./nae.ts";
 * const names = new Map([[NAE_GET_APIC_IDS, "GET_APIC_IDS"], [NAE_HV_FEATURES, "HV_FEATURES"]]);
 * names.get(0x80000017); // "GET_APIC_IDS"
 * ```
 */
export const NAE_GET_APIC_IDS = 0x80000017;
/**
 * Run another VMPL (EXITINFO1 = target VMPL).
 *
 * @example
 * ```ts
 * import { GhcbPage } from "./ghcb.ts";
 * import { NAE_SNP_RUN_VMPL } from "./nae.ts";
 * const ghcb = new GhcbPage(new Uint8Array(4096));
 * ghcb.set("swExitCode", BigInt(NAE_SNP_RUN_VMPL));
 * ghcb.set("swExitInfo1", 0n); // target VMPL: Linux at VMPL2 asks for its SVSM at VMPL0
 * ghcb.set("swExitInfo2", 0n);
 * ```
 */
export const NAE_SNP_RUN_VMPL = 0x80000018;
/**
 * HV features.
 *
 * @example
 * ```ts
 * import { GhcbPage } from "./ghcb.ts";
 * import { HV_FEATURE_SNP } from "./msr_protocol.ts";
 * import { NAE_HV_FEATURES } from "./nae.ts";
 * const ghcb = new GhcbPage(new Uint8Array(4096));
 * ghcb.set("swExitCode", BigInt(NAE_HV_FEATURES));
 * // after the VMGEXIT, EXITINFO2 holds the host's feature bits
 * const snp = (ghcb.get("swExitInfo2") & HV_FEATURE_SNP) !== 0n;
 * ```
 */
export const NAE_HV_FEATURES = 0x8000FFFD;
/**
 * Terminate.
 *
 * @example
 * ```ts
 * import { NAE_PSC, NAE_TERM_REQUEST } from "./nae.ts";
 * const needsAnswer = (exitCode: number): boolean => exitCode !== NAE_TERM_REQUEST;
 * needsAnswer(NAE_PSC); // true
 * needsAnswer(0x8000FFFE); // false: the host ends the guest instead
 * ```
 */
export const NAE_TERM_REQUEST = 0x8000FFFE;
/**
 * Unsupported event.
 *
 * @example
 * ```ts
 * import { GhcbPage } from "./ghcb.ts";
 * import { NAE_UNSUPPORTED_EVENT } from "./nae.ts";
 * const ghcb = new GhcbPage(new Uint8Array(4096));
 * ghcb.set("swExitCode", BigInt(NAE_UNSUPPORTED_EVENT)); // a #VC the guest cannot handle
 * ```
 */
export const NAE_UNSUPPORTED_EVENT = 0x8000FFFF;

/**
 * Returned EXITINFO1 low 32 bits = 2: error, EXITINFO2 holds one of the codes below (snp-abi.md §9.3).
 *
 * @example
 * ```ts
 * import type { GhcbPage } from "./ghcb.ts";
 * import { GHCB_EXITINFO1_ERROR } from "./nae.ts";
 * const failed = (ghcb: GhcbPage): boolean =>
 *   (ghcb.get("swExitInfo1") & 0xFFFFFFFFn) === BigInt(GHCB_EXITINFO1_ERROR);
 * ```
 */
export const GHCB_EXITINFO1_ERROR = 2;
/**
 * GHCB error: GHCB not registered.
 *
 * @example
 * ```ts
 * import { GHCB_ERR_NOT_REGISTERED } from "./nae.ts";
 * const check = (usedGpa: number, registeredGpa: number): number =>
 *   usedGpa === registeredGpa ? 0 : GHCB_ERR_NOT_REGISTERED;
 * check(0xA000, 0x9000); // 1: the guest exited through a page it never registered
 * ```
 */
export const GHCB_ERR_NOT_REGISTERED = 1;
/**
 * GHCB error: invalid usage.
 *
 * @example
 * ```ts
 * import { GHCB_PROTOCOL_VERSION, GhcbPage } from "./ghcb.ts";
 * import { GHCB_ERR_INVALID_USAGE } from "./nae.ts";
 * const ghcb = new GhcbPage(new Uint8Array(4096));
 * ghcb.protocolVersion = 3;
 * const error = ghcb.protocolVersion > GHCB_PROTOCOL_VERSION ? GHCB_ERR_INVALID_USAGE : 0; // 2
 * ```
 */
export const GHCB_ERR_INVALID_USAGE = 2;
/**
 * GHCB error: invalid scratch area.
 *
 * @example
 * ```ts
 * import { GHCB_SHARED_BUFFER_OFFSET } from "./ghcb.ts";
 * import { GHCB_ERR_INVALID_SCRATCH_AREA } from "./nae.ts";
 * const ghcbGpa = 0x9000;
 * const scratch = 0x4000; // SW_SCRATCH outside the GHCB's shared buffer
 * const inside = scratch >= ghcbGpa + GHCB_SHARED_BUFFER_OFFSET;
 * const error = inside ? 0 : GHCB_ERR_INVALID_SCRATCH_AREA; // 3
 * ```
 */
export const GHCB_ERR_INVALID_SCRATCH_AREA = 3;
/**
 * GHCB error: missing input (a needed field not marked valid).
 *
 * @example
 * ```ts
 * import { GhcbPage } from "./ghcb.ts";
 * import { GHCB_ERR_MISSING_INPUT } from "./nae.ts";
 * const ghcb = new GhcbPage(new Uint8Array(4096));
 * const info1 = ghcb.getValid("swExitInfo1"); // undefined: never marked valid
 * const error = info1 === undefined ? GHCB_ERR_MISSING_INPUT : 0; // 4
 * ```
 */
export const GHCB_ERR_MISSING_INPUT = 4;
/**
 * GHCB error: invalid input.
 *
 * @example
 * ```ts
 * import { decodePsc, GHCB_ERR_INVALID_INPUT } from "./nae.ts";
 * const guestBytes = new Uint8Array([0, 0, 0xFF, 0xFF, 0, 0, 0, 0]); // END_ENTRY 0xFFFF
 * const error = decodePsc(guestBytes) === undefined ? GHCB_ERR_INVALID_INPUT : 0; // 5
 * ```
 */
export const GHCB_ERR_INVALID_INPUT = 5;
/**
 * GHCB error: invalid event.
 *
 * @example
 * ```ts
 * import { GhcbPage } from "./ghcb.ts";
 * import { GHCB_ERR_INVALID_EVENT, GHCB_EXITINFO1_ERROR } from "./nae.ts";
 * const ghcb = new GhcbPage(new Uint8Array(4096));
 * // the host's answer to an SW_EXITCODE it does not know
 * ghcb.set("swExitInfo1", BigInt(GHCB_EXITINFO1_ERROR));
 * ghcb.set("swExitInfo2", BigInt(GHCB_ERR_INVALID_EVENT)); // 6n
 * ```
 */
export const GHCB_ERR_INVALID_EVENT = 6;

/**
 * AP_CREATION EXITINFO1 [31:0] requests (snp-abi.md §9.3).
 *
 * @example
 * ```ts
 * import { AP_CREATE, AP_CREATE_ON_INIT, AP_DESTROY, decodeApCreation } from "./nae.ts";
 * const { request } = decodeApCreation(0x100000002n); // APIC ID 1, VMPL 0
 * const registers = request === AP_CREATE || request === AP_CREATE_ON_INIT; // false
 * request === AP_DESTROY; // true
 * ```
 */
export const AP_CREATE_ON_INIT = 0, AP_CREATE = 1, AP_DESTROY = 2;

/**
 * AP_CREATION's EXITINFO1, decoded.
 *
 * @example
 * ```ts
 * import { AP_CREATE_ON_INIT, encodeApCreation, type ApCreation } from "./nae.ts";
 * // COCONUT registers the guest's boot VMSA for VMPL2
 * const boot: ApCreation = { request: AP_CREATE_ON_INIT, vmpl: 2, apicId: 0 };
 * encodeApCreation(boot); // 0x20000n
 * ```
 */
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

/**
 * PSC descriptor header table (snp-abi.md §9.4).
 *
 * @example
 * ```ts
 * import { PSC_HEADER_TABLE } from "./nae.ts";
 * PSC_HEADER_TABLE.map(([name, , offset]) => `${name}@${offset}`);
 * // ["curEntry@0", "endEntry@2", "reserved@4"]
 * ```
 */
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

/**
 * A decoded PSC header.
 *
 * @example
 * ```ts
 * import { encodePsc, PSC_HEADER, PSC_OP_PRIVATE, type PscHeader } from "./nae.ts";
 * const desc = encodePsc([{ curPage: 0, gfn: 0x100, op: PSC_OP_PRIVATE, size2M: false }]);
 * const header: PscHeader = PSC_HEADER.decode(desc);
 * header.endEntry; // 0: one entry
 * ```
 */
export type PscHeader = Decoded<FieldsOf<typeof PSC_HEADER_TABLE>>;

/**
 * Entries start here.
 *
 * @example
 * ```ts
 * import { encodePsc, encodePscEntry, PSC_ENTRY_OFFSET, PSC_OP_SHARED } from "./nae.ts";
 * const entry = { curPage: 0, gfn: 0x100, op: PSC_OP_SHARED, size2M: false };
 * const desc = encodePsc([entry]);
 * const first = new DataView(desc.buffer).getBigUint64(PSC_ENTRY_OFFSET, true);
 * first === encodePscEntry(entry); // true
 * ```
 */
export const PSC_ENTRY_OFFSET = 8;
/**
 * At most 253 entries fit in SHARED_BUFFER (snp-abi.md §9.4).
 *
 * @example
 * ```ts
 * import { PSC_MAX_ENTRIES } from "./nae.ts";
 * const pages = 600;
 * const vmgexits = Math.ceil(pages / PSC_MAX_ENTRIES); // 3 descriptors of at most 253 entries
 * ```
 */
export const PSC_MAX_ENTRIES = 253;
/**
 * Page state operations of a PSC entry and of the MSR PSC request (snp-abi.md §9.2, §9.4).
 *
 * @example
 * ```ts
 * import {
 *   decodePscEntry,
 *   PSC_OP_PRIVATE,
 *   PSC_OP_PSMASH,
 *   PSC_OP_SHARED,
 *   PSC_OP_UNSMASH,
 * } from "./nae.ts";
 * const { op } = decodePscEntry(0x20000000100000n); // GFN 0x100, operation 2
 * op === PSC_OP_SHARED; // true
 * const resizes = op === PSC_OP_PSMASH || op === PSC_OP_UNSMASH; // false
 * const toPrivate = op === PSC_OP_PRIVATE; // false
 * ```
 */
export const PSC_OP_PRIVATE = 1, PSC_OP_SHARED = 2, PSC_OP_PSMASH = 3, PSC_OP_UNSMASH = 4;

/**
 * One PSC entry.
 *
 * @example
 * ```ts
 * import { encodePscEntry, PSC_OP_PRIVATE, type PscEntry } from "./nae.ts";
 * const e: PscEntry = { curPage: 0, gfn: 0x200, op: PSC_OP_PRIVATE, size2M: true };
 * encodePscEntry(e); // 0x110000000200000n: bit 56 size, 55:52 op, 51:12 GFN
 * ```
 */
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

/**
 * A whole PSC descriptor as found in SHARED_BUFFER.
 *
 * @example
 * ```ts
 * import { decodePsc, encodePsc, PSC_OP_SHARED, type PscDescriptor } from "./nae.ts";
 * const bytes = encodePsc([{ curPage: 0, gfn: 0x100, op: PSC_OP_SHARED, size2M: false }], 1);
 * const d: PscDescriptor | undefined = decodePsc(bytes);
 * d?.header.curEntry; // 1: the host has done entry 0
 * ```
 */
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
