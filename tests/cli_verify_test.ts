import assert from "node:assert/strict";
import verify from "../cli/verify.ts";
import report from "../cli/report.ts";
import type { Subcommand } from "../cli/common.ts";
import { main } from "../cli.ts";

const V = (p: string) => new URL(`./vectors/snp/${p}`, import.meta.url).pathname;
const NOW = ["--now", "2025-06-01T00:00:00Z"];
const chain = (d: string, leaf = "vcek.der", ask = "ask.pem") => [
  "--vcek",
  V(`${d}/${leaf}`),
  "--ask",
  V(`${d}/${ask}`),
  "--ark",
  V(`${d}/ark.pem`),
];

/** Runs a subcommand as cli.ts does: a thrown error becomes one stderr line and exit 2. */
async function run(
  sub: Subcommand,
  args: string[],
): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [], err: string[] = [];
  const log = console.log, error = console.error;
  console.log = (...a: unknown[]) => out.push(a.join(" "));
  console.error = (...a: unknown[]) => err.push(a.join(" "));
  try {
    const code = await sub.run(args).catch((e: Error) => {
      err.push(`svsm: ${e.message}`);
      return 2;
    });
    return { code, out: out.join("\n"), err: err.join("\n") };
  } finally {
    console.log = log;
    console.error = error;
  }
}

async function withTemp<T>(
  bytes: Uint8Array | string,
  f: (path: string) => Promise<T>,
): Promise<T> {
  const path = await Deno.makeTempFile();
  try {
    if (typeof bytes === "string") await Deno.writeTextFile(path, bytes);
    else await Deno.writeFile(path, bytes);
    return await f(path);
  } finally {
    await Deno.remove(path);
  }
}

Deno.test("svsm verify: every genuine report is valid (exit 0) under AMD's pinned roots", async () => {
  const cases: [string, string[]][] = [
    ["milan-v2-virtee", chain("milan-v2-virtee")],
    ["milan-v2-virtee", chain("milan-v2-virtee", "vcek.pem")],
    ["milan-v2-gosev", chain("milan-v2-gosev")],
    ["milan-v2-idblock-trustee", chain("milan-v2-idblock-trustee")],
    ["genoa-v3-azure", chain("genoa-v3-azure")],
    ["milan-v3-vlek-aws", chain("milan-v3-vlek-aws", "vlek.der", "asvk.pem")],
  ];
  for (const [d, c] of cases) {
    const r = await run(verify, [V(`${d}/report.bin`), ...c, ...NOW, "--amd-root"]);
    assert.equal(r.code, 0, `${d}: ${r.out}${r.err}`);
    assert.match(r.out, /^VALID$/m);
  }
});

Deno.test("svsm verify: a tampered report is invalid (exit 1) with every reason listed", async () => {
  const raw = Deno.readFileSync(V("milan-v2-virtee/report.bin"));
  raw[0x90] ^= 1;
  await withTemp(raw, async (path) => {
    const args = [path, ...chain("milan-v2-virtee"), "--ark", V("genoa-v3-azure/ark.pem"), ...NOW];
    const r = await run(verify, [...args, "--vmpl", "1"]);
    assert.equal(r.code, 1);
    assert.match(r.out, /INVALID \(4 reasons\)/);
    for (const check of ["ark-product", "ask-signed-by-ark", "report-signature", "vmpl"]) {
      assert.match(r.out, new RegExp(`^  ${check}: `, "m"), check);
    }
    const j = await run(verify, [...args, "--json"]);
    assert.equal(j.code, 1);
    const json = JSON.parse(j.out);
    assert.equal(json.valid, false);
    assert.equal(json.reasons.length, 3);
    assert.equal(json.report.version, 2);
    assert.equal(json.report.reportedTcbParts.microcode, 0x73);
  });
});

Deno.test("svsm verify --json on a valid report, with expectations", async () => {
  const d = "milan-v2-gosev";
  const r = await run(verify, [
    V(`${d}/report.bin`),
    ...chain(d),
    ...NOW,
    "--json",
    "--measurement",
    "b07af9620f3b839b47996422ddec6058338951d984e312115131ea82705eaf5b6bdf8a9ece31a5a608eb0cf2e4872b01",
    "--report-data",
    "0102030405" + "00".repeat(59),
    "--min-tcb",
    "bl=2,tee=0,snp=5,ucode=68",
    "--vmpl",
    "0",
  ]);
  assert.equal(r.code, 0, r.out);
  const json = JSON.parse(r.out);
  assert.equal(json.valid, true);
  assert.equal(json.product, "Milan");
  assert.ok(json.checks.some((c: { check: string }) => c.check === "measurement"));
  const debug = await run(verify, [V(`${d}/report.bin`), ...chain(d), ...NOW, "--no-debug"]);
  assert.equal(debug.code, 1);
  assert.match(debug.out, /no-debug: POLICY.DEBUG is set/);
});

Deno.test("svsm verify: bad usage and unreadable input exit 2 with one clear line", async () => {
  const d = "milan-v2-virtee";
  const report = V(`${d}/report.bin`);
  const raw = Deno.readFileSync(report);
  const key = Deno.readTextFileSync(new URL("./vectors/id-block/test_id_key.pem", import.meta.url));
  const cases: [string, (p: string) => string[], Uint8Array | string, RegExp][] = [
    [
      "truncated report",
      (p) => [p, ...chain(d)],
      raw.subarray(0, 1000),
      /1184 bytes, this file has 1000/,
    ],
    [
      "private key as --vcek",
      (p) => [report, ...chain(d), "--vcek", p],
      key,
      /PRIVATE KEY, not CERTIFICATE/,
    ],
    [
      "garbage DER",
      (p) => [report, ...chain(d), "--ask", p],
      new Uint8Array([0x30, 0x82, 1, 0, 5]),
      /not an X\.509/,
    ],
    [
      "truncated PEM",
      (p) => [report, ...chain(d), "--ark", p],
      "-----BEGIN CERTIFICATE-----\nMIIG",
      /no complete block/,
    ],
    [
      "empty file",
      (p) => [report, ...chain(d), "--ark", p],
      new Uint8Array(0),
      /not an X\.509|truncated/,
    ],
    [
      "two certificates",
      (p) => [report, ...chain(d), "--ark", p],
      Deno.readTextFileSync(V(`${d}/ark.pem`)) + Deno.readTextFileSync(V(`${d}/ask.pem`)),
      /expected one certificate, found 2/,
    ],
  ];
  for (const [name, args, content, re] of cases) {
    await withTemp(content, async (p) => {
      const r = await run(verify, args(p));
      assert.equal(r.code, 2, name);
      assert.match(r.err, re, name);
      assert.equal(r.err.split("\n").length, 1, name);
      assert.doesNotMatch(r.err, /\bat .*:\d+:\d+/, name); // no stack trace
    });
  }
  const usage: [string[], RegExp][] = [
    [[], /expected one REPORT\.bin/],
    [[report, "--ask", "x", "--ark", "y"], /--vcek FILE is required/],
    [[report, ...chain(d), "--now", "yesterday"], /not an ISO-8601 time/],
    [[report, ...chain(d), "--vmpl", "7"], /--vmpl must be 0\.\.3/],
    [[report, ...chain(d), "--measurement", "abcd"], /96 hex/],
    [[report, ...chain(d), "--min-tcb", "bl=x"], /--min-tcb/],
    [[report, ...chain(d), "--frobnicate"], /frobnicate/],
    [["./tests/vectors/no-such-dir/report.bin", ...chain(d)], /no such file/],
  ];
  for (const [args, re] of usage) {
    const r = await run(verify, args);
    assert.equal(r.code, 2, args.join(" "));
    assert.match(r.err, re);
  }
});

Deno.test("svsm main: a two-line parseArgs error still prints one line, exit 2", async () => {
  const err: string[] = [];
  const error = console.error;
  console.error = (...a: unknown[]) => err.push(a.join(" "));
  try {
    // A value that starts with '-' is "ambiguous": node's message has a second line.
    assert.equal(await main(["verify", "r.bin", "--vcek", "-1"]), 2);
  } finally {
    console.error = error;
  }
  assert.equal(err.length, 1);
  assert.match(err[0], /^svsm: Option '--vcek' argument is ambiguous\. Did you forget/);
  assert.equal(err[0].split("\n").length, 1, err[0]);
});

Deno.test("svsm report: dumps every field; --json; bad input exits 2", async () => {
  const r = await run(report, [V("genoa-v3-azure/report.bin")]);
  assert.equal(r.code, 0);
  assert.match(r.out, /^MEASUREMENT +f57dc09a507c6ecd/m);
  assert.match(r.out, /^CPUID +family 0x19 model 0x11 stepping 1 \(Genoa\)/m);
  assert.match(r.out, /^REPORTED_TCB +0x541700000000000a \(bl=10 tee=0 snp=23 ucode=84\)/m);
  assert.match(r.out, /^POLICY +0x3001f \(ABI 0\.31; SMT RESERVED_MBO\)/m);
  const v = await run(report, [V("milan-v3-vlek-aws/report.bin"), "--json"]);
  assert.equal(v.code, 0);
  const json = JSON.parse(v.out);
  assert.equal(json.signingKey, "VLEK");
  assert.equal(json.vmpl, 1);
  assert.equal(json.currentTcb, "0xdc18000000000004");
  await withTemp(new Uint8Array(10), async (p) => {
    const bad = await run(report, [p]);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /must be 1184 bytes, got 10/);
  });
  assert.equal((await run(report, [])).code, 2);
});
