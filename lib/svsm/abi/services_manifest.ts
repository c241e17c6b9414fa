/**
 * The attestation services manifest: a GUID table of the services the SVSM
 * offers, each with its manifest blob (svsm-abi.md §8 "Services manifest").
 * @module
 */
import { guidToBytes } from "../../common/guid.ts";

/**
 * GUID of the services-manifest table itself.
 *
 * @example
 * ```ts
 * import { guidFromBytes } from "../../common/guid.ts";
 * import { buildServicesManifest, SERVICES_MANIFEST_GUID } from "./services_manifest.ts";
 * const table = buildServicesManifest([]);
 * guidFromBytes(table.subarray(0, 16)) === SERVICES_MANIFEST_GUID; // true
 * ```
 */
export const SERVICES_MANIFEST_GUID = "63849ebb-3d92-4670-a1ff-58f9c94b87bb";
/**
 * The vTPM service; its manifest is the EK's marshalled TPMT_PUBLIC.
 *
 * @example
 * ```ts
 * import { buildServicesManifest, VTPM_SERVICE_GUID } from "./services_manifest.ts";
 * const ekPublic = new Uint8Array([0x00, 0x01]); // a marshalled TPMT_PUBLIC in practice
 * buildServicesManifest([{ guid: VTPM_SERVICE_GUID, data: ekPublic }]).length; // 0x18 + 24 + 2
 * ```
 */
export const VTPM_SERVICE_GUID = "c476f1eb-0123-45a5-9641-b4e7dde5bfe3";
/**
 * The UEFI MM (variable store) service.
 *
 * @example
 * ```ts
 * import { type ServiceManifest, UEFI_MM_SERVICE_GUID } from "./services_manifest.ts";
 * const uefiMm: ServiceManifest = { guid: UEFI_MM_SERVICE_GUID, data: new Uint8Array(0) };
 * ```
 */
export const UEFI_MM_SERVICE_GUID = "a4453a59-9e1b-4787-a033-1986d6adbe55";

const HEADER_SIZE = 0x18;
const ENTRY_SIZE = 24;

/**
 * One service and its manifest.
 *
 * @example
 * ```ts
 * import { buildServicesManifest, type ServiceManifest, VTPM_SERVICE_GUID } from "./services_manifest.ts";
 * const services: ServiceManifest[] = [{ guid: VTPM_SERVICE_GUID, data: new Uint8Array(4) }];
 * const table = buildServicesManifest(services);
 * new DataView(table.buffer).getUint32(0x14, true); // 1: the service count
 * ```
 */
export interface ServiceManifest {
  /** Canonical GUID string. */
  readonly guid: string;
  /** The service-defined manifest bytes. */
  readonly data: Uint8Array;
}

/**
 * Builds the GUID table: header (GUID, total length, count), 24-byte entries
 * `{GUID, offset from table start, length}`, then the blobs in entry order.
 *
 * @example
 * ```ts
 * import { buildServicesManifest } from "./services_manifest.ts";
 * buildServicesManifest([]).length; // 24: the header alone
 * ```
 */
export function buildServicesManifest(services: readonly ServiceManifest[]): Uint8Array {
  const dataStart = HEADER_SIZE + ENTRY_SIZE * services.length;
  const total = services.reduce((n, s) => n + s.data.length, dataStart);
  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  out.set(guidToBytes(SERVICES_MANIFEST_GUID), 0);
  dv.setUint32(0x10, total, true);
  dv.setUint32(0x14, services.length, true);
  let offset = dataStart;
  services.forEach((s, i) => {
    const e = HEADER_SIZE + ENTRY_SIZE * i;
    out.set(guidToBytes(s.guid), e);
    dv.setUint32(e + 16, offset, true);
    dv.setUint32(e + 20, s.data.length, true);
    out.set(s.data, offset);
    offset += s.data.length;
  });
  return out;
}
