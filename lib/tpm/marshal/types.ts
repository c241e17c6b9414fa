/**
 * Part 2 structures the engine marshals, each declared once as a field table
 * (TCG TPM 2.0 Part 2 §10–§15). Unions (TPMU_*) are chosen by their selector
 * through small arm tables.
 * @module
 */
import { LIMITS, TPM_ALG, TPM_ECC, TPM_RH, TPM_ST } from "../constants.ts";
import { TPM_RC, TpmError } from "../response_code.ts";
import type { TpmReader, TpmWriter } from "./buffer.ts";
import {
  type Codec,
  INT32,
  list,
  oneOf,
  sized,
  struct,
  tpm2b,
  UINT16,
  UINT32,
  UINT64,
  UINT8,
} from "./codec.ts";

/**
 * Digest size of each implemented hash (Part 2 §5.4, TPM_SHAxxx_DIGEST_SIZE).
 *
 * @example
 * ```ts
 * import { TPM_ALG } from "../constants.ts";
 * import { DIGEST_SIZE } from "./types.ts";
 * const zeroPcr = new Uint8Array(DIGEST_SIZE[TPM_ALG.SHA384]); // 48 bytes, a reset SHA-384 PCR
 * ```
 */
export const DIGEST_SIZE: Readonly<Record<number, number>> = {
  [TPM_ALG.SHA1]: 20,
  [TPM_ALG.SHA256]: 32,
  [TPM_ALG.SHA384]: 48,
  [TPM_ALG.SHA512]: 64,
};

/**
 * The implemented hash algorithms, in TPM_ALG_ID order.
 *
 * @example
 * ```ts
 * import { TPM_ALG } from "../constants.ts";
 * import { HASH_ALGS } from "./types.ts";
 * HASH_ALGS.includes(TPM_ALG.SHA256); // true
 * HASH_ALGS.length; // 4: SHA-1, SHA-256, SHA-384, SHA-512 (TPM_ALG_ID, Part 2 §6.3)
 * ```
 */
export const HASH_ALGS: readonly number[] = [
  TPM_ALG.SHA1,
  TPM_ALG.SHA256,
  TPM_ALG.SHA384,
  TPM_ALG.SHA512,
];

/**
 * TPMI_ALG_HASH: a hash this TPM implements; else TPM_RC_HASH. Part 2 §9.27.
 *
 * @example
 * ```ts
 * import { decode } from "./codec.ts";
 * import { TPMI_ALG_HASH } from "./types.ts";
 * decode(TPMI_ALG_HASH, new Uint8Array([0x00, 0x0b])); // 0x000b, TPM_ALG_SHA256
 * // [0x00, 0x10] (TPM_ALG_NULL) throws TpmError(TPM_RC_HASH) here
 * ```
 */
export const TPMI_ALG_HASH: Codec<number> = oneOf("TPMI_ALG_HASH", UINT16, HASH_ALGS, TPM_RC.HASH);
/**
 * TPMI_ALG_HASH+: also TPM_ALG_NULL.
 *
 * @example
 * ```ts
 * import { decode } from "./codec.ts";
 * import { TPMI_ALG_HASH_NULL } from "./types.ts";
 * // The `+` of Part 2 §9.27: TPM_ALG_NULL is allowed here.
 * decode(TPMI_ALG_HASH_NULL, new Uint8Array([0x00, 0x10])); // 0x0010
 * ```
 */
export const TPMI_ALG_HASH_NULL: Codec<number> = oneOf(
  "TPMI_ALG_HASH+",
  UINT16,
  [...HASH_ALGS, TPM_ALG.NULL],
  TPM_RC.HASH,
);

/**
 * TPM2B_DIGEST. Part 2 §10.4.2.
 *
 * @example
 * ```ts
 * import { decode, encode } from "./codec.ts";
 * import { TPM2B_DIGEST } from "./types.ts";
 * encode(TPM2B_DIGEST, new Uint8Array(32)).length; // 34: u16 size 32, then the digest
 * // A size above 64 (MAX_DIGEST) throws TpmError(TPM_RC_SIZE):
 * decode(TPM2B_DIGEST, new Uint8Array([0, 2, 0xab, 0xcd])); // Uint8Array [0xab, 0xcd]
 * ```
 */
export const TPM2B_DIGEST: Codec<Uint8Array> = tpm2b("TPM2B_DIGEST", LIMITS.MAX_DIGEST);
/**
 * TPM2B_NONCE (= TPM2B_DIGEST). Part 2 §10.4.4.
 *
 * @example
 * ```ts
 * import { encode } from "./codec.ts";
 * import { TPM2B_NONCE } from "./types.ts";
 * const nonceCaller = crypto.getRandomValues(new Uint8Array(16));
 * encode(TPM2B_NONCE, nonceCaller).length; // 18 (TPM2_StartAuthSession's nonceCaller)
 * ```
 */
export const TPM2B_NONCE: Codec<Uint8Array> = TPM2B_DIGEST;
/**
 * TPM2B_AUTH (= TPM2B_DIGEST). Part 2 §10.4.5.
 *
 * @example
 * ```ts
 * import { encode } from "./codec.ts";
 * import { TPM2B_AUTH } from "./types.ts";
 * encode(TPM2B_AUTH, new TextEncoder().encode("pw")); // Uint8Array [0, 2, 0x70, 0x77]
 * ```
 */
export const TPM2B_AUTH: Codec<Uint8Array> = TPM2B_DIGEST;
/**
 * TPM2B_DATA. Part 2 §10.4.3 (sizeof(TPMT_HA)).
 *
 * @example
 * ```ts
 * import { decode } from "./codec.ts";
 * import { TPM2B_DATA } from "./types.ts";
 * // TPM2_Quote's qualifyingData may be empty: a bare zero size.
 * decode(TPM2B_DATA, new Uint8Array([0, 0])).length; // 0
 * ```
 */
export const TPM2B_DATA: Codec<Uint8Array> = tpm2b("TPM2B_DATA", LIMITS.MAX_DIGEST + 2);
/**
 * TPM2B_MAX_BUFFER. Part 2 §10.4.8.
 *
 * @example
 * ```ts
 * import { encode } from "./codec.ts";
 * import { TPM2B_MAX_BUFFER } from "./types.ts";
 * // TPM2_Hash's data parameter: at most MAX_DIGEST_BUFFER (1024) bytes.
 * encode(TPM2B_MAX_BUFFER, new TextEncoder().encode("abc")); // Uint8Array [0, 3, 0x61, 0x62, 0x63]
 * ```
 */
export const TPM2B_MAX_BUFFER: Codec<Uint8Array> = tpm2b(
  "TPM2B_MAX_BUFFER",
  LIMITS.MAX_DIGEST_BUFFER,
);
/**
 * TPM2B_MAX_NV_BUFFER. Part 2 §10.4.9.
 *
 * @example
 * ```ts
 * import { decode } from "./codec.ts";
 * import { TPM2B_MAX_NV_BUFFER } from "./types.ts";
 * // TPM2_NV_Write's data; a size above 1024 (MAX_NV_BUFFER_SIZE) is TPM_RC_SIZE.
 * decode(TPM2B_MAX_NV_BUFFER, new Uint8Array([0, 2, 0xde, 0xad])); // Uint8Array [0xde, 0xad]
 * ```
 */
export const TPM2B_MAX_NV_BUFFER: Codec<Uint8Array> = tpm2b(
  "TPM2B_MAX_NV_BUFFER",
  LIMITS.MAX_NV_BUFFER_SIZE,
);
/**
 * TPM2B_EVENT. Part 2 §10.4.7.
 *
 * @example
 * ```ts
 * import { encode } from "./codec.ts";
 * import { TPM2B_EVENT } from "./types.ts";
 * // TPM2_PCR_Event's eventData, hashed into every bank.
 * encode(TPM2B_EVENT, new TextEncoder().encode("boot")).length; // 6
 * ```
 */
export const TPM2B_EVENT: Codec<Uint8Array> = tpm2b("TPM2B_EVENT", 1024);
/**
 * TPM2B_TIMEOUT. Part 2 §10.4.10.
 *
 * @example
 * ```ts
 * import { decode } from "./codec.ts";
 * import { TPM2B_TIMEOUT } from "./types.ts";
 * // At most 8 bytes (a UINT64 in a policy ticket's timeout); 9 is TPM_RC_SIZE.
 * decode(TPM2B_TIMEOUT, new Uint8Array([0, 8, 0, 0, 0, 0, 0, 0, 0x03, 0xe8])).length; // 8
 * ```
 */
export const TPM2B_TIMEOUT: Codec<Uint8Array> = tpm2b("TPM2B_TIMEOUT", 8);
/**
 * TPM2B_NAME. Part 2 §10.5.3.
 *
 * @example
 * ```ts
 * import { encode } from "./codec.ts";
 * import { TPM2B_NAME } from "./types.ts";
 * // An object's Name: nameAlg (SHA-256, 0x000b) then the digest of its public area.
 * const name = new Uint8Array([0x00, 0x0b, ...new Uint8Array(32)]);
 * encode(TPM2B_NAME, name).subarray(0, 4); // Uint8Array [0, 34, 0x00, 0x0b]
 * ```
 */
export const TPM2B_NAME: Codec<Uint8Array> = tpm2b("TPM2B_NAME", LIMITS.MAX_DIGEST + 2);
/**
 * TPM2B_ENCRYPTED_SECRET. Part 2 §11.4.33.
 *
 * @example
 * ```ts
 * import { decode } from "./codec.ts";
 * import { TPM2B_ENCRYPTED_SECRET } from "./types.ts";
 * // An unsalted TPM2_StartAuthSession sends an empty encryptedSalt.
 * decode(TPM2B_ENCRYPTED_SECRET, new Uint8Array([0, 0])).length; // 0
 * ```
 */
export const TPM2B_ENCRYPTED_SECRET: Codec<Uint8Array> = tpm2b(
  "TPM2B_ENCRYPTED_SECRET",
  LIMITS.MAX_RSA_KEY_BYTES,
);
/**
 * TPM2B_SENSITIVE_DATA. Part 2 §11.1.14.
 *
 * @example
 * ```ts
 * import { encode } from "./codec.ts";
 * import { TPM2B_SENSITIVE_DATA } from "./types.ts";
 * // Data to seal in a KEYEDHASH object: at most MAX_SYM_DATA (128) bytes, as the
 * // reference and swtpm (a larger size field is TPM_RC_SIZE).
 * encode(TPM2B_SENSITIVE_DATA, new TextEncoder().encode("secret")).length; // 8
 * ```
 */
export const TPM2B_SENSITIVE_DATA: Codec<Uint8Array> = tpm2b(
  "TPM2B_SENSITIVE_DATA",
  LIMITS.MAX_SYM_DATA,
);
/**
 * TPM2B_PUBLIC_KEY_RSA. Part 2 §11.2.4.5.
 *
 * @example
 * ```ts
 * import { encode } from "./codec.ts";
 * import { TPM2B_PUBLIC_KEY_RSA } from "./types.ts";
 * const modulus = new Uint8Array(256); // RSA-2048
 * encode(TPM2B_PUBLIC_KEY_RSA, modulus).subarray(0, 2); // Uint8Array [0x01, 0x00]: size 256
 * ```
 */
export const TPM2B_PUBLIC_KEY_RSA: Codec<Uint8Array> = tpm2b(
  "TPM2B_PUBLIC_KEY_RSA",
  LIMITS.MAX_RSA_KEY_BYTES,
);
/**
 * TPM2B_ECC_PARAMETER. Part 2 §11.2.5.1.
 *
 * @example
 * ```ts
 * import { decode } from "./codec.ts";
 * import { TPM2B_ECC_PARAMETER } from "./types.ts";
 * // One NIST P-256 coordinate: 32 bytes (at most 66, for P-521).
 * decode(TPM2B_ECC_PARAMETER, new Uint8Array([0, 32, ...new Uint8Array(32)])).length; // 32
 * ```
 */
export const TPM2B_ECC_PARAMETER: Codec<Uint8Array> = tpm2b(
  "TPM2B_ECC_PARAMETER",
  LIMITS.MAX_ECC_KEY_BYTES,
);
/**
 * TPM2B_PRIVATE_KEY_RSA (half a modulus). Part 2 §11.2.4.7.
 *
 * @example
 * ```ts
 * import { encode } from "./codec.ts";
 * import { TPM2B_PRIVATE_KEY_RSA } from "./types.ts";
 * const prime = new Uint8Array(128); // one prime of an RSA-2048 key
 * encode(TPM2B_PRIVATE_KEY_RSA, prime).length; // 130
 * ```
 */
export const TPM2B_PRIVATE_KEY_RSA: Codec<Uint8Array> = tpm2b(
  "TPM2B_PRIVATE_KEY_RSA",
  LIMITS.MAX_RSA_KEY_BYTES / 2 * 5,
);
/**
 * TPM2B_SYM_KEY. Part 2 §11.1.8.
 *
 * @example
 * ```ts
 * import { encode } from "./codec.ts";
 * import { TPM2B_SYM_KEY } from "./types.ts";
 * const aes128 = new Uint8Array(16);
 * encode(TPM2B_SYM_KEY, aes128).length; // 18; reading a size above 32 is TPM_RC_SIZE
 * ```
 */
export const TPM2B_SYM_KEY: Codec<Uint8Array> = tpm2b("TPM2B_SYM_KEY", 32);
/**
 * TPM2B_CONTEXT_DATA. Part 2 §14.3.
 *
 * @example
 * ```ts
 * import { decode } from "./codec.ts";
 * import { TPM2B_CONTEXT_DATA } from "./types.ts";
 * // The opaque, integrity-protected blob of a saved context.
 * decode(TPM2B_CONTEXT_DATA, new Uint8Array([0, 3, 1, 2, 3])); // Uint8Array [1, 2, 3]
 * ```
 */
export const TPM2B_CONTEXT_DATA: Codec<Uint8Array> = tpm2b(
  "TPM2B_CONTEXT_DATA",
  LIMITS.MAX_CONTEXT_SIZE,
);
/**
 * TPM2B_PRIVATE (an opaque wrapped private area). Part 2 §12.3.7.
 *
 * @example
 * ```ts
 * import { decode, encode } from "./codec.ts";
 * import { TPM2B_PRIVATE } from "./types.ts";
 * // TPM2_Create returns outPrivate; TPM2_Load takes the same bytes back.
 * const outPrivate = encode(TPM2B_PRIVATE, new Uint8Array([0xaa, 0xbb]));
 * decode(TPM2B_PRIVATE, outPrivate); // Uint8Array [0xaa, 0xbb]
 * ```
 */
export const TPM2B_PRIVATE: Codec<Uint8Array> = tpm2b("TPM2B_PRIVATE", 1550);

/**
 * TPMT_HA: a hash algorithm and a digest of exactly its size. Part 2 §10.3.2.
 *
 * @example
 * ```ts
 * import { TPM_ALG } from "../constants.ts";
 * import { encode } from "./codec.ts";
 * import { TPMT_HA, type TpmtHa } from "./types.ts";
 * const ha: TpmtHa = { hashAlg: TPM_ALG.SHA1, digest: new Uint8Array(20) };
 * encode(TPMT_HA, ha).length; // 22
 * ```
 */
export interface TpmtHa {
  /** TPM_ALG_ID of the hash. */
  hashAlg: number;
  /** The digest. */
  digest: Uint8Array;
}
/**
 * TPMT_HA codec; TPM_ALG_NULL carries no digest.
 *
 * @example
 * ```ts
 * import { decode } from "./codec.ts";
 * import { TPMT_HA } from "./types.ts";
 * // The digest length follows from hashAlg (Part 2 §10.3.2); TPM_ALG_NULL carries none.
 * decode(TPMT_HA, new Uint8Array([0x00, 0x10])); // { hashAlg: 0x0010, digest: Uint8Array [] }
 * ```
 */
export const TPMT_HA: Codec<TpmtHa> = {
  name: "TPMT_HA",
  read(r) {
    const hashAlg = TPMI_ALG_HASH_NULL.read(r);
    return { hashAlg, digest: r.bytes(DIGEST_SIZE[hashAlg] ?? 0) };
  },
  write(w, v) {
    w.u16(v.hashAlg).bytes(v.digest);
  },
};
/**
 * TPML_DIGEST_VALUES. Part 2 §10.9.7 (count ≤ HASH_COUNT).
 *
 * @example
 * ```ts
 * import { TPM_ALG } from "../constants.ts";
 * import { encode } from "./codec.ts";
 * import { TPML_DIGEST_VALUES } from "./types.ts";
 * // TPM2_PCR_Extend's digests, one per bank.
 * const digests = [{ hashAlg: TPM_ALG.SHA256, digest: new Uint8Array(32) }];
 * encode(TPML_DIGEST_VALUES, digests).length; // 38: count 4 + alg 2 + digest 32
 * ```
 */
export const TPML_DIGEST_VALUES: Codec<TpmtHa[]> = list(
  "TPML_DIGEST_VALUES",
  TPMT_HA,
  HASH_ALGS.length,
);
/**
 * TPML_DIGEST (2..8 in PolicyOR; here ≤ 8). Part 2 §10.9.5.
 *
 * @example
 * ```ts
 * import { encode } from "./codec.ts";
 * import { TPML_DIGEST } from "./types.ts";
 * // TPM2_PolicyOR's pHashList: two SHA-256 branches.
 * const branches = [new Uint8Array(32), new Uint8Array(32)];
 * encode(TPML_DIGEST, branches).length; // 72: count 4 + 2 × (size 2 + 32)
 * ```
 */
export const TPML_DIGEST: Codec<Uint8Array[]> = list("TPML_DIGEST", TPM2B_DIGEST, 8);

/**
 * TPMS_PCR_SELECTION. Part 2 §10.6.2.
 *
 * @example
 * ```ts
 * import { TPM_ALG } from "../constants.ts";
 * import type { PcrSelection } from "./types.ts";
 * // PCR 7 is bit 7 of byte 0; PCR 8 would be bit 0 of byte 1.
 * const pcr7: PcrSelection = { hash: TPM_ALG.SHA256, select: new Uint8Array([0x80, 0, 0]) };
 * ```
 */
export interface PcrSelection {
  /** Bank hash. */
  hash: number;
  /** Bitmap, PCR n = bit (n % 8) of byte n / 8. */
  select: Uint8Array;
}
/**
 * TPMS_PCR_SELECTION codec: sizeofSelect must be PCR_SELECT_MIN..PCR_SELECT_MAX (3),
 * else TPM_RC_VALUE.
 *
 * @example
 * ```ts
 * import { TPM_ALG } from "../constants.ts";
 * import { encode } from "./codec.ts";
 * import { TPMS_PCR_SELECTION } from "./types.ts";
 * // PCR 7 of the SHA-256 bank (Part 2 §10.6.2): hash, sizeofSelect, pcrSelect.
 * const sel = { hash: TPM_ALG.SHA256, select: new Uint8Array([0x80, 0, 0]) };
 * encode(TPMS_PCR_SELECTION, sel); // Uint8Array [0x00, 0x0b, 3, 0x80, 0, 0]
 * ```
 */
export const TPMS_PCR_SELECTION: Codec<PcrSelection> = {
  name: "TPMS_PCR_SELECTION",
  read(r) {
    const hash = TPMI_ALG_HASH.read(r);
    const n = r.u8();
    // PCR_SELECT_MIN = PCR_SELECT_MAX = 3 bytes for 24 PCRs: fewer is TPM_RC_VALUE too (libtpms).
    if (n !== LIMITS.PCR_SELECT_MAX) throw new TpmError(TPM_RC.VALUE);
    return { hash, select: r.bytes(n) };
  },
  write(w, v) {
    w.u16(v.hash).u8(v.select.length).bytes(v.select);
  },
};
/**
 * TPML_PCR_SELECTION. Part 2 §10.9.8.
 *
 * @example
 * ```ts
 * import { decode } from "./codec.ts";
 * import { TPML_PCR_SELECTION } from "./types.ts";
 * // One bank (SHA-256), PCR 0 selected.
 * const bytes = new Uint8Array([0, 0, 0, 1, 0x00, 0x0b, 3, 0x01, 0, 0]);
 * decode(TPML_PCR_SELECTION, bytes)[0].hash; // 0x000b
 * ```
 */
export const TPML_PCR_SELECTION: Codec<PcrSelection[]> = list(
  "TPML_PCR_SELECTION",
  TPMS_PCR_SELECTION,
  HASH_ALGS.length,
);

/**
 * TPMT_TK_* tickets: tag, hierarchy, digest. Part 2 §10.7.
 *
 * @example
 * ```ts
 * import { TPM_RH, TPM_ST } from "../constants.ts";
 * import type { Ticket } from "./types.ts";
 * // A NULL ticket (Part 2 §10.7): the kind's tag, TPM_RH_NULL, no digest.
 * const empty = new Uint8Array(0);
 * const none: Ticket = { tag: TPM_ST.HASHCHECK, hierarchy: TPM_RH.NULL, digest: empty };
 * ```
 */
export interface Ticket {
  /** TPM_ST of the ticket kind. */
  tag: number;
  /** The hierarchy whose proof keyed it. */
  hierarchy: number;
  /** HMAC, or empty for a NULL ticket. */
  digest: Uint8Array;
}
/**
 * TPMT_TK_* codec (all tickets share this shape).
 *
 * @example
 * ```ts
 * import { TPM_RH, TPM_ST } from "../constants.ts";
 * import { encode } from "./codec.ts";
 * import { TPMT_TK } from "./types.ts";
 * // TPM2_Hash's NULL validation ticket (TPMT_TK_HASHCHECK, Part 2 §10.7).
 * const nullTicket = { tag: TPM_ST.HASHCHECK, hierarchy: TPM_RH.NULL, digest: new Uint8Array(0) };
 * encode(TPMT_TK, nullTicket); // Uint8Array [0x80, 0x24, 0x40, 0, 0, 0x07, 0, 0]
 * ```
 */
export const TPMT_TK: Codec<Ticket> = struct("TPMT_TK", {
  // A tag that is no TPM_ST and a hierarchy outside TPMI_RH_HIERARCHY+ are
  // TPM_RC_VALUE while unmarshalling (as libtpms); a wrong but valid tag is
  // the command's TPM_RC_TAG.
  tag: oneOf("TPM_ST", UINT16, Object.values(TPM_ST), TPM_RC.VALUE),
  hierarchy: oneOf("TPMI_RH_HIERARCHY+", UINT32, [
    TPM_RH.OWNER,
    TPM_RH.ENDORSEMENT,
    TPM_RH.PLATFORM,
    TPM_RH.NULL,
  ], TPM_RC.VALUE),
  digest: TPM2B_DIGEST,
});

/**
 * TPMS_CLOCK_INFO, decoded.
 *
 * @example
 * ```ts
 * import type { ClockInfo } from "./types.ts";
 * // Part 2 §10.11.1: one TPM Reset since the clock began, none lost.
 * const clockInfo: ClockInfo = { clock: 5000n, resetCount: 1, restartCount: 0, safe: 1 };
 * const wasReset = clockInfo.resetCount > 0; // true
 * ```
 */
export interface ClockInfo {
  /** ms the TPM has been powered. */
  clock: bigint;
  /** TPM Resets. */
  resetCount: number;
  /** TPM Restarts and Resumes since the last Reset. */
  restartCount: number;
  /** 1 when no clock value was lost. */
  safe: number;
}
/**
 * TPMS_CLOCK_INFO. Part 2 §10.11.1.
 *
 * @example
 * ```ts
 * import { encode } from "./codec.ts";
 * import { TPMS_CLOCK_INFO } from "./types.ts";
 * const info = { clock: 5000n, resetCount: 1, restartCount: 0, safe: 1 };
 * encode(TPMS_CLOCK_INFO, info).length; // 17: UINT64 + UINT32 + UINT32 + TPMI_YES_NO
 * ```
 */
export const TPMS_CLOCK_INFO: Codec<ClockInfo> = struct("TPMS_CLOCK_INFO", {
  clock: UINT64,
  resetCount: UINT32,
  restartCount: UINT32,
  safe: UINT8,
});
/**
 * TPMS_TIME_INFO, decoded.
 *
 * @example
 * ```ts
 * import type { TimeInfo } from "./types.ts";
 * // Part 2 §10.11.6: ms since _TPM_Init, then the clock.
 * const t: TimeInfo = {
 *   time: 1200n,
 *   clockInfo: { clock: 5000n, resetCount: 1, restartCount: 0, safe: 1 },
 * };
 * ```
 */
export interface TimeInfo {
  /** ms since _TPM_Init. */
  time: bigint;
  /** The clock. */
  clockInfo: ClockInfo;
}
/**
 * TPMS_TIME_INFO. Part 2 §10.11.6.
 *
 * @example
 * ```ts
 * import { decode } from "./codec.ts";
 * import { TPMS_TIME_INFO } from "./types.ts";
 * // TPM2_ReadClock's currentTime: 25 bytes.
 * decode(TPMS_TIME_INFO, new Uint8Array(25)).clockInfo.safe; // 0
 * ```
 */
export const TPMS_TIME_INFO: Codec<TimeInfo> = struct("TPMS_TIME_INFO", {
  time: UINT64,
  clockInfo: TPMS_CLOCK_INFO,
});

/**
 * TPMT_SYM_DEF(_OBJECT): algorithm, keyBits, mode. Part 2 §11.1.6–7.
 *
 * @example
 * ```ts
 * import { TPM_ALG } from "../constants.ts";
 * import type { SymDef } from "./types.ts";
 * // The usual storage-key cipher: AES-128 in CFB mode.
 * const aes128cfb: SymDef = { algorithm: TPM_ALG.AES, keyBits: 128, mode: TPM_ALG.CFB };
 * ```
 */
export interface SymDef {
  /** TPM_ALG_AES, TPM_ALG_XOR or TPM_ALG_NULL. */
  algorithm: number;
  /** Key bits (AES) or the hash (XOR); 0 for NULL. */
  keyBits: number;
  /** Block mode (AES); 0 otherwise. */
  mode: number;
}
function symDef(name: string, allowXor: boolean): Codec<SymDef> {
  const algs = [TPM_ALG.AES, TPM_ALG.NULL, ...(allowXor ? [TPM_ALG.XOR] : [])];
  const alg = oneOf(name, UINT16, algs, TPM_RC.SYMMETRIC);
  const aesBits = oneOf("TPMI_AES_KEY_BITS", UINT16, [128, 256], TPM_RC.VALUE);
  const mode = oneOf(
    "TPMI_ALG_SYM_MODE",
    UINT16,
    [TPM_ALG.CFB, TPM_ALG.CTR, TPM_ALG.OFB, TPM_ALG.CBC, TPM_ALG.ECB, TPM_ALG.NULL],
    TPM_RC.MODE,
  );
  return {
    name,
    read(r) {
      const algorithm = alg.read(r);
      if (algorithm === TPM_ALG.NULL) return { algorithm, keyBits: 0, mode: 0 };
      if (algorithm === TPM_ALG.XOR) return { algorithm, keyBits: TPMI_ALG_HASH.read(r), mode: 0 };
      return { algorithm, keyBits: aesBits.read(r), mode: mode.read(r) };
    },
    write(w, v) {
      w.u16(v.algorithm);
      if (v.algorithm === TPM_ALG.NULL) return;
      w.u16(v.keyBits);
      if (v.algorithm !== TPM_ALG.XOR) w.u16(v.mode);
    },
  };
}
/**
 * TPMT_SYM_DEF (sessions: AES, XOR or NULL). Part 2 §11.1.6.
 *
 * @example
 * ```ts
 * import { TPM_ALG } from "../constants.ts";
 * import { encode } from "./codec.ts";
 * import { TPMT_SYM_DEF } from "./types.ts";
 * // XOR parameter encryption: keyBits carries the hash, and there is no mode.
 * const xor = { algorithm: TPM_ALG.XOR, keyBits: TPM_ALG.SHA256, mode: 0 };
 * encode(TPMT_SYM_DEF, xor); // Uint8Array [0x00, 0x0a, 0x00, 0x0b]
 * ```
 */
export const TPMT_SYM_DEF: Codec<SymDef> = symDef("TPMT_SYM_DEF", true);
/**
 * TPMT_SYM_DEF_OBJECT (objects: AES or NULL). Part 2 §11.1.7.
 *
 * @example
 * ```ts
 * import { TPM_ALG } from "../constants.ts";
 * import { encode } from "./codec.ts";
 * import { TPMT_SYM_DEF_OBJECT } from "./types.ts";
 * const aes = { algorithm: TPM_ALG.AES, keyBits: 128, mode: TPM_ALG.CFB };
 * encode(TPMT_SYM_DEF_OBJECT, aes); // Uint8Array [0x00, 0x06, 0x00, 0x80, 0x00, 0x43]
 * // Reading TPM_ALG_XOR here is TPM_RC_SYMMETRIC: objects cannot use it.
 * ```
 */
export const TPMT_SYM_DEF_OBJECT: Codec<SymDef> = symDef("TPMT_SYM_DEF_OBJECT", false);

/**
 * A scheme with its details flattened: TPMT_RSA_SCHEME, TPMT_ECC_SCHEME,
 * TPMT_KEYEDHASH_SCHEME, TPMT_KDF_SCHEME, TPMT_SIG_SCHEME. Part 2 §11.1.19–§11.2.
 *
 * @example
 * ```ts
 * import { TPM_ALG } from "../constants.ts";
 * import type { Scheme } from "./types.ts";
 * const ecdsa: Scheme = { scheme: TPM_ALG.ECDSA, hashAlg: TPM_ALG.SHA256, extra: 0 };
 * ```
 */
export interface Scheme {
  /** The scheme's TPM_ALG_ID, or TPM_ALG_NULL. */
  scheme: number;
  /** Its hash, when the scheme has one (0 otherwise). */
  hashAlg: number;
  /** ECDAA count or the XOR scheme's KDF (0 otherwise). */
  extra: number;
}
/** How a scheme's details are laid out, per scheme id. */
type SchemeShape = "none" | "hash" | "hash+count" | "hash+kdf";
// TPMI_ALG_KDF+ (Part 2 §9.32): an unknown KDF is TPM_RC_KDF.
const KDF_ALGS = [
  TPM_ALG.NULL,
  TPM_ALG.MGF1,
  TPM_ALG.KDF1_SP800_56A,
  TPM_ALG.KDF2,
  TPM_ALG.KDF1_SP800_108,
];
const TPMI_ALG_KDF = oneOf("TPMI_ALG_KDF", UINT16, KDF_ALGS, TPM_RC.KDF);

/**
 * A scheme union. `rc` is its selector's error in Part 2's interface table
 * ("#TPM_RC_..."): TPM_RC_VALUE for the RSA, RSA-decrypt and keyed-hash
 * schemes, TPM_RC_KDF for KDFs, TPM_RC_SCHEME otherwise (as libtpms).
 */
function scheme(
  name: string,
  arms: Record<number, SchemeShape>,
  rc: number = TPM_RC.SCHEME,
): Codec<Scheme> {
  const id = oneOf(name, UINT16, Object.keys(arms).map(Number), rc);
  return {
    name,
    read(r) {
      const s = id.read(r);
      const shape = arms[s];
      const hashAlg = shape === "none" ? 0 : TPMI_ALG_HASH.read(r);
      const extra = shape === "hash+count"
        ? r.u16()
        : shape === "hash+kdf"
        ? TPMI_ALG_KDF.read(r)
        : 0;
      return { scheme: s, hashAlg, extra };
    },
    write(w, v) {
      w.u16(v.scheme);
      const shape = arms[v.scheme] ?? "none";
      if (shape !== "none") w.u16(v.hashAlg);
      if (shape === "hash+count" || shape === "hash+kdf") w.u16(v.extra);
    },
  };
}
const A = TPM_ALG;
/**
 * TPMT_RSA_SCHEME. Part 2 §11.2.4.2.
 *
 * @example
 * ```ts
 * import { TPM_ALG } from "../constants.ts";
 * import { encode } from "./codec.ts";
 * import { TPMT_RSA_SCHEME } from "./types.ts";
 * const rsassa = { scheme: TPM_ALG.RSASSA, hashAlg: TPM_ALG.SHA256, extra: 0 };
 * encode(TPMT_RSA_SCHEME, rsassa); // Uint8Array [0x00, 0x14, 0x00, 0x0b]
 * ```
 */
export const TPMT_RSA_SCHEME: Codec<Scheme> = scheme("TPMT_RSA_SCHEME", {
  [A.NULL]: "none",
  [A.RSASSA]: "hash",
  [A.RSAPSS]: "hash",
  [A.RSAES]: "none",
  [A.OAEP]: "hash",
}, TPM_RC.VALUE);
/**
 * TPMT_ECC_SCHEME. Part 2 §11.2.5.5.
 *
 * @example
 * ```ts
 * import { decode } from "./codec.ts";
 * import { TPMT_ECC_SCHEME } from "./types.ts";
 * // ECDAA carries a count after its hash.
 * decode(TPMT_ECC_SCHEME, new Uint8Array([0x00, 0x1a, 0x00, 0x0b, 0x00, 0x01]));
 * // { scheme: 0x001a, hashAlg: 0x000b, extra: 1 }
 * ```
 */
export const TPMT_ECC_SCHEME: Codec<Scheme> = scheme("TPMT_ECC_SCHEME", {
  [A.NULL]: "none",
  [A.ECDSA]: "hash",
  [A.ECDH]: "hash",
  [A.ECSCHNORR]: "hash",
  [A.ECDAA]: "hash+count",
});
/**
 * TPMT_KEYEDHASH_SCHEME. Part 2 §11.1.23.
 *
 * @example
 * ```ts
 * import { decode } from "./codec.ts";
 * import { TPMT_KEYEDHASH_SCHEME } from "./types.ts";
 * // XOR: a hash, then the KDF (TPM_ALG_KDF1_SP800_108, 0x0022) in `extra`.
 * const xor = new Uint8Array([0x00, 0x0a, 0x00, 0x0b, 0x00, 0x22]);
 * decode(TPMT_KEYEDHASH_SCHEME, xor).extra; // 0x22
 * ```
 */
export const TPMT_KEYEDHASH_SCHEME: Codec<Scheme> = scheme("TPMT_KEYEDHASH_SCHEME", {
  [A.NULL]: "none",
  [A.HMAC]: "hash",
  [A.XOR]: "hash+kdf",
}, TPM_RC.VALUE);
/**
 * TPMT_KDF_SCHEME. Part 2 §11.2.3.3.
 *
 * @example
 * ```ts
 * import { TPM_ALG } from "../constants.ts";
 * import { encode } from "./codec.ts";
 * import { TPMT_KDF_SCHEME } from "./types.ts";
 * // An ECC key without a KDF: just TPM_ALG_NULL, no details.
 * const noKdf = { scheme: TPM_ALG.NULL, hashAlg: 0, extra: 0 };
 * encode(TPMT_KDF_SCHEME, noKdf); // Uint8Array [0x00, 0x10]
 * ```
 */
export const TPMT_KDF_SCHEME: Codec<Scheme> = scheme("TPMT_KDF_SCHEME", {
  [A.NULL]: "none",
  [A.MGF1]: "hash",
  [A.KDF1_SP800_56A]: "hash",
  [A.KDF2]: "hash",
  [A.KDF1_SP800_108]: "hash",
}, TPM_RC.KDF);
/**
 * TPMT_SIG_SCHEME. Part 2 §11.2.1.5.
 *
 * @example
 * ```ts
 * import { TPM_ALG } from "../constants.ts";
 * import { decode } from "./codec.ts";
 * import { TPMT_SIG_SCHEME } from "./types.ts";
 * // TPM2_Sign's inScheme: TPM_ALG_NULL means "use the key's own scheme".
 * const inScheme = decode(TPMT_SIG_SCHEME, new Uint8Array([0x00, 0x10]));
 * inScheme.scheme === TPM_ALG.NULL; // true
 * ```
 */
export const TPMT_SIG_SCHEME: Codec<Scheme> = scheme("TPMT_SIG_SCHEME", {
  [A.NULL]: "none",
  [A.RSASSA]: "hash",
  [A.RSAPSS]: "hash",
  [A.ECDSA]: "hash",
  [A.ECSCHNORR]: "hash",
  [A.ECDAA]: "hash+count",
  [A.HMAC]: "hash",
});
/**
 * TPMT_RSA_DECRYPT. Part 2 §11.2.4.4.
 *
 * @example
 * ```ts
 * import { TPM_ALG } from "../constants.ts";
 * import { encode } from "./codec.ts";
 * import { TPMT_RSA_DECRYPT } from "./types.ts";
 * // TPM2_RSA_Decrypt's inScheme; a signing scheme (RSASSA) here is TPM_RC_VALUE (TPMI_ALG_RSA_DECRYPT).
 * const oaep = { scheme: TPM_ALG.OAEP, hashAlg: TPM_ALG.SHA256, extra: 0 };
 * encode(TPMT_RSA_DECRYPT, oaep); // Uint8Array [0x00, 0x17, 0x00, 0x0b]
 * ```
 */
export const TPMT_RSA_DECRYPT: Codec<Scheme> = scheme("TPMT_RSA_DECRYPT", {
  [A.NULL]: "none",
  [A.RSAES]: "none",
  [A.OAEP]: "hash",
}, TPM_RC.VALUE);

/**
 * TPMT_PUBLIC, with the TPMU_PUBLIC_PARMS / TPMU_PUBLIC_ID arms flattened. Part 2 §12.2.4.
 *
 * @example
 * ```ts
 * import { TPMA_OBJECT } from "../constants.ts";
 * import type { TpmtPublic } from "./types.ts";
 * function isSigningKey(p: TpmtPublic): boolean {
 *   return (p.objectAttributes & TPMA_OBJECT.sign) !== 0;
 * }
 * ```
 */
export interface TpmtPublic {
  /** TPMI_ALG_PUBLIC: RSA, ECC, KEYEDHASH or SYMCIPHER. */
  type: number;
  /** Name algorithm. */
  nameAlg: number;
  /** TPMA_OBJECT. */
  objectAttributes: number;
  /** authPolicy digest (possibly empty). */
  authPolicy: Uint8Array;
  /** RSA/ECC: the storage symmetric (NULL for non-storage); SYMCIPHER: the cipher. */
  symmetric: SymDef;
  /** RSA/ECC/KEYEDHASH scheme (NULL for SYMCIPHER). */
  scheme: Scheme;
  /** RSA key bits (0 for other types). */
  keyBits: number;
  /** RSA exponent (0 = 65537). */
  exponent: number;
  /** ECC curve (0 for other types). */
  curveID: number;
  /** ECC KDF (NULL for other types). */
  kdf: Scheme;
  /** unique: RSA modulus, KEYEDHASH/SYMCIPHER digest, or ECC x. */
  unique: Uint8Array;
  /** ECC y (empty for other types). */
  uniqueY: Uint8Array;
}

const PUBLIC_TYPE = oneOf(
  "TPMI_ALG_PUBLIC",
  UINT16,
  [A.RSA, A.ECC, A.KEYEDHASH, A.SYMCIPHER],
  TPM_RC.TYPE,
);
const RSA_KEY_BITS = oneOf("TPMI_RSA_KEY_BITS", UINT16, [1024, 2048, 3072, 4096], TPM_RC.VALUE);
const ECC_CURVE = oneOf(
  "TPMI_ECC_CURVE",
  UINT16,
  [TPM_ECC.NIST_P256, TPM_ECC.NIST_P384, TPM_ECC.NIST_P521],
  TPM_RC.CURVE,
);
const NULL_SCHEME: Scheme = { scheme: A.NULL, hashAlg: 0, extra: 0 };
const NULL_SYM: SymDef = { algorithm: A.NULL, keyBits: 0, mode: 0 };
const NAME_ALG = oneOf("TPMI_ALG_HASH+", UINT16, [...HASH_ALGS, A.NULL], TPM_RC.HASH);

function readPublic(r: TpmReader): TpmtPublic {
  const p: TpmtPublic = {
    type: PUBLIC_TYPE.read(r),
    nameAlg: NAME_ALG.read(r),
    objectAttributes: r.u32(),
    authPolicy: TPM2B_DIGEST.read(r),
    symmetric: NULL_SYM,
    scheme: NULL_SCHEME,
    keyBits: 0,
    exponent: 0,
    curveID: 0,
    kdf: NULL_SCHEME,
    unique: new Uint8Array(0),
    uniqueY: new Uint8Array(0),
  };
  switch (p.type) {
    case A.RSA:
      p.symmetric = TPMT_SYM_DEF_OBJECT.read(r);
      p.scheme = TPMT_RSA_SCHEME.read(r);
      p.keyBits = RSA_KEY_BITS.read(r);
      p.exponent = r.u32();
      p.unique = TPM2B_PUBLIC_KEY_RSA.read(r);
      break;
    case A.ECC:
      p.symmetric = TPMT_SYM_DEF_OBJECT.read(r);
      p.scheme = TPMT_ECC_SCHEME.read(r);
      p.curveID = ECC_CURVE.read(r);
      p.kdf = TPMT_KDF_SCHEME.read(r);
      p.unique = TPM2B_ECC_PARAMETER.read(r);
      p.uniqueY = TPM2B_ECC_PARAMETER.read(r);
      break;
    case A.KEYEDHASH:
      p.scheme = TPMT_KEYEDHASH_SCHEME.read(r);
      p.unique = TPM2B_DIGEST.read(r);
      break;
    default:
      p.symmetric = TPMT_SYM_DEF_OBJECT.read(r);
      p.unique = TPM2B_DIGEST.read(r);
  }
  return p;
}

function writePublic(w: TpmWriter, p: TpmtPublic): void {
  w.u16(p.type).u16(p.nameAlg).u32(p.objectAttributes);
  TPM2B_DIGEST.write(w, p.authPolicy);
  switch (p.type) {
    case A.RSA:
      TPMT_SYM_DEF_OBJECT.write(w, p.symmetric);
      TPMT_RSA_SCHEME.write(w, p.scheme);
      w.u16(p.keyBits).u32(p.exponent);
      TPM2B_PUBLIC_KEY_RSA.write(w, p.unique);
      break;
    case A.ECC:
      TPMT_SYM_DEF_OBJECT.write(w, p.symmetric);
      TPMT_ECC_SCHEME.write(w, p.scheme);
      w.u16(p.curveID);
      TPMT_KDF_SCHEME.write(w, p.kdf);
      TPM2B_ECC_PARAMETER.write(w, p.unique);
      TPM2B_ECC_PARAMETER.write(w, p.uniqueY);
      break;
    case A.KEYEDHASH:
      TPMT_KEYEDHASH_SCHEME.write(w, p.scheme);
      TPM2B_DIGEST.write(w, p.unique);
      break;
    default:
      TPMT_SYM_DEF_OBJECT.write(w, p.symmetric);
      TPM2B_DIGEST.write(w, p.unique);
  }
}

/**
 * TPMT_PUBLIC codec.
 *
 * @example
 * ```ts
 * import { TPM_ALG } from "../constants.ts";
 * import { decode } from "./codec.ts";
 * import { TPMT_PUBLIC } from "./types.ts";
 * // A sealed-data object's public area (Part 2 §12.2.4).
 * const sealed = decode(TPMT_PUBLIC, new Uint8Array([
 *   0x00, 0x08, 0x00, 0x0b, 0, 0, 0, 0x52, // KEYEDHASH, SHA-256, fixedTPM|fixedParent|userWithAuth
 *   0, 0, 0x00, 0x10, 0, 0, // empty authPolicy, TPM_ALG_NULL scheme, empty unique
 * ]));
 * sealed.type === TPM_ALG.KEYEDHASH; // true
 * ```
 */
export const TPMT_PUBLIC: Codec<TpmtPublic> = {
  name: "TPMT_PUBLIC",
  read: readPublic,
  write: writePublic,
};
/**
 * TPM2B_PUBLIC: a sized TPMT_PUBLIC; empty is TPM_RC_SIZE. Part 2 §12.2.5.
 *
 * @example
 * ```ts
 * import { decode, encode } from "./codec.ts";
 * import { TPM2B_PUBLIC, TPMT_PUBLIC } from "./types.ts";
 * // A KEYEDHASH sealed-data area, 14 bytes (see TPMT_PUBLIC).
 * const area = new Uint8Array([0, 8, 0, 0x0b, 0, 0, 0, 0x52, 0, 0, 0, 0x10, 0, 0]);
 * encode(TPM2B_PUBLIC, decode(TPMT_PUBLIC, area)).subarray(0, 2); // Uint8Array [0, 14]
 * // An empty TPM2B_PUBLIC ([0, 0]) is TPM_RC_SIZE.
 * ```
 */
export const TPM2B_PUBLIC: Codec<TpmtPublic | null> = sized("TPM2B_PUBLIC", TPMT_PUBLIC);

/**
 * TPMS_SENSITIVE_CREATE, decoded.
 *
 * @example
 * ```ts
 * import type { SensitiveCreate } from "./types.ts";
 * // TPM2_Create of a sealed object: its password and the data to seal (Part 2 §11.1.15).
 * const utf8 = new TextEncoder();
 * const sensitive: SensitiveCreate = { userAuth: utf8.encode("pw"), data: utf8.encode("secret") };
 * ```
 */
export interface SensitiveCreate {
  /** userAuth. */
  userAuth: Uint8Array;
  /** data (sealed data or a key to import). */
  data: Uint8Array;
}
/**
 * TPMS_SENSITIVE_CREATE. Part 2 §11.1.15.
 *
 * @example
 * ```ts
 * import { encode } from "./codec.ts";
 * import { TPMS_SENSITIVE_CREATE } from "./types.ts";
 * const v = { userAuth: new Uint8Array(0), data: new Uint8Array([1, 2]) };
 * encode(TPMS_SENSITIVE_CREATE, v); // Uint8Array [0, 0, 0, 2, 1, 2]
 * ```
 */
export const TPMS_SENSITIVE_CREATE: Codec<SensitiveCreate> = struct("TPMS_SENSITIVE_CREATE", {
  userAuth: TPM2B_AUTH,
  data: TPM2B_SENSITIVE_DATA,
});
/**
 * TPM2B_SENSITIVE_CREATE. Part 2 §11.1.16.
 *
 * @example
 * ```ts
 * import { encode } from "./codec.ts";
 * import { TPM2B_SENSITIVE_CREATE } from "./types.ts";
 * // TPM2_Create's inSensitive: the structure above, behind its own u16 size.
 * const v = { userAuth: new Uint8Array(0), data: new Uint8Array([1, 2]) };
 * encode(TPM2B_SENSITIVE_CREATE, v); // Uint8Array [0, 6, 0, 0, 0, 2, 1, 2]
 * ```
 */
export const TPM2B_SENSITIVE_CREATE: Codec<{ userAuth: Uint8Array; data: Uint8Array } | null> =
  sized("TPM2B_SENSITIVE_CREATE", TPMS_SENSITIVE_CREATE);

/**
 * TPMT_SIGNATURE, arms flattened. Part 2 §11.3.4.
 *
 * @example
 * ```ts
 * import { TPM_ALG } from "../constants.ts";
 * import type { Signature } from "./types.ts";
 * const hmac: Signature = {
 *   sigAlg: TPM_ALG.HMAC,
 *   hash: TPM_ALG.SHA256,
 *   sig: new Uint8Array(32), // the HMAC
 *   s: new Uint8Array(0),
 * };
 * ```
 */
export interface Signature {
  /** Signature scheme, or TPM_ALG_NULL. */
  sigAlg: number;
  /** Hash used. */
  hash: number;
  /** RSA signature or HMAC digest, or ECC r. */
  sig: Uint8Array;
  /** ECC s (empty otherwise). */
  s: Uint8Array;
}
const SIG_ALG = oneOf(
  "TPMI_ALG_SIG_SCHEME+",
  UINT16,
  [A.NULL, A.RSASSA, A.RSAPSS, A.ECDSA, A.ECDAA, A.ECSCHNORR, A.HMAC],
  TPM_RC.SCHEME,
);
/**
 * TPMT_SIGNATURE codec.
 *
 * @example
 * ```ts
 * import { TPM_ALG } from "../constants.ts";
 * import { encode } from "./codec.ts";
 * import { TPMT_SIGNATURE } from "./types.ts";
 * // ECDSA P-256 (Part 2 §11.3.4): r and s, each a 32-byte TPM2B_ECC_PARAMETER.
 * const r = new Uint8Array(32), s = new Uint8Array(32);
 * encode(TPMT_SIGNATURE, { sigAlg: TPM_ALG.ECDSA, hash: TPM_ALG.SHA256, sig: r, s }).length; // 72
 * ```
 */
export const TPMT_SIGNATURE: Codec<Signature> = {
  name: "TPMT_SIGNATURE",
  read(r) {
    const sigAlg = SIG_ALG.read(r);
    const empty = new Uint8Array(0);
    if (sigAlg === A.NULL) return { sigAlg, hash: 0, sig: empty, s: empty };
    if (sigAlg === A.HMAC) {
      const ha = TPMT_HA.read(r);
      return { sigAlg, hash: ha.hashAlg, sig: ha.digest, s: empty };
    }
    const hash = TPMI_ALG_HASH.read(r);
    if (sigAlg === A.RSASSA || sigAlg === A.RSAPSS) {
      return { sigAlg, hash, sig: TPM2B_PUBLIC_KEY_RSA.read(r), s: empty };
    }
    return { sigAlg, hash, sig: TPM2B_ECC_PARAMETER.read(r), s: TPM2B_ECC_PARAMETER.read(r) };
  },
  write(w, v) {
    w.u16(v.sigAlg);
    if (v.sigAlg === A.NULL) return;
    w.u16(v.hash);
    if (v.sigAlg === A.HMAC) w.bytes(v.sig);
    else if (v.sigAlg === A.RSASSA || v.sigAlg === A.RSAPSS) TPM2B_PUBLIC_KEY_RSA.write(w, v.sig);
    else {
      TPM2B_ECC_PARAMETER.write(w, v.sig);
      TPM2B_ECC_PARAMETER.write(w, v.s);
    }
  },
};

/**
 * TPMS_NV_PUBLIC. Part 2 §13.5.
 *
 * @example
 * ```ts
 * import { TPM_ALG, TPMA_NV } from "../constants.ts";
 * import type { NvPublic } from "./types.ts";
 * const index: NvPublic = {
 *   nvIndex: 0x01500000,
 *   nameAlg: TPM_ALG.SHA256,
 *   attributes: TPMA_NV.OWNERWRITE | TPMA_NV.OWNERREAD,
 *   authPolicy: new Uint8Array(0),
 *   dataSize: 32,
 * };
 * ```
 */
export interface NvPublic {
  /** TPMI_RH_NV_INDEX. */
  nvIndex: number;
  /** Name algorithm. */
  nameAlg: number;
  /** TPMA_NV. */
  attributes: number;
  /** authPolicy digest. */
  authPolicy: Uint8Array;
  /** Data size in bytes. */
  dataSize: number;
}
/**
 * TPMS_NV_PUBLIC codec.
 *
 * @example
 * ```ts
 * import { TPM_ALG, TPMA_NV } from "../constants.ts";
 * import { encode } from "./codec.ts";
 * import { TPMS_NV_PUBLIC } from "./types.ts";
 * const nv = {
 *   nvIndex: 0x01500000,
 *   nameAlg: TPM_ALG.SHA256,
 *   attributes: TPMA_NV.AUTHWRITE | TPMA_NV.AUTHREAD,
 *   authPolicy: new Uint8Array(0),
 *   dataSize: 32,
 * };
 * encode(TPMS_NV_PUBLIC, nv).length; // 14: UINT32 + UINT16 + UINT32 + (2 + 0) + UINT16 (§13.5)
 * ```
 */
export const TPMS_NV_PUBLIC: Codec<NvPublic> = struct("TPMS_NV_PUBLIC", {
  nvIndex: UINT32,
  nameAlg: TPMI_ALG_HASH,
  attributes: UINT32,
  authPolicy: TPM2B_DIGEST,
  dataSize: UINT16,
});
/**
 * TPM2B_NV_PUBLIC. Part 2 §13.6.
 *
 * @example
 * ```ts
 * import { decode } from "./codec.ts";
 * import { TPM2B_NV_PUBLIC } from "./types.ts";
 * // TPM2_NV_ReadPublic's nvPublic: size 14, then index 0x01500000, SHA-256,
 * // AUTHWRITE|AUTHREAD, an empty authPolicy and dataSize 32.
 * const bytes = [0, 14, 0x01, 0x50, 0, 0, 0, 0x0b, 0, 0x04, 0, 0x04, 0, 0, 0, 32];
 * decode(TPM2B_NV_PUBLIC, new Uint8Array(bytes))?.dataSize; // 32
 * ```
 */
export const TPM2B_NV_PUBLIC: Codec<NvPublic | null> = sized("TPM2B_NV_PUBLIC", TPMS_NV_PUBLIC);

/**
 * TPMS_CONTEXT. Part 2 §14.5.
 *
 * @example
 * ```ts
 * import { TPM_RH } from "../constants.ts";
 * import { encode } from "./codec.ts";
 * import { TPMS_CONTEXT } from "./types.ts";
 * // TPM2_ContextSave's output, handed back unchanged to TPM2_ContextLoad.
 * const b = new Uint8Array(4);
 * const ctx = { sequence: 1n, savedHandle: 0x80000000, hierarchy: TPM_RH.OWNER, contextBlob: b };
 * encode(TPMS_CONTEXT, ctx).length; // 22: 8 + 4 + 4 + (2 + 4)
 * ```
 */
export const TPMS_CONTEXT: Codec<TpmsContext> = struct("TPMS_CONTEXT", {
  sequence: UINT64,
  savedHandle: UINT32,
  hierarchy: UINT32,
  contextBlob: TPM2B_CONTEXT_DATA,
});
/**
 * A decoded TPMS_CONTEXT.
 *
 * @example
 * ```ts
 * import { TPM_HT } from "../constants.ts";
 * import type { TpmsContext } from "./types.ts";
 * // savedHandle (Part 2 §14.5) names the object's or the session's range (§7.2).
 * function isTransient(ctx: TpmsContext): boolean {
 *   return ctx.savedHandle >>> 24 === TPM_HT.TRANSIENT; // a saved object, not a session
 * }
 * ```
 */
export type TpmsContext = {
  sequence: bigint;
  savedHandle: number;
  hierarchy: number;
  contextBlob: Uint8Array;
};

/**
 * TPMI_YES_NO. Part 2 §9.2.
 *
 * @example
 * ```ts
 * import { decode } from "./codec.ts";
 * import { TPMI_YES_NO } from "./types.ts";
 * decode(TPMI_YES_NO, new Uint8Array([1])); // 1 (YES)
 * // Any byte other than 0 or 1, e.g. [2], is TPM_RC_VALUE.
 * ```
 */
export const TPMI_YES_NO: Codec<number> = oneOf("TPMI_YES_NO", UINT8, [0, 1]);

export { INT32, UINT16, UINT32, UINT64, UINT8 };
