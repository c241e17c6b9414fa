/**
 * The SVSM's side of the SEV-SNP interfaces: the GHCB MSR protocol, its per-CPU GHCB for NAE
 * events, and the VMPCK0 guest-request driver (COCONUT kernel/src/sev/, kernel/src/greq/).
 *
 * @example
 * ```ts
 * import { runVmplRequest } from "./mod.ts";
 * runVmplRequest(2).toString(16); // "200000016"
 * ```
 * @module
 */
export { MsrProtocolError, runVmplRequest } from "./msr_protocol.ts";
export * from "./ghcb.ts";
export * from "./guest_request.ts";
