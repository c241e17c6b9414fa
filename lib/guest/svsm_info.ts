/**
 * Finding the SVSM: the guest reads the SVSM fields of its secrets page (snp-abi.md §10;
 * Linux arch/x86/coco/sev `snp_setup_svsm_ca`): SVSM_BASE, SVSM_SIZE, the boot CPU's calling
 * area SVSM_CAA, SVSM_MAX_VERSION and SVSM_GUEST_VMPL. A zero SVSM_SIZE means no SVSM. Like
 * Linux, the guest refuses an SVSM that claims the guest runs at VMPL0 or whose calling area
 * is not page-aligned, and terminates with the Linux reason code.
 * @module
 */

import { SECRETS_PAGE } from "../snp/firmware/secrets_page.ts";
import type { CpuContext } from "../snp/mod.ts";

/**
 * The SVSM as the guest's secrets page describes it.
 *
 * @example
 * ```ts
 * import { type SvsmInfo, svsmInfoFault } from "./svsm_info.ts";
 * const info: SvsmInfo = { base: 0x800000, size: 0x200000, caa: 0x80e000, maxVersion: 1, guestVmpl: 2 };
 * svsmInfoFault(info); // undefined: usable
 * ```
 */
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
 * Termination reason set for Linux's own codes (Linux arch/x86/include/asm/sev-common.h).
 *
 * @example
 * ```ts
 * import { GHCB_TERM_SVSM_CAA, SEV_TERM_SET_LINUX } from "./svsm_info.ts";
 * import { encodeMsrRequest } from "../snp/mod.ts";
 * const term = encodeMsrRequest({ kind: "term", reasonSet: SEV_TERM_SET_LINUX, reasonCode: GHCB_TERM_SVSM_CAA });
 * term; // 0x91100n: code 9 in bits 23:16, set 1 in bits 15:12, TERM_REQ 0x100
 * ```
 */
export const SEV_TERM_SET_LINUX = 1;
/**
 * Set 1 code 8: an SVSM is present but SVSM_GUEST_VMPL is 0 (sev-common.h).
 *
 * @example
 * ```ts
 * import { GHCB_TERM_SVSM_VMPL0, svsmInfoFault } from "./svsm_info.ts";
 * const info = { base: 0x800000, size: 0x200000, caa: 0x80e000, maxVersion: 1, guestVmpl: 0 };
 * svsmInfoFault(info) === GHCB_TERM_SVSM_VMPL0; // true: the guest cannot share VMPL0 with the SVSM
 * ```
 */
export const GHCB_TERM_SVSM_VMPL0 = 8;
/**
 * Set 1 code 9: an SVSM is present but SVSM_CAA is not page-aligned (sev-common.h).
 *
 * @example
 * ```ts
 * import { GHCB_TERM_SVSM_CAA, SEV_TERM_SET_LINUX } from "./svsm_info.ts";
 * // A host's view of the guest's termination request: (GHCB MSR >> 16) & 0xff is the code.
 * const msr = 0x91100n;
 * Number((msr >> 12n) & 0xfn) === SEV_TERM_SET_LINUX && Number((msr >> 16n) & 0xffn) === GHCB_TERM_SVSM_CAA; // true
 * ```
 */
export const GHCB_TERM_SVSM_CAA = 9;

/**
 * The Linux termination code (set {@link SEV_TERM_SET_LINUX}) for secrets-page SVSM fields the
 * guest must refuse, or undefined when they are usable (Linux `svsm_setup_ca`).
 *
 * @example
 * ```ts
 * import { GHCB_TERM_SVSM_CAA, svsmInfoFault } from "./svsm_info.ts";
 * const info = { base: 0x800000, size: 0x200000, caa: 0x80e010, maxVersion: 1, guestVmpl: 2 };
 * svsmInfoFault(info) === GHCB_TERM_SVSM_CAA; // true
 * ```
 */
export function svsmInfoFault(info: SvsmInfo): number | undefined {
  if (info.guestVmpl === 0) return GHCB_TERM_SVSM_VMPL0;
  if (info.caa % 4096 !== 0) return GHCB_TERM_SVSM_CAA;
  return undefined;
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
