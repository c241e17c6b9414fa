/**
 * Starting the SVSM on the other vCPUs (COCONUT kernel/src/cpu/smp.rs, platform/snp.rs;
 * svsm-abi.md §11 step 5): for each AP a VMPL0 VMSA in a page from the SVSM's allocator (not
 * 2 MiB-aligned), made a VMSA by RMPADJUST with the VMSA bit targeting VMPL1, then GHCB
 * AP_CREATION (CREATE, VMPL0, the AP's APIC ID); the BSP spins until the AP reports online.
 * COCONUT spins forever; here the wait is bounded so that a host that acknowledges the
 * creation but never runs the AP stops the boot with a panic instead of hanging the model.
 * @module
 */

import {
  type CpuContext,
  PAGE_SIZE_2M,
  qemuResetVmsa,
  RMP_PERM_READ,
  rmpadjustAttrs,
  VmsaPage,
} from "../../snp/mod.ts";
import type { Ghcb } from "../sev/ghcb.ts";

/** Where an AP enters the SVSM (COCONUT's 32-bit AP entry is 0x10004; model offset). */
export const AP_ENTRY_OFFSET = 0x104;

/** PAUSEs the BSP spends waiting for a started AP before it gives up (the host never ran it). */
export const AP_ONLINE_PAUSES = 1_000_000;

/** What starting an AP needs from the BSP. */
export interface ApStartContext {
  /** The BSP's VMPL0 instructions. */
  readonly ctx: CpuContext;
  /** The BSP's GHCB. */
  readonly ghcb: Ghcb;
  /** A zeroed page from the SVSM heap. */
  allocPage(): number;
  /** Gives a heap page back. */
  freePage(gpa: number): void;
  /** Whether the AP with `apicId` reported online. */
  online(apicId: number): boolean;
  /** Where the AP starts executing (SVSM image base + {@link AP_ENTRY_OFFSET}). */
  readonly entry: number;
}

/**
 * Builds the VMPL0 VMSA an AP starts from: the reset state with the BSP's SEV features, VMPL 0.
 *
 * @example
 * ```ts
 * import { apVmsa } from "./smp.ts";
 * apVmsa(1n, 0x1000).vmpl; // 0
 * ```
 */
export function apVmsa(sevFeatures: bigint, entry: number): VmsaPage {
  const vmsa = new VmsaPage(qemuResetVmsa({ sevFeatures }));
  vmsa.vmpl = 0;
  vmsa.rip = BigInt(entry);
  return vmsa;
}

/**
 * A heap page for a VMSA that is not 2 MiB-aligned (a 2M-aligned VMSA can hit an erratum; Linux
 * `snp_alloc_vmsa_page` and COCONUT `allocate_new_vmsa` avoid it the same way). Used for the AP
 * VMSAs and the guest's boot VMSA.
 *
 * @example
 * ```ts
 * import { allocVmsaPage } from "./smp.ts";
 * const pages = [0x200000, 0x201000];
 * allocVmsaPage({ allocPage: () => pages.shift()!, freePage: () => {} }); // 0x201000
 * ```
 */
export function allocVmsaPage(s: Pick<ApStartContext, "allocPage" | "freePage">): number {
  const gpa = s.allocPage();
  if (gpa % PAGE_SIZE_2M !== 0) return gpa;
  const other = s.allocPage();
  s.freePage(gpa);
  return other;
}

/**
 * Starts the SVSM on the AP `apicId` and waits until it is online. Throws when RMPADJUST or
 * the host refuses.
 *
 * @example
 * ```ts
 * // On the BSP during boot: for (const apicId of aps) await startAp(bsp, apicId);
 * import { startAp } from "./smp.ts";
 * typeof startAp; // "function"
 * ```
 */
export async function startAp(s: ApStartContext, apicId: number): Promise<void> {
  const ctx = s.ctx;
  const sevFeatures = ctx.regs.sevFeatures;
  const gpa = allocVmsaPage(s);
  ctx.write(gpa, apVmsa(sevFeatures, s.entry).bytes);
  const rc = ctx.rmpadjust(gpa, false, rmpadjustAttrs(1, RMP_PERM_READ, true));
  if (rc !== 0) throw new Error(`RMPADJUST of the AP VMSA failed: ${rc}`);
  await s.ghcb.apCreation({ create: true, vmpl: 0, apicId, vmsaGpa: gpa, sevFeatures });
  for (let pauses = 0; !s.online(apicId); pauses++) {
    if (pauses === AP_ONLINE_PAUSES) {
      throw new Error(`AP ${apicId} did not come online: the host acknowledged but never ran it`);
    }
    await ctx.pause();
  }
}
