/**
 * Which protocols this SVSM offers, and their version ranges
 * (COCONUT kernel/src/protocols/mod.rs; svsm-abi.md §2).
 * @module
 */
import { SvsmProtocol } from "../abi/protocol_ids.ts";
import type { SvsmCpu } from "../request_context.ts";

/**
 * A protocol's supported version range.
 *
 * @example
 * ```ts
 * import type { VersionRange } from "./protocol_table.ts";
 * const v1: VersionRange = { min: 1, max: 1, answer: (1n << 32n) | 1n };
 * v1.answer >> 32n; // 1n: RCX[63:32] = max, RCX[31:0] = min
 * ```
 */
export interface VersionRange {
  /** Lowest supported version. */
  readonly min: number;
  /** Highest supported version. */
  readonly max: number;
  /** QUERY_PROTOCOL's answer for it: RCX = (max << 32) | min. */
  readonly answer: bigint;
}

/**
 * The version range of `protocol` on `cpu`, or undefined when it is not
 * offered there. Core and attestation are always present; the vTPM only when
 * the kernel runs one. APIC emulation and UEFI MM are not modeled.
 *
 * @example
 * ```ts
 * import { protocolVersionRange } from "./protocol_table.ts";
 * import { SvsmProtocol } from "../abi/protocol_ids.ts";
 * import type { SvsmCpu } from "../request_context.ts";
 * // What QUERY_PROTOCOL answers in RCX on `cpu`: 0 when the protocol is not offered.
 * function queryProtocol(cpu: SvsmCpu, protocol: number): bigint {
 *   return protocolVersionRange(cpu, protocol)?.answer ?? 0n;
 * }
 * // queryProtocol(cpu, SvsmProtocol.CORE) === 0x1_0000_0001n: versions 1..1 on every vCPU
 * // queryProtocol(cpu, SvsmProtocol.VTPM) === 0n when the kernel runs no vTPM
 * ```
 */
export function protocolVersionRange(cpu: SvsmCpu, protocol: number): VersionRange | undefined {
  switch (protocol) {
    case SvsmProtocol.CORE:
    case SvsmProtocol.ATTEST:
      return V1;
    case SvsmProtocol.VTPM:
      return cpu.kernel.vtpm ? V1 : undefined;
    default:
      return undefined;
  }
}

const V1: VersionRange = { min: 1, max: 1, answer: (1n << 32n) | 1n };
