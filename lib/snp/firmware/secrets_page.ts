/**
 * The SNP secrets page: the page the firmware fills at SNP_LAUNCH_UPDATE
 * (type SECRETS) with the VMPCKs the guest uses for its messages to the
 * firmware, plus the SVSM fields the SVSM writes into the guest's copy.
 * @module
 */
import { bytes, type Field, Layout, u32, u64, u8 } from "../../common/layout.ts";

/**
 * Secrets page, snp-abi.md §10 (Linux `snp_secrets_page`; COCONUT
 * kernel/src/sev/secrets_page.rs, f4bc4bcd).
 *
 * @example
 * ```ts
 * import { SECRETS_PAGE } from "./secrets_page.ts";
 * const page = new Uint8Array(SECRETS_PAGE.size);
 * SECRETS_PAGE.set(page, "version", 3);
 * SECRETS_PAGE.get(page, "vmpck0"); // 32 bytes
 * ```
 */
export const SECRETS_PAGE: Layout<{
  version: Field<"u32">;
  imien: Field<"u32">;
  fms: Field<"u32">;
  gosvw: Field<"bytes">;
  vmpck0: Field<"bytes">;
  vmpck1: Field<"bytes">;
  vmpck2: Field<"bytes">;
  vmpck3: Field<"bytes">;
  msgSeqno0: Field<"u32">;
  msgSeqno1: Field<"u32">;
  msgSeqno2: Field<"u32">;
  msgSeqno3: Field<"u32">;
  apJumpTablePa: Field<"u64">;
  vmsaTweakBitmap: Field<"bytes">;
  svsmBase: Field<"u64">;
  svsmSize: Field<"u64">;
  svsmCaa: Field<"u64">;
  svsmMaxVersion: Field<"u32">;
  svsmGuestVmpl: Field<"u8">;
  tscFactor: Field<"u32">;
}> = new Layout("secrets page", 4096, {
  version: u32(0x000),
  imien: u32(0x004), // bit 0 IMIEN (COCONUT calls it gctxt)
  fms: u32(0x008), // CPUID family/model/stepping
  gosvw: bytes(0x010, 16), // guest OS-visible workarounds
  vmpck0: bytes(0x020, 32),
  vmpck1: bytes(0x040, 32),
  vmpck2: bytes(0x060, 32),
  vmpck3: bytes(0x080, 32),
  // Guest OS area 0xA0..0xFF: Linux keeps its message sequence numbers here.
  msgSeqno0: u32(0x0a0),
  msgSeqno1: u32(0x0a4),
  msgSeqno2: u32(0x0a8),
  msgSeqno3: u32(0x0ac),
  apJumpTablePa: u64(0x0b0),
  vmsaTweakBitmap: bytes(0x100, 64),
  // 0x140..0x15F: written by the SVSM into the guest's copy, not by firmware.
  svsmBase: u64(0x140),
  svsmSize: u64(0x148),
  svsmCaa: u64(0x150),
  svsmMaxVersion: u32(0x158),
  svsmGuestVmpl: u8(0x15c),
  tscFactor: u32(0x160),
});

/**
 * The VMPCK fields by index 0..3, so code can select VMPCKn from MSG_VMPCK.
 *
 * @example
 * ```ts
 * import { PageType } from "./page_info.ts";
 * import { SECRETS_PAGE, VMPCK_FIELDS } from "./secrets_page.ts";
 * import { SecureProcessor } from "./secure_processor.ts";
 * const sp = new SecureProcessor();
 * const handle = sp.launchStart({ asid: 1, policy: 0x30000n }).handle!;
 * // the guest's secrets page, as the firmware fills it
 * const secrets = sp.launchUpdate(handle, { type: PageType.SECRETS, gpa: 0x1000 }).page!;
 * const msgVmpck = 2; // MSG_VMPCK of a request
 * const key = SECRETS_PAGE.get(secrets, VMPCK_FIELDS[msgVmpck]); // VMPCK2, 32 bytes
 * ```
 */
export const VMPCK_FIELDS: readonly ("vmpck0" | "vmpck1" | "vmpck2" | "vmpck3")[] = [
  "vmpck0",
  "vmpck1",
  "vmpck2",
  "vmpck3",
];

/**
 * The message sequence number fields of the guest OS area, by VMPCK index.
 *
 * @example
 * ```ts
 * import { MSG_SEQNO_FIELDS, SECRETS_PAGE } from "./secrets_page.ts";
 * const secrets = new Uint8Array(SECRETS_PAGE.size);
 * SECRETS_PAGE.set(secrets, MSG_SEQNO_FIELDS[0], 7); // last sequence number used with VMPCK0
 * SECRETS_PAGE.get(secrets, "msgSeqno0"); // 7
 * ```
 */
export const MSG_SEQNO_FIELDS: readonly (
  | "msgSeqno0"
  | "msgSeqno1"
  | "msgSeqno2"
  | "msgSeqno3"
)[] = ["msgSeqno0", "msgSeqno1", "msgSeqno2", "msgSeqno3"];

/**
 * Secrets page VERSION the model's firmware writes (Linux accepts 2 and 3).
 *
 * @example
 * ```ts
 * import { SECRETS_PAGE, SECRETS_PAGE_VERSION } from "./secrets_page.ts";
 * const page = SECRETS_PAGE.encode({ version: SECRETS_PAGE_VERSION, vmpck0: new Uint8Array(32) });
 * ```
 */
export const SECRETS_PAGE_VERSION = 3;
