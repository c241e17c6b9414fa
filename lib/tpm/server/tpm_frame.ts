/**
 * The TPM 2.0 command/response header as a transport sees it: enough to
 * frame a command by its size field, bound it, and answer framing errors
 * with a well-formed 10-byte TPM response. Everything past the header is the
 * engine's business.
 * @module
 */

/**
 * TPM_ST_NO_SESSIONS (TCG TPM 2.0 Part 2 §6.9).
 *
 * @example
 * ```ts
 * import { TPM_ST_NO_SESSIONS } from "./tpm_frame.ts";
 * const getRandom = new Uint8Array([0, 0, 0, 0, 0, 12, 0, 0, 1, 0x7b, 0, 8]); // TPM2_GetRandom(8)
 * new DataView(getRandom.buffer).setUint16(0, TPM_ST_NO_SESSIONS); // 80 01: no authorization area
 * ```
 */
export const TPM_ST_NO_SESSIONS = 0x8001;
/**
 * TPM_ST_SESSIONS (TCG TPM 2.0 Part 2 §6.9).
 *
 * @example
 * ```ts
 * import { be16, TPM_ST_SESSIONS } from "./tpm_frame.ts";
 * const command = new Uint8Array([0x80, 1, 0, 0, 0, 12, 0, 0, 1, 0x44, 0, 0]); // TPM2_Startup(CLEAR)
 * // An authorization area (its u32 size first) follows the handles.
 * const hasAuthArea = be16(command, 0) === TPM_ST_SESSIONS; // false: Startup takes no sessions
 * ```
 */
export const TPM_ST_SESSIONS = 0x8002;
/**
 * tag (u16) + size (u32) + commandCode / responseCode (u32) (Part 1 §18.2).
 *
 * @example
 * ```ts
 * import { errorResponse, TPM_HEADER_SIZE, TPM_RC_COMMAND_SIZE } from "./tpm_frame.ts";
 * const command = new Uint8Array([0x80, 1, 0, 0, 0, 12]); // cut short after the size field
 * // Too short to hold a command code: refuse before reading any further.
 * const refusal = command.length < TPM_HEADER_SIZE ? errorResponse(TPM_RC_COMMAND_SIZE) : undefined;
 * ```
 */
export const TPM_HEADER_SIZE = 10;
/**
 * Largest command or response the servers accept: TPM_PT_MAX_COMMAND_SIZE
 * and MAX_RESPONSE_SIZE as swtpm reports them (tpm-interop.md §3.1), which
 * is also one SVSM vTPM page.
 *
 * @example
 * ```ts
 * import { be32, TPM_BUFFER_MAX } from "./tpm_frame.ts";
 * const header = new Uint8Array([0x80, 1, 0, 0, 0x10, 0x01, 0, 0, 1, 0x44]); // the first 10 bytes off the wire
 * const size = be32(header, 2); // 4097
 * const tooBig = size > TPM_BUFFER_MAX; // true: answer TPM_RC_COMMAND_SIZE, read no further
 * ```
 */
export const TPM_BUFFER_MAX = 4096;
/**
 * TPM_RC_COMMAND_SIZE: the size field is wrong or too large (Part 2 §6.6.3).
 *
 * @example
 * ```ts
 * import { be32, TPM_RC_COMMAND_SIZE } from "./tpm_frame.ts";
 * const response = new Uint8Array([0x80, 1, 0, 0, 0, 10, 0, 0, 1, 0x42]);
 * const refused = be32(response, 6) === TPM_RC_COMMAND_SIZE; // true: the server refused the framing
 * ```
 */
export const TPM_RC_COMMAND_SIZE = 0x142;
/**
 * TPM_RC_FAILURE: the TPM cannot run commands (Part 2 §6.6.3).
 *
 * @example
 * ```ts
 * import { errorResponse, TPM_RC_FAILURE } from "./tpm_frame.ts";
 * import type { TpmDevice } from "./tpm_device.ts";
 * const tpm: TpmDevice = {
 *   poweredOn: true,
 *   powerOn: () => {},
 *   powerOff: () => {},
 *   reset: () => {},
 *   execute: () => Promise.reject(new Error("device bug")),
 * };
 * const command = new Uint8Array([0x80, 1, 0, 0, 0, 12, 0, 0, 1, 0x44, 0, 0]);
 * // A device that rejects (it must not) still gets the client a TPM answer: 8001 0000000a 00000101.
 * const rsp = await tpm.execute(command).catch(() => errorResponse(TPM_RC_FAILURE));
 * ```
 */
export const TPM_RC_FAILURE = 0x101;
/**
 * TPM_RC_SUCCESS (Part 2 §6.6.3).
 *
 * @example
 * ```ts
 * import { be32, TPM_RC_SUCCESS } from "./tpm_frame.ts";
 * import { Tpm } from "../tpm.ts";
 * const tpm = await Tpm.manufacture({ seed: new Uint8Array(32) }); // a TpmDevice
 * tpm.powerOn();
 * const startup = new Uint8Array([0x80, 1, 0, 0, 0, 12, 0, 0, 1, 0x44, 0, 0]); // TPM2_Startup(CLEAR)
 * const ok = be32(await tpm.execute(startup), 6) === TPM_RC_SUCCESS; // true
 * ```
 */
export const TPM_RC_SUCCESS = 0x000;
/**
 * TPM_CC_Shutdown (Part 2 §6.5.2): its success is the moment to save state.
 *
 * @example
 * ```ts
 * import { be32, TPM_CC_SHUTDOWN, TPM_RC_SUCCESS } from "./tpm_frame.ts";
 * const command = new Uint8Array([0x80, 1, 0, 0, 0, 12, 0, 0, 1, 0x45, 0, 1]); // TPM2_Shutdown(STATE)
 * const response = new Uint8Array([0x80, 1, 0, 0, 0, 10, 0, 0, 0, 0]); // TPM_RC_SUCCESS
 * const saveNow = be32(command, 6) === TPM_CC_SHUTDOWN && be32(response, 6) === TPM_RC_SUCCESS;
 * ```
 */
export const TPM_CC_SHUTDOWN = 0x145;

/**
 * Reads a big-endian u16 at `offset`.
 *
 * @example
 * ```ts
 * import { be16 } from "./tpm_frame.ts";
 * be16(new Uint8Array([0x80, 0x01]), 0); // 0x8001
 * ```
 */
export function be16(bytes: Uint8Array, offset: number): number {
  return (bytes[offset] << 8) | bytes[offset + 1];
}

/**
 * Reads a big-endian u32 at `offset`.
 *
 * @example
 * ```ts
 * import { be32 } from "./tpm_frame.ts";
 * be32(new Uint8Array([0, 0, 0x01, 0x44]), 0); // 0x144
 * ```
 */
export function be32(bytes: Uint8Array, offset: number): number {
  return ((bytes[offset] << 24) | (bytes[offset + 1] << 16) | (bytes[offset + 2] << 8) |
    bytes[offset + 3]) >>> 0;
}

/**
 * Writes a big-endian u32 at `offset`.
 *
 * @example
 * ```ts
 * import { putBe32 } from "./tpm_frame.ts";
 * const b = new Uint8Array(4);
 * putBe32(b, 0, 0x144); // b = [0, 0, 1, 0x44]
 * ```
 */
export function putBe32(bytes: Uint8Array, offset: number, value: number): void {
  bytes[offset] = value >>> 24;
  bytes[offset + 1] = value >>> 16;
  bytes[offset + 2] = value >>> 8;
  bytes[offset + 3] = value;
}

/**
 * Big-endian u32 words, concatenated (the control protocols' replies).
 *
 * @example
 * ```ts
 * import { words } from "./tpm_frame.ts";
 * words(0, 1); // Uint8Array [0, 0, 0, 0, 0, 0, 0, 1]
 * ```
 */
export function words(...values: number[]): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  values.forEach((v, i) => putBe32(out, i * 4, v));
  return out;
}

/**
 * The two tags a TPM 2.0 command may carry.
 *
 * @example
 * ```ts
 * import { isTpm2Tag } from "./tpm_frame.ts";
 * isTpm2Tag(0x8001); // true (TPM_ST_NO_SESSIONS)
 * isTpm2Tag(0x00c1); // false (a TPM 1.2 tag)
 * ```
 */
export function isTpm2Tag(tag: number): boolean {
  return tag === TPM_ST_NO_SESSIONS || tag === TPM_ST_SESSIONS;
}

/**
 * A 10-byte error response `8001 0000000a <rc>` (Part 1 §18.2; the shape
 * tpm-interop.md §3.2 records for every error).
 *
 * @example
 * ```ts
 * import { errorResponse, TPM_RC_COMMAND_SIZE } from "./tpm_frame.ts";
 * errorResponse(TPM_RC_COMMAND_SIZE); // 8001 0000000a 00000142
 * ```
 */
export function errorResponse(rc: number): Uint8Array {
  const out = new Uint8Array(TPM_HEADER_SIZE);
  out[0] = 0x80;
  out[1] = 0x01;
  putBe32(out, 2, TPM_HEADER_SIZE);
  putBe32(out, 6, rc);
  return out;
}

/**
 * Concatenates byte arrays into one buffer (one write on the wire).
 *
 * @example
 * ```ts
 * import { concat } from "./tpm_frame.ts";
 * concat(new Uint8Array([1]), new Uint8Array([2, 3])); // Uint8Array [1, 2, 3]
 * ```
 */
export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
