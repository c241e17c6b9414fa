/**
 * PAGE_INFO: the 0x70-byte record the firmware hashes for every page given to
 * SNP_LAUNCH_UPDATE, and the page types it distinguishes.
 * @module
 */
import { bytes, type Field, Layout, u16, u64, u8 } from "../../common/layout.ts";

/**
 * SNP_LAUNCH_UPDATE page types. AMD SEV-SNP ABI, snp-abi.md §6.2
 * (virtee/sev src/launch/mod.rs, 9cf2adbf).
 *
 * @example
 * ```ts
 * import { PageType } from "./page_info.ts";
 * import { LaunchDigest } from "./launch_digest.ts";
 * new LaunchDigest().update({ type: PageType.UNMEASURED, gpa: 0x900000 }); // PAGE_TYPE 4
 * ```
 */
export const PageType = {
  NORMAL: 1,
  VMSA: 2,
  ZERO: 3,
  UNMEASURED: 4,
  SECRETS: 5,
  CPUID: 6,
} as const;

/**
 * One of the {@link PageType} values.
 *
 * @example
 * ```ts
 * import { PageType } from "./page_info.ts";
 * const hashed = (t: PageType): boolean => t === PageType.NORMAL || t === PageType.VMSA;
 * hashed(PageType.ZERO); // false: its CONTENTS are 48 zero bytes
 * ```
 */
export type PageType = typeof PageType[keyof typeof PageType];

/**
 * Page-type names in the order of their values, for parsing and printing.
 *
 * @example
 * ```ts
 * import { PAGE_TYPE_NAMES, PageType } from "./page_info.ts";
 * PAGE_TYPE_NAMES[PageType.SECRETS - 1]; // "SECRETS"
 * PAGE_TYPE_NAMES.join("|"); // "NORMAL|VMSA|ZERO|UNMEASURED|SECRETS|CPUID"
 * ```
 */
export const PAGE_TYPE_NAMES: readonly (keyof typeof PageType)[] = [
  "NORMAL",
  "VMSA",
  "ZERO",
  "UNMEASURED",
  "SECRETS",
  "CPUID",
];

/**
 * Bytes in a launch digest (SHA-384).
 *
 * @example
 * ```ts
 * import { LAUNCH_DIGEST_SIZE } from "./page_info.ts";
 * import { LaunchDigest } from "./launch_digest.ts";
 * const ld = new LaunchDigest(new Uint8Array(LAUNCH_DIGEST_SIZE)); // a seed must be 48 bytes
 * ```
 */
export const LAUNCH_DIGEST_SIZE = 48;

/**
 * PAGE_INFO, snp-abi.md §6.1 (virtee/sev src/measurement/gctx.rs, 9cf2adbf).
 * The VMPL permission bytes follow virtee's order; all four are zero in every
 * launch the tools produce, so the order does not change a digest.
 *
 * @example
 * ```ts
 * import { PAGE_INFO } from "./page_info.ts";
 * PAGE_INFO.size; // 0x70
 * ```
 */
export const PAGE_INFO: Layout<{
  digestCur: Field<"bytes">;
  contents: Field<"bytes">;
  length: Field<"u16">;
  pageType: Field<"u8">;
  imiPage: Field<"u8">;
  vmpl3Perms: Field<"u8">;
  vmpl2Perms: Field<"u8">;
  vmpl1Perms: Field<"u8">;
  reserved: Field<"u8">;
  gpa: Field<"u64">;
}> = new Layout("PAGE_INFO", 0x70, {
  digestCur: bytes(0x00, 48),
  contents: bytes(0x30, 48),
  length: u16(0x60),
  pageType: u8(0x62),
  imiPage: u8(0x63),
  vmpl3Perms: u8(0x64),
  vmpl2Perms: u8(0x65),
  vmpl1Perms: u8(0x66),
  reserved: u8(0x67),
  gpa: u64(0x68),
});
