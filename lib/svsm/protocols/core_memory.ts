/**
 * Core DEPOSIT_MEM and WITHDRAW_MEM: the guest lends the SVSM memory and
 * takes it back. COCONUT answers UNSUPPORTED_CALL; we implement them after
 * the SVSM specification (58019, core protocol calls 4 and 5). The list
 * format reuses the PVALIDATE list (header `entries`, `next`; u64 entries
 * with bits 1:0 page size, 11:2 reserved, 63:12 GPA) — the exact byte layout
 * in the specification is (unverified) here.
 *
 * A deposited page loses every VMPL2/VMPL3 permission and is zeroed before
 * the SVSM owns it; a withdrawn page is zeroed before the guest gets it back,
 * so no SVSM data ever leaks to the guest.
 * @module
 */
import { decodePvalidateEntry, PVALIDATE_ENTRY_SIZE } from "../abi/pvalidate_list.ts";
import { fail, SvsmResultCode } from "./errors.ts";
import type { SvsmCpu, SvsmRequest } from "../request_context.ts";
import {
  gpaOf,
  isAligned,
  PAGE_SIZE,
  PAGE_SIZE_2M,
  pageOf,
  revokeGuestAccess,
  rmpadjust,
  RmpAttr,
  touchesRegistered,
  touchesSvsmOwned,
} from "./guest_ops.ts";
import { listCall, listCapacity } from "./core.ts";
import { withPvalidateLock } from "../locking/pvalidate_lock.ts";

const { SUCCESS, INVALID_PARAMETER, INVALID_ADDRESS } = SvsmResultCode;

/** DEPOSIT_MEM: RCX = GPA of a list of validated guest pages to give to the SVSM. */
export function coreDepositMem(req: SvsmRequest): number | Promise<number> {
  // Locked like CREATE_VCPU: the pages change owner, so no PVALIDATE may run meanwhile.
  const listPage = pageOf(gpaOf(req.regs.rcx));
  return listCall(req, "CREATE_VCPU", (cpu, lo, hi) => depositOne(cpu, lo, hi, listPage));
}

function depositOne(cpu: SvsmCpu, lo: number, hi: number, listPage: number): void {
  const { gpa, pageSize } = decodePvalidateEntry(lo, hi);
  if (pageSize > 1 || (lo & 0xffc) !== 0) fail(INVALID_PARAMETER); // bits 11:2 reserved
  const size = pageSize === 1 ? PAGE_SIZE_2M : PAGE_SIZE;
  if (!isAligned(gpa, size)) fail(INVALID_PARAMETER);
  // Not the list's own page either: zeroed, its later entries would read as "deposit GPA 0".
  const listInside = listPage >= gpa && listPage < gpa + size;
  if (!cpu.guestMem.contains(gpa, size) || touchesRegistered(cpu, gpa, size) || listInside) {
    fail(INVALID_ADDRESS); // registered pages, and pages already deposited
  }
  revokeGuestAccess(cpu, gpa, pageSize === 1);
  cpu.guestMem.zero(gpa, size);
  for (let p = gpa; p < gpa + size; p += PAGE_SIZE) cpu.kernel.depositedPages.add(p);
}

/**
 * WITHDRAW_MEM: RCX = GPA of a list whose header `entries` is the capacity
 * the guest offers (1 ≤ entries ≤ what fits in the page). The SVSM returns up
 * to that many 4 KiB pages: zeroed, with VMPL2 access restored, written as
 * entries; the header's `entries` becomes the count returned, `next` 0, and
 * RCX the count too. With nothing to return the count is 0.
 */
export function coreWithdrawMem(req: SvsmRequest): number | Promise<number> {
  if ((req.regs.rcx & 7n) !== 0n) return INVALID_PARAMETER;
  const listGpa = gpaOf(req.regs.rcx);
  const cpu = req.cpu;
  return withPvalidateLock(cpu.kernel.pvalidateLock, cpu.lockCpu, "CREATE_VCPU", () => {
    // The list is written: never into a VMSA or deposited page (one page: the header's).
    if (touchesSvsmOwned(cpu, listGpa, 8)) return INVALID_ADDRESS;
    const capacity = cpu.guestMem.readU16(listGpa);
    if (capacity === 0 || capacity > listCapacity(listGpa)) return INVALID_PARAMETER;
    let count = 0;
    while (count < capacity) {
      const page = cpu.kernel.depositedPages.take();
      if (page === undefined) break;
      cpu.guestMem.zero(page, PAGE_SIZE);
      rmpadjust(cpu, page, false, RmpAttr.GUEST_RWX);
      cpu.guestMem.writeU64(listGpa + 8 + count * PVALIDATE_ENTRY_SIZE, BigInt(page));
      count++;
    }
    cpu.guestMem.writeU16(listGpa, count);
    cpu.guestMem.writeU16(listGpa + 2, 0);
    req.regs.rcx = BigInt(count);
    return SUCCESS;
  });
}

/**
 * The SVSM's deposit pool: a set of page GPAs, returned in deposit order.
 *
 * @example
 * ```ts
 * import { ListDepositPool } from "./core_memory.ts";
 * const pool = new ListDepositPool();
 * pool.add(0x10000);
 * pool.take(); // 0x10000
 * ```
 */
export class ListDepositPool {
  #pages = new Set<number>();
  /** Pages held. */
  get size(): number {
    return this.#pages.size;
  }
  /** Adds a page. */
  add(gpa: number): void {
    this.#pages.add(gpa);
  }
  /** True when held. */
  has(gpa: number): boolean {
    return this.#pages.has(gpa);
  }
  /** Removes and returns the oldest page. */
  take(): number | undefined {
    const first = this.#pages.values().next();
    if (first.done) return undefined;
    this.#pages.delete(first.value);
    return first.value;
  }
}
