/**
 * The CPUID values the host hands out (MSR protocol CPUID_REQ, GHCB CPUID event). The host is
 * untrusted: an SNP guest checks them against the firmware-checked CPUID page.
 * @module
 */

/** EAX, EBX, ECX, EDX. */
export type CpuidRegs = readonly [number, number, number, number];

// A small EPYC-like table: vendor string, family signature, and leaf 0x8000001F (memory
// encryption: SME|SEV|SEV-ES|SNP|VMPL bits, C-bit 51, 1 bit of physical address reduction).
const TABLE: ReadonlyMap<number, CpuidRegs> = new Map<number, CpuidRegs>([
  [0x0, [0x10, 0x68747541, 0x444d4163, 0x69746e65]], // "AuthenticAMD"
  [0x1, [0x00a00f11, 0x00000800, 0xfef83203, 0x178bfbff]],
  [0x80000000, [0x80000021, 0x68747541, 0x444d4163, 0x69746e65]],
  [0x8000001f, [0x0001003f, 0x00000073, 0x000001fd, 0x00000001]],
]);

/**
 * The host's answer for leaf `fn` (unknown leaves read as zeros).
 *
 * @example
 * ```ts
 * import { hostCpuid } from "./cpuid.ts";
 * hostCpuid(0x8000001f)[1] & 0x3f; // 51: the C-bit position
 * ```
 */
export function hostCpuid(fn: number): CpuidRegs {
  return TABLE.get(fn >>> 0) ?? [0, 0, 0, 0];
}
