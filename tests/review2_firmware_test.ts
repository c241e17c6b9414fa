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
import { main } from "../cli.ts";

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

/** Runs `svsm` as the binary does, capturing stdout and stderr lines. */
async function svsm(args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [], err: string[] = [];
  const log = console.log, error = console.error;
  console.log = (...a: unknown[]) => out.push(a.join(" "));
  console.error = (...a: unknown[]) => err.push(a.join(" "));
  try {
    return { code: await main(args), out, err };
  } finally {
    console.log = log;
    console.error = error;
  }
}

const SNP = (p: string) => new URL(`./vectors/snp/${p}`, import.meta.url).pathname;
const VIRTEE = [
  SNP("milan-v2-virtee/report.bin"),
  "--vcek",
  SNP("milan-v2-virtee/vcek.der"),
  "--ask",
  SNP("milan-v2-virtee/ask.pem"),
  "--ark",
  SNP("milan-v2-virtee/ark.pem"),
];

Deno.test("svsm verify --now: a date that does not exist or a zoneless time is a usage error", async () => {
  // 2025-02-30 would silently become 2025-03-02; a time without a zone is read in the local zone.
  for (
    const now of ["2025-02-30", "2025-06-31T00:00:00Z", "2025-06-01T24:00:00Z", "2025-06-01T12:00"]
  ) {
    const r = await svsm(["verify", ...VIRTEE, "--now", now]);
    assert.equal(r.code, 2, now);
    assert.equal(r.err.length, 1, now);
    assert.match(r.err[0], /--now/, now);
  }
  for (
    const now of [
      "2025-06-01",
      "2025-06-01T00:00:00Z",
      "2025-06-01T02:00:00+02:00",
      "2025-06-01T00:00:00.5Z",
    ]
  ) {
    const r = await svsm(["verify", ...VIRTEE, "--now", now]);
    assert.equal(r.code, 0, `${now}: ${r.err.join(" ")}`);
  }
});

Deno.test("svsm measure --steps: no updates print no lines; the final digest is still printed", async () => {
  const path = await Deno.makeTempFile({ suffix: ".json" });
  try {
    await Deno.writeTextFile(path, JSON.stringify({ updates: [] }));
    const steps = await svsm(["measure", path, "--steps"]);
    assert.equal(steps.code, 0);
    assert.deepEqual(steps.out, []);
    const final = await svsm(["measure", path]);
    assert.deepEqual(final.out, ["00".repeat(48)]);
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("GuestMessenger: request sequence numbers stop below 2^32 - 1, as Linux's", () => {
  const key = new Uint8Array(32).fill(4);
  const guest = new GuestMessenger(key, 1, 0xfffffffcn);
  const page = guest.request(MsgType.KEY_REQ, new Uint8Array(0x20));
  assert.equal(MSG_HEADER.get(page, "msgSeqno"), 0xfffffffdn);
  const fields = { seqno: 0xfffffffen, type: MsgType.KEY_RSP, version: 1, vmpck: 1 };
  guest.response(sealMessage(key, fields, new Uint8Array(0x40)));
  assert.equal(guest.seqno, 0xfffffffen);
  // The next request would carry 0xFFFFFFFF: refused, and nothing is sent or wiped.
  assert.throws(() => guest.request(MsgType.KEY_REQ, new Uint8Array(0x20)), /exhausted/);
  assert.equal(guest.wiped, false);
});

Deno.test("svsm verify: a hostile certificate name cannot forge output lines or terminal escapes", async () => {
  // A leaf whose CN carries a newline, a fake verdict and an ANSI escape, signed by the model ASK.
  const cn = "SEV-VCEK\nVALID\n\u001b[32mok\u202e";
  const name = der.seq(
    der.set(der.seq(der.oid(Oid.COMMON_NAME), der.str(der.Tag.UTF8_STRING, cn))),
  );
  const amd = AmdKeyHierarchy.model("Milan");
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/leaf.pem`, toPem(certWithSubject(name)));
    await Deno.writeTextFile(`${dir}/ask.pem`, toPem(amd.ask));
    await Deno.writeTextFile(`${dir}/ark.pem`, toPem(amd.ark));
    const args = [
      "verify",
      SNP("milan-v2-virtee/report.bin"),
      ...["--vcek", `${dir}/leaf.pem`, "--ask", `${dir}/ask.pem`, "--ark", `${dir}/ark.pem`],
      ...["--now", "2025-06-01"],
    ];
    const r = await svsm(args);
    assert.equal(r.code, 1);
    const lines = r.out.join("\n").split("\n");
    assert.equal(lines.filter((l) => l.trim() === "VALID").length, 0);
    assert.deepEqual(lines.filter((l) => /^(IN)?VALID/.test(l)).map((l) => l.slice(0, 7)), [
      "INVALID",
    ]);
    // deno-lint-ignore no-control-regex
    assert.ok(lines.every((l) => !/[\u0000-\u001f\u007f-\u009f\u202a-\u202e]/.test(l)));
    assert.match(r.out.join("\n"), /SEV-VCEK\\x0aVALID\\x0a\\x1b\[32mok\\u202e/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
