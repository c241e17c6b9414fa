/**
 * Starting an AP of the guest through the SVSM (Linux arch/x86/coco/sev `snp_set_vmsa` with an
 * SVSM, `svsm_perform_call_protocol(CREATE_VCPU)`; svsm-abi.md §4): the guest builds the AP's
 * VMSA in a fresh page (VMPL2, EFER.SVME, the same SEV features as its own), hands the SVSM that
 * page, a fresh calling-area page and the APIC ID, and the SVSM turns the page into a VMSA.
 * @module
 */

import { type CpuContext, EFER_SVME, MSR_SEV_STATUS, qemuResetVmsa, VmsaPage } from "../snp/mod.ts";

/** The guest's own SEV features: SEV_STATUS bits 63:2 (snp-abi.md §9.2). */
export function ownSevFeatures(ctx: CpuContext): bigint {
  return ctx.rdmsr(MSR_SEV_STATUS) >> 2n;
}

/**
 * The VMSA a guest AP starts from: reset state, VMPL `vmpl`, EFER.SVME, `sevFeatures`.
 *
 * @example
 * ```ts
 * import { guestApVmsa } from "./ap_start.ts";
 * guestApVmsa(1n, 2).vmpl; // 2
 * ```
 */
export function guestApVmsa(sevFeatures: bigint, vmpl: number): VmsaPage {
  const vmsa = new VmsaPage(qemuResetVmsa({ sevFeatures }));
  vmsa.vmpl = vmpl;
  vmsa.efer |= EFER_SVME;
  return vmsa;
}
