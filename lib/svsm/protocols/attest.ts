/**
 * The attestation protocol (1): SVSM_ATTEST_SERVICES and
 * SVSM_ATTEST_SINGLE_SERVICE (COCONUT kernel/src/protocols/attest.rs;
 * svsm-abi.md §8). The report binds the services: REPORT_DATA =
 * SHA-512(nonce ‖ manifest), requested at VMPL0.
 * @module
 */
import { createHash } from "node:crypto";
import { AttestCall } from "../abi/protocol_ids.ts";
import {
  ATTEST_MAX_CERTIFICATE_SIZE,
  ATTEST_NONCE_SIZE,
  ATTEST_SERVICES_OP,
  ATTEST_SINGLE_SERVICE_OP,
} from "../abi/attest_ops.ts";
import { buildServicesManifest, VTPM_SERVICE_GUID } from "../abi/services_manifest.ts";
import type { ServiceManifest } from "../abi/services_manifest.ts";
import { guidFromBytes } from "../../common/guid.ts";
import { certTableLength } from "../../snp/firmware/mod.ts";
import { fail, SvsmRequestFailure, SvsmResultCode } from "./errors.ts";
import type { SvsmCpu, SvsmRequest } from "../request_context.ts";
import { gpaOf, isAligned, PAGE_SIZE, touchesSvsmOwned } from "./guest_ops.ts";

const { SUCCESS, INVALID_PARAMETER, INVALID_ADDRESS, UNSUPPORTED_PROTOCOL } = SvsmResultCode;
const U64_MAX = 0xffff_ffff_ffff_ffffn;

/** A decoded, checked attestation operation. */
interface AttestOp {
  reportGpa: number;
  reportSize: number;
  nonceGpa: number;
  manifestGpa: number;
  manifestSize: number;
  certificateGpa: number;
  certificateSize: number;
  /** Single service only: the requested service GUID. */
  serviceGuid?: string;
  /** The output-buffer checks' verdict (SUCCESS or an error), applied after the PSP answers. */
  buffers: number;
}

/** Handles one attestation-protocol call. */
export function handleAttestRequest(req: SvsmRequest): Promise<number> | number {
  switch (req.call) {
    case AttestCall.SERVICES:
      return attest(req, false);
    case AttestCall.SINGLE_SERVICE:
      return attest(req, true);
    default:
      // COCONUT quirk, kept on purpose: an unknown attestation call answers
      // UNSUPPORTED_PROTOCOL where UNSUPPORTED_CALL would be expected.
      return UNSUPPORTED_PROTOCOL;
  }
}

async function attest(req: SvsmRequest, single: boolean): Promise<number> {
  const cpu = req.cpu;
  const op = readOp(cpu, gpaOf(req.regs.rcx), single);
  const manifest = await buildManifest(cpu, op.serviceGuid);
  const nonce = cpu.guestMem.read(op.nonceGpa, ATTEST_NONCE_SIZE);
  const reportData = new Uint8Array(
    createHash("sha512").update(nonce).update(manifest).digest(),
  );
  const outcome = await cpu.kernel.attestation.requestReport(cpu, reportData, op.certificateSize);
  if (!outcome.ok) {
    // The host says the certificate buffer is too small: tell the guest how big.
    req.regs.rcx = BigInt(manifest.length);
    req.regs.rdx = BigInt(outcome.certificatePagesNeeded) << 12n;
    return INVALID_PARAMETER;
  }
  // COCONUT checks the output buffers only now, after asking the PSP; their errors still
  // leave RCX/RDX/R8 at their input values (svsm-abi.md §8 step 3).
  if (op.buffers !== SUCCESS) return op.buffers;
  const certs = usedCertificateBytes(outcome.certificates);
  // Sizes go out before any size check, so a guest can resize and retry.
  req.regs.rcx = BigInt(manifest.length);
  req.regs.rdx = BigInt(op.certificateSize > 0 ? certs.length : 0);
  req.regs.r8 = BigInt(outcome.report.length);
  if (
    op.reportSize < outcome.report.length || op.manifestSize < manifest.length ||
    (op.certificateSize > 0 && op.certificateSize < certs.length)
  ) return INVALID_PARAMETER;
  const sendCerts = op.certificateSize > 0 && certs.length > 0;
  if (
    touchesSvsmOwned(cpu, op.reportGpa, outcome.report.length) ||
    touchesSvsmOwned(cpu, op.manifestGpa, manifest.length) ||
    (sendCerts && touchesSvsmOwned(cpu, op.certificateGpa, certs.length))
  ) return INVALID_ADDRESS; // checked before the first byte is written
  cpu.guestMem.write(op.reportGpa, outcome.report);
  cpu.guestMem.write(op.manifestGpa, manifest);
  if (sendCerts) cpu.guestMem.write(op.certificateGpa, certs);
  return SUCCESS;
}

/**
 * Reads and checks the operation: decoding errors are INVALID_PARAMETER and thrown now; the
 * output-buffer checks (alignment, certificate size, a region past 2^64) are kept in `buffers`.
 */
function readOp(cpu: SvsmCpu, opGpa: number, single: boolean): AttestOp {
  const layout = single ? ATTEST_SINGLE_SERVICE_OP : ATTEST_SERVICES_OP;
  let raw: Uint8Array;
  try {
    raw = cpu.guestMem.read(opGpa, layout.size);
  } catch (e) {
    if (e instanceof SvsmRequestFailure) fail(INVALID_PARAMETER);
    throw e;
  }
  const f = ATTEST_SINGLE_SERVICE_OP;
  const u64 = (name: "reportGpa" | "nonceGpa" | "manifestGpa" | "certificateGpa") =>
    f.get(raw, name);
  const reserved = f.get(raw, "reserved1") | f.get(raw, "reserved3") | f.get(raw, "reserved4") |
    (isAllZero(f.get(raw, "reserved2")) ? 0 : 1) |
    (single ? f.get(raw, "manifestVersion") | f.get(raw, "reserved5") : 0);
  const op: AttestOp = {
    reportGpa: gpaOf(u64("reportGpa")),
    reportSize: f.get(raw, "reportSize"),
    nonceGpa: gpaOf(u64("nonceGpa")),
    manifestGpa: gpaOf(u64("manifestGpa")),
    manifestSize: f.get(raw, "manifestSize"),
    certificateGpa: gpaOf(u64("certificateGpa")),
    certificateSize: f.get(raw, "certificateSize"),
    serviceGuid: single ? guidFromBytes(f.get(raw, "serviceGuid")) : undefined,
    buffers: SUCCESS,
  };
  const nonceCrossesPage = (op.nonceGpa % PAGE_SIZE) + ATTEST_NONCE_SIZE > PAGE_SIZE;
  if (reserved !== 0 || f.get(raw, "nonceSize") !== ATTEST_NONCE_SIZE || nonceCrossesPage) {
    fail(INVALID_PARAMETER);
  }
  // On the raw 64-bit registers: gpaOf folds addresses past 2^52, so its sums never overflow.
  const overflows = (gpa: bigint, size: number) => gpa + BigInt(size) > U64_MAX;
  if (
    !isAligned(op.reportGpa, PAGE_SIZE) || !isAligned(op.manifestGpa, PAGE_SIZE) ||
    (op.certificateSize > 0 && !isAligned(op.certificateGpa, PAGE_SIZE)) ||
    op.certificateSize > ATTEST_MAX_CERTIFICATE_SIZE
  ) op.buffers = INVALID_PARAMETER;
  else if (
    overflows(u64("reportGpa"), op.reportSize) || overflows(u64("manifestGpa"), op.manifestSize) ||
    overflows(u64("certificateGpa"), op.certificateSize)
  ) op.buffers = INVALID_ADDRESS;
  return op;
}

/** The services manifest, or one service's manifest for SINGLE_SERVICE. */
async function buildManifest(cpu: SvsmCpu, serviceGuid?: string): Promise<Uint8Array> {
  const services: ServiceManifest[] = [];
  if (cpu.kernel.vtpm) {
    services.push({ guid: VTPM_SERVICE_GUID, data: await cpu.kernel.vtpm.ekPublic() });
  }
  if (serviceGuid === undefined) return buildServicesManifest(services);
  const one = services.find((s) => s.guid === serviceGuid);
  if (!one) fail(UNSUPPORTED_PROTOCOL);
  return one.data;
}

function isAllZero(b: Uint8Array): boolean {
  return b.every((x) => x === 0);
}

/**
 * The part of the host's certificate pages the guest gets: nothing when the first entry is all
 * zero (no certificates), else the table up to its furthest certificate, so RDX is the table's
 * length rather than the page-rounded buffer. A malformed table is passed on whole: the host's
 * bytes are the guest's to judge.
 */
function usedCertificateBytes(pages: Uint8Array): Uint8Array {
  if (isAllZero(pages.subarray(0, 24))) return new Uint8Array();
  return pages.subarray(0, certTableLength(pages) ?? pages.length);
}
