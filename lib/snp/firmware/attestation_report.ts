/**
 * ATTESTATION_REPORT: the 0x4A0-byte structure the firmware signs with the
 * VCEK (or VLEK) and the verifier checks.
 * @module
 */
import { Buffer } from "node:buffer";
import { createPublicKey, type KeyObject, verify } from "node:crypto";
import { p384Sign } from "./ecdsa_p384.ts";
import * as der from "./der.ts";
import { bytes, type Decoded, type Field, Layout, u32, u64, u8 } from "../../common/layout.ts";

/**
 * Report size in bytes. snp-abi.md §1.
 *
 * @example
 * ```ts
 * import { REPORT_SIZE } from "./attestation_report.ts";
 * // MSG_REPORT_RSP payload; the report starts at 0x20
 * const rsp = new Uint8Array(0x20 + REPORT_SIZE);
 * const raw = rsp.subarray(0x20, 0x20 + REPORT_SIZE);
 * raw.length; // 1184
 * ```
 */
export const REPORT_SIZE = 0x4a0;
/**
 * The signature covers `report[0 .. SIGNED_SIZE)`. snp-abi.md §1.5.
 *
 * @example
 * ```ts
 * import { createHash } from "node:crypto";
 * import { REPORT_SIZE, SIGNED_SIZE } from "./attestation_report.ts";
 * const raw = new Uint8Array(REPORT_SIZE); // a report
 * const signedDigest = createHash("sha384").update(raw.subarray(0, SIGNED_SIZE)).digest();
 * signedDigest.length; // 48
 * ```
 */
export const SIGNED_SIZE = 0x2a0;
/**
 * SIGNATURE_ALGO value for ECDSA P-384 with SHA-384, the only one defined.
 *
 * @example
 * ```ts
 * import {
 *   ATTESTATION_REPORT,
 *   parseReport,
 *   SIG_ALGO_ECDSA_P384_SHA384,
 * } from "./attestation_report.ts";
 * const raw = ATTESTATION_REPORT.encode({ version: 2, signatureAlgo: 1 }); // a report
 * const knownAlgo = parseReport(raw).signatureAlgo === SIG_ALGO_ECDSA_P384_SHA384; // true
 * ```
 */
export const SIG_ALGO_ECDSA_P384_SHA384 = 1;
/**
 * Report versions this model parses (4 is read like 3).
 *
 * @example
 * ```ts
 * import { SUPPORTED_REPORT_VERSIONS } from "./attestation_report.ts";
 * SUPPORTED_REPORT_VERSIONS.includes(1); // false: parseReport refuses v1 reports
 * ```
 */
export const SUPPORTED_REPORT_VERSIONS: readonly number[] = [2, 3, 4, 5];

/**
 * SIGNER_INFO.SIGNING_KEY values, snp-abi.md §1.3.
 *
 * @example
 * ```ts
 * import { SigningKey } from "./attestation_report.ts";
 * import { CertGuid } from "./cert_table.ts";
 * // which certificate of the EXT_GUEST_REQUEST table signed the report
 * const leafGuid = (key: number) => key === SigningKey.VLEK ? CertGuid.VLEK : CertGuid.VCEK;
 * leafGuid(SigningKey.VCEK); // "63da758d-e664-4564-adc5-f4b93be8accd"
 * ```
 */
export const SigningKey = { VCEK: 0, VLEK: 1, NONE: 7 } as const;

/**
 * SIGNER_INFO bits, snp-abi.md §1.3.
 *
 * @example
 * ```ts
 * import { SignerInfo } from "./attestation_report.ts";
 * const signerInfo = 0x06; // MASK_CHIP_KEY, SIGNING_KEY = 1
 * (signerInfo & SignerInfo.MASK_CHIP_KEY) !== 0; // true: CHIP_ID is zeroed
 * (signerInfo & SignerInfo.SIGNING_KEY_MASK) >>> SignerInfo.SIGNING_KEY_SHIFT; // 1 (VLEK)
 * ```
 */
export const SignerInfo = {
  AUTHOR_KEY_EN: 1 << 0,
  MASK_CHIP_KEY: 1 << 1,
  SIGNING_KEY_SHIFT: 2,
  SIGNING_KEY_MASK: 0x7 << 2,
  RESERVED_MASK: ~0x1f >>> 0,
} as const;

/**
 * PLATFORM_INFO bits, snp-abi.md §1.2.
 *
 * @example
 * ```ts
 * import { ATTESTATION_REPORT, parseReport, PlatformInfo } from "./attestation_report.ts";
 * const raw = ATTESTATION_REPORT.encode({ version: 2, platformInfo: 0x3n }); // SMT_EN | TSME_EN
 * const smtEnabled = (parseReport(raw).platformInfo & PlatformInfo.SMT_EN) !== 0n; // true
 * ```
 */
export const PlatformInfo = {
  SMT_EN: 1n << 0n,
  TSME_EN: 1n << 1n,
  ECC_EN: 1n << 2n,
  RAPL_DIS: 1n << 3n,
  CIPHERTEXT_HIDING_EN: 1n << 4n,
  ALIAS_CHECK_COMPLETE: 1n << 5n,
  TIO_EN: 1n << 7n,
} as const;

/**
 * The report's field table (types spelled out for JSR).
 *
 * @example
 * ```ts
 * import { ATTESTATION_REPORT, type ReportFields } from "./attestation_report.ts";
 * const name: keyof ReportFields = "reportData";
 * ATTESTATION_REPORT.fields[name].offset; // 0x50
 * ```
 */
export type ReportFields = {
  /** VERSION. */ version: Field<"u32">;
  /** GUEST_SVN. */ guestSvn: Field<"u32">;
  /** POLICY. */ policy: Field<"u64">;
  /** FAMILY_ID. */ familyId: Field<"bytes">;
  /** IMAGE_ID. */ imageId: Field<"bytes">;
  /** VMPL. */ vmpl: Field<"u32">;
  /** SIGNATURE_ALGO. */ signatureAlgo: Field<"u32">;
  /** CURRENT_TCB. */ currentTcb: Field<"u64">;
  /** PLATFORM_INFO. */ platformInfo: Field<"u64">;
  /** SIGNER_INFO. */ signerInfo: Field<"u32">;
  /** reserved. */ reserved0: Field<"u32">;
  /** REPORT_DATA. */ reportData: Field<"bytes">;
  /** MEASUREMENT. */ measurement: Field<"bytes">;
  /** HOST_DATA. */ hostData: Field<"bytes">;
  /** ID_KEY_DIGEST. */ idKeyDigest: Field<"bytes">;
  /** AUTHOR_KEY_DIGEST. */ authorKeyDigest: Field<"bytes">;
  /** REPORT_ID. */ reportId: Field<"bytes">;
  /** REPORT_ID_MA. */ reportIdMa: Field<"bytes">;
  /** REPORTED_TCB. */ reportedTcb: Field<"u64">;
  /** CPUID_FAM_ID (v3+). */ cpuidFamId: Field<"u8">;
  /** CPUID_MOD_ID (v3+). */ cpuidModId: Field<"u8">;
  /** CPUID_STEP (v3+). */ cpuidStep: Field<"u8">;
  /** reserved. */ reserved1: Field<"bytes">;
  /** CHIP_ID. */ chipId: Field<"bytes">;
  /** COMMITTED_TCB. */ committedTcb: Field<"u64">;
  /** CURRENT_BUILD. */ currentBuild: Field<"u8">;
  /** CURRENT_MINOR. */ currentMinor: Field<"u8">;
  /** CURRENT_MAJOR. */ currentMajor: Field<"u8">;
  /** reserved. */ reserved2: Field<"u8">;
  /** COMMITTED_BUILD. */ committedBuild: Field<"u8">;
  /** COMMITTED_MINOR. */ committedMinor: Field<"u8">;
  /** COMMITTED_MAJOR. */ committedMajor: Field<"u8">;
  /** reserved. */ reserved3: Field<"u8">;
  /** LAUNCH_TCB. */ launchTcb: Field<"u64">;
  /** LAUNCH_MIT_VECTOR (v5). */ launchMitVector: Field<"u64">;
  /** CURRENT_MIT_VECTOR (v5). */ currentMitVector: Field<"u64">;
  /** reserved. */ reserved4: Field<"bytes">;
  /** SIGNATURE.R, 72 bytes little-endian. */ signatureR: Field<"bytes">;
  /** SIGNATURE.S, 72 bytes little-endian. */ signatureS: Field<"bytes">;
  /** reserved. */ reserved5: Field<"bytes">;
};

/**
 * ATTESTATION_REPORT, snp-abi.md §1 (go-sev-guest abi/abi.go; virtee/sev
 * src/firmware/guest/types/snp.rs; COCONUT kernel/src/greq/pld_report.rs).
 * v5 fields sit where v2/v3 have reserved bytes; see {@link reservedRanges}.
 *
 * @example
 * ```ts
 * import { ATTESTATION_REPORT } from "./attestation_report.ts";
 * ATTESTATION_REPORT.fields.measurement.offset; // 0x90
 * ```
 */
export const ATTESTATION_REPORT: Layout<ReportFields> = new Layout<ReportFields>(
  "ATTESTATION_REPORT",
  REPORT_SIZE,
  {
    version: u32(0x000),
    guestSvn: u32(0x004),
    policy: u64(0x008),
    familyId: bytes(0x010, 16),
    imageId: bytes(0x020, 16),
    vmpl: u32(0x030),
    signatureAlgo: u32(0x034),
    currentTcb: u64(0x038),
    platformInfo: u64(0x040),
    signerInfo: u32(0x048),
    reserved0: u32(0x04c),
    reportData: bytes(0x050, 64),
    measurement: bytes(0x090, 48),
    hostData: bytes(0x0c0, 32),
    idKeyDigest: bytes(0x0e0, 48),
    authorKeyDigest: bytes(0x110, 48),
    reportId: bytes(0x140, 32),
    reportIdMa: bytes(0x160, 32),
    reportedTcb: u64(0x180),
    cpuidFamId: u8(0x188),
    cpuidModId: u8(0x189),
    cpuidStep: u8(0x18a),
    reserved1: bytes(0x18b, 21),
    chipId: bytes(0x1a0, 64),
    committedTcb: u64(0x1e0),
    currentBuild: u8(0x1e8),
    currentMinor: u8(0x1e9),
    currentMajor: u8(0x1ea),
    reserved2: u8(0x1eb),
    committedBuild: u8(0x1ec),
    committedMinor: u8(0x1ed),
    committedMajor: u8(0x1ee),
    reserved3: u8(0x1ef),
    launchTcb: u64(0x1f0),
    launchMitVector: u64(0x1f8),
    currentMitVector: u64(0x200),
    reserved4: bytes(0x208, 0x98),
    signatureR: bytes(0x2a0, 72),
    signatureS: bytes(0x2e8, 72),
    reserved5: bytes(0x330, 368),
  },
);

/**
 * A decoded report: one value per field.
 *
 * @example
 * ```ts
 * import { type AttestationReport, parseReport, REPORT_SIZE } from "./attestation_report.ts";
 * const raw = new Uint8Array(REPORT_SIZE);
 * raw[0] = 2; // VERSION
 * const report: AttestationReport = parseReport(raw);
 * report.measurement.length; // 48
 * ```
 */
export type AttestationReport = Decoded<ReportFields>;

/**
 * A report that cannot be parsed (wrong size or unknown version).
 *
 * @example
 * ```ts
 * import { parseReport, ReportFormatError } from "./attestation_report.ts";
 * try {
 *   parseReport(new Uint8Array(16));
 * } catch (e) {
 *   e instanceof ReportFormatError; // true: wrong size
 * }
 * ```
 */
export class ReportFormatError extends Error {
  /** Error name, for messages. */
  override name = "ReportFormatError";
}

/**
 * Decodes a report; throws {@link ReportFormatError} unless it is exactly
 * 0x4A0 bytes with VERSION 2..5. Content checks belong to the verifier.
 *
 * @example
 * ```ts
 * import { parseReport, REPORT_SIZE } from "./attestation_report.ts";
 * const raw = new Uint8Array(REPORT_SIZE);
 * raw[0] = 3;
 * parseReport(raw).version; // 3
 * ```
 */
export function parseReport(raw: Uint8Array): AttestationReport {
  if (raw.length !== REPORT_SIZE) {
    throw new ReportFormatError(
      `attestation report must be ${REPORT_SIZE} bytes, got ${raw.length}`,
    );
  }
  const report = ATTESTATION_REPORT.decode(raw);
  if (!SUPPORTED_REPORT_VERSIONS.includes(report.version)) {
    throw new ReportFormatError(`unsupported report version ${report.version}`);
  }
  return report;
}

/**
 * SIGNER_INFO.SIGNING_KEY of a report.
 *
 * @example
 * ```ts
 * import { parseReport, REPORT_SIZE, SigningKey, signingKeyOf } from "./attestation_report.ts";
 * const raw = new Uint8Array(REPORT_SIZE); // 0x4A0 bytes from the firmware
 * raw[0] = 2; // VERSION; SIGNER_INFO 0: signed by the VCEK
 * const byVcek = signingKeyOf(parseReport(raw)) === SigningKey.VCEK; // true
 * ```
 */
export function signingKeyOf(report: AttestationReport): number {
  return (report.signerInfo & SignerInfo.SIGNING_KEY_MASK) >>> SignerInfo.SIGNING_KEY_SHIFT;
}

/**
 * Byte ranges `[start, end)` that must be zero for this report version,
 * snp-abi.md §5 A.3.
 */
export function reservedRanges(version: number): [number, number][] {
  return [
    [0x04c, 0x050],
    [version === 2 ? 0x188 : 0x18b, 0x1a0],
    [0x1eb, 0x1ec],
    [0x1ef, 0x1f0],
    [version >= 5 ? 0x208 : 0x1f8, 0x2a0],
    [0x2d0, 0x2e8], // high bytes of R
    [0x318, 0x330], // high bytes of S
    [0x330, REPORT_SIZE],
  ];
}

/** Bytes of a P-384 scalar. */
const SCALAR = 48;

/**
 * The report signature as IEEE P1363 `r ‖ s` (96 bytes, big-endian), or
 * undefined when bytes 48..71 of R or S are not zero. snp-abi.md §1.5.
 */
export function reportSignatureP1363(raw: Uint8Array): Uint8Array | undefined {
  const r = raw.subarray(0x2a0, 0x2e8), s = raw.subarray(0x2e8, 0x330);
  if (r.subarray(SCALAR).some((b) => b) || s.subarray(SCALAR).some((b) => b)) return undefined;
  const out = new Uint8Array(2 * SCALAR);
  out.set(r.slice(0, SCALAR).reverse(), 0);
  out.set(s.slice(0, SCALAR).reverse(), SCALAR);
  return out;
}

/** Writes a P1363 signature into R and S as zero-extended little-endian fields. */
export function setReportSignature(raw: Uint8Array, p1363: Uint8Array): void {
  if (p1363.length !== 2 * SCALAR) throw new RangeError("P-384 signature must be 96 bytes");
  ATTESTATION_REPORT.set(raw, "signatureR", p1363.slice(0, SCALAR).reverse());
  ATTESTATION_REPORT.set(raw, "signatureS", p1363.slice(SCALAR).reverse());
}

/**
 * Signs `raw[0..0x2A0)` with an EC P-384 private key (the VCEK) and stores R
 * and S in place ({@link p384Sign}: about twice the speed of `crypto.sign` here).
 *
 * @example
 * ```ts
 * import { generateKeyPairSync } from "node:crypto";
 * import { REPORT_SIZE, signReport, verifyReportSignature } from "./attestation_report.ts";
 * const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-384" });
 * const raw = new Uint8Array(REPORT_SIZE);
 * signReport(raw, privateKey);
 * verifyReportSignature(raw, publicKey); // true
 * ```
 */
export function signReport(raw: Uint8Array, key: KeyObject): void {
  setReportSignature(raw, p384Sign(key, raw.subarray(0, SIGNED_SIZE)));
}

/**
 * Checks the report signature with an EC P-384 public key (a KeyObject, or a
 * SubjectPublicKeyInfo in DER). False for any malformed signature field or key.
 *
 * @example
 * ```ts
 * import { REPORT_SIZE, signReport, verifyReportSignature } from "./attestation_report.ts";
 * import { AmdKeyHierarchy } from "./key_hierarchy.ts";
 * import { deriveVcek } from "./vcek.ts";
 * import { readCertificates } from "./x509.ts";
 * const key = deriveVcek(new Uint8Array(32), 0n); // the model chip's VCEK
 * const vcekDer = AmdKeyHierarchy.model("Milan").issueVcek(key.spki,
 *   { bootloader: 3, tee: 0, snp: 8, microcode: 115 }, new Uint8Array(64));
 * const raw = new Uint8Array(REPORT_SIZE); // the report
 * signReport(raw, key.privateKey);
 * const [vcek] = readCertificates(vcekDer);
 * verifyReportSignature(raw, vcek.spki); // true for a genuine report
 * ```
 */
export function verifyReportSignature(raw: Uint8Array, key: KeyObject | Uint8Array): boolean {
  const sig = reportSignatureP1363(raw);
  if (!sig || raw.length < SIGNED_SIZE) return false;
  try { // a hostile certificate's SPKI may not be a usable key: that is "does not verify"
    const pub = key instanceof Uint8Array
      ? createPublicKey({ key: Buffer.from(key), format: "der", type: "spki" })
      : key;
    return verify(
      "sha384",
      raw.subarray(0, SIGNED_SIZE),
      { key: pub, dsaEncoding: "ieee-p1363" },
      sig,
    );
  } catch {
    return false;
  }
}

/**
 * The report signature as a DER `ECDSA-Sig-Value` (SEQUENCE of two INTEGERs),
 * the form `openssl dgst -verify` expects.
 *
 * @example
 * ```ts
 * import { generateKeyPairSync } from "node:crypto";
 * import { REPORT_SIZE, reportSignatureDer, signReport } from "./attestation_report.ts";
 * const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-384" });
 * const raw = new Uint8Array(REPORT_SIZE); // the report
 * signReport(raw, privateKey);
 * const sig = reportSignatureDer(raw); // for `openssl dgst -sha384 -verify vcek.pub -signature`
 * sig[0]; // 0x30, a DER SEQUENCE
 * ```
 */
export function reportSignatureDer(raw: Uint8Array): Uint8Array {
  const sig = reportSignatureP1363(raw);
  if (!sig) throw new RangeError("report signature has non-zero high bytes");
  return der.seq(der.uintBytes(sig.subarray(0, SCALAR)), der.uintBytes(sig.subarray(SCALAR)));
}
