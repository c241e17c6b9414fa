/**
 * Payloads of the guest messages the model's firmware answers:
 * MSG_REPORT_REQ/RSP and MSG_KEY_REQ/RSP.
 * @module
 */
import { bytes, type Field, Layout, u32, u64 } from "../../common/layout.ts";

/**
 * MSG_REPORT_REQ payload, snp-abi.md §2.4 (COCONUT kernel/src/greq/pld_report.rs).
 *
 * @example
 * ```ts
 * import { MSG_REPORT_REQ } from "./guest_requests.ts";
 * const req = MSG_REPORT_REQ.encode({ reportData: new Uint8Array(64), vmpl: 0 });
 * ```
 */
export const MSG_REPORT_REQ: Layout<{
  reportData: Field<"bytes">;
  vmpl: Field<"u32">;
  flags: Field<"u32">;
  reserved: Field<"bytes">;
}> = new Layout("MSG_REPORT_REQ", 0x60, {
  reportData: bytes(0x00, 64),
  vmpl: u32(0x40),
  flags: u32(0x44), // bits 1:0 KEY_SEL
  reserved: bytes(0x48, 24),
});

/**
 * REPORT_REQ KEY_SEL values: 0 VLEK if installed else VCEK, 1 VCEK, 2 VLEK.
 *
 * @example
 * ```ts
 * import { KeySel, MSG_REPORT_REQ } from "./guest_requests.ts";
 * // ask for a VCEK-signed report even when a VLEK is installed
 * const req = MSG_REPORT_REQ.encode({ reportData: new Uint8Array(64), vmpl: 0, flags: KeySel.VCEK });
 * ```
 */
export const KeySel = { DEFAULT: 0, VCEK: 1, VLEK: 2 } as const;

/**
 * MSG_REPORT_RSP payload, snp-abi.md §2.4.
 *
 * @example
 * ```ts
 * import { MSG_REPORT_RSP } from "./guest_requests.ts";
 * // decrypted response payload
 * const payload = MSG_REPORT_RSP.encode({ status: 0, reportSize: 0x4a0 });
 * const { status, reportSize, report } = MSG_REPORT_RSP.decode(payload); // 0, 0x4a0, the report
 * ```
 */
export const MSG_REPORT_RSP: Layout<{
  status: Field<"u32">;
  reportSize: Field<"u32">;
  reserved: Field<"bytes">;
  report: Field<"bytes">;
}> = new Layout("MSG_REPORT_RSP", 0x4c0, {
  status: u32(0x00),
  reportSize: u32(0x04),
  reserved: bytes(0x08, 24),
  report: bytes(0x20, 0x4a0),
});

/**
 * MSG_KEY_REQ payload, snp-abi.md §2.5 (Linux `snp_derived_key_req`).
 *
 * @example
 * ```ts
 * import { GuestFieldSelect, MSG_KEY_REQ } from "./guest_requests.ts";
 * const req = MSG_KEY_REQ.encode({
 *   rootKeySelect: 0, // VCEK
 *   guestFieldSelect: GuestFieldSelect.MEASUREMENT,
 *   vmpl: 1,
 * });
 * ```
 */
export const MSG_KEY_REQ: Layout<{
  rootKeySelect: Field<"u32">;
  reserved: Field<"u32">;
  guestFieldSelect: Field<"u64">;
  vmpl: Field<"u32">;
  guestSvn: Field<"u32">;
  tcbVersion: Field<"u64">;
}> = new Layout("MSG_KEY_REQ", 0x20, {
  rootKeySelect: u32(0x00), // 0 VCEK, 1 VMRK
  reserved: u32(0x04),
  guestFieldSelect: u64(0x08),
  vmpl: u32(0x10),
  guestSvn: u32(0x14),
  tcbVersion: u64(0x18),
});

/**
 * GUEST_FIELD_SELECT bits, snp-abi.md §2.5.
 *
 * @example
 * ```ts
 * import { GuestFieldSelect, MSG_KEY_REQ } from "./guest_requests.ts";
 * // a sealing key bound to the policy and the image, not to the exact build
 * const select = GuestFieldSelect.POLICY | GuestFieldSelect.IMAGE_ID; // 0x3n
 * const req = MSG_KEY_REQ.encode({ guestFieldSelect: select, vmpl: 0 });
 * ```
 */
export const GuestFieldSelect = {
  POLICY: 1n << 0n,
  IMAGE_ID: 1n << 1n,
  FAMILY_ID: 1n << 2n,
  MEASUREMENT: 1n << 3n,
  GUEST_SVN: 1n << 4n,
  TCB_VERSION: 1n << 5n,
  LAUNCH_MIT_VECTOR: 1n << 6n,
} as const;

/**
 * MSG_KEY_RSP payload, snp-abi.md §2.5 (layout unverified there; Linux treats it as opaque).
 *
 * @example
 * ```ts
 * import { MSG_KEY_RSP } from "./guest_requests.ts";
 * // decrypted response payload
 * const payload = MSG_KEY_RSP.encode({ status: 0, derivedKey: new Uint8Array(32).fill(0x5a) });
 * const key = MSG_KEY_RSP.get(payload, "derivedKey"); // 32 bytes, valid when status is 0
 * ```
 */
export const MSG_KEY_RSP: Layout<{
  status: Field<"u32">;
  reserved: Field<"bytes">;
  derivedKey: Field<"bytes">;
}> = new Layout("MSG_KEY_RSP", 0x40, {
  status: u32(0x00),
  reserved: bytes(0x04, 28),
  derivedKey: bytes(0x20, 32),
});
