/**
 * What the host needs from the AMD secure processor (lib/snp/firmware `SecureProcessor`
 * fits these shapes): the launch commands that build and measure the guest, and
 * SNP_GUEST_REQUEST, which the host relays for the guest (snp-abi.md §2.6, §6).
 * @module
 */

/**
 * A firmware command's outcome: 0 = SUCCESS (snp-abi.md firmware status codes).
 *
 * @example
 * ```ts
 * import { type FirmwareReply, LaunchError } from "./launch.ts";
 * import { FirmwareStatus } from "../snp/mod.ts";
 * const reply: FirmwareReply = { status: FirmwareStatus.INVALID_PARAM };
 * if (reply.status !== 0) {
 *   const error = new LaunchError("SNP_LAUNCH_FINISH", reply.status); // what Host.launch throws
 *   error.message; // "SNP_LAUNCH_FINISH failed with firmware status 0x16"
 * }
 * ```
 */
export interface FirmwareReply {
  /** Firmware status. */
  status: number;
}

/**
 * SNP_LAUNCH_START / UPDATE / FINISH.
 *
 * @example
 * ```ts
 * import type { LaunchFirmware } from "./launch.ts";
 * import { Host } from "./host.ts";
 * import { Machine, SecureProcessor } from "../snp/mod.ts";
 * const machine = new Machine({ memoryBytes: 8 << 20, vcpus: 1, seed: 1 });
 * // The secure processor fits the shape; a test may pass a recording fake instead.
 * const firmware: LaunchFirmware = new SecureProcessor({ machine });
 * const host = new Host(machine, { firmware });
 * ```
 */
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

/**
 * SNP_GUEST_REQUEST, reached through the GHCB GUEST_REQUEST / EXT_GUEST_REQUEST events.
 *
 * @example
 * ```ts
 * import type { GuestRequestFirmware } from "./launch.ts";
 * import { Host } from "./host.ts";
 * import { FirmwareStatus, Machine } from "../snp/mod.ts";
 * // Firmware that refuses every guest message: the guest sees the status in the GHCB.
 * const refusing: GuestRequestFirmware = {
 *   guestRequest: () => ({ status: FirmwareStatus.INVALID_PARAM }),
 * };
 * const host = new Host(new Machine({ memoryBytes: 8 << 20, vcpus: 1, seed: 1 }), {
 *   guestFirmware: refusing,
 * });
 * ```
 */
export interface GuestRequestFirmware {
  /** One encrypted request page in, one encrypted response page out. */
  guestRequest(
    handle: number,
    request: Uint8Array,
  ):
    | (FirmwareReply & { response?: Uint8Array })
    | Promise<FirmwareReply & { response?: Uint8Array }>;
}

/**
 * SNP_LAUNCH_UPDATE page types (snp-abi.md §6.2).
 *
 * @example
 * ```ts
 * import { type LaunchPage, LaunchPageType } from "./launch.ts";
 * // The secrets page: no contents, the firmware fills it in.
 * const secrets: LaunchPage = { gpa: 0x80d000, type: LaunchPageType.SECRETS }; // type 5
 * ```
 */
export const LaunchPageType = {
  NORMAL: 1,
  VMSA: 2,
  ZERO: 3,
  UNMEASURED: 4,
  SECRETS: 5,
  CPUID: 6,
} as const;

/**
 * One page of the initial image.
 *
 * @example
 * ```ts
 * import { type LaunchPage, LaunchPageType } from "./launch.ts";
 * const code: LaunchPage = {
 *   gpa: 0x100000,
 *   type: LaunchPageType.NORMAL,
 *   data: new Uint8Array(4096).fill(0xf4), // HLT, measured into the launch digest
 * };
 * ```
 */
export interface LaunchPage {
  /** Its guest physical address. */
  gpa: number;
  /** Its {@link LaunchPageType}. */
  type: number;
  /** Contents (NORMAL pages; CPUID: the host's proposal); omitted for ZERO/SECRETS. */
  data?: Uint8Array;
}

/**
 * What the host launches: the image pages, then the boot vCPU's VMSA.
 *
 * @example
 * ```ts
 * import { LaunchPageType, type LaunchPlan } from "./launch.ts";
 * import { Host } from "./host.ts";
 * import { Machine, SecureProcessor } from "../snp/mod.ts";
 * const machine = new Machine({ memoryBytes: 8 << 20, vcpus: 1, seed: 1 });
 * machine.firmware = new SecureProcessor({ machine });
 * const host = new Host(machine);
 * host.createVm({ guestMemoryBytes: 4 << 20 });
 * const plan: LaunchPlan = {
 *   pages: [{ gpa: 0, type: LaunchPageType.ZERO }, { gpa: 0x1000, type: LaunchPageType.SECRETS }],
 *   bootVmsa: new Uint8Array(4096), // VMPL field (byte 0xCA) 0: the BSP starts at VMPL0
 * };
 * const digest = host.launch(plan); // the 48-byte MEASUREMENT
 * ```
 */
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
