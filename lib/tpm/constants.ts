/**
 * TPM 2.0 constants, named and valued as in TCG TPM 2.0 Library Part 2
 * ("Structures"), each table cited beside it. Response codes live in
 * `response_code.ts`.
 * @module
 */

/**
 * TPM_ST: structure tags. Part 2 §6.9.
 *
 * @example
 * ```ts
 * import { TPM_ST } from "./constants.ts";
 * import { TpmReader, TpmWriter } from "./marshal/buffer.ts";
 * // The first 6 bytes of the TPMS_ATTEST a TPM2_Quote signs.
 * const attest = new TpmWriter().u32(0xff544347).u16(0x8018).finish();
 * const r = new TpmReader(attest);
 * r.u32(); // magic: TPM_GENERATED_VALUE 0xff544347
 * const isQuote = r.u16() === TPM_ST.ATTEST_QUOTE; // 0x8018; a certify would be 0x8017
 * ```
 */
export const TPM_ST = {
  RSP_COMMAND: 0x00c4,
  NULL: 0x8000,
  NO_SESSIONS: 0x8001,
  SESSIONS: 0x8002,
  ATTEST_NV: 0x8014,
  ATTEST_COMMAND_AUDIT: 0x8015,
  ATTEST_SESSION_AUDIT: 0x8016,
  ATTEST_CERTIFY: 0x8017,
  ATTEST_QUOTE: 0x8018,
  ATTEST_TIME: 0x8019,
  ATTEST_CREATION: 0x801a,
  ATTEST_NV_DIGEST: 0x801c,
  CREATION: 0x8021,
  VERIFIED: 0x8022,
  AUTH_SECRET: 0x8023,
  HASHCHECK: 0x8024,
  AUTH_SIGNED: 0x8025,
} as const;

/**
 * TPM_CC: command codes. Part 2 §6.5.2.
 *
 * @example
 * ```ts
 * import { TPM_CC } from "./constants.ts";
 * import { TpmWriter } from "./marshal/buffer.ts";
 * // TPM2_GetRandom(16): tag, commandSize, commandCode, bytesRequested.
 * const cmd = new TpmWriter().u16(0x8001).u32(12).u32(TPM_CC.GetRandom).u16(16).finish();
 * // 80 01 0000000c 0000017b 0010
 * ```
 */
export const TPM_CC = {
  NV_UndefineSpaceSpecial: 0x11f,
  EvictControl: 0x120,
  HierarchyControl: 0x121,
  NV_UndefineSpace: 0x122,
  ChangeEPS: 0x124,
  ChangePPS: 0x125,
  Clear: 0x126,
  ClearControl: 0x127,
  ClockSet: 0x128,
  HierarchyChangeAuth: 0x129,
  NV_DefineSpace: 0x12a,
  PCR_Allocate: 0x12b,
  PCR_SetAuthPolicy: 0x12c,
  PP_Commands: 0x12d,
  SetPrimaryPolicy: 0x12e,
  FieldUpgradeStart: 0x12f,
  ClockRateAdjust: 0x130,
  CreatePrimary: 0x131,
  NV_GlobalWriteLock: 0x132,
  GetCommandAuditDigest: 0x133,
  NV_Increment: 0x134,
  NV_SetBits: 0x135,
  NV_Extend: 0x136,
  NV_Write: 0x137,
  NV_WriteLock: 0x138,
  DictionaryAttackLockReset: 0x139,
  DictionaryAttackParameters: 0x13a,
  NV_ChangeAuth: 0x13b,
  PCR_Event: 0x13c,
  PCR_Reset: 0x13d,
  SequenceComplete: 0x13e,
  SetAlgorithmSet: 0x13f,
  SetCommandCodeAuditStatus: 0x140,
  FieldUpgradeData: 0x141,
  IncrementalSelfTest: 0x142,
  SelfTest: 0x143,
  Startup: 0x144,
  Shutdown: 0x145,
  StirRandom: 0x146,
  ActivateCredential: 0x147,
  Certify: 0x148,
  PolicyNV: 0x149,
  CertifyCreation: 0x14a,
  Duplicate: 0x14b,
  GetTime: 0x14c,
  GetSessionAuditDigest: 0x14d,
  NV_Read: 0x14e,
  NV_ReadLock: 0x14f,
  ObjectChangeAuth: 0x150,
  PolicySecret: 0x151,
  Rewrap: 0x152,
  Create: 0x153,
  ECDH_ZGen: 0x154,
  HMAC: 0x155,
  Import: 0x156,
  Load: 0x157,
  Quote: 0x158,
  RSA_Decrypt: 0x159,
  HMAC_Start: 0x15b,
  SequenceUpdate: 0x15c,
  Sign: 0x15d,
  Unseal: 0x15e,
  PolicySigned: 0x160,
  ContextLoad: 0x161,
  ContextSave: 0x162,
  ECDH_KeyGen: 0x163,
  EncryptDecrypt: 0x164,
  FlushContext: 0x165,
  LoadExternal: 0x167,
  MakeCredential: 0x168,
  NV_ReadPublic: 0x169,
  PolicyAuthorize: 0x16a,
  PolicyAuthValue: 0x16b,
  PolicyCommandCode: 0x16c,
  PolicyCounterTimer: 0x16d,
  PolicyCpHash: 0x16e,
  PolicyLocality: 0x16f,
  PolicyNameHash: 0x170,
  PolicyOR: 0x171,
  PolicyTicket: 0x172,
  ReadPublic: 0x173,
  RSA_Encrypt: 0x174,
  StartAuthSession: 0x176,
  VerifySignature: 0x177,
  ECC_Parameters: 0x178,
  FirmwareRead: 0x179,
  GetCapability: 0x17a,
  GetRandom: 0x17b,
  GetTestResult: 0x17c,
  Hash: 0x17d,
  PCR_Read: 0x17e,
  PolicyPCR: 0x17f,
  PolicyRestart: 0x180,
  ReadClock: 0x181,
  PCR_Extend: 0x182,
  PCR_SetAuthValue: 0x183,
  NV_Certify: 0x184,
  EventSequenceComplete: 0x185,
  HashSequenceStart: 0x186,
  PolicyPhysicalPresence: 0x187,
  PolicyDuplicationSelect: 0x188,
  PolicyGetDigest: 0x189,
  TestParms: 0x18a,
  Commit: 0x18b,
  PolicyPassword: 0x18c,
  ZGen_2Phase: 0x18d,
  EC_Ephemeral: 0x18e,
  PolicyNvWritten: 0x18f,
  PolicyTemplate: 0x190,
  CreateLoaded: 0x191,
  PolicyAuthorizeNV: 0x192,
  EncryptDecrypt2: 0x193,
} as const;

/**
 * TPM_ALG_ID: algorithm identifiers. Part 2 §6.3.
 *
 * @example
 * ```ts
 * import { TPM_ALG } from "./constants.ts";
 * import { TpmReader } from "./marshal/buffer.ts";
 * import { encode } from "./marshal/codec.ts";
 * import { TPMT_PUBLIC } from "./marshal/types.ts";
 * import { objectName } from "./state/objects.ts";
 * import { EK_ECC_P256_TEMPLATE } from "./ek.ts";
 * const name = objectName(EK_ECC_P256_TEMPLATE, encode(TPMT_PUBLIC, EK_ECC_P256_TEMPLATE));
 * // A Name starts with its nameAlg: 0x000b, then the 32-byte SHA-256 digest.
 * const sha256Name = new TpmReader(name).u16() === TPM_ALG.SHA256 && name.length === 34;
 * ```
 */
export const TPM_ALG = {
  ERROR: 0x0000,
  RSA: 0x0001,
  SHA1: 0x0004,
  HMAC: 0x0005,
  AES: 0x0006,
  MGF1: 0x0007,
  KEYEDHASH: 0x0008,
  XOR: 0x000a,
  SHA256: 0x000b,
  SHA384: 0x000c,
  SHA512: 0x000d,
  NULL: 0x0010,
  RSASSA: 0x0014,
  RSAES: 0x0015,
  RSAPSS: 0x0016,
  OAEP: 0x0017,
  ECDSA: 0x0018,
  ECDH: 0x0019,
  ECDAA: 0x001a,
  ECSCHNORR: 0x001c,
  KDF1_SP800_56A: 0x0020,
  KDF2: 0x0021,
  KDF1_SP800_108: 0x0022,
  ECC: 0x0023,
  SYMCIPHER: 0x0025,
  CTR: 0x0040,
  OFB: 0x0041,
  CBC: 0x0042,
  CFB: 0x0043,
  ECB: 0x0044,
} as const;

/**
 * TPM_ECC_CURVE. Part 2 §6.4.
 *
 * @example
 * ```ts
 * import { TPM_ALG, TPM_ECC } from "./constants.ts";
 * import { EK_ECC_P256_TEMPLATE as publicArea } from "./ek.ts";
 * const isP256 = publicArea.type === TPM_ALG.ECC && publicArea.curveID === TPM_ECC.NIST_P256; // curve 0x0003
 * ```
 */
export const TPM_ECC = {
  NONE: 0x0000,
  NIST_P192: 0x0001,
  NIST_P224: 0x0002,
  NIST_P256: 0x0003,
  NIST_P384: 0x0004,
  NIST_P521: 0x0005,
} as const;

/**
 * TPM_SU: Startup / Shutdown types. Part 2 §6.13.
 *
 * @example
 * ```ts
 * import { TPM_CC, TPM_SU } from "./constants.ts";
 * import { TpmWriter } from "./marshal/buffer.ts";
 * // TPM2_Shutdown(STATE): the next TPM2_Startup(STATE) resumes with the PCRs kept.
 * const shutdown = new TpmWriter().u16(0x8001).u32(12).u32(TPM_CC.Shutdown).u16(TPM_SU.STATE).finish();
 * ```
 */
export const TPM_SU = { CLEAR: 0x0000, STATE: 0x0001 } as const;

/**
 * TPM_SE: session types. Part 2 §6.14.
 *
 * @example
 * ```ts
 * import { TPM_SE } from "./constants.ts";
 * import { SessionTable } from "./state/sessions.ts";
 * // A policy session gets a handle in the 0x03 range; an HMAC session one in 0x02.
 * new SessionTable().allocate(TPM_SE.POLICY); // 0x03000000
 * ```
 */
export const TPM_SE = { HMAC: 0x00, POLICY: 0x01, TRIAL: 0x03 } as const;

/**
 * TPM_CAP: capability selectors. Part 2 §6.12.
 *
 * @example
 * ```ts
 * import { TPM_ALG, TPM_CAP } from "./constants.ts";
 * import { TpmWriter } from "./marshal/buffer.ts";
 * // TPM2_GetCapability parameters: capability, first property, propertyCount.
 * const params = new TpmWriter().u32(TPM_CAP.ALGS).u32(TPM_ALG.RSA).u32(64).finish(); // up to 64 algorithms from RSA on
 * ```
 */
export const TPM_CAP = {
  ALGS: 0,
  HANDLES: 1,
  COMMANDS: 2,
  PP_COMMANDS: 3,
  AUDIT_COMMANDS: 4,
  PCRS: 5,
  TPM_PROPERTIES: 6,
  PCR_PROPERTIES: 7,
  ECC_CURVES: 8,
  AUTH_POLICIES: 9,
  ACT: 10,
} as const;

/**
 * TPM_PT: property tags; PT_FIXED group at 0x100, PT_VAR at 0x200. Part 2 §6.13.
 *
 * @example
 * ```ts
 * import { TPM_PT } from "./constants.ts";
 * import { TpmReader, TpmWriter } from "./marshal/buffer.ts";
 * // One TPMS_TAGGED_PROPERTY of GetCapability(TPM_PROPERTIES): property, value.
 * const taggedProperty = new TpmWriter().u32(0x11e).u32(4096).finish();
 * const r = new TpmReader(taggedProperty);
 * const maxCommand = r.u32() === TPM_PT.MAX_COMMAND_SIZE ? r.u32() : undefined; // 4096 on this TPM
 * ```
 */
export const TPM_PT = {
  FIXED: 0x100,
  FAMILY_INDICATOR: 0x100,
  LEVEL: 0x101,
  REVISION: 0x102,
  DAY_OF_YEAR: 0x103,
  YEAR: 0x104,
  MANUFACTURER: 0x105,
  VENDOR_STRING_1: 0x106,
  VENDOR_STRING_2: 0x107,
  VENDOR_STRING_3: 0x108,
  VENDOR_STRING_4: 0x109,
  VENDOR_TPM_TYPE: 0x10a,
  FIRMWARE_VERSION_1: 0x10b,
  FIRMWARE_VERSION_2: 0x10c,
  INPUT_BUFFER: 0x10d,
  HR_TRANSIENT_MIN: 0x10e,
  HR_PERSISTENT_MIN: 0x10f,
  HR_LOADED_MIN: 0x110,
  ACTIVE_SESSIONS_MAX: 0x111,
  PCR_COUNT: 0x112,
  PCR_SELECT_MIN: 0x113,
  CONTEXT_GAP_MAX: 0x114,
  NV_COUNTERS_MAX: 0x116,
  NV_INDEX_MAX: 0x117,
  MEMORY: 0x118,
  CLOCK_UPDATE: 0x119,
  CONTEXT_HASH: 0x11a,
  CONTEXT_SYM: 0x11b,
  CONTEXT_SYM_SIZE: 0x11c,
  ORDERLY_COUNT: 0x11d,
  MAX_COMMAND_SIZE: 0x11e,
  MAX_RESPONSE_SIZE: 0x11f,
  MAX_DIGEST: 0x120,
  MAX_OBJECT_CONTEXT: 0x121,
  MAX_SESSION_CONTEXT: 0x122,
  PS_FAMILY_INDICATOR: 0x123,
  PS_LEVEL: 0x124,
  PS_REVISION: 0x125,
  PS_DAY_OF_YEAR: 0x126,
  PS_YEAR: 0x127,
  SPLIT_MAX: 0x128,
  TOTAL_COMMANDS: 0x129,
  LIBRARY_COMMANDS: 0x12a,
  VENDOR_COMMANDS: 0x12b,
  NV_BUFFER_MAX: 0x12c,
  MODES: 0x12d,
  MAX_CAP_BUFFER: 0x12e,
  VAR: 0x200,
  PERMANENT: 0x200,
  STARTUP_CLEAR: 0x201,
  HR_NV_INDEX: 0x202,
  HR_LOADED: 0x203,
  HR_LOADED_AVAIL: 0x204,
  HR_ACTIVE: 0x205,
  HR_ACTIVE_AVAIL: 0x206,
  HR_TRANSIENT_AVAIL: 0x207,
  HR_PERSISTENT: 0x208,
  HR_PERSISTENT_AVAIL: 0x209,
  NV_COUNTERS: 0x20a,
  NV_COUNTERS_AVAIL: 0x20b,
  ALGORITHM_SET: 0x20c,
  LOADED_CURVES: 0x20d,
  LOCKOUT_COUNTER: 0x20e,
  MAX_AUTH_FAIL: 0x20f,
  LOCKOUT_INTERVAL: 0x210,
  LOCKOUT_RECOVERY: 0x211,
  NV_WRITE_RECOVERY: 0x212,
  AUDIT_COUNTER_0: 0x213,
  AUDIT_COUNTER_1: 0x214,
} as const;

/**
 * TPM_PT_PCR: PCR property tags. Part 2 §6.14.
 *
 * @example
 * ```ts
 * import { TPM_CAP, TPM_PT_PCR } from "./constants.ts";
 * import { TpmWriter } from "./marshal/buffer.ts";
 * // Which PCRs may locality 0 reset? GetCapability(PCR_PROPERTIES, RESET_L0, 1).
 * const params = new TpmWriter().u32(TPM_CAP.PCR_PROPERTIES).u32(TPM_PT_PCR.RESET_L0).u32(1).finish();
 * ```
 */
export const TPM_PT_PCR = {
  SAVE: 0x00,
  EXTEND_L0: 0x01,
  RESET_L0: 0x02,
  EXTEND_L1: 0x03,
  RESET_L1: 0x04,
  EXTEND_L2: 0x05,
  RESET_L2: 0x06,
  EXTEND_L3: 0x07,
  RESET_L3: 0x08,
  EXTEND_L4: 0x09,
  RESET_L4: 0x0a,
  NO_INCREMENT: 0x11,
  DRTM_RESET: 0x12,
  POLICY: 0x13,
  AUTH: 0x14,
} as const;

/**
 * TPM_HT: the handle type in the top byte of a handle. Part 2 §7.2.
 *
 * @example
 * ```ts
 * import { TPM_HT } from "./constants.ts";
 * const handle = 0x81000001;
 * const persistent = handle >>> 24 === TPM_HT.PERSISTENT; // true: 0x81, an evicted object
 * ```
 */
export const TPM_HT = {
  PCR: 0x00,
  NV_INDEX: 0x01,
  HMAC_SESSION: 0x02,
  POLICY_SESSION: 0x03,
  PERMANENT: 0x40,
  TRANSIENT: 0x80,
  PERSISTENT: 0x81,
} as const;

/**
 * TPM_RH / TPM_RS: permanent handles. Part 2 §7.4.
 *
 * @example
 * ```ts
 * import { TPM_RH } from "./constants.ts";
 * import { TpmWriter } from "./marshal/buffer.ts";
 * // TPMS_AUTH_COMMAND of a password session: TPM_RS_PW, empty nonce, attributes 0, empty password.
 * const pwSession = new TpmWriter().u32(TPM_RH.PW).u16(0).u8(0).u16(0).finish(); // 9 bytes
 * ```
 */
export const TPM_RH = {
  OWNER: 0x40000001,
  NULL: 0x40000007,
  PW: 0x40000009,
  LOCKOUT: 0x4000000a,
  ENDORSEMENT: 0x4000000b,
  PLATFORM: 0x4000000c,
  PLATFORM_NV: 0x4000000d,
} as const;

/**
 * First handle of each range. Part 2 §7.5 (TPM_HC).
 *
 * @example
 * ```ts
 * import { TPM_HR } from "./constants.ts";
 * // EvictControl targets are 0x81000000 + n; the owner's range is the first 0x800000 of them.
 * const srkHandle = TPM_HR.PERSISTENT_FIRST + 1; // 0x81000001, the SRK's handle in TCG's provisioning guidance
 * ```
 */
export const TPM_HR = {
  HMAC_SESSION_FIRST: 0x02000000,
  POLICY_SESSION_FIRST: 0x03000000,
  TRANSIENT_FIRST: 0x80000000,
  PERSISTENT_FIRST: 0x81000000,
  NV_INDEX_FIRST: 0x01000000,
} as const;

/**
 * TPMA_OBJECT bits. Part 2 §8.3.
 *
 * @example
 * ```ts
 * import { TPMA_OBJECT } from "./constants.ts";
 * // A storage key: restricted decryption, never leaves this TPM, created inside it.
 * const storageKey = TPMA_OBJECT.fixedTPM | TPMA_OBJECT.fixedParent |
 *   TPMA_OBJECT.sensitiveDataOrigin | TPMA_OBJECT.userWithAuth |
 *   TPMA_OBJECT.restricted | TPMA_OBJECT.decrypt; // 0x30072
 * ```
 */
export const TPMA_OBJECT = {
  fixedTPM: 1 << 1,
  stClear: 1 << 2,
  fixedParent: 1 << 4,
  sensitiveDataOrigin: 1 << 5,
  userWithAuth: 1 << 6,
  adminWithPolicy: 1 << 7,
  noDA: 1 << 10,
  encryptedDuplication: 1 << 11,
  restricted: 1 << 16,
  decrypt: 1 << 17,
  sign: 1 << 18,
} as const;

/**
 * TPMA_SESSION bits. Part 2 §8.4.
 *
 * @example
 * ```ts
 * import { TPMA_SESSION } from "./constants.ts";
 * // Keep the session after this command and encrypt its first parameter.
 * const sessionAttributes = TPMA_SESSION.continueSession | TPMA_SESSION.decrypt; // 0x21
 * ```
 */
export const TPMA_SESSION = {
  continueSession: 0x01,
  auditExclusive: 0x02,
  auditReset: 0x04,
  decrypt: 0x20,
  encrypt: 0x40,
  audit: 0x80,
} as const;

/**
 * TPMA_NV bits; TPM_NT is the 4-bit field at bit 4. Part 2 §13.4.
 *
 * @example
 * ```ts
 * import { TPMA_NV } from "./constants.ts";
 * // An ordinary index read and written with its own authValue, outside DA protection.
 * const attributes = TPMA_NV.AUTHWRITE | TPMA_NV.AUTHREAD | TPMA_NV.NO_DA; // 0x2040004
 * const locked = (attributes & TPMA_NV.WRITELOCKED) !== 0; // false until NV_WriteLock
 * ```
 */
export const TPMA_NV = {
  PPWRITE: 1 << 0,
  OWNERWRITE: 1 << 1,
  AUTHWRITE: 1 << 2,
  POLICYWRITE: 1 << 3,
  POLICY_DELETE: 1 << 10,
  WRITELOCKED: 1 << 11,
  WRITEALL: 1 << 12,
  WRITEDEFINE: 1 << 13,
  WRITE_STCLEAR: 1 << 14,
  GLOBALLOCK: 1 << 15,
  PPREAD: 1 << 16,
  OWNERREAD: 1 << 17,
  AUTHREAD: 1 << 18,
  POLICYREAD: 1 << 19,
  NO_DA: 1 << 25,
  ORDERLY: 1 << 26,
  CLEAR_STCLEAR: 1 << 27,
  READLOCKED: 1 << 28,
  WRITTEN: 1 << 29,
  PLATFORMCREATE: 1 << 30,
  READ_STCLEAR: 2 ** 31,
} as const;

/**
 * TPM_NT: NV index types (TPMA_NV bits 7:4). Part 2 §13.4.
 *
 * @example
 * ```ts
 * import { TPM_NT, TPMA_NV } from "./constants.ts";
 * const counter = TPMA_NV.AUTHWRITE | TPMA_NV.AUTHREAD | (TPM_NT.COUNTER << 4); // 0x40014
 * const isCounter = ((counter >>> 4) & 0xf) === TPM_NT.COUNTER; // true
 * ```
 */
export const TPM_NT = {
  ORDINARY: 0,
  COUNTER: 1,
  BITS: 2,
  EXTEND: 4,
  PIN_FAIL: 8,
  PIN_PASS: 9,
} as const;

/**
 * TPMA_ALGORITHM bits. Part 2 §8.2.
 *
 * @example
 * ```ts
 * import { TPMA_ALGORITHM } from "./constants.ts";
 * import { TpmReader, TpmWriter } from "./marshal/buffer.ts";
 * // One TPMS_ALG_PROPERTY of GetCapability(ALGS): SHA-256 (0x000b) with the hash bit (0x4).
 * const algProperty = new TpmWriter().u16(0x000b).u32(0x4).finish();
 * const r = new TpmReader(algProperty);
 * const alg = r.u16();
 * const isHash = (r.u32() & TPMA_ALGORITHM.hash) !== 0; // true
 * ```
 */
export const TPMA_ALGORITHM = {
  asymmetric: 1 << 0,
  symmetric: 1 << 1,
  hash: 1 << 2,
  object: 1 << 3,
  signing: 1 << 8,
  encrypting: 1 << 9,
  method: 1 << 10,
} as const;

/**
 * Sizes this TPM implements (Part 2 Annex / implementation-dependent values).
 *
 * @example
 * ```ts
 * import { LIMITS } from "./constants.ts";
 * const data = new Uint8Array(2500);
 * // TPM2_NV_Write takes at most MAX_NV_BUFFER_SIZE (1024) bytes per call: 3 chunks here.
 * const chunks: Uint8Array[] = [];
 * for (let at = 0; at < data.length; at += LIMITS.MAX_NV_BUFFER_SIZE) {
 *   chunks.push(data.subarray(at, at + LIMITS.MAX_NV_BUFFER_SIZE));
 * }
 * ```
 */
export const LIMITS = {
  /** MAX_COMMAND_SIZE = MAX_RESPONSE_SIZE, as swtpm (tpm-interop.md §3.1). */
  MAX_COMMAND_SIZE: 4096,
  MAX_RESPONSE_SIZE: 4096,
  /** MAX_DIGEST_BUFFER, MAX_NV_BUFFER_SIZE, MAX_CAP_BUFFER (tpm-interop.md §3.1). */
  MAX_DIGEST_BUFFER: 1024,
  MAX_NV_BUFFER_SIZE: 1024,
  MAX_CAP_BUFFER: 1024,
  /** Sizes of TPM2B buffers (Part 2 §10.4, §11.1). */
  MAX_DIGEST: 64,
  MAX_SYM_DATA: 128,
  MAX_RSA_KEY_BYTES: 512,
  MAX_ECC_KEY_BYTES: 66,
  MAX_CONTEXT_SIZE: 5120,
  MAX_NV_INDEX_SIZE: 2048,
  PCR_COUNT: 24,
  PCR_SELECT_MAX: 3,
  /** Transient object slots; swtpm holds ~3, we hold more (tpm-interop.md §3.3). */
  TRANSIENT_SLOTS: 32,
  /** Active sessions, as swtpm's ACTIVE_SESSIONS_MAX (tpm-interop.md §3.1). */
  ACTIVE_SESSIONS: 64,
  PERSISTENT_SLOTS: 64,
  NV_INDICES: 64,
  /** Number of auth sessions a command may carry (Part 1 §18.1). */
  MAX_SESSIONS: 3,
} as const;
