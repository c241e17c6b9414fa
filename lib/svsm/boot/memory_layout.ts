/**
 * Where the SVSM and the guest's boot pages sit in guest-physical memory.
 *
 * COCONUT places its kernel region beside guest memory (tools/igvmbuilder gpa_map.rs: 128 MiB,
 * at most 16 MiB) and removes it from the guest memory map it publishes (svsm-abi.md §11 step
 * 4). The model keeps the same idea at a smaller scale: the SVSM region is the top of the VM's
 * memory, 2 MiB-aligned; the guest memory map is everything below it. The SVSM region starts
 * with the pages the firmware measures at launch (the image header and the SVSM's secrets
 * page) and continues with the heap, which the SVSM PVALIDATEs itself (§11 step 3).
 * @module
 */

import { PAGE_SIZE, PAGE_SIZE_2M } from "../../snp/mod.ts";

/**
 * One guest memory-map region `[base, base + size)`.
 *
 * @example
 * ```ts
 * import { type MemoryRegion, svsmLayout } from "./memory_layout.ts";
 * const [low]: readonly MemoryRegion[] = svsmLayout({ vmMemoryBytes: 16 << 20 }).guestMemoryMap;
 * low.base + low.size; // 0xe00000: the guest's memory ends where the SVSM begins
 * ```
 */
export interface MemoryRegion {
  /** First GPA. */
  readonly base: number;
  /** Size in bytes. */
  readonly size: number;
}

/**
 * What a {@link SvsmLayout} is computed from.
 *
 * @example
 * ```ts
 * import { svsmLayout } from "./memory_layout.ts";
 * const layout = svsmLayout({ vmMemoryBytes: 256 << 20 }); // the SVSM takes the top 2 MiB
 * layout.vmMemoryBytes; // 268435456
 * ```
 */
export interface SvsmLayoutOptions {
  /** The VM's memory from GPA 0 (a multiple of 2 MiB). */
  vmMemoryBytes: number;
  /** The SVSM region (a multiple of 2 MiB; default 2 MiB). */
  svsmBytes?: number;
}

/**
 * The computed placement of every boot-time page.
 *
 * @example
 * ```ts
 * import { type SvsmLayout, svsmLayout } from "./memory_layout.ts";
 * const layout: SvsmLayout = svsmLayout({ vmMemoryBytes: 16 << 20 });
 * layout.svsmBase; // 0xe00000: the top 2 MiB
 * layout.heapBase - layout.svsmBase; // 0x2000: after the image header and secrets pages
 * ```
 */
export interface SvsmLayout {
  /** The VM's memory size. */
  readonly vmMemoryBytes: number;
  /** SVSM region base (published in the guest's secrets page as SVSM_BASE). */
  readonly svsmBase: number;
  /** SVSM region size (SVSM_SIZE). */
  readonly svsmSize: number;
  /** The SVSM image header page (measured, NORMAL). */
  readonly imageGpa: number;
  /** The SVSM's own secrets page (firmware-filled, SECRETS). */
  readonly secretsGpa: number;
  /** First heap page; the heap runs to the end of the SVSM region. */
  readonly heapBase: number;
  /** Heap size in bytes. */
  readonly heapSize: number;
  /** The guest's copy of the secrets page (a guest page the SVSM fills). */
  readonly guestSecretsGpa: number;
  /** The boot vCPU's calling area (SVSM_CAA). */
  readonly guestCaGpa: number;
  /** The guest memory map: every GPA below the SVSM region. */
  readonly guestMemoryMap: readonly MemoryRegion[];
}

/** Pages of the SVSM region before the heap: image header, secrets page. */
const SVSM_LAUNCH_PAGES = 2;
/** The guest's secrets page and boot CA, as OVMF's metadata would name them (model choice). */
const GUEST_SECRETS_GPA = 0x1000, GUEST_CA_GPA = 0x2000;

/**
 * Computes the layout.
 *
 * @example
 * ```ts
 * import { svsmLayout } from "./memory_layout.ts";
 * const l = svsmLayout({ vmMemoryBytes: 16 << 20 });
 * l.svsmBase.toString(16); // "e00000"
 * l.guestMemoryMap; // [{ base: 0, size: 0xe00000 }]
 * ```
 */
export function svsmLayout(options: SvsmLayoutOptions): SvsmLayout {
  const vm = options.vmMemoryBytes;
  const size = options.svsmBytes ?? PAGE_SIZE_2M;
  if (!Number.isSafeInteger(vm) || vm <= 0 || vm % PAGE_SIZE_2M !== 0) {
    throw new RangeError(`VM memory must be a positive multiple of 2 MiB, got ${vm}`);
  }
  if (!Number.isSafeInteger(size) || size <= 0 || size % PAGE_SIZE_2M !== 0 || size >= vm) {
    throw new RangeError(`SVSM region must be a multiple of 2 MiB below the VM size`);
  }
  const svsmBase = vm - size;
  const heapBase = svsmBase + SVSM_LAUNCH_PAGES * PAGE_SIZE;
  return {
    vmMemoryBytes: vm,
    svsmBase,
    svsmSize: size,
    imageGpa: svsmBase,
    secretsGpa: svsmBase + PAGE_SIZE,
    heapBase,
    heapSize: svsmBase + size - heapBase,
    guestSecretsGpa: GUEST_SECRETS_GPA,
    guestCaGpa: GUEST_CA_GPA,
    guestMemoryMap: [{ base: 0, size: svsmBase }],
  };
}
