/**
 * The relying party of the examples: it sends a nonce, checks the SNP report against the AMD
 * chain, finds the vTPM's EK in the services manifest the report binds, proves an AK lives in
 * the same TPM as that EK (credential activation), and checks a quote signed by the AK.
 *
 * Chain of trust: AMD ARK → ASK → VCEK → report → REPORT_DATA = SHA-512(nonce ‖ manifest) →
 * EK public (in the manifest) → AK (ActivateCredential succeeded only inside that TPM) → quote.
 * @module
 */

import { createHash, webcrypto } from "node:crypto";
import { guidFromBytes } from "../lib/common/guid.ts";
import {
  type AttestationReport,
  CertGuid,
  parseCertificate,
  parseCertTable,
} from "../lib/snp/firmware/mod.ts";
import { VTPM_SERVICE_GUID } from "../lib/svsm/abi/mod.ts";
import {
  decode,
  type Signature,
  Tpm,
  TPM_ALG,
  TPMA_OBJECT,
  TpmReader,
  TPMT_PUBLIC,
} from "../lib/tpm/mod.ts";
import { verifyReport, type VerifyResult } from "../lib/verify/mod.ts";
import type { AttestationEvidence } from "../lib/guest/attest.ts";
import { sha256Pcrs, Tss } from "./tss.ts";

/** What the relying party concluded about the report. */
export interface ReportVerdict {
  /** lib/verify's result (chain, signature, TCB, measurement, REPORT_DATA). */
  readonly verify: VerifyResult;
  /** The decoded report. */
  readonly report: AttestationReport;
  /** The EK's TPMT_PUBLIC from the manifest the report binds, when there is one. */
  readonly ekPublic?: Uint8Array;
}

/** A checked quote. */
export interface QuoteVerdict {
  /** The AK's ECDSA signature verifies. */
  readonly signatureValid: boolean;
  /** The quote carries our nonce. */
  readonly nonceMatches: boolean;
  /** The PCR digest equals the one we expect from the event log. */
  readonly pcrDigestMatches: boolean;
}

/**
 * The relying party.
 *
 * @example
 * ```ts
 * import { RelyingParty } from "./verifier.ts";
 * const rp = new RelyingParty({ measurement: new Uint8Array(48), nonceSeed: 1 });
 * rp.nonce.length; // 64
 * ```
 */
export class RelyingParty {
  /** The challenge: 64 bytes the report must bind. */
  readonly nonce: Uint8Array;
  readonly #measurement: Uint8Array;
  #ekPublic?: Uint8Array;
  #credential?: Uint8Array;
  #akPublic?: Uint8Array;

  /** Expects `measurement` (from a reference launch, e.g. `svsm measure`). */
  constructor(o: { measurement: Uint8Array; nonceSeed: number }) {
    this.#measurement = o.measurement;
    this.nonce = sha512(new TextEncoder().encode(`nonce ${o.nonceSeed}`));
  }

  /** Checks the evidence: the model's own ARK/ASK/VCEK from the certificate table. */
  checkReport(evidence: AttestationEvidence, now = new Date()): ReportVerdict {
    const certs = parseCertTable(evidence.certificates);
    const cert = (guid: string) => parseCertificate(certs.get(guid) ?? new Uint8Array());
    const chain = {
      leaf: cert(CertGuid.VCEK),
      intermediate: cert(CertGuid.ASK),
      root: cert(CertGuid.ARK),
    };
    const verify = verifyReport(evidence.report, chain, {
      now,
      measurement: this.#measurement,
      reportData: sha512(this.nonce, evidence.manifest),
      vmpl: 0, // the SVSM asks at VMPL0: the guest at VMPL2 cannot forge this report
    });
    this.#ekPublic = verify.valid ? manifestEntry(evidence.manifest, VTPM_SERVICE_GUID) : undefined;
    return { verify, report: verify.report, ekPublic: this.#ekPublic };
  }

  /**
   * A credential for the AK whose public area is `akPublic`, encrypted to the report-bound EK.
   * Only the TPM holding that EK's private key can recover it, and only for an object with
   * exactly this Name (so the AK's attributes — fixedTPM, restricted, sign — are bound too).
   */
  async challengeAk(
    akPublic: Uint8Array,
  ): Promise<{ credentialBlob: Uint8Array; secret: Uint8Array }> {
    if (this.#ekPublic === undefined) throw new Error("no report-bound EK: check the report first");
    const ak = decode(TPMT_PUBLIC, akPublic);
    const want = TPMA_OBJECT.fixedTPM | TPMA_OBJECT.restricted | TPMA_OBJECT.sign;
    if ((ak.objectAttributes & want) !== want) {
      throw new Error("the AK is not a fixedTPM restricted signing key");
    }
    this.#akPublic = akPublic;
    this.#credential = sha512(this.nonce, akPublic).subarray(0, 32);
    // MakeCredential needs only public keys: any TPM can do it, so we use one of our own.
    const tss = new Tss(await ourOwnTpm());
    const ek = await tss.loadExternal(this.#ekPublic);
    return tss.makeCredential(ek.handle, this.#credential, nameOf(akPublic));
  }

  /** The guest sent back what ActivateCredential recovered: is it our credential? */
  akBound(recovered: Uint8Array): boolean {
    return this.#credential !== undefined && equal(recovered, this.#credential);
  }

  /** Checks a quote of SHA-256 `pcrs` by the bound AK against the PCR values we expect. */
  async checkQuote(
    quote: { attest: Uint8Array; signature: Signature },
    pcrs: readonly number[],
    expected: readonly Uint8Array[],
  ): Promise<QuoteVerdict> {
    const ak = decode(TPMT_PUBLIC, this.#akPublic ?? new Uint8Array());
    const a = parseQuote(quote.attest);
    return {
      signatureValid: await verifyEcdsaP256(ak.unique, ak.uniqueY, quote.attest, quote.signature),
      nonceMatches: a.magic === 0xff544347 && equal(a.extraData, this.nonce),
      pcrDigestMatches: equal(a.selection, encodeSelection(pcrs)) &&
        equal(a.pcrDigest, sha256(...expected)),
    };
  }
}

/** A PCR after extending SHA-256 `digests` into zeros, as the relying party replays a log. */
export function replayPcr(digests: readonly Uint8Array[]): Uint8Array {
  return digests.reduce((pcr, d) => sha256(pcr, d), new Uint8Array(32));
}

/** TPM Name of a public area: nameAlg (SHA-256) ‖ SHA-256(TPMT_PUBLIC) (Part 1 §16). */
export function nameOf(publicArea: Uint8Array): Uint8Array {
  return new Uint8Array([0x00, 0x0b, ...sha256(publicArea)]);
}

/** One service's blob in the services manifest GUID table (svsm-abi.md §8). */
export function manifestEntry(manifest: Uint8Array, guid: string): Uint8Array | undefined {
  const dv = new DataView(manifest.buffer, manifest.byteOffset, manifest.byteLength);
  if (manifest.length < 0x18) return undefined;
  const count = dv.getUint32(0x14, true);
  for (let i = 0, e = 0x18; i < count && e + 24 <= manifest.length; i++, e += 24) {
    if (guidFromBytes(manifest.subarray(e, e + 16)) !== guid) continue;
    const off = dv.getUint32(e + 16, true), len = dv.getUint32(e + 20, true);
    return off + len <= manifest.length ? manifest.slice(off, off + len) : undefined;
  }
  return undefined;
}

async function ourOwnTpm(): Promise<(cmd: Uint8Array) => Promise<Uint8Array>> {
  const tpm = await Tpm.manufacture();
  tpm.powerOn();
  await tpm.execute(new Uint8Array([0x80, 1, 0, 0, 0, 12, 0, 0, 1, 0x44, 0, 0])); // Startup
  return (cmd) => tpm.execute(cmd);
}

/** TPMS_ATTEST of a quote (Part 2 §10.12.12): magic, type, signer, extraData, clock, fw, quote. */
function parseQuote(attest: Uint8Array) {
  const r = new TpmReader(attest);
  const magic = r.u32();
  r.u16(); // type: TPM_ST_ATTEST_QUOTE
  r.bytes(r.u16()); // qualifiedSigner
  const extraData = r.bytes(r.u16());
  r.bytes(17 + 8); // clockInfo, firmwareVersion
  const selection = r.bytes(r.remaining - 34);
  const pcrDigest = r.bytes(r.u16());
  return { magic, extraData, selection, pcrDigest };
}

function encodeSelection(pcrs: readonly number[]): Uint8Array {
  const [s] = sha256Pcrs(pcrs);
  return new Uint8Array([0, 0, 0, 1, s.hash >> 8, s.hash & 0xff, s.select.length, ...s.select]);
}

async function verifyEcdsaP256(
  x: Uint8Array,
  y: Uint8Array,
  data: Uint8Array,
  sig: Signature,
): Promise<boolean> {
  if (sig.sigAlg !== TPM_ALG.ECDSA || sig.hash !== TPM_ALG.SHA256) return false;
  const raw = new Uint8Array([4, ...pad32(x), ...pad32(y)]);
  const key = await webcrypto.subtle.importKey(
    "raw",
    raw,
    { name: "ECDSA", namedCurve: "P-256" },
    false,
    [
      "verify",
    ],
  );
  const p1363 = new Uint8Array([...pad32(sig.sig), ...pad32(sig.s)]);
  return webcrypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, key, p1363, data);
}

function pad32(b: Uint8Array): Uint8Array {
  const out = new Uint8Array(32);
  out.set(b.subarray(Math.max(0, b.length - 32)), 32 - Math.min(32, b.length));
  return out;
}

function sha256(...parts: Uint8Array[]): Uint8Array {
  const h = createHash("sha256");
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

function sha512(...parts: Uint8Array[]): Uint8Array {
  const h = createHash("sha512");
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
