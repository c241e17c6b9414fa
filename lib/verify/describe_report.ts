/**
 * Attestation reports in words: a line per field for people and a JSON
 * object for tools, with TCBs split into components and bit fields named.
 * @module
 */
import { toHex } from "../common/hex.ts";
import {
  type AttestationReport,
  decodeTcb,
  formatTcb,
  PlatformInfo,
  policyAbi,
  policyFlags,
  productFromCpuid,
  SignerInfo,
  signingKeyOf,
  type TcbLayout,
} from "../snp/firmware/mod.ts";

/**
 * One printable field.
 *
 * @example
 * ```ts
 * import { describeReport, type ReportField } from "./describe_report.ts";
 * import { parseReport, REPORT_SIZE } from "../snp/firmware/mod.ts";
 * const raw = new Uint8Array(REPORT_SIZE);
 * raw[0] = 2; // VERSION
 * const first: ReportField = describeReport(parseReport(raw))[0]; // { name: "VERSION", value: "2" }
 * ```
 */
export interface ReportField {
  /** The ABI's field name. */
  readonly name: string;
  /** Its value, as text. */
  readonly value: string;
}

const SIGNING_KEYS: Record<number, string> = { 0: "VCEK", 1: "VLEK", 7: "none" };

/** The TCB layout a report is read with: Turin when its CPUID says so (v3+). */
export function reportTcbLayout(report: AttestationReport): TcbLayout {
  return report.version >= 3 && report.cpuidFamId === 0x1a ? "turin" : "milan";
}

/**
 * Every field of a report, in ABI order, as text.
 *
 * @example
 * ```ts
 * import { describeReport } from "./describe_report.ts";
 * import { parseReport } from "../snp/firmware/mod.ts";
 * // for (const f of describeReport(parseReport(bytes))) console.log(f.name, f.value);
 * ```
 */
export function describeReport(r: AttestationReport): ReportField[] {
  const layout = reportTcbLayout(r);
  const tcb = (v: bigint) =>
    `0x${v.toString(16).padStart(16, "0")} (${formatTcb(decodeTcb(v, layout))})`;
  const abi = policyAbi(r.policy);
  const key = signingKeyOf(r);
  const f = (name: string, value: string): ReportField => ({ name, value });
  const fields = [
    f("VERSION", String(r.version)),
    f("GUEST_SVN", String(r.guestSvn)),
    f(
      "POLICY",
      `0x${r.policy.toString(16)} (ABI ${abi.major}.${abi.minor}; ${
        policyFlags(r.policy).join(" ")
      })`,
    ),
    f("FAMILY_ID", toHex(r.familyId)),
    f("IMAGE_ID", toHex(r.imageId)),
    f("VMPL", String(r.vmpl)),
    f(
      "SIGNATURE_ALGO",
      `${r.signatureAlgo}${r.signatureAlgo === 1 ? " (ECDSA P-384 SHA-384)" : ""}`,
    ),
    f("CURRENT_TCB", tcb(r.currentTcb)),
    f("PLATFORM_INFO", `0x${r.platformInfo.toString(16)} (${platformFlags(r.platformInfo)})`),
    f(
      "SIGNER_INFO",
      `0x${r.signerInfo.toString(16)} (signing key ${SIGNING_KEYS[key] ?? `reserved ${key}`}` +
        `${r.signerInfo & SignerInfo.AUTHOR_KEY_EN ? ", author key" : ""}` +
        `${r.signerInfo & SignerInfo.MASK_CHIP_KEY ? ", chip key masked" : ""})`,
    ),
    f("REPORT_DATA", toHex(r.reportData)),
    f("MEASUREMENT", toHex(r.measurement)),
    f("HOST_DATA", toHex(r.hostData)),
    f("ID_KEY_DIGEST", toHex(r.idKeyDigest)),
    f("AUTHOR_KEY_DIGEST", toHex(r.authorKeyDigest)),
    f("REPORT_ID", toHex(r.reportId)),
    f("REPORT_ID_MA", toHex(r.reportIdMa)),
    f("REPORTED_TCB", tcb(r.reportedTcb)),
  ];
  if (r.version >= 3) {
    const p = productFromCpuid(r.cpuidFamId, r.cpuidModId);
    fields.push(f(
      "CPUID",
      `family 0x${r.cpuidFamId.toString(16)} model 0x${
        r.cpuidModId.toString(16)
      } stepping ${r.cpuidStep}` +
        ` (${p?.name ?? "unknown product"})`,
    ));
  }
  fields.push(
    f("CHIP_ID", r.chipId.every((b) => b === 0) ? "masked (all zero)" : toHex(r.chipId)),
    f("COMMITTED_TCB", tcb(r.committedTcb)),
    f("CURRENT_VERSION", `${r.currentMajor}.${r.currentMinor} build ${r.currentBuild}`),
    f("COMMITTED_VERSION", `${r.committedMajor}.${r.committedMinor} build ${r.committedBuild}`),
    f("LAUNCH_TCB", tcb(r.launchTcb)),
  );
  if (r.version >= 5) {
    fields.push(
      f("LAUNCH_MIT_VECTOR", `0x${r.launchMitVector.toString(16)}`),
      f("CURRENT_MIT_VECTOR", `0x${r.currentMitVector.toString(16)}`),
    );
  }
  fields.push(
    f("SIGNATURE.R", toHex(r.signatureR.subarray(0, 48))),
    f("SIGNATURE.S", toHex(r.signatureS.subarray(0, 48))),
  );
  return fields;
}

function platformFlags(v: bigint): string {
  const names = Object.entries(PlatformInfo).filter(([, bit]) => v & bit).map(([n]) => n);
  return names.length ? names.join(" ") : "none";
}

/**
 * The report as plain JSON: integers as numbers (u64 as hex strings), byte
 * fields as hex, TCBs also split into components.
 *
 * @example
 * ```ts
 * import { reportToJson } from "./describe_report.ts";
 * import { ATTESTATION_REPORT, parseReport } from "../snp/firmware/attestation_report.ts";
 * const raw = ATTESTATION_REPORT.encode({ version: 3, policy: 0x30000n }); // the report
 * const json = reportToJson(parseReport(raw));
 * json.policy; // "0x30000"
 * JSON.stringify(json, null, 2);
 * ```
 */
export function reportToJson(r: AttestationReport): Record<string, unknown> {
  const layout = reportTcbLayout(r);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(r)) {
    if (k.startsWith("reserved")) continue;
    out[k] = typeof v === "bigint" ? `0x${v.toString(16)}` : v instanceof Uint8Array ? toHex(v) : v;
  }
  for (const k of ["currentTcb", "reportedTcb", "committedTcb", "launchTcb"] as const) {
    out[`${k}Parts`] = decodeTcb(r[k], layout);
  }
  out.signingKey = SIGNING_KEYS[signingKeyOf(r)] ?? "reserved";
  out.policyFlags = policyFlags(r.policy);
  return out;
}
