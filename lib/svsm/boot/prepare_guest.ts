/**
 * Preparing the guest (COCONUT kernel/src/svsm.rs `prepare_fw` and platform code; svsm-abi.md
 * §11 steps 4 and 6): validate the guest's boot pages and grant VMPL2 access, hand it a copy of
 * the secrets page with VMPCK0/1 cleared and the SVSM fields set (snp-abi.md §10), zero the boot
 * calling area, and build the guest's VMPL2 VMSA in SVSM memory, made a VMSA by RMPADJUST.
 * @module
 */

import { SECRETS_PAGE } from "../../snp/firmware/mod.ts";
import {
  type CpuContext,
  qemuResetVmsa,
  RMP_PERM_EXEC_SUPER,
  RMP_PERM_EXEC_USER,
  RMP_PERM_READ,
  RMP_PERM_WRITE,
  rmpadjustAttrs,
  SEV_FEATURE_DEBUG_SWAP,
  SEV_FEATURE_RESTRICTED_INJECTION,
  VmsaPage,
} from "../../snp/mod.ts";
import type { SvsmLayout } from "./memory_layout.ts";

/**
 * The SVSM protocol version published in SVSM_MAX_VERSION (COCONUT: 1).
 *
 * @example
 * ```ts
 * import { SECRETS_PAGE } from "../../snp/firmware/mod.ts";
 * import { svsmLayout } from "./memory_layout.ts";
 * import { guestSecretsPage, SVSM_MAX_VERSION } from "./prepare_guest.ts";
 * const page = guestSecretsPage(new Uint8Array(4096), svsmLayout({ vmMemoryBytes: 16 << 20 }));
 * SECRETS_PAGE.get(page, "svsmMaxVersion") === SVSM_MAX_VERSION; // true
 * ```
 */
export const SVSM_MAX_VERSION = 1;
/**
 * The guest VMPL published in SVSM_GUEST_VMPL (COCONUT: 2).
 *
 * @example
 * ```ts
 * import { SECRETS_PAGE } from "../../snp/firmware/mod.ts";
 * import { svsmLayout } from "./memory_layout.ts";
 * import { guestSecretsPage, SVSM_GUEST_VMPL } from "./prepare_guest.ts";
 * const page = guestSecretsPage(new Uint8Array(4096), svsmLayout({ vmMemoryBytes: 16 << 20 }));
 * SECRETS_PAGE.get(page, "svsmGuestVmpl") === SVSM_GUEST_VMPL; // true: the guest runs at VMPL2
 * ```
 */
export const SVSM_GUEST_VMPL = 2;

const GUEST_RWX = RMP_PERM_READ | RMP_PERM_WRITE | RMP_PERM_EXEC_USER | RMP_PERM_EXEC_SUPER;

/**
 * A boot-time step the hardware refused.
 *
 * @example
 * ```ts
 * import { BootError } from "./prepare_guest.ts";
 * const e: unknown = new BootError("PVALIDATE of guest page 0x1000: 6");
 * e instanceof BootError; // true
 * ```
 */
export class BootError extends Error {
  /** The error name. */
  override name = "BootError";
}

/** Validates a guest page, zeroes it and grants VMPL2 read/write/execute. */
export function validateGuestPage(ctx: CpuContext, gpa: number): void {
  const r = ctx.pvalidate(gpa, false, true);
  if (r.rc !== 0) throw new BootError(`PVALIDATE of guest page 0x${gpa.toString(16)}: ${r.rc}`);
  ctx.zeroPage(gpa);
  const rc = ctx.rmpadjust(gpa, false, rmpadjustAttrs(2, GUEST_RWX));
  if (rc !== 0) throw new BootError(`RMPADJUST of guest page 0x${gpa.toString(16)}: ${rc}`);
}

/**
 * The guest's secrets page: the SVSM's copy with VMPCK0 and VMPCK1 zeroed (so the guest can
 * never speak for VMPL0/1) and the SVSM fields filled in.
 *
 * @example
 * ```ts
 * import { svsmLayout } from "./mod.ts";
 * import { guestSecretsPage } from "./prepare_guest.ts";
 * const page = guestSecretsPage(new Uint8Array(4096).fill(7), svsmLayout({ vmMemoryBytes: 16 << 20 }));
 * page[0x20]; // 0
 * ```
 */
export function guestSecretsPage(svsmSecrets: Uint8Array, layout: SvsmLayout): Uint8Array {
  const page = svsmSecrets.slice(0, 4096);
  SECRETS_PAGE.set(page, "vmpck0", new Uint8Array(32));
  SECRETS_PAGE.set(page, "vmpck1", new Uint8Array(32));
  SECRETS_PAGE.set(page, "svsmBase", BigInt(layout.svsmBase));
  SECRETS_PAGE.set(page, "svsmSize", BigInt(layout.svsmSize));
  SECRETS_PAGE.set(page, "svsmCaa", BigInt(layout.guestCaGpa));
  SECRETS_PAGE.set(page, "svsmMaxVersion", SVSM_MAX_VERSION);
  SECRETS_PAGE.set(page, "svsmGuestVmpl", SVSM_GUEST_VMPL);
  return page;
}

/**
 * The guest's boot VMSA: reset state at the reset vector, VMPL2, the SVSM's SEV features minus
 * RESTRICTED_INJECTION and DEBUG_SWAP (§11 step 6).
 */
export function guestBootVmsa(svsmSevFeatures: bigint): VmsaPage {
  const features = svsmSevFeatures & ~(SEV_FEATURE_RESTRICTED_INJECTION | SEV_FEATURE_DEBUG_SWAP);
  const vmsa = new VmsaPage(qemuResetVmsa({ sevFeatures: features }));
  vmsa.vmpl = SVSM_GUEST_VMPL;
  return vmsa;
}

/**
 * Runs the whole preparation on the BSP; `vmsaGpa` is a zeroed SVSM heap page for the guest
 * VMSA. Returns the guest VMSA and CA GPAs to register.
 */
export function prepareGuest(
  ctx: CpuContext,
  layout: SvsmLayout,
  vmsaGpa: number,
): { vmsaGpa: number; caGpa: number } {
  validateGuestPage(ctx, layout.guestSecretsGpa);
  validateGuestPage(ctx, layout.guestCaGpa);
  const secrets = guestSecretsPage(ctx.read(layout.secretsGpa, 4096), layout);
  ctx.write(layout.guestSecretsGpa, secrets);
  ctx.write(vmsaGpa, guestBootVmsa(ctx.regs.sevFeatures).bytes);
  for (const target of [2, 3]) {
    const rc = ctx.rmpadjust(vmsaGpa, false, rmpadjustAttrs(target, 0));
    if (rc !== 0) throw new BootError(`RMPADJUST revoke of the guest VMSA: ${rc}`);
  }
  const rc = ctx.rmpadjust(vmsaGpa, false, rmpadjustAttrs(2, RMP_PERM_READ, true));
  if (rc !== 0) throw new BootError(`RMPADJUST VMSA of the guest VMSA: ${rc}`);
  return { vmsaGpa, caGpa: layout.guestCaGpa };
}
