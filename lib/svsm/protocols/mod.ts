/**
 * SVSM protocol dispatch (COCONUT kernel/src/protocols/mod.rs): the request
 * loop hands every guest call to {@link dispatchRequest}.
 * @module
 */
import { SvsmProtocol } from "../abi/protocol_ids.ts";
import { SvsmResultCode } from "./errors.ts";
import type { SvsmRequest } from "../request_context.ts";
import { handleCoreRequest } from "./core.ts";
import { handleAttestRequest } from "./attest.ts";
import { handleVtpmRequest } from "./vtpm.ts";

export { ListDepositPool } from "./core_memory.ts";
export { protocolVersionRange, type VersionRange } from "./protocol_table.ts";

/**
 * Dispatches one call by protocol number; unknown protocols answer
 * UNSUPPORTED_PROTOCOL. Returns the result code, or throws
 * `SvsmRequestFailure` (a fatal one panics the SVSM).
 *
 * @example
 * ```ts
 * import { dispatchRequest } from "./mod.ts";
 * import type { SvsmRequest } from "../request_context.ts";
 * // `req`: one guest call, as the request loop decodes it from the calling vCPU.
 * async function answer(req: SvsmRequest): Promise<number> {
 *   return await dispatchRequest(req); // SvsmResultCode.SUCCESS or an error code: the guest's RAX
 * }
 * ```
 */
export function dispatchRequest(req: SvsmRequest): number | Promise<number> {
  switch (req.protocol) {
    case SvsmProtocol.CORE:
      return handleCoreRequest(req);
    case SvsmProtocol.ATTEST:
      return handleAttestRequest(req);
    case SvsmProtocol.VTPM:
      return handleVtpmRequest(req);
    default:
      return SvsmResultCode.UNSUPPORTED_PROTOCOL;
  }
}
