/**
 * What this TPM reports about itself: the implemented algorithms with their
 * TPMA_ALGORITHM (Part 2 §8.2), the curves, and the fixed and variable
 * TPM_PT properties (Part 2 §6.13). Shaped after swtpm's PT_FIXED list
 * (tpm-interop.md §3.1), with our real slot counts.
 * @module
 */
import {
  LIMITS,
  TPM_ALG,
  TPM_ECC,
  TPM_NT,
  TPM_PT,
  TPM_RH,
  TPMA_ALGORITHM as A,
} from "../constants.ts";
import type { TpmState } from "../state/tpm_state.ts";
import { nvType } from "../state/nv.ts";

/** Implemented algorithms and their attributes, ascending by TPM_ALG_ID. */
export const ALGORITHMS: readonly [number, number][] = [
  [TPM_ALG.RSA, A.asymmetric | A.object],
  [TPM_ALG.SHA1, A.hash],
  [TPM_ALG.HMAC, A.hash | A.signing],
  [TPM_ALG.AES, A.symmetric],
  [TPM_ALG.MGF1, A.hash | A.method],
  [TPM_ALG.KEYEDHASH, A.hash | A.object | A.signing | A.encrypting],
  [TPM_ALG.XOR, A.symmetric | A.hash],
  [TPM_ALG.SHA256, A.hash],
  [TPM_ALG.SHA384, A.hash],
  [TPM_ALG.SHA512, A.hash],
  [TPM_ALG.NULL, 0],
  [TPM_ALG.RSASSA, A.asymmetric | A.signing],
  [TPM_ALG.RSAES, A.asymmetric | A.encrypting],
  [TPM_ALG.RSAPSS, A.asymmetric | A.signing],
  [TPM_ALG.OAEP, A.asymmetric | A.encrypting],
  [TPM_ALG.ECDSA, A.asymmetric | A.signing],
  [TPM_ALG.ECDH, A.asymmetric | A.method],
  [TPM_ALG.KDF1_SP800_56A, A.hash | A.method],
  [TPM_ALG.KDF1_SP800_108, A.hash | A.method],
  [TPM_ALG.ECC, A.asymmetric | A.object],
  [TPM_ALG.SYMCIPHER, A.object],
  [TPM_ALG.CFB, A.symmetric | A.encrypting],
];

/** Implemented ECC curves (TPM_ECC_CURVE), ascending. */
export const CURVES: readonly number[] = [TPM_ECC.NIST_P256, TPM_ECC.NIST_P384];

const ascii = (s: string): number =>
  ((s.charCodeAt(0) << 24) | (s.charCodeAt(1) << 16) | (s.charCodeAt(2) << 8) |
    s.charCodeAt(3)) >>> 0;

/** Sizes of our largest context blobs (checked by tests against real blobs). */
export const MAX_OBJECT_CONTEXT = 2692;
/** Largest session context blob. */
export const MAX_SESSION_CONTEXT = 1024;

/** PT_FIXED: 46 properties, 0x100–0x12E without the reserved 0x115 (Part 2 §6.13). */
export function fixedProperties(totalCommands: number): [number, number][] {
  const P = TPM_PT;
  return [
    [P.FAMILY_INDICATOR, ascii("2.0\0")],
    [P.LEVEL, 0],
    [P.REVISION, 164],
    [P.DAY_OF_YEAR, 1],
    [P.YEAR, 2026],
    [P.MANUFACTURER, ascii("SVSM")],
    [P.VENDOR_STRING_1, ascii("TS  ")],
    [P.VENDOR_STRING_2, ascii("vTPM")],
    [P.VENDOR_STRING_3, 0],
    [P.VENDOR_STRING_4, 0],
    [P.VENDOR_TPM_TYPE, 1],
    [P.FIRMWARE_VERSION_1, 0x00010000],
    [P.FIRMWARE_VERSION_2, 0],
    [P.INPUT_BUFFER, LIMITS.MAX_DIGEST_BUFFER],
    [P.HR_TRANSIENT_MIN, LIMITS.TRANSIENT_SLOTS],
    [P.HR_PERSISTENT_MIN, LIMITS.PERSISTENT_SLOTS],
    [P.HR_LOADED_MIN, LIMITS.ACTIVE_SESSIONS],
    [P.ACTIVE_SESSIONS_MAX, LIMITS.ACTIVE_SESSIONS],
    [P.PCR_COUNT, LIMITS.PCR_COUNT],
    [P.PCR_SELECT_MIN, LIMITS.PCR_SELECT_MAX],
    [P.CONTEXT_GAP_MAX, 0xffff],
    [P.NV_COUNTERS_MAX, 0],
    [P.NV_INDEX_MAX, LIMITS.MAX_NV_INDEX_SIZE],
    [P.MEMORY, 0x6],
    [P.CLOCK_UPDATE, 0x1000],
    [P.CONTEXT_HASH, TPM_ALG.SHA256],
    [P.CONTEXT_SYM, TPM_ALG.AES],
    [P.CONTEXT_SYM_SIZE, 128],
    [P.ORDERLY_COUNT, 255],
    [P.MAX_COMMAND_SIZE, LIMITS.MAX_COMMAND_SIZE],
    [P.MAX_RESPONSE_SIZE, LIMITS.MAX_RESPONSE_SIZE],
    [P.MAX_DIGEST, LIMITS.MAX_DIGEST],
    [P.MAX_OBJECT_CONTEXT, MAX_OBJECT_CONTEXT],
    [P.MAX_SESSION_CONTEXT, MAX_SESSION_CONTEXT],
    [P.PS_FAMILY_INDICATOR, 1],
    [P.PS_LEVEL, 0],
    [P.PS_REVISION, 0x105],
    [P.PS_DAY_OF_YEAR, 0],
    [P.PS_YEAR, 0],
    [P.SPLIT_MAX, 128],
    [P.TOTAL_COMMANDS, totalCommands],
    [P.LIBRARY_COMMANDS, totalCommands],
    [P.VENDOR_COMMANDS, 0],
    [P.NV_BUFFER_MAX, LIMITS.MAX_NV_BUFFER_SIZE],
    [P.MODES, 0],
    [P.MAX_CAP_BUFFER, LIMITS.MAX_CAP_BUFFER],
  ];
}

/** PT_VAR: the current values (Part 2 §6.13, TPMA_PERMANENT §8.6, TPMA_STARTUP_CLEAR §8.7). */
export function variableProperties(s: TpmState): [number, number][] {
  const P = TPM_PT;
  const h = s.hierarchies;
  const permanent = (h.authOf(TPM_RH.OWNER).length ? 1 : 0) |
    (h.authOf(TPM_RH.ENDORSEMENT).length ? 2 : 0) |
    (h.lockoutAuth.length ? 4 : 0) |
    (h.disableClear ? 1 << 8 : 0) |
    (s.lockout.inLockout() ? 1 << 9 : 0) |
    (1 << 10); // tpmGeneratedEPS: the EPS comes from this TPM's RNG
  const startupClear = ((h.phEnable ? 1 : 0) | (h.shEnable ? 2 : 0) | (h.ehEnable ? 4 : 0) |
    (h.phEnableNV ? 8 : 0) | (s.orderly ? 2 ** 31 : 0)) >>> 0;
  const counters =
    [...s.nv.indices.values()].filter((ix) => nvType(ix.pub.attributes) === TPM_NT.COUNTER).length;
  const persistent = s.objects.persistent.size;
  return [
    [P.PERMANENT, permanent],
    [P.STARTUP_CLEAR, startupClear],
    [P.HR_NV_INDEX, s.nv.indices.size],
    [P.HR_LOADED, s.sessions.loadedCount],
    [P.HR_LOADED_AVAIL, LIMITS.ACTIVE_SESSIONS - s.sessions.count],
    [P.HR_ACTIVE, s.sessions.count],
    [P.HR_ACTIVE_AVAIL, LIMITS.ACTIVE_SESSIONS - s.sessions.count],
    [P.HR_TRANSIENT_AVAIL, s.objects.transientFree],
    [P.HR_PERSISTENT, persistent],
    [P.HR_PERSISTENT_AVAIL, LIMITS.PERSISTENT_SLOTS - persistent],
    [P.NV_COUNTERS, counters],
    [P.NV_COUNTERS_AVAIL, s.nv.free],
    [P.ALGORITHM_SET, 0],
    [P.LOADED_CURVES, CURVES.length],
    [P.LOCKOUT_COUNTER, s.lockout.failedTries],
    [P.MAX_AUTH_FAIL, s.lockout.maxTries],
    [P.LOCKOUT_INTERVAL, s.lockout.recoveryTime],
    [P.LOCKOUT_RECOVERY, s.lockout.lockoutRecovery],
    [P.NV_WRITE_RECOVERY, 0],
    [P.AUDIT_COUNTER_0, 0],
    [P.AUDIT_COUNTER_1, 0],
  ];
}
