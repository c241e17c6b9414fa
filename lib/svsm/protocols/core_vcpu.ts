/**
 * Core CREATE_VCPU and DELETE_VCPU: the guest hands the SVSM a VMPL2 VMSA
 * (and a calling area) for one of its vCPUs, or takes it back
 * (COCONUT kernel/src/protocols/core.rs `core_create_vcpu`,
 * `core_delete_vcpu`; svsm-abi.md §4).
 * @module
 */
import { VMSA } from "../../snp/vmsa.ts";
import { fail, SvsmRequestFailure, SvsmResultCode } from "./errors.ts";
import type { GuestVcpu, SvsmCpu, SvsmRequest } from "../request_context.ts";
import {
  gpaOf,
  isAligned,
  PAGE_SIZE,
  revokeGuestAccess,
  rmpadjust,
  RmpAttr,
  touchesRegistered,
} from "./guest_ops.ts";
import { withPvalidateLock } from "../locking/pvalidate_lock.ts";

const { SUCCESS, INVALID_PARAMETER, INVALID_ADDRESS } = SvsmResultCode;
const GUEST_VMPL = 2;
const EFER_SVME = 1n << 12n;

/** CREATE_VCPU: RCX = VMSA GPA, RDX = CA GPA, R8[31:0] = APIC ID. */
export function coreCreateVcpu(req: SvsmRequest): number | Promise<number> {
  const { rcx, rdx, r8 } = req.regs;
  const vmsaGpa = gpaOf(rcx);
  const caGpa = gpaOf(rdx);
  const cpu = req.cpu;
  if (
    !isAligned(vmsaGpa, PAGE_SIZE) || !isAligned(caGpa, PAGE_SIZE) || vmsaGpa === caGpa ||
    !cpu.guestMem.contains(vmsaGpa, PAGE_SIZE) || !cpu.guestMem.contains(caGpa, 8)
  ) return INVALID_ADDRESS;
  const target = cpu.kernel.guestVcpus.get(Number(r8 & 0xffff_ffffn));
  if (!target) return INVALID_PARAMETER;
  return withPvalidateLock(cpu.kernel.pvalidateLock, cpu.lockCpu, "CREATE_VCPU", () => {
    if (touchesRegistered(cpu, vmsaGpa, PAGE_SIZE) || touchesRegistered(cpu, caGpa, 8)) {
      fail(INVALID_ADDRESS);
    }
    // Our choice, after COCONUT's own checks so its codes win: a vCPU must be deleted before it
    // gets a new VMSA (Linux does so), so no VMSA page is left with the attribute and no owner.
    if (target.vmsaGpa >= 0) fail(INVALID_PARAMETER);
    revokeGuestAccess(cpu, vmsaGpa, false);
    try {
      checkGuestVmsa(cpu, vmsaGpa, req.callerSevFeatures);
      rmpadjust(cpu, vmsaGpa, false, RmpAttr.GUEST_VMSA);
    } catch (e) {
      restoreGuestAccess(cpu, vmsaGpa);
      throw e;
    }
    target.vmsaGpa = vmsaGpa;
    target.caGpa = caGpa;
    cpu.kernel.notifyVcpu(target.apicId);
    return SUCCESS;
  });
}

/** The VMSA must be for VMPL2, have EFER.SVME set and the caller's SEV features. */
function checkGuestVmsa(cpu: SvsmCpu, vmsaGpa: number, callerFeatures: bigint): void {
  const page = cpu.guestMem.read(vmsaGpa, VMSA.size);
  const ok = VMSA.get(page, "vmpl") === GUEST_VMPL &&
    (VMSA.get(page, "efer") & EFER_SVME) !== 0n &&
    VMSA.get(page, "sevFeatures") === callerFeatures;
  if (!ok) fail(INVALID_PARAMETER);
}

/** Undo of a failed CREATE_VCPU: hand the page back to the guest. */
function restoreGuestAccess(cpu: SvsmCpu, vmsaGpa: number): void {
  try {
    rmpadjust(cpu, vmsaGpa, false, RmpAttr.GUEST_RWX);
  } catch (e) {
    if (!(e instanceof SvsmRequestFailure)) throw e;
  }
}

/** DELETE_VCPU: RCX = VMSA GPA of a registered guest vCPU. */
export function coreDeleteVcpu(req: SvsmRequest): number | Promise<number> {
  const vmsaGpa = gpaOf(req.regs.rcx);
  const cpu = req.cpu;
  if (!isAligned(vmsaGpa, PAGE_SIZE)) return INVALID_PARAMETER;
  return withPvalidateLock(cpu.kernel.pvalidateLock, cpu.lockCpu, "DELETE_VCPU", () => {
    const target = findByVmsa(cpu, vmsaGpa);
    if (!target) fail(INVALID_PARAMETER);
    // Clear EFER.SVME so the page can never run again, then drop the VMSA attribute.
    const efer = cpu.guestMem.readU64(vmsaGpa + VMSA.fields.efer.offset);
    cpu.guestMem.writeU64(vmsaGpa + VMSA.fields.efer.offset, efer & ~EFER_SVME);
    try {
      rmpadjust(cpu, vmsaGpa, false, RmpAttr.GUEST_RWX);
    } catch (e) {
      if (e instanceof SvsmRequestFailure) fail(INVALID_ADDRESS);
      throw e;
    }
    target.vmsaGpa = -1;
    target.caGpa = -1;
    cpu.kernel.notifyVcpu(target.apicId);
    return SUCCESS;
  });
}

function findByVmsa(cpu: SvsmCpu, vmsaGpa: number): GuestVcpu | undefined {
  for (const v of cpu.kernel.guestVcpus.values()) {
    if (v.vmsaGpa === vmsaGpa) return v;
  }
  return undefined;
}
