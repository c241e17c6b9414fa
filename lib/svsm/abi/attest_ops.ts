/**
 * Attestation protocol request structures (COCONUT
 * kernel/src/protocols/attest.rs, offsets asserted there; svsm-abi.md §8).
 * @module
 */
import { bytes, type Field, Layout, u16, u32, u64 } from "../../common/layout.ts";

/**
 * Fields of the SVSM_ATTEST_SERVICES operation.
 *
 * @example
 * ```ts
 * import type { Layout } from "../../common/layout.ts";
 * import { ATTEST_SERVICES_OP, type AttestServicesFields } from "./attest_ops.ts";
 * const op: Layout<AttestServicesFields> = ATTEST_SERVICES_OP;
 * op.fields.manifestGpa.offset; // 0x20
 * ```
 */
export type AttestServicesFields = {
  reportGpa: Field<"u64">;
  reportSize: Field<"u32">;
  reserved1: Field<"u32">;
  nonceGpa: Field<"u64">;
  nonceSize: Field<"u16">;
  reserved2: Field<"bytes">;
  manifestGpa: Field<"u64">;
  manifestSize: Field<"u32">;
  reserved3: Field<"u32">;
  certificateGpa: Field<"u64">;
  certificateSize: Field<"u32">;
  reserved4: Field<"u32">;
};

const SERVICES_FIELDS: AttestServicesFields = {
  reportGpa: u64(0x00), // 4K-aligned; may span pages
  reportSize: u32(0x08),
  reserved1: u32(0x0c), // must be 0
  nonceGpa: u64(0x10), // the nonce must not cross a page
  nonceSize: u16(0x18), // must be 64
  reserved2: bytes(0x1a, 6), // must be 0
  manifestGpa: u64(0x20), // 4K-aligned; may span pages
  manifestSize: u32(0x28),
  reserved3: u32(0x2c), // must be 0
  certificateGpa: u64(0x30), // 4K-aligned when certificateSize > 0
  certificateSize: u32(0x38), // 0 = no certificates; else <= 0x4000
  reserved4: u32(0x3c), // must be 0
};

/**
 * SVSM_ATTEST_SERVICES operation, 0x40 bytes.
 *
 * @example
 * ```ts
 * import { ATTEST_SERVICES_OP } from "./attest_ops.ts";
 * const raw = ATTEST_SERVICES_OP.encode({ reportGpa: 0x10000n, reportSize: 0x1000, nonceSize: 64 });
 * raw.length; // 0x40
 * ATTEST_SERVICES_OP.decode(raw).reportSize; // 0x1000
 * ```
 */
export const ATTEST_SERVICES_OP: Layout<AttestServicesFields> = new Layout(
  "SVSM_ATTEST_SERVICES op",
  0x40,
  SERVICES_FIELDS,
);

/**
 * Fields of the SVSM_ATTEST_SINGLE_SERVICE operation.
 *
 * @example
 * ```ts
 * import type { Layout } from "../../common/layout.ts";
 * import { ATTEST_SINGLE_SERVICE_OP, type AttestSingleServiceFields } from "./attest_ops.ts";
 * const op: Layout<AttestSingleServiceFields> = ATTEST_SINGLE_SERVICE_OP;
 * op.fields.serviceGuid.size; // 16
 * ```
 */
export type AttestSingleServiceFields = AttestServicesFields & {
  serviceGuid: Field<"bytes">;
  manifestVersion: Field<"u32">;
  reserved5: Field<"u32">;
};

/**
 * SVSM_ATTEST_SINGLE_SERVICE operation: the services op plus GUID and version, 0x58 bytes.
 *
 * @example
 * ```ts
 * import { guidToBytes } from "../../common/guid.ts";
 * import { ATTEST_SINGLE_SERVICE_OP } from "./attest_ops.ts";
 * import { VTPM_SERVICE_GUID } from "./services_manifest.ts";
 * const raw = ATTEST_SINGLE_SERVICE_OP.encode({ serviceGuid: guidToBytes(VTPM_SERVICE_GUID) });
 * ATTEST_SINGLE_SERVICE_OP.get(raw, "manifestVersion"); // 0: the only version accepted
 * ```
 */
export const ATTEST_SINGLE_SERVICE_OP: Layout<AttestSingleServiceFields> = new Layout(
  "SVSM_ATTEST_SINGLE_SERVICE op",
  0x58,
  {
    ...SERVICES_FIELDS,
    serviceGuid: bytes(0x40, 16), // mixed-endian GUID
    manifestVersion: u32(0x50), // must be 0
    reserved5: u32(0x54), // must be 0
  },
);

/**
 * The only nonce size the protocol accepts.
 *
 * @example
 * ```ts
 * import { ATTEST_NONCE_SIZE, ATTEST_SERVICES_OP } from "./attest_ops.ts";
 * const nonce = crypto.getRandomValues(new Uint8Array(ATTEST_NONCE_SIZE));
 * const op = ATTEST_SERVICES_OP.encode({ nonceGpa: 0x11000n, nonceSize: nonce.length });
 * ```
 */
export const ATTEST_NONCE_SIZE = 64;
/**
 * Largest certificate buffer COCONUT accepts.
 *
 * @example
 * ```ts
 * import { ATTEST_MAX_CERTIFICATE_SIZE } from "./attest_ops.ts";
 * const certificateSize = 0x3000;
 * certificateSize <= ATTEST_MAX_CERTIFICATE_SIZE; // true: fits in 0x4000
 * ```
 */
export const ATTEST_MAX_CERTIFICATE_SIZE = 0x4000;
