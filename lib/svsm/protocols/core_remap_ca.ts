/**
 * Core REMAP_CA: move this vCPU's calling area (COCONUT
 * kernel/src/protocols/core.rs `core_remap_ca`; svsm-abi.md §4).
 * @module
 */
import { CALLING_AREA } from "../abi/calling_area.ts";
import { fail, SvsmResultCode } from "./errors.ts";
import type { SvsmRequest } from "../request_context.ts";
import { gpaOf, isAligned, PAGE_SIZE, touchesRegistered } from "./guest_ops.ts";
import { withPvalidateLock } from "../locking/pvalidate_lock.ts";

const { SUCCESS, INVALID_PARAMETER, INVALID_ADDRESS } = SvsmResultCode;

/**
 * REMAP_CA: RCX = new CA GPA. Unaligned → INVALID_PARAMETER; outside guest
 * memory, or any registered VMSA/CA page (the current CA included, which
 * makes COCONUT's "same CA is a no-op" branch unreachable) → INVALID_ADDRESS;
 * else zero the new CA's 8 bytes and switch to it.
 */
export function coreRemapCa(req: SvsmRequest): number | Promise<number> {
  const caGpa = gpaOf(req.regs.rcx);
  const cpu = req.cpu;
  if (!isAligned(caGpa, PAGE_SIZE)) return INVALID_PARAMETER;
  if (!cpu.guestMem.contains(caGpa, CALLING_AREA.size)) return INVALID_ADDRESS;
  return withPvalidateLock(cpu.kernel.pvalidateLock, cpu.lockCpu, "REMAP_CA", () => {
    if (touchesRegistered(cpu, caGpa, CALLING_AREA.size)) fail(INVALID_ADDRESS);
    cpu.guestMem.zero(caGpa, CALLING_AREA.size);
    cpu.guest.caGpa = caGpa;
    return SUCCESS;
  });
}
