/**
 * The core protocol (0): REMAP_CA, PVALIDATE, CREATE_VCPU, DELETE_VCPU,
 * DEPOSIT_MEM, WITHDRAW_MEM, QUERY_PROTOCOL, CONFIGURE_VTOM, with COCONUT's
 * checks and result codes (kernel/src/protocols/core.rs; svsm-abi.md §4, §6).
 * @module
 */
import { CoreCall } from "../abi/protocol_ids.ts";
import { SvsmRequestFailure, SvsmResultCode } from "./errors.ts";
import type { SvsmCpu, SvsmRequest } from "../request_context.ts";
import { gpaOf, PAGE_SIZE, touchesSvsmOwned } from "./guest_ops.ts";
import { type PvalidateLockUser, withPvalidateLock } from "../locking/pvalidate_lock.ts";
import { corePvalidate } from "./core_pvalidate.ts";
import { coreCreateVcpu, coreDeleteVcpu } from "./core_vcpu.ts";
import { coreRemapCa } from "./core_remap_ca.ts";
import { coreDepositMem, coreWithdrawMem } from "./core_memory.ts";
import { protocolVersionRange } from "./protocol_table.ts";

const { SUCCESS, UNSUPPORTED_CALL, INVALID_REQUEST } = SvsmResultCode;

/** Handles one core-protocol call. */
export function handleCoreRequest(req: SvsmRequest): number | Promise<number> {
  switch (req.call) {
    case CoreCall.QUERY_PROTOCOL:
      return queryProtocol(req);
    case CoreCall.REMAP_CA:
      return coreRemapCa(req);
    case CoreCall.PVALIDATE:
      return corePvalidate(req);
    case CoreCall.CREATE_VCPU:
      return coreCreateVcpu(req);
    case CoreCall.DELETE_VCPU:
      return coreDeleteVcpu(req);
    case CoreCall.DEPOSIT_MEM:
      return coreDepositMem(req);
    case CoreCall.WITHDRAW_MEM:
      return coreWithdrawMem(req);
    case CoreCall.CONFIGURE_VTOM:
      return configureVtom(req);
    default:
      return UNSUPPORTED_CALL;
  }
}

/**
 * QUERY_PROTOCOL: RCX = (protocol << 32) | version → RCX = (max << 32) | min
 * when min <= version <= max on this CPU, else 0. Always SUCCESS.
 */
function queryProtocol(req: SvsmRequest): number {
  const rcx = req.regs.rcx;
  const version = Number(rcx & 0xffff_ffffn);
  const range = protocolVersionRange(req.cpu, Number(rcx >> 32n));
  req.regs.rcx = range && range.min <= version && version <= range.max ? range.answer : 0n;
  return SUCCESS;
}

/** CONFIGURE_VTOM: only the query (RCX bit 0) is supported; it answers 0 (no vTOM). */
function configureVtom(req: SvsmRequest): number {
  if ((req.regs.rcx & 1n) === 0n) return INVALID_REQUEST;
  req.regs.rcx = 0n;
  return SUCCESS;
}

/**
 * A call whose RCX is the GPA of a PVALIDATE-format list (8-byte aligned):
 * takes the PVALIDATE lock as `user` does, then {@link walkList}.
 */
export function listCall(
  req: SvsmRequest,
  user: PvalidateLockUser,
  perEntry: (cpu: SvsmCpu, lo: number, hi: number) => void,
): number | Promise<number> {
  if ((req.regs.rcx & 7n) !== 0n) return SvsmResultCode.INVALID_PARAMETER;
  const listGpa = gpaOf(req.regs.rcx);
  const cpu = req.cpu;
  return withPvalidateLock(
    cpu.kernel.pvalidateLock,
    cpu.lockCpu,
    user,
    () => walkList(cpu, listGpa, perEntry),
  );
}

/**
 * Walks a PVALIDATE-format list at `listGpa` (shared by PVALIDATE and
 * DEPOSIT_MEM; svsm-abi.md §6): checks the header, runs `perEntry` on each
 * entry's two 32-bit halves from `next` to `entries`, stops at the first soft
 * error, and writes the new `next` back on success and on a soft error. A
 * fatal error, or a bad header, leaves the header untouched.
 */
export function walkList(
  cpu: SvsmCpu,
  listGpa: number,
  perEntry: (cpu: SvsmCpu, lo: number, hi: number) => void,
): number {
  // The header is written back: never into a VMSA or deposited page (svsm-abi.md §14).
  if (touchesSvsmOwned(cpu, listGpa, 8)) return SvsmResultCode.INVALID_ADDRESS;
  const mem = cpu.guestMem;
  const entries = mem.readU16(listGpa);
  let done = mem.readU16(listGpa + 2);
  if (entries === 0 || entries > listCapacity(listGpa) || entries <= done) {
    return SvsmResultCode.INVALID_PARAMETER;
  }
  let result: number = SUCCESS;
  try {
    for (; done < entries; done++) {
      const at = listGpa + 8 + done * 8;
      perEntry(cpu, mem.readU32(at), mem.readU32(at + 4));
    }
  } catch (e) {
    if (!(e instanceof SvsmRequestFailure) || e.error.kind !== "result") throw e;
    result = e.error.code;
  }
  mem.writeU16(listGpa + 2, done);
  return result;
}

/** Bytes left in the page of `gpa` after the 8-byte header, in 8-byte entries. */
export function listCapacity(gpa: number): number {
  return Math.floor((PAGE_SIZE - (gpa % PAGE_SIZE) - 8) / 8);
}
