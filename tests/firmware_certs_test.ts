import assert from "node:assert/strict";
import { toHex } from "../lib/common/hex.ts";
import {
  AmdKeyHierarchy,
  AmdOid,
  decodeTcb,
  Oid,
  parseCertificate,
  readAmdExtensions,
  readCertificates,
  REPORT_SIZE,
  reportSignatureDer,
  SIGNED_SIZE,
  signReport,
  toPem,
  verifyCertificateSignature,
  verifyReportSignature,
} from "../lib/snp/firmware/mod.ts";
import { deriveChipId, deriveVcek } from "../lib/snp/firmware/vcek.ts";
import { nameAttribute } from "../lib/snp/firmware/x509.ts";

const vec = (p: string) => Deno.readFileSync(new URL(`./vectors/snp/${p}`, import.meta.url));
const TCB = { bootloader: 3, tee: 0, snp: 8, microcode: 0x73 };

async function openssl(args: string[]): Promise<{ code: number; out: string }> {
  const r = await new Deno.Command("openssl", { args, stdout: "piped", stderr: "piped" }).output();
  const dec = new TextDecoder();
  return { code: r.code, out: dec.decode(r.stdout) + dec.decode(r.stderr) };
}

Deno.test("genuine chains: ARK self-signed, ASK/ASVK by ARK, leaf by ASK (RSA-PSS, salt 48)", () => {
  const folders: [string, string, string][] = [
    ["milan-v2-virtee", "ask.pem", "vcek.der"],
    ["genoa-v3-azure", "ask.pem", "vcek.der"],
    ["milan-v3-vlek-aws", "asvk.pem", "vlek.der"],
    ["turin-vcek-cert-only", "ask.pem", "vcek.der"],
  ];
  for (const [d, ask, leaf] of folders) {
    const [arkC] = readCertificates(vec(`${d}/ark.pem`));
    const [askC] = readCertificates(vec(`${d}/${ask}`));
    const [leafC] = readCertificates(vec(`${d}/${leaf}`));
    assert.ok(verifyCertificateSignature(arkC, arkC), `${d} ARK`);
    assert.ok(verifyCertificateSignature(askC, arkC), `${d} ASK`);
    assert.ok(verifyCertificateSignature(leafC, askC), `${d} leaf`);
    assert.ok(!verifyCertificateSignature(leafC, arkC), `${d} leaf by ARK must fail`);
    assert.equal(leafC.serial, 0n);
    assert.equal(leafC.keyCurve, Oid.SECP384R1);
  }
});

Deno.test("genuine leaves: AMD extensions decode as the README lists", () => {
  const turin = readAmdExtensions(parseCertificate(vec("turin-vcek-cert-only/vcek.der")));
  assert.equal(turin.structVersion, 1);
  assert.equal(turin.productName, "Turin");
  assert.deepEqual(turin.tcb, { fmc: 0, bootloader: 0, tee: 0, snp: 0, microcode: 9 });
  assert.equal(toHex(turin.hwId!), "1e550a8ee5cf9f4d");
  const vlek = readAmdExtensions(parseCertificate(vec("milan-v3-vlek-aws/vlek.der")));
  assert.equal(vlek.productName, "Milan");
  assert.equal(vlek.cspId, "CN=cc-us-east-2.amazonaws.com");
  assert.deepEqual(vlek.tcb, { bootloader: 4, tee: 0, snp: 24, microcode: 0xd9 });
  assert.equal(vlek.hwId, undefined);
  const genoa = readAmdExtensions(parseCertificate(vec("genoa-v3-azure/vcek.der")));
  assert.equal(genoa.productName, "Genoa");
  assert.deepEqual(genoa.tcb, { bootloader: 10, tee: 0, snp: 23, microcode: 0x54 });
  assert.equal(genoa.hwId!.length, 64);
  const pem = readCertificates(vec("milan-v2-virtee/vcek.pem"))[0];
  assert.deepEqual(pem.der, vec("milan-v2-virtee/vcek.der"));
  assert.equal(nameAttribute(pem.subject, Oid.COMMON_NAME), "SEV-VCEK");
  assert.equal(pem.notBefore.toISOString(), "2023-04-03T19:23:43.000Z");
});

Deno.test("model hierarchy: structure mirrors AMD's (names, serials, extensions)", () => {
  const amd = AmdKeyHierarchy.model("Milan");
  const ark = parseCertificate(amd.ark), ask = parseCertificate(amd.ask);
  assert.equal(nameAttribute(ark.subject, Oid.COMMON_NAME), "ARK-Milan");
  assert.equal(nameAttribute(ask.subject, Oid.COMMON_NAME), "SEV-Milan");
  assert.deepEqual(ask.issuer.raw, ark.subject.raw);
  assert.equal(ark.serial, 0x10000n);
  assert.ok(ark.extensions.get(Oid.BASIC_CONSTRAINTS)!.critical);
  // The model's DER names are byte-identical to AMD's (same order and string types).
  const realAsk = readCertificates(vec("milan-v2-virtee/ask.pem"))[0];
  assert.deepEqual(ask.subject.raw, realAsk.subject.raw);
  assert.deepEqual(ask.signatureAlgorithm, realAsk.signatureAlgorithm);
  const secret = new Uint8Array(32).fill(9);
  const vcek = deriveVcek(secret, 0x7308000000000003n);
  const chip = deriveChipId(secret);
  const leaf = parseCertificate(amd.issueVcek(vcek.spki, TCB, chip));
  const ext = readAmdExtensions(leaf);
  assert.equal(leaf.serial, 0n);
  assert.equal(leaf.version, 3);
  assert.deepEqual(ext.tcb, decodeTcb(0x7308000000000003n, "milan"));
  assert.deepEqual(ext.hwId, chip);
  assert.equal(ext.productName, "Milan-B0");
  assert.deepEqual(leaf.extensions.get(AmdOid.HW_ID)!.value, chip); // raw, no inner tag
  assert.ok(verifyCertificateSignature(leaf, ask));
  assert.ok(verifyCertificateSignature(ask, ark));
  assert.ok(verifyCertificateSignature(ark, ark));
});

Deno.test("model Turin VCEK: structVersion 1, fmcSPL, no spl_4, 8-byte hwID", () => {
  const amd = AmdKeyHierarchy.model("Turin");
  const vcek = deriveVcek(new Uint8Array(32), 0n);
  const leaf = parseCertificate(
    amd.issueVcek(vcek.spki, { ...TCB, fmc: 2 }, deriveChipId(new Uint8Array(32), 8)),
  );
  const ext = readAmdExtensions(leaf);
  assert.equal(ext.structVersion, 1);
  assert.equal(ext.tcb.fmc, 2);
  assert.equal(ext.hwId!.length, 8);
  assert.ok(!leaf.extensions.has(AmdOid.SPL_4));
});

Deno.test("VCEK derivation: same chip and TCB give the same key; a new TCB a new one", () => {
  const s = new Uint8Array(32).fill(1);
  assert.deepEqual(deriveVcek(s, 1n).spki, deriveVcek(s, 1n).spki);
  assert.notDeepEqual(deriveVcek(s, 1n).spki, deriveVcek(s, 2n).spki);
  assert.notDeepEqual(deriveVcek(s, 1n).spki, deriveVcek(new Uint8Array(32), 1n).spki);
});

Deno.test("openssl accepts the model chain and a model report signature", async () => {
  const amd = AmdKeyHierarchy.model("Genoa");
  const secret = crypto.getRandomValues(new Uint8Array(32));
  const vcek = deriveVcek(secret, 0n);
  const leaf = amd.issueVcek(vcek.spki, TCB, deriveChipId(secret));
  const report = new Uint8Array(REPORT_SIZE);
  report[0] = 3;
  crypto.getRandomValues(report.subarray(0x50, 0x90));
  signReport(report, vcek.privateKey);
  assert.ok(verifyReportSignature(report, vcek.spki));
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/ark.pem`, toPem(amd.ark));
    await Deno.writeTextFile(`${dir}/ask.pem`, toPem(amd.ask));
    await Deno.writeTextFile(`${dir}/vcek.pem`, toPem(leaf));
    await Deno.writeTextFile(`${dir}/pub.pem`, toPem(vcek.spki, "PUBLIC KEY"));
    await Deno.writeFile(`${dir}/body.bin`, report.subarray(0, SIGNED_SIZE));
    await Deno.writeFile(`${dir}/sig.der`, reportSignatureDer(report));
    const chain = await openssl([
      "verify",
      "-CAfile",
      `${dir}/ark.pem`,
      "-untrusted",
      `${dir}/ask.pem`,
      `${dir}/vcek.pem`,
    ]);
    assert.equal(chain.code, 0, chain.out);
    assert.match(chain.out, /vcek\.pem: OK/);
    const dgst = ["dgst", "-sha384", "-verify", `${dir}/pub.pem`, "-signature", `${dir}/sig.der`];
    const sig = await openssl([...dgst, `${dir}/body.bin`]);
    assert.equal(sig.code, 0, sig.out);
    assert.match(sig.out, /Verified OK/);
    report[0x60] ^= 1; // openssl must see the tamper too
    await Deno.writeFile(`${dir}/body.bin`, report.subarray(0, SIGNED_SIZE));
    assert.notEqual((await openssl([...dgst, `${dir}/body.bin`])).code, 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("certificate parser: garbage, truncation and wrong PEM are clear errors", () => {
  const good = vec("milan-v2-virtee/vcek.der");
  assert.throws(() => parseCertificate(good.subarray(0, 500)), /not an X\.509 certificate/);
  assert.throws(() => parseCertificate(new Uint8Array([1, 2, 3])), /not an X\.509/);
  assert.throws(() => parseCertificate(new Uint8Array([0x30, 0x80, 0, 0])), /indefinite/);
  const trailing = new Uint8Array([...good, 0]);
  assert.throws(() => parseCertificate(trailing), /trailing bytes/);
  const key = new TextEncoder().encode(
    "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
  );
  assert.throws(() => readCertificates(key), /PRIVATE KEY, not CERTIFICATE/);
  const withText = new TextEncoder().encode(
    "Certificate:\n    Data: ...\n" + new TextDecoder().decode(vec("milan-v2-virtee/ark.pem")),
  );
  assert.equal(readCertificates(withText).length, 1);
  const cut = new TextEncoder().encode("-----BEGIN CERTIFICATE-----\nMIIF");
  assert.throws(() => readCertificates(cut), /no complete block/);
  // Random bytes never crash the parser: they parse or throw a CertificateError.
  for (let i = 0; i < 200; i++) {
    const b = good.slice();
    b[(i * 7919) % b.length] ^= 1 + (i % 255);
    try {
      parseCertificate(b);
    } catch (e) {
      assert.equal((e as Error).name, "CertificateError", String(e));
    }
  }
});
