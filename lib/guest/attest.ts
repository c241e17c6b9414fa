/**
 * The guest's attestation driver (svsm-abi.md §8; SVSM spec "Attestation Protocol";
 * Linux's configfs-tsm SVSM provider, arch/x86/coco/sev `snp_issue_svsm_attest_req`): the
 * guest puts an SVSM_ATTEST_SERVICES (or SINGLE_SERVICE) operation, its 64-byte nonce and
 * buffers for the report, the services manifest and the certificates in its own memory, and
 * calls the SVSM. The SVSM answers with the sizes it needs in RCX (manifest), RDX
 * (certificates) and R8 (report); when a buffer is too small it says so with
 * INVALID_PARAMETER and the guest retries with buffers of those sizes.
 * @module
 */

import { AttestCall, SvsmProtocol } from "../svsm/abi/protocol_ids.ts";
import {
  ATTEST_MAX_CERTIFICATE_SIZE,
  ATTEST_NONCE_SIZE,
  ATTEST_SINGLE_SERVICE_OP,
} from "../svsm/abi/attest_ops.ts";
import { guidToBytes } from "../common/guid.ts";
import { resultName, SvsmResultCode } from "../svsm/protocols/errors.ts";
import type { GuestCpu, GuestOs } from "./guest_os.ts";

/**
 * What the SVSM hands back.
 *
 * @example
 * ```ts
 * import { type AttestationEvidence, requestAttestation } from "./attest.ts";
 * import type { GuestCpu, GuestOs } from "./guest_os.ts";
 * // Run on a booted guest CPU (e.g. in GuestOs's `main`).
 * async function attest(os: GuestOs, cpu: GuestCpu): Promise<Uint8Array> {
 *   const evidence: AttestationEvidence = await requestAttestation(os, cpu, new Uint8Array(64));
 *   return evidence.report; // 0x4A0 bytes: verify it against the VCEK in evidence.certificates
 * }
 * ```
 */
export interface AttestationEvidence {
  /** The 0x4A0-byte ATTESTATION_REPORT, REPORT_DATA = SHA-512(nonce ‖ manifest). */
  readonly report: Uint8Array;
  /** The services manifest (or the single service's manifest). */
  readonly manifest: Uint8Array;
  /** The certificate table the host supplied (VCEK, ASK, ARK), empty when none. */
  readonly certificates: Uint8Array;
  /** How many calls it took (1, or more after resizing). */
  readonly calls: number;
}

/**
 * Options of {@link requestAttestation}.
 *
 * @example
 * ```ts
 * import { requestAttestation } from "./attest.ts";
 * import { VTPM_SERVICE_GUID } from "../svsm/abi/services_manifest.ts";
 * import type { AttestationEvidence } from "./attest.ts";
 * import type { GuestCpu, GuestOs } from "./guest_os.ts";
 * // Attest the vTPM service only, and ask for the VCEK chain too.
 * function attestVtpm(os: GuestOs, cpu: GuestCpu): Promise<AttestationEvidence> {
 *   return requestAttestation(os, cpu, new Uint8Array(64), {
 *     serviceGuid: VTPM_SERVICE_GUID,
 *     certificates: true,
 *   });
 * }
 * ```
 */
export interface AttestOptions {
  /** Ask for one service's manifest (SVSM_ATTEST_SINGLE_SERVICE) instead of all. */
  serviceGuid?: string;
  /** Ask for the certificate table too (default true). */
  certificates?: boolean;
  /** First buffer sizes to try, in bytes (default one page each; for tests of the resize). */
  initialSizes?: { report?: number; manifest?: number; certificates?: number };
}

/**
 * The SVSM refused the request.
 *
 * @example
 * ```ts
 * import { GuestAttestError } from "./attest.ts";
 * const e = new GuestAttestError(0x80000005, "nonce too large");
 * e.code; // 0x80000005
 * ```
 */
export class GuestAttestError extends Error {
  /** The error name. */
  override name = "GuestAttestError";
  /** The SVSM result code. */
  readonly code: number;

  /** The call failed with `code`. */
  constructor(code: number, why = "") {
    super(`SVSM attestation failed: ${resultName(code)}${why}`);
    this.code = code;
  }
}

const PAGE = 0x1000;
const NONCE_OFFSET = 0x800; // the nonce shares the op's page and must not cross it
const MAX_TRIES = 3; // one retry per buffer that can be too small, at most

/** Buffer sizes in bytes. */
interface Sizes {
  report: number;
  manifest: number;
  certificates: number;
}

/**
 * Asks the SVSM for an attestation report bound to `nonce` (64 bytes).
 *
 * @example
 * ```ts
 * import { GuestOs } from "./guest_os.ts";
 * import { requestAttestation } from "./attest.ts";
 * const os = new GuestOs({
 *   secretsGpa: 0x1000,
 *   main: async (os, cpu) => {
 *     const evidence = await requestAttestation(os, cpu, new Uint8Array(64));
 *     evidence.report.length; // 0x4A0
 *   },
 * });
 * ```
 */
export async function requestAttestation(
  os: GuestOs,
  cpu: GuestCpu,
  nonce: Uint8Array,
  options: AttestOptions = {},
): Promise<AttestationEvidence> {
  if (nonce.length !== ATTEST_NONCE_SIZE) {
    throw new RangeError(`the nonce is ${ATTEST_NONCE_SIZE} bytes, got ${nonce.length}`);
  }
  const wantCerts = options.certificates ?? true;
  const init = options.initialSizes ?? {};
  let sizes: Sizes = {
    report: init.report ?? PAGE,
    manifest: init.manifest ?? PAGE,
    certificates: wantCerts ? init.certificates ?? PAGE : 0,
  };
  const opGpa = await os.allocPages(cpu, 1);
  cpu.ctx.write(opGpa + NONCE_OFFSET, nonce);
  for (let calls = 1;; calls++) {
    const gpas = await buffers(os, cpu, sizes);
    writeOp(cpu, opGpa, gpas, sizes, options.serviceGuid);
    const call = options.serviceGuid === undefined
      ? AttestCall.SERVICES
      : AttestCall.SINGLE_SERVICE;
    const r = await os.svsmCall(cpu, SvsmProtocol.ATTEST, call, BigInt(opGpa));
    const needed: Sizes = {
      report: Number(r.r8),
      manifest: Number(r.rcx),
      certificates: wantCerts ? Number(r.rdx) : 0,
    };
    const code = Number(r.rax);
    if (code === SvsmResultCode.SUCCESS) return collect(cpu, gpas, needed, calls);
    const larger = grown(sizes, needed);
    if (code !== SvsmResultCode.INVALID_PARAMETER || larger === undefined) {
      throw new GuestAttestError(code);
    }
    if (calls === MAX_TRIES || larger.certificates > ATTEST_MAX_CERTIFICATE_SIZE) {
      throw new GuestAttestError(code, " (buffers still too small after resizing)");
    }
    sizes = larger;
  }
}

/** The sizes to retry with when the SVSM asked for more, else undefined (a real error). */
function grown(sizes: Sizes, needed: Sizes): Sizes | undefined {
  const up = (have: number, want: number) => Math.max(have, Math.ceil(want / PAGE) * PAGE);
  const next = {
    report: up(sizes.report, needed.report),
    manifest: up(sizes.manifest, needed.manifest),
    certificates: sizes.certificates === 0 ? 0 : up(sizes.certificates, needed.certificates),
  };
  const same = next.report === sizes.report && next.manifest === sizes.manifest &&
    next.certificates === sizes.certificates;
  return same ? undefined : next;
}

/** Fresh page-aligned buffers (the protocol wants report, manifest, certificates 4K-aligned). */
async function buffers(os: GuestOs, cpu: GuestCpu, s: Sizes): Promise<Sizes> {
  const pages = (n: number) => Math.max(1, Math.ceil(n / PAGE));
  return {
    report: await os.allocPages(cpu, pages(s.report)),
    manifest: await os.allocPages(cpu, pages(s.manifest)),
    certificates: s.certificates > 0 ? await os.allocPages(cpu, pages(s.certificates)) : 0,
  };
}

function writeOp(
  cpu: GuestCpu,
  opGpa: number,
  gpa: Sizes,
  size: Sizes,
  serviceGuid: string | undefined,
): void {
  const op = ATTEST_SINGLE_SERVICE_OP.encode({
    reportGpa: BigInt(gpa.report),
    reportSize: size.report,
    nonceGpa: BigInt(opGpa + NONCE_OFFSET),
    nonceSize: ATTEST_NONCE_SIZE,
    manifestGpa: BigInt(gpa.manifest),
    manifestSize: size.manifest,
    certificateGpa: BigInt(gpa.certificates),
    certificateSize: size.certificates,
    serviceGuid: serviceGuid === undefined ? new Uint8Array(16) : guidToBytes(serviceGuid),
  });
  cpu.ctx.write(opGpa, op);
}

function collect(cpu: GuestCpu, gpa: Sizes, size: Sizes, calls: number): AttestationEvidence {
  const read = (at: number, n: number) => n > 0 ? cpu.ctx.read(at, n) : new Uint8Array();
  return {
    report: read(gpa.report, size.report),
    manifest: read(gpa.manifest, size.manifest),
    certificates: read(gpa.certificates, size.certificates),
    calls,
  };
}
