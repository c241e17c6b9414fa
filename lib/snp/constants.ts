/**
 * Machine-wide constants of the SEV-SNP model: page sizes, the VMSA's launch
 * GPA and the default C-bit position.
 * @module
 */

/** Size of a 4 KiB page, the RMP's and the NPT's unit (AMD APM vol. 2; snp-abi.md §7.1). */
export const PAGE_SIZE = 4096;
/** log2(PAGE_SIZE). */
export const PAGE_SHIFT = 12;
/** Size of a 2 MiB large page (RMP PAGESIZE = 1; snp-abi.md §7.1). */
export const PAGE_SIZE_2M = 0x200000;
/** Number of 4 KiB pages in a 2 MiB page. */
export const PAGES_PER_2M = 512;
/** GPA at which the BSP VMSA is measured at launch (snp-abi.md §6, launch-digest vector 2). */
export const VMSA_LAUNCH_GPA = 0xFFFFFFFFF000;
/** Default C-bit position reported by SEV_INFO (bit 51, as on Milan/Genoa; snp-abi.md §9.2). */
export const C_BIT_POSITION = 51;
/** VMPLs 0..3 (snp-abi.md §7.1). */
export const VMPL_COUNT = 4;
