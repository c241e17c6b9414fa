/**
 * The core protocol (0): REMAP_CA, PVALIDATE, CREATE_VCPU, DELETE_VCPU,
 * DEPOSIT_MEM, WITHDRAW_MEM, QUERY_PROTOCOL, CONFIGURE_VTOM, with COCONUT's
 * checks and result codes (kernel/src/protocols/core.rs; svsm-abi.md §4, §6).
 * @module
 */
import { CoreCall } from "../abi/protocol_ids.ts";
import { PVALIDATE_LIST_HEADER } from "../abi/pvalidate_list.ts";
import { fail, SvsmResultCode } from "./errors.ts";
import type { SvsmRequest } from "../request_context.ts";
import { PAGE_SIZE } from "./guest_ops.ts";
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

/** Reads and checks a PVALIDATE-format list header (shared by PVALIDATE and DEPOSIT_MEM). */
export function readListHeader(
  req: SvsmRequest,
  listGpa: number,
  maxEntries: number,
): { entries: number; next: number } {
  const raw = req.cpu.guestMem.read(listGpa, PVALIDATE_LIST_HEADER.size);
  const entries = PVALIDATE_LIST_HEADER.get(raw, "entries");
  const next = PVALIDATE_LIST_HEADER.get(raw, "next");
  if (entries === 0 || entries > maxEntries || entries <= next) {
    fail(SvsmResultCode.INVALID_PARAMETER);
  }
  return { entries, next };
}

/** Bytes left in the page of `gpa` after the 8-byte header, in 8-byte entries. */
export function listCapacity(gpa: number): number {
  return Math.floor((PAGE_SIZE - (gpa % PAGE_SIZE) - 8) / 8);
}
