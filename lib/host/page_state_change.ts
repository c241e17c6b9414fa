/**
 * Page State Change: the guest asks for a page to become private or shared (MSR protocol
 * PSC_REQ, GHCB PSC event; snp-abi.md §9.2, §9.4) and the host does the RMPUPDATE. The model's
 * host backs guest memory with 4 KiB RMP entries, so a 2 MiB request becomes 512 updates and
 * PSMASH/UNSMASH have nothing to do.
 * @module
 */

import {
  GHCB_ERR_INVALID_INPUT,
  type Machine,
  PAGE_SIZE,
  PSC_OP_PRIVATE,
  PSC_OP_PSMASH,
  PSC_OP_SHARED,
  PSC_OP_UNSMASH,
  RMP_FLAG_ASSIGNED,
} from "../snp/mod.ts";
import type { GuestVm } from "./guest_vm.ts";

/**
 * Changes the state of the 4 KiB guest page `gfn`; 0 on success, else the GHCB error value.
 * A page already in the requested state is left alone (its VALIDATED bit survives).
 *
 * @example
 * ```ts
 * import { Machine, PSC_OP_SHARED } from "../snp/mod.ts";
 * import { GuestVm } from "./guest_vm.ts";
 * import { changePageState } from "./page_state_change.ts";
 * const m = new Machine({ memoryBytes: 4 << 20, vcpus: 1, seed: 1 });
 * const vm = new GuestVm({ guestMemoryBytes: 1 << 20 }, 1);
 * vm.npt.map(0, 0x200000);
 * changePageState(m, vm, 0, PSC_OP_SHARED); // 0
 * ```
 */
export function changePageState(machine: Machine, vm: GuestVm, gfn: number, op: number): number {
  const gpa = gfn * PAGE_SIZE;
  const spa = vm.contains(gpa) ? vm.npt.translate(gpa) : undefined;
  if (spa === undefined) return GHCB_ERR_INVALID_INPUT;
  if (op === PSC_OP_PSMASH || op === PSC_OP_UNSMASH) return 0;
  if (op !== PSC_OP_PRIVATE && op !== PSC_OP_SHARED) return GHCB_ERR_INVALID_INPUT;
  const rmp = machine.rmp;
  const page = rmp.pageOf(spa);
  const isPrivate = (rmp.flags[page] & RMP_FLAG_ASSIGNED) !== 0 && rmp.asids[page] === vm.asid &&
    rmp.gfns[page] === gfn;
  if (isPrivate === (op === PSC_OP_PRIVATE)) return 0;
  const rc = rmp.rmpupdate(spa, {
    assigned: op === PSC_OP_PRIVATE,
    asid: vm.asid,
    gpa,
    pageSize2M: false,
  });
  return rc === 0 ? 0 : GHCB_ERR_INVALID_INPUT;
}
