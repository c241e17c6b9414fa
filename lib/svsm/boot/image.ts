/**
 * The SVSM image the host launches and the firmware measures (svsm-abi.md §11 steps 1–2): an
 * image header page describing the SVSM region (the model's stand-in for COCONUT's IGVM
 * parameter pages), the SVSM's secrets page, and the boot vCPU's VMSA at VMPL0. The heap is
 * not part of the image: the host assigns it unvalidated and the SVSM PVALIDATEs it.
 * @module
 */

import { type Field, Layout, u32, u64 } from "../../common/layout.ts";
import { PageType } from "../../snp/firmware/mod.ts";
import { qemuResetVmsa, VmsaPage } from "../../snp/mod.ts";
import type { SvsmLayout } from "./memory_layout.ts";

/**
 * "SVSMIMG1" little-endian: marks the image header page (model choice).
 *
 * @example
 * ```ts
 * import { SVSM_IMAGE_HEADER, SVSM_IMAGE_MAGIC, svsmImage } from "./image.ts";
 * import { svsmLayout } from "./memory_layout.ts";
 * const header = svsmImage(svsmLayout({ vmMemoryBytes: 16 << 20 })).pages[0].data!;
 * SVSM_IMAGE_HEADER.get(header, "magic") === SVSM_IMAGE_MAGIC; // true: an SVSM image header
 * ```
 */
export const SVSM_IMAGE_MAGIC = 0x31474d494d535653n;

/**
 * The image header page: where the SVSM finds its layout at boot.
 *
 * @example
 * ```ts
 * import { SVSM_IMAGE_HEADER, svsmImage } from "./image.ts";
 * import { svsmLayout } from "./memory_layout.ts";
 * const image = svsmImage(svsmLayout({ vmMemoryBytes: 16 << 20 }));
 * SVSM_IMAGE_HEADER.decode(image.pages[0].data!); // the header the firmware measures
 * ```
 */
export const SVSM_IMAGE_HEADER: Layout<{
  magic: Field<"u64">;
  version: Field<"u32">;
  svsmBase: Field<"u64">;
  svsmSize: Field<"u64">;
  secretsGpa: Field<"u64">;
  heapBase: Field<"u64">;
  heapSize: Field<"u64">;
  guestSecretsGpa: Field<"u64">;
  guestCaGpa: Field<"u64">;
  guestMemoryEnd: Field<"u64">;
}> = new Layout("SVSM image header", 0x50, {
  magic: u64(0x00),
  version: u32(0x08),
  svsmBase: u64(0x10),
  svsmSize: u64(0x18),
  secretsGpa: u64(0x20),
  heapBase: u64(0x28),
  heapSize: u64(0x30),
  guestSecretsGpa: u64(0x38),
  guestCaGpa: u64(0x40),
  guestMemoryEnd: u64(0x48),
});

/**
 * The SVSM's entry point in the boot VMSA (COCONUT's boot loader entry is 0x10002, §11).
 *
 * @example
 * ```ts
 * import { VmsaPage } from "../../snp/mod.ts";
 * import { SVSM_ENTRY_OFFSET, svsmImage } from "./image.ts";
 * import { svsmLayout } from "./memory_layout.ts";
 * const layout = svsmLayout({ vmMemoryBytes: 16 << 20 });
 * new VmsaPage(svsmImage(layout).bootVmsa).rip === BigInt(layout.imageGpa + SVSM_ENTRY_OFFSET); // true
 * ```
 */
export const SVSM_ENTRY_OFFSET = 0x100;

/**
 * One page of the launch, in the shape the host's `LaunchPlan` takes.
 *
 * @example
 * ```ts
 * import { PageType } from "../../snp/firmware/mod.ts";
 * import type { SvsmLaunchPage } from "./image.ts";
 * const secrets: SvsmLaunchPage = { gpa: 0xe01000, type: PageType.SECRETS }; // firmware fills it
 * ```
 */
export interface SvsmLaunchPage {
  /** GPA. */
  gpa: number;
  /** SNP_LAUNCH_UPDATE page type. */
  type: number;
  /** Contents (NORMAL). */
  data?: Uint8Array;
}

/**
 * What the host launches for an SVSM.
 *
 * @example
 * ```ts
 * import { type SvsmImage, svsmImage } from "./image.ts";
 * import { svsmLayout } from "./memory_layout.ts";
 * const image: SvsmImage = svsmImage(svsmLayout({ vmMemoryBytes: 16 << 20 }));
 * image.policy; // 0x30000n
 * image.pages.map((p) => p.gpa); // [0xe00000, 0xe01000]
 * ```
 */
export interface SvsmImage {
  /** Guest policy: SMT allowed, bit 17 set (snp-abi.md §1.1). */
  policy: bigint;
  /** Image pages in measurement order. */
  pages: SvsmLaunchPage[];
  /** The boot vCPU's VMSA: VMPL0, EFER.SVME, SNP active. */
  bootVmsa: Uint8Array;
}

/**
 * Builds the image for `layout`.
 *
 * @example
 * ```ts
 * import { svsmImage, svsmLayout } from "./mod.ts";
 * const image = svsmImage(svsmLayout({ vmMemoryBytes: 16 << 20 }));
 * image.pages.length; // 2: header, secrets
 * ```
 */
export function svsmImage(layout: SvsmLayout, sevFeatures = 1n): SvsmImage {
  const header = new Uint8Array(4096);
  SVSM_IMAGE_HEADER.encode({
    magic: SVSM_IMAGE_MAGIC,
    version: 1,
    svsmBase: BigInt(layout.svsmBase),
    svsmSize: BigInt(layout.svsmSize),
    secretsGpa: BigInt(layout.secretsGpa),
    heapBase: BigInt(layout.heapBase),
    heapSize: BigInt(layout.heapSize),
    guestSecretsGpa: BigInt(layout.guestSecretsGpa),
    guestCaGpa: BigInt(layout.guestCaGpa),
    guestMemoryEnd: BigInt(layout.svsmBase),
  }, header);
  const vmsa = new VmsaPage(qemuResetVmsa({ sevFeatures }));
  vmsa.vmpl = 0;
  vmsa.rip = BigInt(layout.imageGpa + SVSM_ENTRY_OFFSET);
  return {
    policy: 0x30000n,
    pages: [
      { gpa: layout.imageGpa, type: PageType.NORMAL, data: header },
      { gpa: layout.secretsGpa, type: PageType.SECRETS },
    ],
    bootVmsa: vmsa.bytes,
  };
}
