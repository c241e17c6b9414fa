/**
 * The guest-visible SVSM ABI: protocol and call numbers, the calling area,
 * the PVALIDATE list, attestation operations, the services manifest and the
 * vTPM buffer. Both the SVSM and the guest OS use these, the way Linux and
 * COCONUT each declare the same structures.
 *
 * @example
 * ```ts
 * import { CALLING_AREA, CoreCall, SvsmProtocol } from "./mod.ts";
 * const ca = new Uint8Array(4096);
 * CALLING_AREA.set(ca, "callPending", 1);
 * // RAX = (SvsmProtocol.CORE << 32) | CoreCall.PVALIDATE, then VMGEXIT
 * const rax = (BigInt(SvsmProtocol.CORE) << 32n) | BigInt(CoreCall.PVALIDATE);
 * ```
 * @module
 */
export * from "./protocol_ids.ts";
export * from "./calling_area.ts";
export {
  decodePvalidateEntry,
  encodePvalidateEntry,
  maxPvalidateEntries,
  PVALIDATE_ENTRY_SIZE,
  PVALIDATE_LIST_HEADER,
  type PvalidateEntry,
} from "./pvalidate_list.ts";
export * from "./attest_ops.ts";
export * from "./services_manifest.ts";
export * from "./vtpm_cmd.ts";
export {
  PVALIDATE_FAIL_UNCHANGED,
  resultName,
  type SvsmReqError,
  SvsmRequestFailure,
  SvsmResultCode,
} from "../protocols/errors.ts";
