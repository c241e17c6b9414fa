/**
 * The attestation report verifier: format, certificate chain, signature,
 * TCB and chip identity, then the caller's expectations. Every check runs and
 * every failure is listed, so a rejected report says all that is wrong.
 * @module
 */
import {
  ATTESTATION_REPORT,
  type AttestationReport,
  decodeTcb,
  encodeTcb,
  formatTcb,
  GuestPolicy,
  productFromCpuid,
  type ProductInfo,
  readAmdExtensions,
  REPORT_SIZE,
  ReportFormatError,
  SigningKey,
  signingKeyOf,
  TCB_COMPONENTS,
  type TcbLayout,
  type TcbParts,
  verifyReportSignature,
} from "../snp/firmware/mod.ts";
import { equalBytes } from "../snp/firmware/x509.ts";
import { tcbBelow } from "../snp/firmware/tcb_version.ts";
import { toHex } from "../common/hex.ts";
import { type CertificateChain, chainProduct, checkChain, commonName } from "./chain.ts";
import { isAmdArk } from "./amd_roots.ts";
import { type Finding, Findings } from "./findings.ts";
import { checkFormat } from "./report_format.ts";

/**
 * What the caller expects beyond a genuine, well-formed report. All optional.
 *
 * @example
 * ```ts
 * import { verifyReport } from "./verify_report.ts";
 * import type { CertificateChain } from "./chain.ts";
 * import {
 *   GuestMessenger,
 *   MSG_REPORT_REQ,
 *   MSG_REPORT_RSP,
 *   MsgType,
 *   PageType,
 *   parseCertificate,
 *   SECRETS_PAGE,
 *   SecureProcessor,
 * } from "../snp/firmware/mod.ts";
 * // launch a guest on the model firmware (TCB 3/0/8/115 by default) and ask it for a report
 * const sp = new SecureProcessor();
 * const handle = sp.launchStart({ asid: 1, policy: 0x30000n }).handle!;
 * const secrets = sp.launchUpdate(handle, { type: PageType.SECRETS, gpa: 0 }).page!;
 * sp.launchFinish(handle);
 * const expectedDigest = sp.measurement(handle)!; // what `svsm measure` computes
 * const guest = new GuestMessenger(SECRETS_PAGE.get(secrets, "vmpck0"), 0);
 * const request = guest.request(MsgType.REPORT_REQ, MSG_REPORT_REQ.encode({ vmpl: 0 }));
 * const answer = sp.guestRequest(handle, request).response!;
 * const { report } = MSG_REPORT_RSP.decode(guest.response(answer));
 * const c = sp.certificates();
 * const chain: CertificateChain = {
 *   leaf: parseCertificate(c.vcek),
 *   intermediate: parseCertificate(c.ask),
 *   root: parseCertificate(c.ark),
 * };
 * const result = verifyReport(report, chain, {
 *   measurement: expectedDigest,
 *   minTcb: { bootloader: 3, tee: 0, snp: 8, microcode: 115 },
 *   vmpl: 0,
 *   noDebug: true,
 * });
 * result.valid; // true
 * ```
 */
export interface VerifyOptions {
  /** The time certificates must be valid at (default: now). */
  now?: Date;
  /** Exact MEASUREMENT (48 bytes). */
  measurement?: Uint8Array;
  /** Exact REPORT_DATA (64 bytes). */
  reportData?: Uint8Array;
  /** Exact HOST_DATA (32 bytes). */
  hostData?: Uint8Array;
  /** REPORTED_TCB must be at least this, component by component. */
  minTcb?: TcbParts;
  /** Exact VMPL. */
  vmpl?: number;
  /** POLICY.DEBUG must be clear. */
  noDebug?: boolean;
  /** COMMITTED_TCB and version must equal CURRENT (no provisional firmware). */
  committedIsCurrent?: boolean;
  /** The ARK must be AMD's genuine root for the product (pinned key; not the model's). */
  amdRoot?: boolean;
}

/**
 * The verdict.
 *
 * @example
 * ```ts
 * import { verifyReport, type VerifyResult } from "./verify_report.ts";
 * import type { CertificateChain } from "./chain.ts";
 * import { parseCertificate, REPORT_SIZE, SecureProcessor } from "../snp/firmware/mod.ts";
 * const c = new SecureProcessor().certificates();
 * const chain: CertificateChain = {
 *   leaf: parseCertificate(c.vcek),
 *   intermediate: parseCertificate(c.ask),
 *   root: parseCertificate(c.ark),
 * };
 * const raw = new Uint8Array(REPORT_SIZE); // all zero: not a report the firmware signed
 * const result: VerifyResult = verifyReport(raw, chain, { vmpl: 0 });
 * result.valid; // false
 * result.reasons.length > 0; // true: every failed check, in order
 * ```
 */
export interface VerifyResult {
  /** True when every check passed. */
  readonly valid: boolean;
  /** The failed checks' reasons, in order (empty when valid). */
  readonly reasons: string[];
  /** Every check with its outcome. */
  readonly checks: Finding[];
  /** The decoded report. */
  readonly report: AttestationReport;
  /** The product the chain and report belong to, when known. */
  readonly product?: string;
}

/**
 * Verifies a raw report against its chain. Throws {@link ReportFormatError}
 * only when `raw` is not 0x4A0 bytes (unreadable input); everything else
 * becomes a finding.
 *
 * @example
 * ```ts
 * import { verifyReport } from "./verify_report.ts";
 * import { readCertificates } from "../snp/firmware/mod.ts";
 * // const r = verifyReport(reportBytes, { leaf, intermediate, root },
 * //   { now: new Date("2025-06-01T00:00:00Z") });
 * // r.valid; r.reasons;
 * ```
 */
export function verifyReport(
  raw: Uint8Array,
  chain: CertificateChain,
  options: VerifyOptions = {},
): VerifyResult {
  if (raw.length !== REPORT_SIZE) {
    throw new ReportFormatError(
      `attestation report must be ${REPORT_SIZE} bytes, got ${raw.length}`,
    );
  }
  const report = ATTESTATION_REPORT.decode(raw);
  const out = new Findings();
  checkFormat(raw, report, out);
  checkChain(chain, options.now ?? new Date(), out);
  const product = checkProduct(report, chain, out);
  checkSignature(raw, report, chain, out);
  checkIdentity(report, chain, product, out);
  checkExpectations(report, options, product?.tcbLayout ?? "milan", out);
  if (options.amdRoot) {
    out.add(
      "amd-root",
      product !== undefined && isAmdArk(chain.root, product.name),
      [
        `ARK is AMD's genuine ${product?.name} root (pinned SPKI SHA-256)`,
        `ARK '${commonName(chain.root)}' is not AMD's pinned ${product?.name ?? ""} root key`,
      ],
    );
  }
  const reasons = out.failures;
  return { valid: reasons.length === 0, reasons, checks: out.list, report, product: product?.name };
}

/** The leaf's product must agree with the report's CPUID (v3+); Turin needs v3+. */
function checkProduct(
  report: AttestationReport,
  chain: CertificateChain,
  out: Findings,
): ProductInfo | undefined {
  const fromChain = chainProduct(chain);
  if (report.version < 3) {
    out.add(
      "product",
      fromChain !== undefined && fromChain.name !== "Turin",
      fromChain
        ? `${fromChain.name} (from the certificate; a v2 report has no CPUID${
          fromChain.name === "Turin" ? ", and Turin needs v3+" : ""
        })`
        : "the certificates name no known product",
    );
    return fromChain;
  }
  const fromCpuid = productFromCpuid(report.cpuidFamId, report.cpuidModId);
  const fam = `family 0x${report.cpuidFamId.toString(16)} model 0x${
    report.cpuidModId.toString(16)
  }`;
  out.add(
    "product",
    fromCpuid !== undefined && fromCpuid.name === fromChain?.name,
    `report CPUID ${fam} is ${fromCpuid?.name ?? "unknown"}, certificates say ${
      fromChain?.name ?? "unknown"
    }`,
  );
  return fromCpuid ?? fromChain;
}

function checkSignature(
  raw: Uint8Array,
  report: AttestationReport,
  chain: CertificateChain,
  out: Findings,
): void {
  const key = signingKeyOf(report);
  const want = key === SigningKey.VCEK
    ? "SEV-VCEK"
    : key === SigningKey.VLEK
    ? "SEV-VLEK"
    : undefined;
  out.add(
    "signing-key",
    want !== undefined && commonName(chain.leaf) === want,
    want
      ? `SIGNING_KEY ${key} needs a ${want} certificate, given '${commonName(chain.leaf)}'`
      : `SIGNING_KEY ${key}: the report carries no signature to check`,
  );
  out.add(
    "report-signature",
    verifyReportSignature(raw, chain.leaf.spki),
    [
      "ECDSA P-384 signature over bytes 0x000..0x29F verifies with the leaf key",
      "ECDSA P-384 signature over bytes 0x000..0x29F does not verify with the leaf key",
    ],
  );
}

/** Certificate TCB = REPORTED_TCB; hwID = CHIP_ID unless masked (snp-abi.md §5 C). */
function checkIdentity(
  report: AttestationReport,
  chain: CertificateChain,
  product: ProductInfo | undefined,
  out: Findings,
): void {
  const layout = product?.tcbLayout ?? "milan";
  let ext;
  try {
    ext = readAmdExtensions(chain.leaf);
  } catch (e) {
    out.add("leaf-extensions", false, (e as Error).message);
    return;
  }
  const reported = decodeTcb(report.reportedTcb, layout);
  // The whole u64 must match: AMD certificates carry the unnamed bytes as spl_4..spl_7 = 0
  // (snp-abi.md §4.3), so a REPORTED_TCB with any of them set names a different TCB.
  const unnamed = report.reportedTcb !== encodeTcb(reported, layout);
  const same = !unnamed &&
    TCB_COMPONENTS.every((k) => (ext.tcb[k] ?? 0) === (reported[k] ?? 0));
  out.add(
    "tcb-matches-certificate",
    same,
    `certificate TCB ${formatTcb(ext.tcb)} ${same ? "=" : "≠"} REPORTED_TCB ${formatTcb(reported)}${
      unnamed ? ` (0x${report.reportedTcb.toString(16)} sets reserved bytes)` : ""
    }`,
  );
  const current = decodeTcb(report.currentTcb, layout);
  const ahead = tcbBelow(current, ext.tcb);
  out.add(
    "tcb-not-above-current",
    ahead.length === 0,
    ahead.length
      ? `certificate TCB exceeds CURRENT_TCB in ${ahead.join(", ")}`
      : "certificate TCB ≤ CURRENT_TCB",
  );
  if (commonName(chain.leaf) !== "SEV-VCEK") return; // a VLEK names a cloud provider, not a chip
  const masked = report.chipId.every((b) => b === 0);
  const n = product?.hwIdLength ?? 64;
  const hwId = ext.hwId ?? new Uint8Array(0);
  out.add(
    "chip-id",
    masked || equalBytes(hwId, report.chipId.subarray(0, n)),
    masked
      ? "CHIP_ID is masked (all zero); hwID not compared"
      : `VCEK hwID ${toHex(hwId).slice(0, 16)}… ${
        equalBytes(hwId, report.chipId.subarray(0, n)) ? "=" : "≠"
      } CHIP_ID ${toHex(report.chipId).slice(0, 16)}…`,
  );
}

function checkExpectations(
  report: AttestationReport,
  o: VerifyOptions,
  layout: TcbLayout,
  out: Findings,
): void {
  const exact = (check: string, want: Uint8Array | undefined, got: Uint8Array) => {
    if (want === undefined) return;
    const ok = equalBytes(want, got);
    out.add(
      check,
      ok,
      ok ? `${check} as expected` : `${check} ${toHex(got)}, expected ${toHex(want)}`,
    );
  };
  exact("measurement", o.measurement, report.measurement);
  exact("report-data", o.reportData, report.reportData);
  exact("host-data", o.hostData, report.hostData);
  if (o.minTcb) {
    const low = tcbBelow(decodeTcb(report.reportedTcb, layout), o.minTcb);
    out.add(
      "min-tcb",
      low.length === 0,
      `REPORTED_TCB ${formatTcb(decodeTcb(report.reportedTcb, layout))} vs minimum ${
        formatTcb(o.minTcb)
      }${low.length ? ` (below in ${low.join(", ")})` : ""}`,
    );
  }
  if (o.vmpl !== undefined) {
    out.add("vmpl", report.vmpl === o.vmpl, `VMPL ${report.vmpl}, expected ${o.vmpl}`);
  }
  if (o.noDebug) {
    out.add(
      "no-debug",
      (report.policy & GuestPolicy.DEBUG) === 0n,
      ["POLICY.DEBUG is clear", "POLICY.DEBUG is set: the host may debug (read) this guest"],
    );
  }
  if (o.committedIsCurrent) {
    const r = report;
    const ok = r.committedTcb === r.currentTcb && r.committedMajor === r.currentMajor &&
      r.committedMinor === r.currentMinor && r.committedBuild === r.currentBuild;
    out.add(
      "committed-is-current",
      ok,
      `COMMITTED_TCB 0x${
        r.committedTcb.toString(16)
      } v${r.committedMajor}.${r.committedMinor}.${r.committedBuild}` +
        `, CURRENT_TCB 0x${
          r.currentTcb.toString(16)
        } v${r.currentMajor}.${r.currentMinor}.${r.currentBuild}`,
    );
  }
}
