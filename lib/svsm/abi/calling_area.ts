/**
 * The SVSM calling area (CA), 8 bytes at the start of a guest page
 * (COCONUT kernel/src/requests.rs `SvsmCaa`; svsm-abi.md §5).
 * @module
 */
import { bytes, type Field, Layout, u8 } from "../../common/layout.ts";

/**
 * Calling area layout; COCONUT asserts its size is 8.
 *
 * @example
 * ```ts
 * import { CALLING_AREA } from "./calling_area.ts";
 * const ca = new Uint8Array(4096);
 * CALLING_AREA.set(ca, "callPending", 1);
 * CALLING_AREA.get(ca, "callPending"); // 1
 * ```
 */
export const CALLING_AREA: Layout<{
  callPending: Field<"u8">;
  memAvailable: Field<"u8">;
  noEoiRequired: Field<"u8">;
  reserved: Field<"bytes">;
}> = new Layout("SVSM calling area", 8, {
  callPending: u8(0x0), // guest sets 1; the SVSM clears it when it takes the call
  memAvailable: u8(0x1), // unused by COCONUT (only zeroed)
  noEoiRequired: u8(0x2), // lazy-EOI hint of the APIC emulation
  reserved: bytes(0x3, 5),
});
