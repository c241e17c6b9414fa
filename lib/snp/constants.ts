/**
 * Machine-wide constants of the SEV-SNP model: page sizes, the VMSA's launch
 * GPA and the default C-bit position.
 * @module
 */

/**
 * Size of a 4 KiB page, the RMP's and the NPT's unit (AMD APM vol. 2; snp-abi.md §7.1).
 *
 * @example
 * ```ts
 * import { PAGE_SIZE } from "./constants.ts";
 * const gpa = 0x5123;
 * const pageBase = gpa - (gpa % PAGE_SIZE); // 0x5000
 * const aligned = gpa % PAGE_SIZE === 0; // false
 * ```
 */
export const PAGE_SIZE = 4096;
/**
 * log2(PAGE_SIZE).
 *
 * @example
 * ```ts
 * import { PAGE_SHIFT } from "./constants.ts";
 * const gfn = 0x5123 >>> PAGE_SHIFT; // 5
 * const gpa = gfn << PAGE_SHIFT; // 0x5000
 * ```
 */
export const PAGE_SHIFT = 12;
/**
 * Size of a 2 MiB large page (RMP PAGESIZE = 1; snp-abi.md §7.1).
 *
 * @example
 * ```ts
 * import { PAGE_SIZE_2M } from "./constants.ts";
 * const spa = 0x345000;
 * const largePage = spa - (spa % PAGE_SIZE_2M); // 0x200000
 * ```
 */
export const PAGE_SIZE_2M = 0x200000;
/**
 * Number of 4 KiB pages in a 2 MiB page.
 *
 * @example
 * ```ts
 * import { PAGES_PER_2M } from "./constants.ts";
 * import { RMP_FLAG_VALIDATED, Rmp } from "./rmp.ts";
 * const rmp = new Rmp(1024);
 * rmp.setFlag(512, PAGES_PER_2M, RMP_FLAG_VALIDATED, true); // the whole 2 MiB page at SPA 0x200000
 * ```
 */
export const PAGES_PER_2M = 512;
/**
 * GPA at which the BSP VMSA is measured at launch (snp-abi.md §6, launch-digest vector 2).
 *
 * @example
 * ```ts
 * import { PAGE_SIZE, VMSA_LAUNCH_GPA } from "./constants.ts";
 * const gfn = VMSA_LAUNCH_GPA / PAGE_SIZE; // 0xFFFFFFFFF: the last page below 2^48
 * ```
 */
export const VMSA_LAUNCH_GPA = 0xFFFFFFFFF000;
/**
 * Default C-bit position reported by SEV_INFO (bit 51, as on Milan/Genoa; snp-abi.md §9.2).
 *
 * @example
 * ```ts
 * import { C_BIT_POSITION } from "./constants.ts";
 * const cBit = 1n << BigInt(C_BIT_POSITION); // 0x8000000000000n
 * const pte = 0x5000n | cBit | 1n; // a present, encrypted (private) mapping of GPA 0x5000
 * ```
 */
export const C_BIT_POSITION = 51;
/**
 * VMPLs 0..3 (snp-abi.md §7.1).
 *
 * @example
 * ```ts
 * import { VMPL_COUNT } from "./constants.ts";
 * import { Rmp } from "./rmp.ts";
 * const rmp = new Rmp(4);
 * rmp.perms[2 * VMPL_COUNT + 0]; // 0xF: VMPL0 always has every permission on page 2
 * rmp.perms[2 * VMPL_COUNT + 1]; // 0: VMPL1 has none until RMPADJUST grants some
 * ```
 */
export const VMPL_COUNT = 4;
