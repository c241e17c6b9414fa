/**
 * The vTPM protocol (2): SVSM_VTPM_QUERY and SVSM_VTPM_CMD with the
 * TPM_SEND_COMMAND buffer answered in place (COCONUT
 * kernel/src/protocols/vtpm.rs; SVSM spec §8; svsm-abi.md §7).
 * @module
 */
import { VtpmCall } from "../abi/protocol_ids.ts";
import {
  TPM_SEND_COMMAND,
  VTPM_BUFFER_SIZE,
  VTPM_MAX_COMMAND,
  VTPM_MAX_RESPONSE,
  VTPM_PLATFORM_COMMANDS,
  VTPM_REQ_HEADER_SIZE,
  VTPM_RSP_HEADER_SIZE,
} from "../abi/vtpm_cmd.ts";
import { SvsmRequestFailure, SvsmResultCode } from "./errors.ts";
import type { SvsmRequest, VtpmService } from "../request_context.ts";
import { gpaOf, touchesSvsmOwned } from "./guest_ops.ts";

const {
  SUCCESS,
  INVALID_ADDRESS,
  INVALID_PARAMETER,
  INVALID_REQUEST,
  UNSUPPORTED_CALL,
  UNSUPPORTED_PROTOCOL,
} = SvsmResultCode;

/** Handles one vTPM-protocol call. */
export function handleVtpmRequest(req: SvsmRequest): number | Promise<number> {
  const vtpm = req.cpu.kernel.vtpm;
  if (!vtpm) return UNSUPPORTED_PROTOCOL;
  switch (req.call) {
    case VtpmCall.QUERY:
      req.regs.rcx = BigInt(VTPM_PLATFORM_COMMANDS); // TPM_SEND_COMMAND only
      req.regs.rdx = 0n; // no features
      return SUCCESS;
    case VtpmCall.CMD:
      return vtpmCmd(req, vtpm);
    default:
      return UNSUPPORTED_CALL;
  }
}

async function vtpmCmd(req: SvsmRequest, vtpm: VtpmService): Promise<number> {
  if (req.regs.rcx === 0n) return INVALID_PARAMETER;
  const gpa = gpaOf(req.regs.rcx);
  const mem = req.cpu.guestMem;
  // COCONUT reads the command word first; any failure there is INVALID_PARAMETER.
  // A VMSA or deposited page is refused like an address outside guest memory (§14).
  let command: number;
  try {
    if (touchesSvsmOwned(req.cpu, gpa, 4)) return INVALID_PARAMETER;
    command = mem.readU32(gpa);
  } catch (e) {
    if (e instanceof SvsmRequestFailure) return INVALID_PARAMETER;
    throw e;
  }
  if (command !== TPM_SEND_COMMAND) return INVALID_PARAMETER;
  if (touchesSvsmOwned(req.cpu, gpa, VTPM_BUFFER_SIZE)) return INVALID_ADDRESS;
  const buffer = mem.read(gpa, VTPM_BUFFER_SIZE); // a fault here is INVALID_ADDRESS
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  const locality = buffer[4];
  const inSize = view.getUint32(5, true);
  if (locality !== 0 || inSize > VTPM_MAX_COMMAND) return INVALID_PARAMETER;
  if (!vtpm.poweredOn) return INVALID_REQUEST;
  const response = await vtpm.execute(
    buffer.slice(VTPM_REQ_HEADER_SIZE, VTPM_REQ_HEADER_SIZE + inSize),
    locality,
  );
  if (response.length === 0 || response.length > VTPM_BUFFER_SIZE) return INVALID_REQUEST;
  // A response that does not fit is dropped: the buffer goes back unchanged.
  if (response.length <= VTPM_MAX_RESPONSE) {
    view.setUint32(0, response.length, true);
    buffer.set(response, VTPM_RSP_HEADER_SIZE);
  }
  // Checked again: while the TPM ran, another vCPU's CREATE_VCPU may have made it a VMSA.
  if (touchesSvsmOwned(req.cpu, gpa, VTPM_BUFFER_SIZE)) return INVALID_ADDRESS;
  mem.write(gpa, buffer);
  return SUCCESS;
}
