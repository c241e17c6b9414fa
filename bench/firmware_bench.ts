/**
 * Attestation report signing and verification, beside OpenSSL's own ECDSA
 * P-384 speed on the same machine in the same run.
 *
 * `deno bench -P=bench bench/firmware_bench.ts` prints, before the Deno.bench
 * table, one line per operation: our rate, OpenSSL's (`openssl speed -seconds
 * 1 ecdsap384`) and the ratio. Signing uses lib/snp/firmware's p384Sign;
 * verification node:crypto's synchronous verify. node:crypto `sign` and
 * WebCrypto are benched beside them for comparison.
 * @module
 */
import { createPublicKey, sign } from "node:crypto";
import {
  GuestMessenger,
  MSG_REPORT_REQ,
  MSG_REPORT_RSP,
  MsgType,
  PageType,
  parseCertificate,
  REPORT_SIZE,
  SECRETS_PAGE,
  SecureProcessor,
  SIGNED_SIZE,
  signReport,
  verifyReportSignature,
} from "../lib/snp/firmware/mod.ts";
import { reportSignatureP1363 } from "../lib/snp/firmware/attestation_report.ts";
import { verifyReport } from "../lib/verify/mod.ts";

const sp = new SecureProcessor();
const vcek = sp.vcek().key;
const report = new Uint8Array(REPORT_SIZE);
report[0] = 3;
signReport(report, vcek.privateKey);
const chain = (() => {
  const c = sp.certificates();
  return {
    leaf: parseCertificate(c.vcek),
    intermediate: parseCertificate(c.ask),
    root: parseCertificate(c.ark),
  };
})();
const webKey = {
  sign: await crypto.subtle.importKey(
    "pkcs8",
    new Uint8Array(vcek.privateKey.export({ format: "der", type: "pkcs8" })),
    { name: "ECDSA", namedCurve: "P-384" },
    false,
    ["sign"],
  ),
  verify: await crypto.subtle.importKey(
    "spki",
    new Uint8Array(vcek.spki),
    { name: "ECDSA", namedCurve: "P-384" },
    false,
    [
      "verify",
    ],
  ),
};
const ECDSA = { name: "ECDSA", hash: "SHA-384" } as const;
const pub = createPublicKey({
  key: vcek.publicKey.export({ format: "der", type: "spki" }),
  format: "der",
  type: "spki",
});

/** Operations per second of `op` over about `ms` milliseconds. */
function rate(op: () => void, ms = 1000): number {
  let n = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < ms) {
    for (let i = 0; i < 16; i++) op();
    n += 16;
    t = performance.now();
  }
  return (n * 1000) / (t - t0);
}

/** OpenSSL's P-384 sign/s and verify/s, or undefined when openssl is unavailable. */
async function opensslSpeed(): Promise<{ sign: number; verify: number } | undefined> {
  try {
    const r = await new Deno.Command("openssl", {
      args: ["speed", "-seconds", "1", "ecdsap384"],
      stdout: "piped",
      stderr: "null",
    }).output();
    // "384 bits ecdsa (nistp384)   0.0008s   0.0006s   1298.0   1567.0"
    const m = /384 bits ecdsa \(nistp384\)\s+\S+\s+\S+\s+([\d.]+)\s+([\d.]+)/.exec(
      new TextDecoder().decode(r.stdout),
    );
    return m ? { sign: Number(m[1]), verify: Number(m[2]) } : undefined;
  } catch {
    return undefined;
  }
}

// Warm up, then measure on both sides of the openssl run and keep the better
// figure: the machine is shared, and load shows up as noise in either side.
const ops = {
  sign: () => signReport(report, vcek.privateKey),
  verify: () => verifyReportSignature(report, pub),
};
rate(ops.sign, 200);
rate(ops.verify, 200);
const before = { sign: rate(ops.sign), verify: rate(ops.verify) };
const peer = await opensslSpeed();
const ours = {
  sign: Math.max(before.sign, rate(ops.sign)),
  verify: Math.max(before.verify, rate(ops.verify)),
};
for (const op of ["sign", "verify"] as const) {
  const p = peer?.[op];
  console.log(
    `report ${op.padEnd(6)} ${ours[op].toFixed(0).padStart(6)}/s   openssl ecdsap384 ${
      p ? p.toFixed(0).padStart(6) + "/s" : "n/a"
    }   ratio ${p ? (ours[op] / p).toFixed(2) + "x" : "n/a"}`,
  );
}

Deno.bench("report sign (p384Sign: ECDH fixed-base k·G + BigInt, used)", {
  group: "sign",
  baseline: true,
}, () => {
  signReport(report, vcek.privateKey);
});

Deno.bench("report sign (node:crypto crypto.sign)", { group: "sign" }, () => {
  sign("sha384", report.subarray(0, SIGNED_SIZE), {
    key: vcek.privateKey,
    dsaEncoding: "ieee-p1363",
  });
});

Deno.bench("report sign (WebCrypto)", { group: "sign" }, async () => {
  await crypto.subtle.sign(ECDSA, webKey.sign, report.subarray(0, SIGNED_SIZE));
});

Deno.bench(
  "report signature verify (node:crypto, used)",
  { group: "verify", baseline: true },
  () => {
    verifyReportSignature(report, pub);
  },
);

Deno.bench("report signature verify (WebCrypto)", { group: "verify" }, async () => {
  await crypto.subtle.verify(
    ECDSA,
    webKey.verify,
    new Uint8Array(reportSignatureP1363(report)!),
    report.subarray(0, SIGNED_SIZE),
  );
});

Deno.bench("full verifyReport (format, RSA-PSS chain, ECDSA, TCB)", { group: "verify" }, () => {
  verifyReport(report, chain);
});

// One whole attestation round trip through the firmware: encrypt, decrypt, build, sign, encrypt, decrypt.
const { handle } = sp.launchStart({ asid: 1, policy: 0x30000n });
const secrets = sp.launchUpdate(handle!, { type: PageType.SECRETS, gpa: 0 }).page!;
sp.launchFinish(handle!);
const guest = new GuestMessenger(SECRETS_PAGE.get(secrets, "vmpck0"), 0);
const req = MSG_REPORT_REQ.encode({ reportData: new Uint8Array(64), vmpl: 0 });
Deno.bench("MSG_REPORT_REQ round trip (guest -> firmware -> guest)", () => {
  const r = sp.guestRequest(handle!, guest.request(MsgType.REPORT_REQ, req));
  MSG_REPORT_RSP.decode(guest.response(r.response!));
});
