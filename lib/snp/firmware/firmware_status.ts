/**
 * Firmware status codes, as the SEV firmware returns them for every command
 * (Linux include/uapi/linux/psp-sev.h `sev_ret_code`, values fixed by AMD's
 * SEV and SEV-SNP ABI specifications).
 * @module
 */

/**
 * Status codes the model's firmware returns.
 *
 * @example
 * ```ts
 * import { FirmwareStatus } from "./firmware_status.ts";
 * import { PageType } from "./page_info.ts";
 * import { SecureProcessor } from "./secure_processor.ts";
 * const sp = new SecureProcessor();
 * const handle = sp.launchStart({ asid: 1, policy: 0x30000n }).handle!;
 * sp.launchFinish(handle);
 * const { status } = sp.launchUpdate(handle, { type: PageType.ZERO, gpa: 0 }); // too late
 * status === FirmwareStatus.INVALID_GUEST_STATE; // true: launch already finished (0x02)
 * ```
 */
export const FirmwareStatus = {
  SUCCESS: 0x00,
  INVALID_PLATFORM_STATE: 0x01,
  INVALID_GUEST_STATE: 0x02,
  INVALID_CONFIG: 0x03,
  INVALID_LEN: 0x04,
  POLICY_FAILURE: 0x07,
  INVALID_ADDRESS: 0x09,
  BAD_SIGNATURE: 0x0a,
  BAD_MEASUREMENT: 0x0b,
  ASID_OWNED: 0x0c,
  INVALID_ASID: 0x0d,
  INVALID_GUEST: 0x10,
  UNSUPPORTED: 0x15,
  INVALID_PARAM: 0x16,
  INVALID_PAGE_STATE: 0x1a,
  INVALID_PAGE_OWNER: 0x1c,
  AEAD_OFLOW: 0x1d,
  INVALID_KEY: 0x27,
} as const;

/**
 * One of the {@link FirmwareStatus} values.
 *
 * @example
 * ```ts
 * import { FirmwareStatus, type FirmwareStatusCode } from "./firmware_status.ts";
 * const denied: FirmwareStatusCode = FirmwareStatus.POLICY_FAILURE; // 0x07
 * ```
 */
export type FirmwareStatusCode = typeof FirmwareStatus[keyof typeof FirmwareStatus];

/**
 * The name of a status code, for messages and traces.
 *
 * @example
 * ```ts
 * import { firmwareStatusName } from "./firmware_status.ts";
 * firmwareStatusName(7); // "POLICY_FAILURE"
 * ```
 */
export function firmwareStatusName(code: number): string {
  const e = Object.entries(FirmwareStatus).find(([, v]) => v === code);
  return e ? e[0] : `0x${code.toString(16)}`;
}
