import assert from "node:assert/strict";
import { generateKeyPairSync, verify } from "node:crypto";
import { toHex } from "../lib/common/hex.ts";
import {
  ATTESTATION_REPORT,
  decodeTcb,
  parseCertificate,
  parseReport,
  readAmdExtensions,
  REPORT_SIZE,
  SIGNED_SIZE,
  signingKeyOf,
  signReport,
  verifyReportSignature,
} from "../lib/snp/firmware/mod.ts";
import { P384_N, p384Sign } from "../lib/snp/firmware/ecdsa_p384.ts";
import { reportSignatureP1363, reservedRanges } from "../lib/snp/firmware/attestation_report.ts";

const vec = (p: string) => Deno.readFileSync(new URL(`./vectors/snp/${p}`, import.meta.url));

interface Expected {
  leaf: string;
  version: number;
  policy: bigint;
  current: bigint;
  reported: bigint;
  committed: bigint;
  fw: [number, number, number];
  platformInfo: bigint;
  signerInfo: number;
  vmpl: number;
  measurement: string;
}

// Expected values: vectors/README.md "Expected values" (from the upstream sources).
const EXPECTED: Record<string, Expected> = {
  "milan-v2-virtee": {
    leaf: "vcek.der",
    version: 2,
    policy: 0x30000n,
    current: 0x7308000000000003n,
    reported: 0x7308000000000003n,
    committed: 0x7308000000000003n,
    fw: [1, 52, 4],
    platformInfo: 1n,
    signerInfo: 0,
    vmpl: 0,
    measurement:
      "7a1e5c266c0108dbc9bb94fa926951320940915d0aafb42464bd88b579ea158d3e1a0dc39b2c60bd95b9c480cd81841f",
  },
  "milan-v2-gosev": {
    leaf: "vcek.der",
    version: 2,
    policy: 0xb0000n,
    current: 0x4405000000000002n,
    reported: 0x4405000000000002n,
    committed: 0x4405000000000002n,
    fw: [1, 49, 3],
    platformInfo: 1n,
    signerInfo: 0,
    vmpl: 0,
    measurement:
      "b07af9620f3b839b47996422ddec6058338951d984e312115131ea82705eaf5b6bdf8a9ece31a5a608eb0cf2e4872b01",
  },
  "milan-v2-idblock-trustee": {
    leaf: "vcek.der",
    version: 2,
    policy: 0x3001fn,
    current: 0xce08000000000003n,
    reported: 0x7308000000000003n,
    committed: 0x7308000000000003n,
    fw: [1, 52, 4],
    platformInfo: 1n,
    signerInfo: 0,
    vmpl: 0,
    measurement:
      "a1f3930413247bb38cfc171579ea3c12d5fe4901f0c792f63fd75d98f1ef827c23500644e0e692e6be917f9050d3d38c",
  },
  "genoa-v3-azure": {
    leaf: "vcek.der",
    version: 3,
    policy: 0x3001fn,
    current: 0x541700000000000an,
    reported: 0x541700000000000an,
    committed: 0x541700000000000an,
    fw: [1, 55, 40],
    platformInfo: 0x24n,
    signerInfo: 0,
    vmpl: 0,
    measurement:
      "f57dc09a507c6ecd82369bffb600f0003792f4d99bc26e985ec0c266fc34faf3706faf814c9e61065768a6ff917c89ae",
  },
  "milan-v3-vlek-aws": {
    leaf: "vlek.der",
    version: 3,
    policy: 0x30000n,
    current: 0xdc18000000000004n,
    reported: 0xd918000000000004n,
    committed: 0xdb18000000000004n,
    fw: [1, 55, 29],
    platformInfo: 0x27n,
    signerInfo: 0x4,
    vmpl: 1,
    measurement:
      "8922ebbdd00ec2c541f36a6e7a82a8773a7accb451ed67bc94e740dbe92c93c4e8c9af857f5ceeb5a493df2a570d7bf0",
  },
};

Deno.test("report layout: field offsets of snp-abi.md §1", () => {
  const f = ATTESTATION_REPORT.fields;
  const want: [keyof typeof f, number, number][] = [
    ["version", 0x000, 4],
    ["guestSvn", 0x004, 4],
    ["policy", 0x008, 8],
    ["familyId", 0x010, 16],
    ["imageId", 0x020, 16],
    ["vmpl", 0x030, 4],
    ["signatureAlgo", 0x034, 4],
    ["currentTcb", 0x038, 8],
    ["platformInfo", 0x040, 8],
    ["signerInfo", 0x048, 4],
    ["reportData", 0x050, 64],
    ["measurement", 0x090, 48],
    ["hostData", 0x0c0, 32],
    ["idKeyDigest", 0x0e0, 48],
    ["authorKeyDigest", 0x110, 48],
    ["reportId", 0x140, 32],
    ["reportIdMa", 0x160, 32],
    ["reportedTcb", 0x180, 8],
    ["cpuidFamId", 0x188, 1],
    ["cpuidModId", 0x189, 1],
    ["cpuidStep", 0x18a, 1],
    ["chipId", 0x1a0, 64],
    ["committedTcb", 0x1e0, 8],
    ["currentBuild", 0x1e8, 1],
    ["currentMinor", 0x1e9, 1],
    ["currentMajor", 0x1ea, 1],
    ["committedBuild", 0x1ec, 1],
    ["committedMinor", 0x1ed, 1],
    ["committedMajor", 0x1ee, 1],
    ["launchTcb", 0x1f0, 8],
    ["launchMitVector", 0x1f8, 8],
    ["currentMitVector", 0x200, 8],
    ["signatureR", 0x2a0, 72],
    ["signatureS", 0x2e8, 72],
  ];
  for (const [name, off, size] of want) {
    assert.deepEqual([f[name].offset, f[name].size], [off, size], String(name));
  }
  assert.equal(ATTESTATION_REPORT.size, 0x4a0);
  assert.equal(SIGNED_SIZE, 0x2a0);
});

for (const [folder, e] of Object.entries(EXPECTED)) {
  Deno.test(`genuine report ${folder}: fields match the published values`, () => {
    const raw = vec(`${folder}/report.bin`);
    const r = parseReport(raw);
    assert.equal(r.version, e.version);
    assert.equal(r.policy, e.policy);
    assert.equal(r.currentTcb, e.current);
    assert.equal(r.reportedTcb, e.reported);
    assert.equal(r.committedTcb, e.committed);
    assert.equal(r.launchTcb, e.committed);
    assert.deepEqual([r.currentMajor, r.currentMinor, r.currentBuild], e.fw);
    assert.equal(r.platformInfo, e.platformInfo);
    assert.equal(r.signerInfo, e.signerInfo);
    assert.equal(signingKeyOf(r), e.signerInfo >> 2);
    assert.equal(r.vmpl, e.vmpl);
    assert.equal(r.signatureAlgo, 1);
    assert.equal(toHex(r.measurement), e.measurement);
    assert.ok(r.reportIdMa.every((b) => b === 0xff));
    assert.ok(r.hostData.every((b) => b === 0) && r.authorKeyDigest.every((b) => b === 0));
    for (const [s, t] of reservedRanges(r.version)) {
      assert.ok(raw.subarray(s, t).every((b) => b === 0), `reserved 0x${s.toString(16)}`);
    }
  });

  Deno.test(`genuine report ${folder}: signature verifies with its leaf, not after a flip`, () => {
    const raw = vec(`${folder}/report.bin`);
    const leaf = parseCertificate(vec(`${folder}/${e.leaf}`));
    assert.ok(verifyReportSignature(raw, leaf.spki));
    const bad = raw.slice();
    bad[0x90] ^= 1;
    assert.ok(!verifyReportSignature(bad, leaf.spki));
    const ext = readAmdExtensions(leaf);
    assert.deepEqual(ext.tcb, decodeTcb(e.reported, "milan"));
    if (e.leaf === "vcek.der") assert.deepEqual(ext.hwId, parseReport(raw).chipId);
  });
}

Deno.test("genuine reports: per-folder details of the README", () => {
  const gosev = parseReport(vec("milan-v2-gosev/report.bin"));
  assert.equal(toHex(gosev.reportData), "0102030405" + "00".repeat(59));
  const idb = parseReport(vec("milan-v2-idblock-trustee/report.bin"));
  assert.equal(idb.guestSvn, 4);
  assert.equal(idb.familyId[0], 1);
  assert.equal(idb.imageId[0], 2);
  assert.equal(
    toHex(idb.idKeyDigest),
    "0356215882a825279a85b300b0b742931d113bf7e32dde2e50ffde7ec743ca491ecdd7f336dc28a6e0b2bb57af7a44a3",
  );
  const genoa = parseReport(vec("genoa-v3-azure/report.bin"));
  assert.deepEqual([genoa.cpuidFamId, genoa.cpuidModId, genoa.cpuidStep], [0x19, 0x11, 0x01]);
  assert.equal(genoa.guestSvn, 0x1000b);
  const aws = parseReport(vec("milan-v3-vlek-aws/report.bin"));
  assert.deepEqual([aws.cpuidFamId, aws.cpuidModId, aws.cpuidStep], [0x19, 0x01, 0x01]);
  assert.ok(aws.chipId.every((b) => b === 0));
});

Deno.test("milan-v2-virtee: P1363 conversion gives the README's r || s", () => {
  const sig = reportSignatureP1363(vec("milan-v2-virtee/report.bin"))!;
  assert.equal(
    toHex(sig),
    "72827fd0029b56ee2b7dec81480554cb05c0379cc2cb70e13da66ea9b7ee4044d54a2af43d235f62971966aa114fab61" +
      "49bf903b08ac41cb4673dccf309eabc5446dbb31a95cb1407e976e8c773bc5bbeabf6efe571daf0b1d9a91beb97e9d20",
  );
});

Deno.test("parseReport: wrong size and unknown versions are refused", () => {
  assert.throws(() => parseReport(new Uint8Array(REPORT_SIZE - 1)), /must be 1184 bytes/);
  for (const v of [0, 1, 6]) {
    const raw = new Uint8Array(REPORT_SIZE);
    raw[0] = v;
    assert.throws(() => parseReport(raw), /unsupported report version/);
  }
});

Deno.test("signReport: R and S land little-endian with zero high bytes; tamper fails", () => {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-384" });
  const raw = new Uint8Array(REPORT_SIZE);
  raw[0] = 3;
  signReport(raw, privateKey);
  assert.ok(verifyReportSignature(raw, publicKey));
  assert.ok(raw.subarray(0x2d0, 0x2e8).every((b) => b === 0));
  assert.ok(raw.subarray(0x318, 0x330).every((b) => b === 0));
  const hi = raw.slice();
  hi[0x2d0] = 1; // a non-zero high byte of R is malformed even if the low part is right
  assert.ok(!verifyReportSignature(hi, publicKey));
  const t = raw.slice();
  t[0x29f] ^= 0x80;
  assert.ok(!verifyReportSignature(t, publicKey));
});

Deno.test("p384Sign: signatures verify with node:crypto, r and s in [1, n), nonces differ", () => {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-384" });
  const seen = new Set<string>();
  for (let i = 0; i < 50; i++) {
    const msg = new Uint8Array([i, i >> 8, 7]);
    const sig = p384Sign(privateKey, msg);
    assert.ok(verify("sha384", msg, { key: publicKey, dsaEncoding: "ieee-p1363" }, sig), `#${i}`);
    const r = BigInt(`0x${toHex(sig.subarray(0, 48))}`), s = BigInt(`0x${toHex(sig.subarray(48))}`);
    assert.ok(r > 0n && r < P384_N && s > 0n && s < P384_N);
    seen.add(toHex(sig.subarray(0, 48)));
    const other = msg.slice();
    other[2] ^= 1;
    assert.ok(!verify("sha384", other, { key: publicKey, dsaEncoding: "ieee-p1363" }, sig));
  }
  assert.equal(seen.size, 50);
  const p256 = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey;
  assert.throws(() => p384Sign(p256, new Uint8Array(1)), /P-384/);
});
