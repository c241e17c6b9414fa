/**
 * The guest's RMP instructions, PVALIDATE and RMPADJUST (snp-abi.md §7.2).
 * The model takes a GPA where hardware takes a guest virtual address: guest
 * paging is identity in this model. Return codes are the hardware's.
 * @module
 */
import { PAGE_SIZE, PAGE_SIZE_2M, PAGES_PER_2M } from "./constants.ts";
import { faultBits, MachineFault, PFERR_GUEST_FINAL, PFERR_GUEST_SIZEM } from "./faults.ts";
import type { AccessContext } from "./guest_memory_access.ts";
import {
  FAIL_INPUT,
  FAIL_PERMISSION,
  FAIL_SIZEMISMATCH,
  type Rmp,
  RMP_FLAG_2M,
  RMP_FLAG_ASSIGNED,
  RMP_FLAG_IMMUTABLE,
  RMP_FLAG_VALIDATED,
  RMP_FLAG_VMSA,
  RMP_PERM_ALL,
  RMP_SUCCESS,
  type RmpResult,
} from "./rmp.ts";

/**
 * What an RMP instruction needs: the accessing guest plus the machine's RMP.
 *
 * @example
 * ```ts
 * import { type InstructionContext, pvalidate } from "./instructions.ts";
 * import { Npt } from "./npt.ts";
 * import { Rmp } from "./rmp.ts";
 * const vmpl1: InstructionContext = { asid: 1, vmpl: 1, npt: new Npt(), rmp: new Rmp(16) };
 * pvalidate(vmpl1, 0x1000, false, true).rc; // 2, FAIL_PERMISSION: only VMPL0 may PVALIDATE
 * ```
 */
export interface InstructionContext extends AccessContext {
  /** The machine's RMP. */
  readonly rmp: Rmp;
}

/**
 * PVALIDATE's outcome: EAX and the carry flag (CF = 1: VALIDATED already had that value).
 *
 * @example
 * ```ts
 * import type { PvalidateResult } from "./instructions.ts";
 * import { RMP_SUCCESS } from "./rmp.ts";
 * function changedThePage(r: PvalidateResult): boolean {
 *   return r.rc === RMP_SUCCESS && !r.cf;
 * }
 * changedThePage({ rc: 0, cf: true }); // false: the page was already validated
 * ```
 */
export interface PvalidateResult {
  /** 0, FAIL_INPUT, FAIL_PERMISSION or FAIL_SIZEMISMATCH. */
  rc: RmpResult;
  /** Carry flag: nothing changed. */
  cf: boolean;
}

/**
 * RMPADJUST RDX bits 7:0: target VMPL (snp-abi.md §7.2).
 *
 * @example
 * ```ts
 * import { RMPADJUST_TARGET_VMPL_MASK, rmpadjustAttrs } from "./instructions.ts";
 * import { RMP_PERM_READ } from "./rmp.ts";
 * const rdx = rmpadjustAttrs(3, RMP_PERM_READ);
 * rdx & RMPADJUST_TARGET_VMPL_MASK; // 3
 * ```
 */
export const RMPADJUST_TARGET_VMPL_MASK = 0xFF;
/**
 * RMPADJUST RDX bits 11:8: permission mask (shift right 8 for RMP_PERM_*).
 *
 * @example
 * ```ts
 * import { RMPADJUST_PERM_SHIFT } from "./instructions.ts";
 * import { RMP_PERM_READ, RMP_PERM_WRITE } from "./rmp.ts";
 * const rdx = 2 | ((RMP_PERM_READ | RMP_PERM_WRITE) << RMPADJUST_PERM_SHIFT); // 0x302
 * (rdx >>> RMPADJUST_PERM_SHIFT) & 0xF; // 3: read and write for VMPL2
 * ```
 */
export const RMPADJUST_PERM_SHIFT = 8;
/**
 * RMPADJUST RDX bit 16: make the page a VMSA.
 *
 * @example
 * ```ts
 * import { RMPADJUST_VMSA, rmpadjustAttrs } from "./instructions.ts";
 * const rdx = rmpadjustAttrs(1, 0, true); // 0x10001: VMPL1 gets no access, the page becomes a VMSA
 * (rdx & RMPADJUST_VMSA) !== 0; // true
 * ```
 */
export const RMPADJUST_VMSA = 1 << 16;
const RMPADJUST_DEFINED = RMPADJUST_TARGET_VMPL_MASK | (0xF << RMPADJUST_PERM_SHIFT) |
  RMPADJUST_VMSA;

/**
 * Builds an RMPADJUST attribute word.
 *
 * @example
 * ```ts
 * import { rmpadjustAttrs } from "./instructions.ts";
 * import { RMP_PERM_ALL } from "./rmp.ts";
 * rmpadjustAttrs(1, RMP_PERM_ALL).toString(16); // "f01": VMPL1 gets read, write, execute
 * ```
 */
export function rmpadjustAttrs(targetVmpl: number, perms: number, vmsa = false): number {
  return (targetVmpl & 0xFF) | ((perms & 0xF) << RMPADJUST_PERM_SHIFT) |
    (vmsa ? RMPADJUST_VMSA : 0);
}

/**
 * Locates the RMP entry a guest instruction targets: translates `gpa`, checks
 * alignment and that the entry belongs to this guest at this GPA.
 * Yields the first system page, or a failure code.
 */
function target(
  ctx: InstructionContext,
  gpa: number,
  size2M: boolean,
): { page: number } | { rc: RmpResult } {
  if (!Number.isSafeInteger(gpa) || gpa < 0) return { rc: FAIL_INPUT };
  // A misaligned operand is FAIL_INPUT (hardware ignores the low bits of a 4K address; the model rejects them).
  if (gpa % (size2M ? PAGE_SIZE_2M : PAGE_SIZE) !== 0) return { rc: FAIL_INPUT };
  const spa = ctx.npt.translate(gpa);
  if (spa === undefined) {
    throw new MachineFault("npf", PFERR_GUEST_FINAL, gpa, "no nested mapping");
  }
  const page = ctx.rmp.pageOf(spa);
  if (page < 0) {
    throw new MachineFault("npf", PFERR_GUEST_FINAL, gpa, "nested mapping outside memory");
  }
  if (size2M && spa % PAGE_SIZE_2M !== 0) return { rc: FAIL_INPUT };
  const f = ctx.rmp.flags[page];
  // The reference says an RMP mismatch raises #NPF (wording unverified); the model reports FAIL_INPUT.
  if (
    !(f & RMP_FLAG_ASSIGNED) || (f & RMP_FLAG_IMMUTABLE) || ctx.rmp.asids[page] !== ctx.asid ||
    ctx.rmp.gfns[page] !== gpa / PAGE_SIZE
  ) {
    return { rc: FAIL_INPUT };
  }
  if (((f & RMP_FLAG_2M) !== 0) !== size2M) return { rc: FAIL_SIZEMISMATCH };
  if (size2M) {
    // The 2M entry must be reached through 512 contiguous nested mappings (else #NPF, SIZEM).
    for (let i = 1; i < PAGES_PER_2M; i++) {
      if (ctx.npt.translate(gpa + i * PAGE_SIZE) !== spa + i * PAGE_SIZE) {
        throw new MachineFault(
          "npf",
          faultBits(PFERR_GUEST_FINAL, PFERR_GUEST_SIZEM),
          gpa,
          "2M page split in the NPT",
        );
      }
    }
  }
  return { page };
}

/**
 * PVALIDATE (F2 0F 01 FF): sets or clears VALIDATED on the guest's 4K or 2M
 * page. Only VMPL0 may execute it (FAIL_PERMISSION otherwise — unverified);
 * FAIL_INPUT on a misaligned or foreign page, FAIL_SIZEMISMATCH if the RMP
 * entry's size differs; CF = 1 with rc 0 when VALIDATED already had the value.
 *
 * @example
 * ```ts
 * import { Npt, pvalidate, Rmp } from "./core.ts";
 * const rmp = new Rmp(512), npt = new Npt();
 * npt.map(0x1000, 0x1000);
 * rmp.rmpupdate(0x1000, { assigned: true, asid: 1, gpa: 0x1000, pageSize2M: false });
 * pvalidate({ asid: 1, vmpl: 0, npt, rmp }, 0x1000, false, true); // { rc: 0, cf: false }
 * ```
 */
export function pvalidate(
  ctx: InstructionContext,
  gpa: number,
  size2M: boolean,
  validate: boolean,
): PvalidateResult {
  if (ctx.vmpl !== 0) return { rc: FAIL_PERMISSION, cf: false };
  const t = target(ctx, gpa, size2M);
  if ("rc" in t) return { rc: t.rc, cf: false };
  const page = t.page;
  if (((ctx.rmp.flags[page] & RMP_FLAG_VALIDATED) !== 0) === validate) {
    return { rc: RMP_SUCCESS, cf: true };
  }
  ctx.rmp.setFlag(page, size2M ? PAGES_PER_2M : 1, RMP_FLAG_VALIDATED, validate);
  return { rc: RMP_SUCCESS, cf: false };
}

/**
 * RMPADJUST (F3 0F 01 FE): sets a less privileged VMPL's permissions (and, from
 * VMPL0, the VMSA bit) on a validated page of the guest. FAIL_PERMISSION when
 * the target VMPL is not numerically greater than the caller's, the mask
 * exceeds the caller's own, or a VMPL other than 0 asks for the VMSA bit;
 * FAIL_INPUT on bad operands, a foreign or unvalidated page (code for the
 * latter unverified), a 2M VMSA; FAIL_SIZEMISMATCH on a size mismatch.
 *
 * @example
 * ```ts
 * import { Npt, pvalidate, Rmp, rmpadjust, rmpadjustAttrs, RMP_PERM_READ } from "./core.ts";
 * const rmp = new Rmp(512), npt = new Npt();
 * npt.map(0x1000, 0x1000);
 * rmp.rmpupdate(0x1000, { assigned: true, asid: 1, gpa: 0x1000, pageSize2M: false });
 * const ctx = { asid: 1, vmpl: 0, npt, rmp };
 * pvalidate(ctx, 0x1000, false, true);
 * rmpadjust(ctx, 0x1000, false, rmpadjustAttrs(1, RMP_PERM_READ)); // 0
 * ```
 */
export function rmpadjust(
  ctx: InstructionContext,
  gpa: number,
  size2M: boolean,
  attrs: number,
): RmpResult {
  // Bitwise operators see only 32 bits: larger words carry reserved bits 63:32 of RDX.
  if (
    !Number.isInteger(attrs) || attrs < 0 || attrs > 0xFFFF_FFFF ||
    (attrs & ~RMPADJUST_DEFINED) !== 0
  ) {
    return FAIL_INPUT;
  }
  const targetVmpl = attrs & RMPADJUST_TARGET_VMPL_MASK;
  const perms = (attrs >>> RMPADJUST_PERM_SHIFT) & 0xF;
  const vmsa = (attrs & RMPADJUST_VMSA) !== 0;
  if (targetVmpl > 3) return FAIL_INPUT;
  if (targetVmpl <= ctx.vmpl) return FAIL_PERMISSION;
  if (vmsa && ctx.vmpl !== 0) return FAIL_PERMISSION;
  if (vmsa && size2M) return FAIL_INPUT;
  const t = target(ctx, gpa, size2M);
  if ("rc" in t) return t.rc;
  const page = t.page;
  const rmp = ctx.rmp;
  if (!(rmp.flags[page] & RMP_FLAG_VALIDATED)) return FAIL_INPUT;
  const own = ctx.vmpl === 0 ? RMP_PERM_ALL : rmp.perms[page * 4 + ctx.vmpl];
  if ((perms & ~own) !== 0) return FAIL_PERMISSION;
  const count = size2M ? PAGES_PER_2M : 1;
  rmp.setPerms(page, count, targetVmpl, perms);
  if (ctx.vmpl === 0) rmp.setFlag(page, count, RMP_FLAG_VMSA, vmsa);
  return RMP_SUCCESS;
}
