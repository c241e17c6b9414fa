/**
 * Small guarded operations the protocol handlers share: register-to-address
 * conversion, page checks against registered VMSAs and calling areas, and
 * SEV-SNP instructions on guest pages whose faults become INVALID_ADDRESS.
 * @module
 */
import type { CpuContext } from "../../snp/cpu_context.ts";
import { MachineFault } from "../../snp/faults.ts";
import { VMSA_LAUNCH_GPA } from "../../snp/constants.ts";
import { fail, instructionError, SvsmRequestFailure, SvsmResultCode } from "./errors.ts";
import type { SvsmCpu } from "../request_context.ts";

/** 4 KiB. */
export const PAGE_SIZE = 0x1000;
/** 2 MiB. */
export const PAGE_SIZE_2M = 0x20_0000;

/**
 * A guest register as a GPA. Values past 2^52 cannot be inside any guest
 * memory map, so they map to 2^52 plus their offset in a 2 MiB page: exact,
 * with the register's 4 KiB and 2 MiB alignment, and rejected by every range
 * check.
 */
export function gpaOf(reg: bigint): number {
  if (reg < (1n << 52n)) return Number(reg);
  return 2 ** 52 + Number(reg & 0x1f_ffffn);
}

/** True when `gpa` is aligned to `align` (a power of two). */
export function isAligned(gpa: number, align: number): boolean {
  return gpa % align === 0;
}

/**
 * True when `[gpa, gpa + size)` touches a page registered as a guest VMSA or
 * calling area on any vCPU, the launch VMSA GPA (svsm-abi.md §6), or a page
 * the guest deposited with the SVSM (which is no longer the guest's to use).
 */
export function touchesRegistered(cpu: SvsmCpu, gpa: number, size: number): boolean {
  if (touchesSvsmOwned(cpu, gpa, size)) return true;
  for (const v of cpu.kernel.guestVcpus.values()) {
    if (hits(pageOf(v.caGpa), gpa, size)) return true;
  }
  return false;
}

/**
 * True when `[gpa, gpa + size)` touches a page the guest cannot write itself and so may not
 * have the SVSM write for it: a registered guest VMSA, the launch VMSA, or a deposited page.
 * The guest-memory path refuses these (svsm-abi.md §14); without the check a guest could have
 * a report, a TPM response or a list header written over another vCPU's VMSA, past
 * CREATE_VCPU's checks. Calling areas are the guest's own pages (Linux keeps its PVALIDATE
 * list in one), so they pass.
 */
export function touchesSvsmOwned(cpu: SvsmCpu, gpa: number, size: number): boolean {
  if (hits(VMSA_LAUNCH_GPA, gpa, size)) return true;
  for (const v of cpu.kernel.guestVcpus.values()) {
    if (hits(v.vmsaGpa, gpa, size)) return true;
  }
  const pool = cpu.kernel.depositedPages;
  if (pool.size > 0) {
    for (let p = pageOf(gpa); p < gpa + size; p += PAGE_SIZE) if (pool.has(p)) return true;
  }
  return false;
}

/** True when the page at `page` (-1: none) overlaps `[gpa, gpa + size)`. */
function hits(page: number, gpa: number, size: number): boolean {
  return page >= 0 && page + PAGE_SIZE > gpa && page < gpa + size;
}

/** The page holding `gpa` (or -1 for "none"). */
export function pageOf(gpa: number): number {
  return gpa < 0 ? -1 : gpa - (gpa % PAGE_SIZE);
}

/**
 * Runs a guest-memory operation `op(ctx, a, b, c)` on this CPU; a machine fault becomes
 * INVALID_ADDRESS. The operands are passed through, so a module-level `op` allocates no
 * closure per call.
 */
export function guarded<T, A, B, C>(
  cpu: SvsmCpu,
  op: (ctx: CpuContext, a: A, b: B, c: C) => T,
  a: A,
  b: B,
  c: C,
): T {
  const guard = cpu.stack.guard(); // explicit dispose: `using` costs more on this hot path
  try {
    return op(cpu.ctx, a, b, c);
  } catch (e) {
    if (e instanceof MachineFault) fail(SvsmResultCode.INVALID_ADDRESS);
    throw e;
  } finally {
    guard[Symbol.dispose]();
  }
}

/** RMPADJUST on a guest page; a failure code n becomes PROTOCOL_BASE + n. */
export function rmpadjust(cpu: SvsmCpu, gpa: number, size2M: boolean, attrs: number): void {
  const rc = guarded(cpu, rmpadjustOp, gpa, size2M, attrs);
  if (rc !== 0) throw new SvsmRequestFailure(instructionError(rc));
}

const rmpadjustOp = (ctx: CpuContext, gpa: number, size2M: boolean, attrs: number): number =>
  ctx.rmpadjust(gpa, size2M, attrs);

/** RMPADJUST attribute word: target VMPL, permission bits 11:8, VMSA bit 16 (svsm-abi.md §10). */
export const RmpAttr = {
  /** Grant the guest (VMPL2) read, write, execute-user and execute-supervisor. */
  GUEST_RWX: 2 | 0xf00,
  /** Revoke every VMPL2 permission. */
  REVOKE_VMPL2: 2,
  /** Revoke every VMPL3 permission. */
  REVOKE_VMPL3: 3,
  /** Make a guest VMSA: target 2, READ + VMSA (0x10102). */
  GUEST_VMSA: 2 | 0x100 | 0x1_0000,
} as const;

/** Revokes VMPL2 and VMPL3 access to a guest page (COCONUT `rmp_revoke_guest_access`). */
export function revokeGuestAccess(cpu: SvsmCpu, gpa: number, size2M: boolean): void {
  rmpadjust(cpu, gpa, size2M, RmpAttr.REVOKE_VMPL2);
  rmpadjust(cpu, gpa, size2M, RmpAttr.REVOKE_VMPL3);
}
