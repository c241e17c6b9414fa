/**
 * What the host needs from the AMD secure processor (lib/snp/firmware `SecureProcessor`
 * fits these shapes): the launch commands that build and measure the guest, and
 * SNP_GUEST_REQUEST, which the host relays for the guest (snp-abi.md §2.6, §6).
 * @module
 */

/** A firmware command's outcome: 0 = SUCCESS (snp-abi.md firmware status codes). */
export interface FirmwareReply {
  /** Firmware status. */
  status: number;
}

/** SNP_LAUNCH_START / UPDATE / FINISH. */
export interface LaunchFirmware {
  /** Starts a launch for ASID `asid` under `policy`: installs the guest key, returns a handle. */
  launchStart(input: { asid: number; policy: bigint }): FirmwareReply & { handle?: number };
  /** Encrypts, measures and validates one page already assigned to the guest in the RMP. */
  launchUpdate(
    handle: number,
    input: { type: number; gpa: number; spa?: number; data?: Uint8Array },
  ): FirmwareReply;
  /** Ends the launch; the guest may run. */
  launchFinish(handle: number): FirmwareReply;
  /** The launch digest (MEASUREMENT), once finished. */
  measurement(handle: number): Uint8Array | undefined;
}

/** SNP_GUEST_REQUEST, reached through the GHCB GUEST_REQUEST / EXT_GUEST_REQUEST events. */
export interface GuestRequestFirmware {
  /** One encrypted request page in, one encrypted response page out. */
  guestRequest(
    handle: number,
    request: Uint8Array,
  ):
    | (FirmwareReply & { response?: Uint8Array })
    | Promise<FirmwareReply & { response?: Uint8Array }>;
}

/** SNP_LAUNCH_UPDATE page types (snp-abi.md §6.2). */
export const LaunchPageType = {
  NORMAL: 1,
  VMSA: 2,
  ZERO: 3,
  UNMEASURED: 4,
  SECRETS: 5,
  CPUID: 6,
} as const;

/** One page of the initial image. */
export interface LaunchPage {
  /** Its guest physical address. */
  gpa: number;
  /** Its {@link LaunchPageType}. */
  type: number;
  /** Contents (NORMAL pages; CPUID: the host's proposal); omitted for ZERO/SECRETS. */
  data?: Uint8Array;
}

/** What the host launches: the image pages, then the boot vCPU's VMSA. */
export interface LaunchPlan {
  /** Guest policy (snp-abi.md §1.1); default 0x30000 (SMT allowed, ABI major 0, bit 17 set). */
  policy?: bigint;
  /** Image pages, in the order they are measured. */
  pages: LaunchPage[];
  /** The BSP's VMSA page (its VMPL field says where it runs: 0 with an SVSM). */
  bootVmsa: Uint8Array;
}

/**
 * A launch command failed: carries the firmware status.
 *
 * @example
 * ```ts
 * import { LaunchError } from "./launch.ts";
 * const e = new LaunchError("SNP_LAUNCH_UPDATE", 0x16);
 * e.status; // 0x16
 * ```
 */
export class LaunchError extends Error {
  /** The firmware status code. */
  readonly status: number;

  /** `command` failed with `status`. */
  constructor(command: string, status: number) {
    super(`${command} failed with firmware status 0x${status.toString(16)}`);
    this.name = "LaunchError";
    this.status = status;
  }
}
