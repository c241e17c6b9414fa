/**
 * What the firmware remembers about one SNP guest between commands (the
 * guest context page of the SEV-SNP ABI, kept as a typed object).
 * @module
 */
import type { LaunchDigest } from "./launch_digest.ts";

/**
 * Guest states the model distinguishes (SEV-SNP ABI: GSTATE_LAUNCH, GSTATE_RUNNING).
 *
 * @example
 * ```ts
 * import type { GuestContext, GuestState } from "./guest_context.ts";
 * // the context is firmware-private: only the SecureProcessor holds one
 * function stateOf(guest: GuestContext): GuestState {
 *   return guest.state; // "running" after SNP_LAUNCH_FINISH
 * }
 * ```
 */
export type GuestState = "launch" | "running";

/**
 * Firmware-private state of one guest.
 *
 * @example
 * ```ts
 * import type { GuestContext } from "./guest_context.ts";
 * // the context is firmware-private: only the SecureProcessor holds one
 * function canUpdate(guest: GuestContext): boolean {
 *   return guest.state === "launch"; // SNP_LAUNCH_UPDATE is refused once running
 * }
 * ```
 */
export interface GuestContext {
  /** The guest's ASID (memory encryption key slot). */
  readonly asid: number;
  /** POLICY from SNP_LAUNCH_START. */
  readonly policy: bigint;
  /** Launch or running. */
  state: GuestState;
  /** The running launch digest. */
  readonly ld: LaunchDigest;
  /** VMPCK0..3, generated at launch start. */
  readonly vmpcks: Uint8Array[];
  /** Last sequence number used per VMPCK (firmware side). */
  readonly seqnos: bigint[];
  /** HOST_DATA from SNP_LAUNCH_FINISH. */
  hostData: Uint8Array;
  /** From the ID block, or zero. */
  familyId: Uint8Array;
  /** From the ID block, or zero. */
  imageId: Uint8Array;
  /** From the ID block, or zero. */
  guestSvn: number;
  /** SHA-384 of the ID key, or zero. */
  idKeyDigest: Uint8Array;
  /** SHA-384 of the author key, or zero. */
  authorKeyDigest: Uint8Array;
  /** AUTHOR_KEY_EN. */
  authorKeyEn: boolean;
  /** REPORT_ID, random per guest. */
  readonly reportId: Uint8Array;
  /** TCB at launch. */
  launchTcb: bigint;
}
