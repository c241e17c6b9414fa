import assert from "node:assert/strict";
import {
  ATTESTATION_REPORT,
  type Certificate,
  GuestMessenger,
  MSG_REPORT_REQ,
  MSG_REPORT_RSP,
  MsgType,
  PageType,
  parseCertificate,
  readCertificates,
  SECRETS_PAGE,
  SecureProcessor,
  signReport,
} from "../lib/snp/firmware/mod.ts";
import { isAmdArk, type VerifyOptions, verifyReport } from "../lib/verify/mod.ts";

const NOW = new Date("2025-06-01T00:00:00Z");
const file = (p: string) => Deno.readFileSync(new URL(`./vectors/snp/${p}`, import.meta.url));
const cert = (p: string): Certificate => readCertificates(file(p))[0];

const GENUINE: Record<string, [string, string]> = {
  "milan-v2-virtee": ["vcek.der", "ask.pem"],
  "milan-v2-gosev": ["vcek.der", "ask.pem"],
  "milan-v2-idblock-trustee": ["vcek.der", "ask.pem"],
  "genoa-v3-azure": ["vcek.der", "ask.pem"],
  "milan-v3-vlek-aws": ["vlek.der", "asvk.pem"],
};
const chainOf = (d: string) => ({
  leaf: cert(`${d}/${GENUINE[d][0]}`),
  intermediate: cert(`${d}/${GENUINE[d][1]}`),
  root: cert(`${d}/ark.pem`),
});
const failed = (raw: Uint8Array, chain: ReturnType<typeof chainOf>, o: VerifyOptions = {}) =>
  verifyReport(raw, chain, { now: NOW, ...o }).checks.filter((c) => !c.ok).map((c) => c.check);

for (const d of Object.keys(GENUINE)) {
  Deno.test(`genuine ${d}: valid at 2025-06-01`, () => {
    const r = verifyReport(file(`${d}/report.bin`), chainOf(d), { now: NOW });
    assert.deepEqual(r.reasons, []);
    assert.ok(r.valid);
    assert.equal(r.product, d.startsWith("genoa") ? "Genoa" : "Milan");
  });
}

Deno.test("VLEK report: rejected once its one-year certificate has expired", () => {
  const d = "milan-v3-vlek-aws";
  const r = verifyReport(file(`${d}/report.bin`), chainOf(d), {
    now: new Date("2026-01-01T00:00:00Z"),
  });
  assert.ok(!r.valid);
  assert.deepEqual(r.checks.filter((c) => !c.ok).map((c) => c.check), ["validity-leaf"]);
});

for (const d of ["milan-v2-virtee", "genoa-v3-azure", "milan-v3-vlek-aws"]) {
  Deno.test(`${d}: any one-byte change in the signed range is rejected`, () => {
    const raw = file(`${d}/report.bin`);
    const chain = chainOf(d);
    const starts = Object.values(ATTESTATION_REPORT.fields).map((f) => f.offset).filter((o) =>
      o < 0x2a0
    );
    const sample = Array.from({ length: 24 }, (_, i) => (i * 113 + 5) % 0x2a0);
    for (const pos of new Set([...starts, ...sample, 0x29f])) {
      const bad = raw.slice();
      bad[pos] ^= 0x01;
      const f = failed(bad, chain);
      assert.ok(f.includes("report-signature"), `byte 0x${pos.toString(16)}: ${f}`);
    }
  });
}

Deno.test("a VCEK from another report is rejected (signature, TCB, chip ID)", () => {
  const chain = { ...chainOf("milan-v2-virtee"), leaf: cert("milan-v2-gosev/vcek.der") };
  const f = failed(file("milan-v2-virtee/report.bin"), chain);
  assert.deepEqual(f, ["report-signature", "tcb-matches-certificate", "chip-id"]);
});

Deno.test("a VCEK whose key names an unknown curve is a finding, not a throw", () => {
  // secp384r1's OID (06 05 2B 81 04 00 22) turned into 1.3.132.0.35 (secp521r1's): the
  // certificate still parses, but its key no longer fits a P-384 signature.
  const der = file("milan-v2-virtee/vcek.der").slice();
  const at = findBytes(der, [0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22]);
  assert.ok(at > 0);
  der[at + 6] = 0x23;
  const chain = { ...chainOf("milan-v2-virtee"), leaf: parseCertificate(der) };
  const f = failed(file("milan-v2-virtee/report.bin"), chain);
  assert.ok(f.includes("report-signature") && f.includes("leaf-signed-by-ask"), f.join());
  const junkKey = { ...chain.leaf, spki: new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x00]) };
  assert.ok(failed(file("milan-v2-virtee/report.bin"), { ...chain, leaf: junkKey }).length > 0);
});

function findBytes(hay: Uint8Array, needle: number[]): number {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

Deno.test("an ARK from the wrong product is rejected", () => {
  const chain = { ...chainOf("milan-v2-virtee"), root: cert("genoa-v3-azure/ark.pem") };
  const f = failed(file("milan-v2-virtee/report.bin"), chain);
  assert.deepEqual(f, ["ark-product", "ask-signed-by-ark"]);
  // And a whole Genoa chain under a Milan leaf: the names and signatures disagree.
  const g = { ...chainOf("genoa-v3-azure"), leaf: cert("milan-v2-virtee/vcek.der") };
  assert.ok(failed(file("milan-v2-virtee/report.bin"), g).includes("leaf-signed-by-ask"));
});

Deno.test("a VLEK report checked with a VCEK chain fails on the signing key", () => {
  const f = failed(file("milan-v3-vlek-aws/report.bin"), chainOf("milan-v2-virtee"));
  assert.ok(f.includes("signing-key") && f.includes("report-signature"));
});

Deno.test("committed == current: both settings on the reports where they differ", () => {
  for (const d of ["milan-v2-idblock-trustee", "milan-v3-vlek-aws"]) {
    const raw = file(`${d}/report.bin`);
    assert.deepEqual(failed(raw, chainOf(d)), []);
    assert.deepEqual(failed(raw, chainOf(d), { committedIsCurrent: true }), [
      "committed-is-current",
    ]);
  }
  assert.deepEqual(
    failed(file("milan-v2-virtee/report.bin"), chainOf("milan-v2-virtee"), {
      committedIsCurrent: true,
    }),
    [],
  );
});

Deno.test("expectations: measurement, report data, host data, VMPL, debug, minimum TCB", () => {
  const d = "milan-v2-gosev";
  const raw = file(`${d}/report.bin`);
  const report = ATTESTATION_REPORT.decode(raw);
  const chain = chainOf(d);
  const ok: VerifyOptions = {
    measurement: report.measurement,
    reportData: report.reportData,
    hostData: new Uint8Array(32),
    vmpl: 0,
    minTcb: { bootloader: 2, tee: 0, snp: 5, microcode: 0x44 },
  };
  assert.deepEqual(failed(raw, chain, ok), []);
  const wrong: VerifyOptions = {
    measurement: new Uint8Array(48),
    reportData: new Uint8Array(64),
    hostData: new Uint8Array(32).fill(1),
    vmpl: 1,
    minTcb: { bootloader: 2, tee: 0, snp: 6, microcode: 0x44 },
    noDebug: true, // this report's policy 0xB0000 allows debugging
  };
  assert.deepEqual(failed(raw, chain, wrong), [
    "measurement",
    "report-data",
    "host-data",
    "min-tcb",
    "vmpl",
    "no-debug",
  ]);
});

Deno.test("format: reserved bytes, policy bit 17 and SIGNER_INFO are checked", () => {
  const d = "milan-v2-virtee";
  const raw = file(`${d}/report.bin`);
  const tail = raw.slice();
  tail[0x400] = 1; // unsigned reserved area
  assert.deepEqual(failed(tail, chainOf(d)), ["reserved-zero"]);
  const rHigh = raw.slice();
  rHigh[0x2d0] = 1; // a non-zero high byte of R
  assert.deepEqual(failed(rHigh, chainOf(d)), ["reserved-zero", "report-signature"]);
  assert.throws(() => verifyReport(raw.subarray(0, 100), chainOf(d)), /1184 bytes/);
});

function modelReport(product: "Milan" | "Genoa" | "Turin") {
  const sp = new SecureProcessor({
    product,
    tcb: { fmc: 1, bootloader: 2, tee: 3, snp: 4, microcode: 5 },
  });
  const { handle } = sp.launchStart({ asid: 1, policy: 0x30000n });
  const secrets = sp.launchUpdate(handle!, { type: PageType.SECRETS, gpa: 0 }).page!;
  sp.launchFinish(handle!);
  const report = requestReport(sp, handle!, secrets);
  const c = sp.certificates();
  const chain = {
    leaf: parseCertificate(c.vcek),
    intermediate: parseCertificate(c.ask),
    root: parseCertificate(c.ark),
  };
  /** Rewrites a field and re-signs with the chip's VCEK, as a buggy firmware might. */
  const resigned = (edit: (raw: Uint8Array) => void) => {
    const raw = report.slice();
    edit(raw);
    signReport(raw, sp.vcek().key.privateKey);
    return raw;
  };
  return { report, chain, resigned };
}

Deno.test("model reports verify for Milan, Genoa and Turin (Turin TCB layout)", () => {
  for (const product of ["Milan", "Genoa", "Turin"] as const) {
    const { report, chain } = modelReport(product);
    const r = verifyReport(report, chain);
    assert.deepEqual(r.reasons, [], product);
    assert.equal(r.product, product);
  }
});

Deno.test("signed but malformed: policy bit 17, SIGNER_INFO, Turin v2, wrong CPUID", () => {
  const m = modelReport("Milan");
  const now = { now: new Date() };
  const noMbo = m.resigned((r) => ATTESTATION_REPORT.set(r, "policy", 0x10000n));
  assert.deepEqual(failed(noMbo, m.chain, now), ["policy-bit-17"]);
  const reservedPolicy = m.resigned((r) =>
    ATTESTATION_REPORT.set(r, "policy", 0x30000n | (1n << 40n))
  );
  assert.deepEqual(failed(reservedPolicy, m.chain, now), ["policy-reserved"]);
  const signer = m.resigned((r) => ATTESTATION_REPORT.set(r, "signerInfo", 3 << 2));
  assert.deepEqual(failed(signer, m.chain, now), ["signer-info", "signing-key"]);
  const algo = m.resigned((r) => ATTESTATION_REPORT.set(r, "signatureAlgo", 2));
  assert.deepEqual(failed(algo, m.chain, now), ["signature-algo"]);
  const genoaCpuid = m.resigned((r) => ATTESTATION_REPORT.set(r, "cpuidModId", 0x11));
  assert.deepEqual(failed(genoaCpuid, m.chain, now), ["product"]);
  const v6 = m.resigned((r) => ATTESTATION_REPORT.set(r, "version", 6));
  // An unknown version is read with the strictest (v2) reserved ranges, so CPUID_* count too.
  assert.deepEqual(failed(v6, m.chain, now), ["version", "reserved-zero"]);
  const t = modelReport("Turin");
  const turinV2 = t.resigned((r) => {
    ATTESTATION_REPORT.set(r, "version", 2);
    r.fill(0, 0x188, 0x18b);
  });
  assert.deepEqual(failed(turinV2, t.chain, now), ["product"]);
  const turinTcb = t.resigned((r) => ATTESTATION_REPORT.set(r, "reportedTcb", 0x0500000004030201n));
  assert.deepEqual(failed(turinTcb, t.chain, now), []); // fmc=1 bl=2 tee=3 snp=4 ucode=5 in Turin order
  const turinMilanOrder = t.resigned((r) =>
    ATTESTATION_REPORT.set(r, "reportedTcb", 0x0504000000000302n)
  );
  assert.deepEqual(failed(turinMilanOrder, t.chain, now), ["tcb-matches-certificate"]);
  // Bytes outside the layout are spl_4..spl_7 (0 in every AMD certificate): setting one
  // names another TCB, though every named component still matches.
  const milanSpl4 = m.resigned((r) =>
    ATTESTATION_REPORT.set(r, "reportedTcb", 0x0504000000000302n | (1n << 16n))
  );
  assert.deepEqual(failed(milanSpl4, m.chain, now), ["tcb-matches-certificate"]);
  const turinReserved = t.resigned((r) =>
    ATTESTATION_REPORT.set(r, "reportedTcb", 0x0500010004030201n)
  );
  assert.deepEqual(failed(turinReserved, t.chain, now), ["tcb-matches-certificate"]);
});

/** Asks the firmware for a report the way a guest does: through an encrypted REPORT_REQ. */
function requestReport(sp: SecureProcessor, handle: number, secrets: Uint8Array): Uint8Array {
  const guest = new GuestMessenger(SECRETS_PAGE.get(secrets, "vmpck0"), 0);
  const req = MSG_REPORT_REQ.encode({ reportData: new Uint8Array(64).fill(1), vmpl: 0 });
  const r = sp.guestRequest(handle, guest.request(MsgType.REPORT_REQ, req));
  return MSG_REPORT_RSP.decode(guest.response(r.response!)).report;
}

Deno.test("amdRoot: genuine ARKs are AMD's pinned roots; the model's is not", () => {
  for (const d of Object.keys(GENUINE)) {
    assert.deepEqual(failed(file(`${d}/report.bin`), chainOf(d), { amdRoot: true }), [], d);
  }
  const m = modelReport("Milan");
  assert.deepEqual(verifyReport(m.report, m.chain).reasons, []);
  const pinned = verifyReport(m.report, m.chain, { amdRoot: true });
  assert.deepEqual(pinned.checks.filter((c) => !c.ok).map((c) => c.check), ["amd-root"]);
  // A Genoa ARK under a Milan chain fails the pin too, not only the signature.
  const wrong = { ...chainOf("milan-v2-virtee"), root: cert("genoa-v3-azure/ark.pem") };
  assert.ok(
    failed(file("milan-v2-virtee/report.bin"), wrong, { amdRoot: true }).includes("amd-root"),
  );
  assert.ok(isAmdArk(cert("turin-vcek-cert-only/ark.pem"), "Turin"));
});
