/**
 * SVSM protocol and call numbers (SVSM spec 58019; svsm-abi.md §2, §4, §7,
 * §8). A call is `RAX = (protocol << 32) | call`.
 * @module
 */

/**
 * Protocol numbers (COCONUT kernel/src/protocols/mod.rs).
 *
 * @example
 * ```ts
 * import { SvsmProtocol, VtpmCall } from "./protocol_ids.ts";
 * const rax = (BigInt(SvsmProtocol.VTPM) << 32n) | BigInt(VtpmCall.CMD); // 0x2_0000_0001n
 * ```
 */
export const SvsmProtocol = {
  CORE: 0,
  ATTEST: 1,
  VTPM: 2,
  APIC: 3,
  UEFI_MM: 4,
} as const;

/**
 * Core protocol calls (COCONUT kernel/src/protocols/core.rs).
 *
 * @example
 * ```ts
 * import { CoreCall, SvsmProtocol } from "./protocol_ids.ts";
 * const rax = (BigInt(SvsmProtocol.CORE) << 32n) | BigInt(CoreCall.QUERY_PROTOCOL); // 6n
 * ```
 */
export const CoreCall = {
  REMAP_CA: 0,
  PVALIDATE: 1,
  CREATE_VCPU: 2,
  DELETE_VCPU: 3,
  DEPOSIT_MEM: 4,
  WITHDRAW_MEM: 5,
  QUERY_PROTOCOL: 6,
  CONFIGURE_VTOM: 7,
} as const;

/**
 * Attestation protocol calls (COCONUT kernel/src/protocols/attest.rs).
 *
 * @example
 * ```ts
 * import { AttestCall, callName, SvsmProtocol } from "./protocol_ids.ts";
 * callName(SvsmProtocol.ATTEST, AttestCall.SINGLE_SERVICE); // "attest/SINGLE_SERVICE"
 * ```
 */
export const AttestCall = {
  SERVICES: 0,
  SINGLE_SERVICE: 1,
} as const;

/**
 * vTPM protocol calls (COCONUT kernel/src/protocols/vtpm.rs).
 *
 * @example
 * ```ts
 * import { callName, SvsmProtocol, VtpmCall } from "./protocol_ids.ts";
 * callName(SvsmProtocol.VTPM, VtpmCall.QUERY); // "vtpm/QUERY"
 * ```
 */
export const VtpmCall = {
  QUERY: 0,
  CMD: 1,
} as const;

/**
 * Readable `protocol/call` name for traces.
 *
 * @example
 * ```ts
 * import { callName, CoreCall, SvsmProtocol } from "./protocol_ids.ts";
 * callName(SvsmProtocol.CORE, CoreCall.PVALIDATE); // "core/PVALIDATE"
 * ```
 */
export function callName(protocol: number, call: number): string {
  const tables: Record<number, [string, Record<string, number>]> = {
    0: ["core", CoreCall],
    1: ["attest", AttestCall],
    2: ["vtpm", VtpmCall],
  };
  const t = tables[protocol];
  if (!t) return `protocol${protocol}/${call}`;
  const name = Object.entries(t[1]).find(([, v]) => v === call)?.[0];
  return `${t[0]}/${name ?? call}`;
}
