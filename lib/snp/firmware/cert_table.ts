/**
 * The certificate table EXT_GUEST_REQUEST returns beside a report: 24-byte
 * entries `{GUID, offset, length}`, an all-zero entry at the end, then the
 * certificates. snp-abi.md §2.6 (go-sev-guest abi/abi.go; GHCB spec).
 * @module
 */

/**
 * Well-known GUIDs (snp-abi.md §2.6).
 *
 * @example
 * ```ts
 * import { CertGuid, parseCertTable } from "./cert_table.ts";
 * import { SecureProcessor } from "./secure_processor.ts";
 * const table = new SecureProcessor().certTable(); // returned by EXT_GUEST_REQUEST
 * const vcekDer = parseCertTable(table).get(CertGuid.VCEK);
 * vcekDer?.[0]; // 0x30, the VCEK certificate's DER SEQUENCE
 * ```
 */
export const CertGuid = {
  VCEK: "63da758d-e664-4564-adc5-f4b93be8accd",
  VLEK: "a8074bc2-a25a-483e-aae6-39c045a0b8a1",
  ASK: "4ab7b379-bbac-4fe4-a02f-05aef327c782",
  ARK: "c0b406a4-a803-4952-9743-3fb6014cd0ae",
} as const;

const ENTRY_SIZE = 24;

/**
 * GUID text → 16 bytes. The byte order in the table is not settled
 * (snp-abi.md §2.6: mixed-endian UEFI vs RFC 4122); Linux's `guid_t` and
 * go-sev-guest's `uuid.Parse` both keep the text order, so the model does too.
 */
export function guidBytes(guid: string): Uint8Array {
  const hex = guid.replaceAll("-", "");
  if (!/^[0-9a-f]{32}$/i.test(hex)) throw new RangeError(`bad GUID ${guid}`);
  return Uint8Array.from({ length: 16 }, (_, i) => parseInt(hex.slice(2 * i, 2 * i + 2), 16));
}

/** 16 bytes → GUID text. */
export function guidText(b: Uint8Array): string {
  const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * Builds a certificate table holding `certs` (GUID text → DER).
 *
 * @example
 * ```ts
 * import { buildCertTable, CertGuid, parseCertTable } from "./cert_table.ts";
 * const t = buildCertTable([[CertGuid.ARK, new Uint8Array([0x30, 0])]]);
 * parseCertTable(t).get(CertGuid.ARK); // Uint8Array [0x30, 0]
 * ```
 */
export function buildCertTable(certs: readonly [string, Uint8Array][]): Uint8Array {
  const head = ENTRY_SIZE * (certs.length + 1);
  const out = new Uint8Array(head + certs.reduce((n, [, c]) => n + c.length, 0));
  const dv = new DataView(out.buffer);
  let off = head;
  certs.forEach(([guid, der], i) => {
    out.set(guidBytes(guid), ENTRY_SIZE * i);
    dv.setUint32(ENTRY_SIZE * i + 16, off, true);
    dv.setUint32(ENTRY_SIZE * i + 20, der.length, true);
    out.set(der, off);
    off += der.length;
  });
  return out;
}

/**
 * Reads a certificate table; throws a `RangeError` on entries pointing outside it.
 *
 * @example
 * ```ts
 * import { buildCertTable, CertGuid, parseCertTable } from "./cert_table.ts";
 * const table = buildCertTable([[CertGuid.VCEK, new Uint8Array([0x30, 0])]]);
 * parseCertTable(table).get(CertGuid.VCEK)?.length; // 2
 * ```
 */
export function parseCertTable(table: Uint8Array): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  const dv = new DataView(table.buffer, table.byteOffset, table.byteLength);
  for (let o = 0; o + ENTRY_SIZE <= table.length; o += ENTRY_SIZE) {
    const guid = table.subarray(o, o + 16);
    const off = dv.getUint32(o + 16, true), len = dv.getUint32(o + 20, true);
    if (guid.every((b) => b === 0) && off === 0 && len === 0) return out;
    if (off + len > table.length) throw new RangeError("certificate entry outside the table");
    out.set(guidText(guid), table.subarray(off, off + len));
  }
  throw new RangeError("certificate table has no terminating entry");
}

/**
 * The bytes a certificate table really uses inside the pages it came in: the entries with
 * their terminator, and every certificate they point at. Undefined when the table is malformed
 * (no terminator, or an entry pointing outside `pages`).
 *
 * @example
 * ```ts
 * import { buildCertTable, CertGuid, certTableLength } from "./cert_table.ts";
 * const pages = new Uint8Array(4096);
 * pages.set(buildCertTable([[CertGuid.ARK, new Uint8Array(100)]]));
 * certTableLength(pages); // 148: two 24-byte entries and the 100-byte certificate
 * ```
 */
export function certTableLength(pages: Uint8Array): number | undefined {
  const dv = new DataView(pages.buffer, pages.byteOffset, pages.byteLength);
  let end = 0;
  for (let o = 0; o + ENTRY_SIZE <= pages.length; o += ENTRY_SIZE) {
    const off = dv.getUint32(o + 16, true), len = dv.getUint32(o + 20, true);
    if (off === 0 && len === 0 && pages.subarray(o, o + 16).every((b) => b === 0)) {
      return Math.max(end, o + ENTRY_SIZE);
    }
    if (off + len > pages.length) return undefined;
    end = Math.max(end, off + len);
  }
  return undefined;
}
