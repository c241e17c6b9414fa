/**
 * The enlightened guest OS at VMPL2 (Linux's SVSM support): finds the SVSM in its secrets page,
 * calls it through the calling area and VMGEXIT, validates memory through PVALIDATE lists, and
 * starts its APs with CREATE_VCPU.
 *
 * @example
 * ```ts
 * import { GuestOs } from "./mod.ts";
 * const os = new GuestOs({ secretsGpa: 0x1000 });
 * os.svsm; // undefined until the boot CPU has run
 * ```
 * @module
 */
export * from "./svsm_info.ts";
export * from "./svsm_call.ts";
export {
  type GuestPvalidateEntry,
  GuestPvalidateError,
  type PvalidateCaller,
  svsmPvalidate,
} from "./pvalidate.ts";
export { guestApVmsa } from "./ap_start.ts";
export * from "./guest_os.ts";
export * from "./attest.ts";
export * from "./tpm_svsm.ts";
