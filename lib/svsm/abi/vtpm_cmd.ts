/**
 * The SVSM_VTPM_CMD buffer: a TPM_SEND_COMMAND request, answered in place
 * (COCONUT kernel/src/protocols/vtpm.rs; Linux include/linux/tpm_svsm.h;
 * SVSM spec §8.2 table 15; svsm-abi.md §7).
 * @module
 */

/** The guest buffer is exactly this many bytes (`SVSM_VTPM_MAX_BUFFER`). */
export const VTPM_BUFFER_SIZE = 4096;
/** The only platform command served. */
export const TPM_SEND_COMMAND = 8;
/** SVSM_VTPM_QUERY's platform-command bitmap: bit 8 = TPM_SEND_COMMAND. */
export const VTPM_PLATFORM_COMMANDS = 1 << TPM_SEND_COMMAND;
/** Request: u32 command @0, u8 locality @4, u32 inbuf_size @5, inbuf @9. */
export const VTPM_REQ_HEADER_SIZE = 9;
/** Largest command: 4096 − 9. */
export const VTPM_MAX_COMMAND = VTPM_BUFFER_SIZE - VTPM_REQ_HEADER_SIZE;
/** Response: u32 outbuf_size @0, outbuf @4. */
export const VTPM_RSP_HEADER_SIZE = 4;
/** Largest response: 4096 − 4; longer ones are dropped (the buffer goes back unchanged). */
export const VTPM_MAX_RESPONSE = VTPM_BUFFER_SIZE - VTPM_RSP_HEADER_SIZE;
