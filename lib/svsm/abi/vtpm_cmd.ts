/**
 * The SVSM_VTPM_CMD buffer: a TPM_SEND_COMMAND request, answered in place
 * (COCONUT kernel/src/protocols/vtpm.rs; Linux include/linux/tpm_svsm.h;
 * SVSM spec §8.2 table 15; svsm-abi.md §7).
 * @module
 */

/**
 * The guest buffer is exactly this many bytes (`SVSM_VTPM_MAX_BUFFER`).
 *
 * @example
 * ```ts
 * import { VTPM_BUFFER_SIZE } from "./vtpm_cmd.ts";
 * const buffer = new Uint8Array(VTPM_BUFFER_SIZE); // one 4 KiB guest page
 * ```
 */
export const VTPM_BUFFER_SIZE = 4096;
/**
 * The only platform command served.
 *
 * @example
 * ```ts
 * import { TPM_SEND_COMMAND, VTPM_BUFFER_SIZE } from "./vtpm_cmd.ts";
 * const request = new DataView(new ArrayBuffer(VTPM_BUFFER_SIZE));
 * request.setUint32(0, TPM_SEND_COMMAND, true); // platform command @0
 * ```
 */
export const TPM_SEND_COMMAND = 8;
/**
 * SVSM_VTPM_QUERY's platform-command bitmap: bit 8 = TPM_SEND_COMMAND.
 *
 * @example
 * ```ts
 * import { TPM_SEND_COMMAND, VTPM_PLATFORM_COMMANDS } from "./vtpm_cmd.ts";
 * const rcx = BigInt(VTPM_PLATFORM_COMMANDS); // SVSM_VTPM_QUERY's answer, 0x100n
 * (rcx & (1n << BigInt(TPM_SEND_COMMAND))) !== 0n; // true: TPM_SEND_COMMAND served
 * ```
 */
export const VTPM_PLATFORM_COMMANDS = 1 << TPM_SEND_COMMAND;
/**
 * Request: u32 command @0, u8 locality @4, u32 inbuf_size @5, inbuf @9.
 *
 * @example
 * ```ts
 * import { VTPM_BUFFER_SIZE, VTPM_REQ_HEADER_SIZE } from "./vtpm_cmd.ts";
 * const buffer = new Uint8Array(VTPM_BUFFER_SIZE);
 * const tpmCommand = new Uint8Array([0x80, 0x01, 0, 0, 0, 0x0c, 0, 0, 0x01, 0x7b, 0, 0x08]);
 * buffer.set(tpmCommand, VTPM_REQ_HEADER_SIZE); // inbuf @9
 * ```
 */
export const VTPM_REQ_HEADER_SIZE = 9;
/**
 * Largest command: 4096 − 9.
 *
 * @example
 * ```ts
 * import { VTPM_MAX_COMMAND } from "./vtpm_cmd.ts";
 * const command = new Uint8Array(5000);
 * command.length > VTPM_MAX_COMMAND; // true: 5000 > 4087, too long for one buffer
 * ```
 */
export const VTPM_MAX_COMMAND = VTPM_BUFFER_SIZE - VTPM_REQ_HEADER_SIZE;
/**
 * Response: u32 outbuf_size @0, outbuf @4.
 *
 * @example
 * ```ts
 * import { VTPM_BUFFER_SIZE, VTPM_RSP_HEADER_SIZE } from "./vtpm_cmd.ts";
 * const buffer = new Uint8Array(VTPM_BUFFER_SIZE);
 * const outSize = new DataView(buffer.buffer).getUint32(0, true);
 * const response = buffer.subarray(VTPM_RSP_HEADER_SIZE, VTPM_RSP_HEADER_SIZE + outSize);
 * ```
 */
export const VTPM_RSP_HEADER_SIZE = 4;
/**
 * Largest response: 4096 − 4; longer ones are dropped (the buffer goes back unchanged).
 *
 * @example
 * ```ts
 * import { VTPM_MAX_RESPONSE } from "./vtpm_cmd.ts";
 * const response = new Uint8Array(4092);
 * response.length <= VTPM_MAX_RESPONSE; // true: 4092 is the largest that fits
 * ```
 */
export const VTPM_MAX_RESPONSE = VTPM_BUFFER_SIZE - VTPM_RSP_HEADER_SIZE;
