/**
 * TPM_RC response codes (TCG TPM 2.0 Part 2 §6.6) and the typed error that
 * carries one through the engine. Format-one codes (0x080 set) say which
 * handle, parameter or session was wrong; format-zero codes do not.
 * @module
 */

/**
 * TPM_RC values. Part 2 §6.6.3, Table 16.
 *
 * @example
 * ```ts
 * import { TPM_RC } from "./response_code.ts";
 * import { Tpm } from "./tpm.ts";
 * const tpm = await Tpm.manufacture();
 * tpm.powerOn();
 * const rsp = await tpm.execute(new Uint8Array([0x80, 1, 0, 0, 0, 12, 0, 0, 1, 0x7b, 0, 8])); // GetRandom(8)
 * new DataView(rsp.buffer, rsp.byteOffset).getUint32(6) === TPM_RC.INITIALIZE; // true: 0x100, TPM2_Startup comes first
 * ```
 */
export const TPM_RC = {
  SUCCESS: 0x000,
  BAD_TAG: 0x01e,
  // Format zero, RC_VER1 = 0x100.
  INITIALIZE: 0x100,
  FAILURE: 0x101,
  SEQUENCE: 0x103,
  PRIVATE: 0x10b,
  HMAC: 0x119,
  DISABLED: 0x120,
  EXCLUSIVE: 0x121,
  AUTH_TYPE: 0x124,
  AUTH_MISSING: 0x125,
  POLICY: 0x126,
  PCR: 0x127,
  PCR_CHANGED: 0x128,
  UPGRADE: 0x12d,
  TOO_MANY_CONTEXTS: 0x12e,
  AUTH_UNAVAILABLE: 0x12f,
  REBOOT: 0x130,
  UNBALANCED: 0x131,
  COMMAND_SIZE: 0x142,
  COMMAND_CODE: 0x143,
  AUTHSIZE: 0x144,
  AUTH_CONTEXT: 0x145,
  NV_RANGE: 0x146,
  NV_SIZE: 0x147,
  NV_LOCKED: 0x148,
  NV_AUTHORIZATION: 0x149,
  NV_UNINITIALIZED: 0x14a,
  NV_SPACE: 0x14b,
  NV_DEFINED: 0x14c,
  BAD_CONTEXT: 0x150,
  CPHASH: 0x151,
  PARENT: 0x152,
  NEEDS_TEST: 0x153,
  NO_RESULT: 0x154,
  SENSITIVE: 0x155,
  // Format one, RC_FMT1 = 0x080.
  ASYMMETRIC: 0x081,
  ATTRIBUTES: 0x082,
  HASH: 0x083,
  VALUE: 0x084,
  HIERARCHY: 0x085,
  KEY_SIZE: 0x087,
  MGF: 0x088,
  MODE: 0x089,
  TYPE: 0x08a,
  HANDLE: 0x08b,
  KDF: 0x08c,
  RANGE: 0x08d,
  AUTH_FAIL: 0x08e,
  NONCE: 0x08f,
  PP: 0x090,
  SCHEME: 0x092,
  SIZE: 0x095,
  SYMMETRIC: 0x096,
  TAG: 0x097,
  SELECTOR: 0x098,
  INSUFFICIENT: 0x09a,
  SIGNATURE: 0x09b,
  KEY: 0x09c,
  POLICY_FAIL: 0x09d,
  INTEGRITY: 0x09f,
  TICKET: 0x0a0,
  RESERVED_BITS: 0x0a1,
  BAD_AUTH: 0x0a2,
  EXPIRED: 0x0a3,
  POLICY_CC: 0x0a4,
  BINDING: 0x0a5,
  CURVE: 0x0a6,
  ECC_POINT: 0x0a7,
  // Warnings, RC_WARN = 0x900.
  CONTEXT_GAP: 0x901,
  OBJECT_MEMORY: 0x902,
  SESSION_MEMORY: 0x903,
  MEMORY: 0x904,
  SESSION_HANDLES: 0x905,
  OBJECT_HANDLES: 0x906,
  LOCALITY: 0x907,
  YIELDED: 0x908,
  CANCELED: 0x909,
  TESTING: 0x90a,
  REFERENCE_H0: 0x910,
  REFERENCE_S0: 0x918,
  NV_RATE: 0x920,
  LOCKOUT: 0x921,
  RETRY: 0x922,
  NV_UNAVAILABLE: 0x923,
} as const;

/**
 * RC_P, RC_S and RC_1: the position modifiers of format-one codes. Part 2 §6.6.3.
 *
 * @example
 * ```ts
 * import { RC_MOD, TPM_RC } from "./response_code.ts";
 * const rc = 0x2d5; // TPM_RC_SIZE | TPM_RC_P | TPM_RC_2
 * const onParameter = (rc & RC_MOD.P) !== 0; // true
 * const n = (rc & 0xf00) / RC_MOD.N1; // 2: the second parameter
 * const base = rc & 0x0bf; // TPM_RC.SIZE (0x095)
 * ```
 */
export const RC_MOD = { H: 0x000, P: 0x040, S: 0x800, N1: 0x100 } as const;

/** True when `rc` is a format-one code (bit 7 set), which can carry a position. */
export function isFormatOne(rc: number): boolean {
  return (rc & 0x080) !== 0;
}

/**
 * Adds a position to a format-one code, unless it already has one; other
 * codes pass through unchanged (as the reference's RcSafeAddToResult).
 *
 * @example
 * ```ts
 * import { TPM_RC, withPosition } from "./response_code.ts";
 * withPosition(TPM_RC.SIZE, "parameter", 2); // 0x2d5
 * ```
 */
export function withPosition(
  rc: number,
  where: "handle" | "parameter" | "session",
  n: number,
): number {
  if (!isFormatOne(rc) || (rc & 0xf40) !== 0) return rc;
  if (where === "parameter") return rc | RC_MOD.P | (n << 8);
  if (where === "session") return rc | RC_MOD.S | (n << 8);
  return rc | (n << 8);
}

/**
 * Position information attached to an error before it gets its number.
 *
 * @example
 * ```ts
 * import { type RcPosition, TPM_RC, TpmError } from "./response_code.ts";
 * const pos: RcPosition = { where: "handle", n: 1 };
 * new TpmError(TPM_RC.HANDLE, pos).rc; // 0x18b: TPM_RC_HANDLE on handle 1
 * ```
 */
export type RcPosition = { where: "handle" | "parameter" | "session"; n: number };

/**
 * A TPM failure carrying its TPM_RC. Thrown inside the engine, caught by the
 * dispatcher and turned into a 10-byte error response; never escapes
 * `Tpm.execute`.
 *
 * @example
 * ```ts
 * import { TpmError, TPM_RC } from "./response_code.ts";
 * const err = new TpmError(TPM_RC.VALUE, { where: "parameter", n: 1 });
 * err.rc; // 0x1c4: TPM_RC_VALUE (0x084) | TPM_RC_P (0x040) | TPM_RC_1 (0x100)
 * ```
 */
export class TpmError extends Error {
  /** Always "TpmError". */
  override name = "TpmError";
  /** The response code, with position bits if a position was given. */
  readonly rc: number;

  /** Builds the error; `pos` adds the handle/parameter/session number. */
  constructor(rc: number, pos?: RcPosition) {
    const code = pos ? withPosition(rc, pos.where, pos.n) : rc;
    super(`TPM_RC 0x${code.toString(16).padStart(3, "0")}`);
    this.rc = code;
  }
}

/** Shorthand: a {@link TpmError} for parameter `n` (1-based). */
export function paramError(rc: number, n: number): TpmError {
  return new TpmError(rc, { where: "parameter", n });
}

/** Shorthand: a {@link TpmError} for handle `n` (1-based). */
export function handleError(rc: number, n: number): TpmError {
  return new TpmError(rc, { where: "handle", n });
}

/** Shorthand: a {@link TpmError} for session `n` (1-based). */
export function sessionError(rc: number, n: number): TpmError {
  return new TpmError(rc, { where: "session", n });
}

/** Throws `new TpmError(rc, pos)` unless `cond` holds. */
export function check(cond: boolean, rc: number, pos?: RcPosition): asserts cond {
  if (!cond) throw new TpmError(rc, pos);
}
