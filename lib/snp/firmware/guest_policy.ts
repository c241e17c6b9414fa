/**
 * The guest policy (POLICY in SNP_LAUNCH_START and in the report).
 * @module
 */

/**
 * POLICY bits, snp-abi.md §1.1 (go-sev-guest abi/abi.go).
 *
 * @example
 * ```ts
 * import { GuestPolicy } from "./guest_policy.ts";
 * const policy = GuestPolicy.SMT | GuestPolicy.RESERVED_MBO; // 0x30000n
 * const debuggable = (policy & GuestPolicy.DEBUG) !== 0n; // false
 * ```
 */
export const GuestPolicy = {
  SMT: 1n << 16n,
  /** Reserved, must be one. */
  RESERVED_MBO: 1n << 17n,
  MIGRATE_MA: 1n << 18n,
  DEBUG: 1n << 19n,
  SINGLE_SOCKET: 1n << 20n,
  CXL_ALLOW: 1n << 21n,
  MEM_AES_256_XTS: 1n << 22n,
  RAPL_DIS: 1n << 23n,
  CIPHERTEXT_HIDING: 1n << 24n,
  PAGE_SWAP_DISABLE: 1n << 25n,
} as const;

/**
 * Bits 63:26 are reserved and must be zero.
 *
 * @example
 * ```ts
 * import { POLICY_RESERVED_MASK } from "./guest_policy.ts";
 * const policy = 0x30000n;
 * (policy & POLICY_RESERVED_MASK) === 0n; // true: bits 63:26 clear
 * ```
 */
export const POLICY_RESERVED_MASK: bigint = ~((1n << 26n) - 1n) & ((1n << 64n) - 1n);

/**
 * The minimum firmware ABI version a policy asks for.
 *
 * @example
 * ```ts
 * import { policyAbi } from "./guest_policy.ts";
 * policyAbi(0x30000n); // { major: 0, minor: 0 }
 * ```
 */
export function policyAbi(policy: bigint): { major: number; minor: number } {
  return { major: Number((policy >> 8n) & 0xffn), minor: Number(policy & 0xffn) };
}

/**
 * Names of the set policy flags, for printing.
 *
 * @example
 * ```ts
 * import { policyFlags } from "./guest_policy.ts";
 * policyFlags(0x30000n); // ["SMT", "RESERVED_MBO"]
 * ```
 */
export function policyFlags(policy: bigint): string[] {
  return Object.entries(GuestPolicy).filter(([, bit]) => policy & bit).map(([n]) => n);
}
