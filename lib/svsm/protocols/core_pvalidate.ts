/**
 * Core PVALIDATE: validate or invalidate a list of guest pages
 * (COCONUT kernel/src/protocols/core.rs `core_pvalidate`,
 * `core_pvalidate_one`; svsm-abi.md §6).
 *
 * The loop runs from `next` to `entries`; every success advances `next`; the
 * first soft error ends the loop. The header, with the new `next`, is written
 * back on success and on a soft error, so the guest can resume. A fatal error
 * leaves the header untouched.
 * @module
 */
import { decodePvalidateEntry } from "../abi/pvalidate_list.ts";
import {
  fail,
  instructionError,
  PVALIDATE_FAIL_UNCHANGED,
  SvsmRequestFailure,
  SvsmResultCode,
} from "./errors.ts";
import type { CpuContext } from "../../snp/cpu_context.ts";
import type { SvsmCpu, SvsmRequest } from "../request_context.ts";
import {
  guarded,
  isAligned,
  PAGE_SIZE,
  PAGE_SIZE_2M,
  revokeGuestAccess,
  rmpadjust,
  RmpAttr,
  touchesRegistered,
} from "./guest_ops.ts";
import { listCall } from "./core.ts";

const { INVALID_PARAMETER, INVALID_ADDRESS } = SvsmResultCode;

/** Guest-visible legacy range COCONUT does not zero (it is not considered writable). */
const LEGACY_START = 0xa0000;
const LEGACY_END = 0x100000;

/** PVALIDATE: RCX = GPA of the list. */
export function corePvalidate(req: SvsmRequest): Promise<number> | number {
  return listCall(req, "PVALIDATE", pvalidateOne);
}

function pvalidateOne(cpu: SvsmCpu, lo: number, hi: number): void {
  const entry = decodePvalidateEntry(lo, hi);
  if (entry.pageSize > 1 || entry.reserved !== 0) fail(INVALID_PARAMETER);
  const size2M = entry.pageSize === 1;
  const size = size2M ? PAGE_SIZE_2M : PAGE_SIZE;
  if (size2M && !isAligned(entry.gpa, PAGE_SIZE_2M)) fail(INVALID_PARAMETER);
  if (!cpu.guestMem.contains(entry.gpa, size) || touchesRegistered(cpu, entry.gpa, size)) {
    fail(INVALID_ADDRESS);
  }
  if (entry.validate) {
    pvalidate(cpu, entry.gpa, size2M, true, entry.ignoreCf);
    if (entry.gpa + size <= LEGACY_START || entry.gpa >= LEGACY_END) {
      // Defends against a host that remapped a former SVSM page into guest space.
      cpu.guestMem.zero(entry.gpa, size);
    }
    rmpadjust(cpu, entry.gpa, size2M, RmpAttr.GUEST_RWX);
  } else {
    revokeGuestAccess(cpu, entry.gpa, size2M);
    pvalidate(cpu, entry.gpa, size2M, false, entry.ignoreCf);
  }
}

const pvalidateOp = (ctx: CpuContext, gpa: number, size2M: boolean, validate: boolean) =>
  ctx.pvalidate(gpa, size2M, validate);

function pvalidate(
  cpu: SvsmCpu,
  gpa: number,
  size2M: boolean,
  validate: boolean,
  ignoreCf: boolean,
): void {
  const { rc, cf } = guarded(cpu, pvalidateOp, gpa, size2M, validate);
  if (rc !== 0) throw new SvsmRequestFailure(instructionError(rc));
  if (cf && !ignoreCf) throw new SvsmRequestFailure(instructionError(PVALIDATE_FAIL_UNCHANGED));
}
