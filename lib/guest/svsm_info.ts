/**
 * Finding the SVSM: the guest reads the SVSM fields of its secrets page (snp-abi.md §10;
 * Linux arch/x86/coco/sev `snp_setup_svsm_ca`): SVSM_BASE, SVSM_SIZE, the boot CPU's calling
 * area SVSM_CAA, SVSM_MAX_VERSION and SVSM_GUEST_VMPL. A zero SVSM_SIZE means no SVSM.
 * @module
 */

import { SECRETS_PAGE } from "../snp/firmware/secrets_page.ts";
import type { CpuContext } from "../snp/mod.ts";

/** The SVSM as the guest's secrets page describes it. */
export interface SvsmInfo {
  /** SVSM_BASE. */
  readonly base: number;
  /** SVSM_SIZE. */
  readonly size: number;
  /** SVSM_CAA: the boot CPU's calling area. */
  readonly caa: number;
  /** SVSM_MAX_VERSION. */
  readonly maxVersion: number;
  /** SVSM_GUEST_VMPL: the VMPL the guest runs at. */
  readonly guestVmpl: number;
}

/**
 * Reads the SVSM fields of the secrets page at `secretsGpa`; undefined when there is no SVSM.
 *
 * @example
 * ```ts
 * // In the guest at VMPL2: const svsm = findSvsm(cpu, 0x1000); svsm?.guestVmpl === 2
 * import { findSvsm } from "./svsm_info.ts";
 * typeof findSvsm; // "function"
 * ```
 */
export function findSvsm(ctx: CpuContext, secretsGpa: number): SvsmInfo | undefined {
  const page = ctx.read(secretsGpa, SECRETS_PAGE.size);
  const s = SECRETS_PAGE.decode(page);
  if (s.svsmSize === 0n) return undefined;
  return {
    base: Number(s.svsmBase),
    size: Number(s.svsmSize),
    caa: Number(s.svsmCaa),
    maxVersion: s.svsmMaxVersion,
    guestVmpl: s.svsmGuestVmpl,
  };
}
