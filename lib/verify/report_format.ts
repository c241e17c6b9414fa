/**
 * Format checks on an ATTESTATION_REPORT that need no key: version,
 * algorithm, policy and signer bits, reserved bytes (snp-abi.md §5 A).
 * @module
 */
import {
  type AttestationReport,
  GuestPolicy,
  POLICY_RESERVED_MASK,
  SIG_ALGO_ECDSA_P384_SHA384,
  SignerInfo,
  signingKeyOf,
  SUPPORTED_REPORT_VERSIONS,
} from "../snp/firmware/mod.ts";
import { reservedRanges } from "../snp/firmware/attestation_report.ts";
import type { Findings } from "./findings.ts";

const hex = (v: number | bigint): string => `0x${v.toString(16)}`;

/** Adds the format findings for `report` (raw bytes `raw`). */
export function checkFormat(raw: Uint8Array, report: AttestationReport, out: Findings): void {
  out.add(
    "version",
    SUPPORTED_REPORT_VERSIONS.includes(report.version),
    `report version ${report.version}${
      SUPPORTED_REPORT_VERSIONS.includes(report.version) ? "" : " is not 2..5"
    }`,
  );
  out.add(
    "signature-algo",
    report.signatureAlgo === SIG_ALGO_ECDSA_P384_SHA384,
    [
      "SIGNATURE_ALGO 1 (ECDSA P-384 SHA-384)",
      `SIGNATURE_ALGO ${report.signatureAlgo} is not 1 (ECDSA P-384 SHA-384)`,
    ],
  );
  out.add(
    "policy-bit-17",
    (report.policy & GuestPolicy.RESERVED_MBO) !== 0n,
    [
      `POLICY ${hex(report.policy)} has bit 17 set`,
      `POLICY ${hex(report.policy)} has reserved bit 17 clear (must be 1)`,
    ],
  );
  out.add(
    "policy-reserved",
    (report.policy & POLICY_RESERVED_MASK) === 0n,
    [
      `POLICY ${hex(report.policy)} has bits 63:26 clear`,
      `POLICY ${hex(report.policy)} sets reserved bits 63:26`,
    ],
  );
  const key = signingKeyOf(report);
  out.add(
    "signer-info",
    (report.signerInfo & SignerInfo.RESERVED_MASK) === 0 && (key <= 1 || key === 7),
    [
      `SIGNER_INFO ${hex(report.signerInfo)} (SIGNING_KEY ${key})`,
      `SIGNER_INFO ${
        hex(report.signerInfo)
      }: reserved bits or SIGNING_KEY ${key} (must be 0, 1 or 7)`,
    ],
  );
  const dirty = reservedRanges(
    SUPPORTED_REPORT_VERSIONS.includes(report.version) ? report.version : 2,
  )
    .filter(([s, e]) => raw.subarray(s, e).some((b) => b !== 0))
    .map(([s, e]) => `${hex(s)}..${hex(e - 1)}`);
  out.add(
    "reserved-zero",
    dirty.length === 0,
    dirty.length ? `non-zero reserved bytes at ${dirty.join(", ")}` : "reserved bytes are zero",
  );
}
