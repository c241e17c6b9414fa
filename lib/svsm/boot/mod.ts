/**
 * SVSM boot: the memory layout (SVSM region beside the guest memory map), the image the host
 * launches and the firmware measures, and the preparation of the guest (svsm-abi.md §11).
 *
 * @example
 * ```ts
 * import { svsmImage, svsmLayout } from "./mod.ts";
 * const layout = svsmLayout({ vmMemoryBytes: 16 << 20 });
 * svsmImage(layout).bootVmsa.length; // 4096
 * ```
 * @module
 */
export * from "./memory_layout.ts";
export * from "./image.ts";
export { BootError, SVSM_GUEST_VMPL, SVSM_MAX_VERSION } from "./prepare_guest.ts";
