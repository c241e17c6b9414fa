/**
 * Second review pass over the secure-processor firmware, the attestation
 * verifier and the measure/verify/report CLI: each test plays the attacker
 * or checks one spec fact that an earlier test did not cover.
 */
import assert from "node:assert/strict";
import { createPrivateKey } from "node:crypto";
import {
  AmdKeyHierarchy,
  CertificateError,
  GuestMessenger,
  MSG_HEADER,
  MSG_MAX_PAYLOAD,
  MsgType,
  parseCertificate,
  readCertificates,
  sealMessage,
  toPem,
} from "../lib/snp/firmware/mod.ts";
import * as der from "../lib/snp/firmware/der.ts";
import { MODEL_ASK_KEY_PEM } from "../lib/snp/firmware/model_keys.ts";
import { amdName, buildCertificate, Oid } from "../lib/snp/firmware/x509.ts";

const ASK_KEY = createPrivateKey(MODEL_ASK_KEY_PEM);

/** A signed certificate whose subject holds `subject` (DER), else model-VCEK-like. */
function certWithSubject(subject: Uint8Array): Uint8Array {
  const amd = AmdKeyHierarchy.model("Milan");
  const ask = parseCertificate(amd.ask);
  return buildCertificate({
    serial: 0n,
    issuer: ask.subject.raw,
    subject,
    notBefore: new Date("2024-01-01T00:00:00Z"),
    notAfter: new Date("2030-01-01T00:00:00Z"),
    spki: ask.spki,
    extensions: [],
  }, ASK_KEY);
}

Deno.test("certificate parser: a name attribute without a value is a CertificateError", () => {
  // AttributeTypeAndValue ::= SEQUENCE { type, value }: here the value is missing.
  const broken = der.seq(der.set(der.seq(der.oid(Oid.COMMON_NAME))));
  const cert = certWithSubject(broken);
  assert.throws(() => parseCertificate(cert), CertificateError);
  const pem = new TextEncoder().encode(toPem(cert));
  assert.throws(() => readCertificates(pem), CertificateError);
  // The same certificate with a whole name parses.
  assert.equal(parseCertificate(certWithSubject(amdName("SEV-VCEK"))).version, 3);
});

Deno.test("GuestMessenger: a payload too large to seal leaves the channel usable", () => {
  const key = new Uint8Array(32).fill(3);
  const guest = new GuestMessenger(key, 0);
  assert.throws(() => guest.request(MsgType.REPORT_REQ, new Uint8Array(MSG_MAX_PAYLOAD + 1)));
  assert.equal(guest.seqno, 0n);
  assert.equal(guest.wiped, false);
  // The next request still goes out with sequence number 1 and its response is accepted.
  const page = guest.request(MsgType.REPORT_REQ, new Uint8Array(0x60));
  assert.equal(MSG_HEADER.get(page, "msgSeqno"), 1n);
  const answer = sealMessage(
    key,
    { seqno: 2n, type: MsgType.REPORT_RSP, version: 1, vmpck: 0 },
    new Uint8Array(8),
  );
  assert.deepEqual(guest.response(answer), new Uint8Array(8));
  assert.equal(guest.seqno, 2n);
});
