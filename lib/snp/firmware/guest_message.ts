/**
 * SNP guest messages: the AES-256-GCM envelope a guest and the firmware
 * exchange through SNP_GUEST_REQUEST, keyed by VMPCKn from the secrets page.
 * @module
 */
import { createCipheriv, createDecipheriv } from "node:crypto";
import { bytes, type Field, Layout, u16, u32, u64, u8 } from "../../common/layout.ts";

/**
 * MSG_TYPE values, snp-abi.md §2.3 (Linux uapi sev-guest.h `enum msg_type`).
 *
 * @example
 * ```ts
 * import { MsgType, openMessage, sealMessage } from "./guest_message.ts";
 * const vmpck0 = new Uint8Array(32).fill(7);
 * const responsePage = sealMessage(vmpck0,
 *   { seqno: 2n, type: MsgType.REPORT_RSP, version: 1, vmpck: 0 }, new Uint8Array(0x4c0));
 * const { fields } = openMessage(vmpck0, responsePage);
 * const isReport = fields.type === MsgType.REPORT_RSP; // true: MSG_TYPE 6
 * ```
 */
export const MsgType = {
  CPUID_REQ: 1,
  CPUID_RSP: 2,
  KEY_REQ: 3,
  KEY_RSP: 4,
  REPORT_REQ: 5,
  REPORT_RSP: 6,
  EXPORT_REQ: 7,
  EXPORT_RSP: 8,
  IMPORT_REQ: 9,
  IMPORT_RSP: 10,
  ABSORB_REQ: 11,
  ABSORB_RSP: 12,
  VMRK_REQ: 13,
  VMRK_RSP: 14,
  TSC_INFO_REQ: 17,
  TSC_INFO_RSP: 18,
} as const;

/**
 * ALGO value for AES-256-GCM (0 is invalid). snp-abi.md §2.1.
 *
 * @example
 * ```ts
 * import { MSG_ALGO_AES_256_GCM, MSG_HEADER, MsgType, sealMessage } from "./guest_message.ts";
 * // a message page
 * const page = sealMessage(new Uint8Array(32),
 *   { seqno: 1n, type: MsgType.KEY_REQ, version: 1, vmpck: 0 }, new Uint8Array(0x20));
 * // openMessage requires it
 * const gcm = MSG_HEADER.get(page, "algo") === MSG_ALGO_AES_256_GCM; // true
 * ```
 */
export const MSG_ALGO_AES_256_GCM = 1;
/**
 * HDR_VERSION the model speaks.
 *
 * @example
 * ```ts
 * import { MSG_HDR_VERSION, MSG_HEADER } from "./guest_message.ts";
 * const hdr = MSG_HEADER.encode({ hdrVersion: MSG_HDR_VERSION, hdrSz: 0x60 });
 * ```
 */
export const MSG_HDR_VERSION = 1;
/**
 * Size of a message page.
 *
 * @example
 * ```ts
 * import { MSG_PAGE_SIZE, MsgType, sealMessage } from "./guest_message.ts";
 * const page = sealMessage(new Uint8Array(32),
 *   { seqno: 1n, type: MsgType.KEY_REQ, version: 1, vmpck: 0 }, new Uint8Array(0x20));
 * page.length === MSG_PAGE_SIZE; // true
 * ```
 */
export const MSG_PAGE_SIZE = 4096;
/**
 * Bytes of header before the payload.
 *
 * @example
 * ```ts
 * import { MSG_HDR_SIZE, MsgType, sealMessage } from "./guest_message.ts";
 * // a sealed message page
 * const page = sealMessage(new Uint8Array(32),
 *   { seqno: 1n, type: MsgType.REPORT_REQ, version: 1, vmpck: 0 }, new Uint8Array(0x60));
 * // the payload starts after the header
 * const ciphertext = page.subarray(MSG_HDR_SIZE, MSG_HDR_SIZE + 0x60);
 * ```
 */
export const MSG_HDR_SIZE = 0x60;
/**
 * The largest payload that fits one page.
 *
 * @example
 * ```ts
 * import { MSG_MAX_PAYLOAD } from "./guest_message.ts";
 * const payload = new Uint8Array(5000);
 * payload.length <= MSG_MAX_PAYLOAD; // false: 4000 bytes at most, sealMessage throws
 * ```
 */
export const MSG_MAX_PAYLOAD = MSG_PAGE_SIZE - MSG_HDR_SIZE;
/** AAD = header bytes 0x30..0x5F (from ALGO to the end). snp-abi.md §2.2. */
const AAD_START = 0x30;
const TAG_SIZE = 16;

/**
 * Message header, snp-abi.md §2.1 (Linux `snp_guest_msg_hdr`; COCONUT
 * kernel/src/greq/msg.rs).
 *
 * @example
 * ```ts
 * import { MSG_HEADER } from "./guest_message.ts";
 * MSG_HEADER.fields.msgSeqno.offset; // 0x20
 * ```
 */
export const MSG_HEADER: Layout<{
  authtag: Field<"bytes">;
  msgSeqno: Field<"u64">;
  reserved1: Field<"u64">;
  algo: Field<"u8">;
  hdrVersion: Field<"u8">;
  hdrSz: Field<"u16">;
  msgType: Field<"u8">;
  msgVersion: Field<"u8">;
  msgSz: Field<"u16">;
  reserved2: Field<"u32">;
  msgVmpck: Field<"u8">;
  reserved3: Field<"bytes">;
}> = new Layout("SNP guest message header", MSG_HDR_SIZE, {
  authtag: bytes(0x00, 32), // GCM tag in bytes 0..15
  msgSeqno: u64(0x20),
  reserved1: u64(0x28),
  algo: u8(0x30),
  hdrVersion: u8(0x31),
  hdrSz: u16(0x32),
  msgType: u8(0x34),
  msgVersion: u8(0x35),
  msgSz: u16(0x36),
  reserved2: u32(0x38),
  msgVmpck: u8(0x3c),
  reserved3: bytes(0x3d, 35),
});

/**
 * The header fields a sender chooses.
 *
 * @example
 * ```ts
 * import { type MessageFields, MsgType, sealMessage } from "./guest_message.ts";
 * const fields: MessageFields = { seqno: 1n, type: MsgType.REPORT_REQ, version: 1, vmpck: 0 };
 * const page = sealMessage(new Uint8Array(32), fields, new Uint8Array(0x60));
 * ```
 */
export interface MessageFields {
  /** MSG_SEQNO (never 0). */
  seqno: bigint;
  /** MSG_TYPE. */
  type: number;
  /** MSG_VERSION (1). */
  version: number;
  /** MSG_VMPCK: which VMPCK encrypts it. */
  vmpck: number;
}

/**
 * A message that failed to open; `reason` says which rule broke.
 *
 * @example
 * ```ts
 * import { GuestMessageError, openMessage } from "./guest_message.ts";
 * try {
 *   openMessage(new Uint8Array(32), new Uint8Array(4096));
 * } catch (e) {
 *   e instanceof GuestMessageError; // true: not a sealed message
 * }
 * ```
 */
export class GuestMessageError extends Error {
  /** Error name, for messages. */
  override name = "GuestMessageError";
}

/** IV: MSG_SEQNO as u64 LE in bytes 0..7, bytes 8..11 zero. snp-abi.md §2.2. */
export function messageIv(seqno: bigint): Uint8Array {
  const iv = new Uint8Array(12);
  new DataView(iv.buffer).setBigUint64(0, seqno, true);
  return iv;
}

/**
 * Builds an encrypted message page: header, ciphertext of `payload`, tag.
 *
 * @example
 * ```ts
 * import { MsgType, openMessage, sealMessage } from "./guest_message.ts";
 * const key = new Uint8Array(32);
 * const page = sealMessage(key, { seqno: 1n, type: MsgType.REPORT_REQ, version: 1, vmpck: 0 },
 *   new Uint8Array(0x60));
 * openMessage(key, page).payload.length; // 0x60
 * ```
 */
export function sealMessage(key: Uint8Array, f: MessageFields, payload: Uint8Array): Uint8Array {
  if (payload.length > MSG_MAX_PAYLOAD) throw new RangeError("payload does not fit one page");
  const page = new Uint8Array(MSG_PAGE_SIZE);
  MSG_HEADER.encode({
    msgSeqno: f.seqno,
    algo: MSG_ALGO_AES_256_GCM,
    hdrVersion: MSG_HDR_VERSION,
    hdrSz: MSG_HDR_SIZE,
    msgType: f.type,
    msgVersion: f.version,
    msgSz: payload.length,
    msgVmpck: f.vmpck,
  }, page);
  const cipher = createCipheriv("aes-256-gcm", key, messageIv(f.seqno));
  cipher.setAAD(page.subarray(AAD_START, MSG_HDR_SIZE));
  page.set(cipher.update(payload), MSG_HDR_SIZE);
  cipher.final();
  page.set(cipher.getAuthTag(), 0);
  return page;
}

/**
 * Checks and decrypts a message page; throws {@link GuestMessageError} on a
 * malformed header or a failed tag. Sequence-number rules are the caller's.
 *
 * @example
 * ```ts
 * import { MsgType, openMessage, sealMessage } from "./guest_message.ts";
 * const key = new Uint8Array(32);
 * const page = sealMessage(key, { seqno: 1n, type: MsgType.REPORT_REQ, version: 1, vmpck: 0 },
 *   new Uint8Array(0x60));
 * const { fields, payload } = openMessage(key, page);
 * fields.seqno; // 1n
 * payload.length; // 0x60
 * ```
 */
export function openMessage(
  key: Uint8Array,
  page: Uint8Array,
): { fields: MessageFields; payload: Uint8Array } {
  if (page.length < MSG_HDR_SIZE) throw new GuestMessageError("message shorter than its header");
  const h = MSG_HEADER.decode(page);
  if (h.algo !== MSG_ALGO_AES_256_GCM) throw new GuestMessageError(`unknown ALGO ${h.algo}`);
  if (h.hdrVersion !== MSG_HDR_VERSION) {
    throw new GuestMessageError(`unknown HDR_VERSION ${h.hdrVersion}`);
  }
  if (h.hdrSz !== MSG_HDR_SIZE) throw new GuestMessageError(`bad HDR_SZ ${h.hdrSz}`);
  if (h.msgSz > Math.min(MSG_MAX_PAYLOAD, page.length - MSG_HDR_SIZE)) {
    throw new GuestMessageError(`MSG_SZ ${h.msgSz} exceeds the page`);
  }
  if (h.msgSeqno === 0n) throw new GuestMessageError("MSG_SEQNO 0 is never valid");
  const decipher = createDecipheriv("aes-256-gcm", key, messageIv(h.msgSeqno));
  decipher.setAAD(page.subarray(AAD_START, MSG_HDR_SIZE));
  decipher.setAuthTag(page.subarray(0, TAG_SIZE));
  const body = page.subarray(MSG_HDR_SIZE, MSG_HDR_SIZE + h.msgSz);
  let payload: Uint8Array;
  try {
    payload = new Uint8Array(decipher.update(body));
    decipher.final();
  } catch {
    throw new GuestMessageError("authentication tag mismatch");
  }
  return {
    fields: { seqno: h.msgSeqno, type: h.msgType, version: h.msgVersion, vmpck: h.msgVmpck },
    payload,
  };
}
