// examples/boot.ts: runs, tells the key facts, and needs no permission at all.
import assert from "node:assert/strict";
import { main } from "../examples/boot.ts";

/** Runs `main(args)` and returns its exit code and what it printed. */
async function captured(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const { log, error } = console;
  console.log = (...a: unknown[]) => out.push(a.join(" "));
  console.error = (...a: unknown[]) => err.push(a.join(" "));
  try {
    const code = await main(args);
    return { code, out: out.join("\n"), err: err.join("\n") };
  } finally {
    console.log = log;
    console.error = error;
  }
}

Deno.test("example boot: --quiet prints the key facts", async () => {
  const { code, out } = await captured(["--quiet", "--seed", "3", "--vcpus", "3", "--mem", "8"]);
  assert.equal(code, 0);
  assert.match(out, /status: finished/);
  assert.match(out, /vCPUs up: 3\/3/);
  assert.match(out, /validated: 2046 pages/);
  assert.match(out, /host sees ciphertext: [0-9a-f]{16}/);
  assert.match(out, /guest sees: "the guest's secret never leaves it in clear"/);
  assert.match(out, /RMP: \d+ assigned, \d+ validated, 3 VMSA, 1 shared/);
  assert.doesNotMatch(out, /\[ +\d+\.\d ms\]/, "quiet: no phase narration");
});

Deno.test("example boot: the narration gives each phase with its time", async () => {
  const { code, out } = await captured(["--seed", "1", "--vcpus", "2", "--mem", "4"]);
  assert.equal(code, 0);
  for (const phase of ["launch", "boot: finished", "host view vs guest view", "RMP"]) {
    assert.match(out, new RegExp(`\\[ +\\d+\\.\\d ms\\] ${phase}`));
  }
  assert.match(out, /measurement [0-9a-f]{96}/);
});

Deno.test("example boot: the same seed tells the same story", async () => {
  const strip = (s: string) => s.replace(/host sees ciphertext: .*/, "");
  const a = await captured(["--quiet", "--seed", "9", "--vcpus", "4", "--mem", "4"]);
  const b = await captured(["--quiet", "--seed", "9", "--vcpus", "4", "--mem", "4"]);
  assert.equal(strip(a.out), strip(b.out));
});

Deno.test("example boot: bad options exit 2 with the usage", async () => {
  const { code, err } = await captured(["--vcpus", "0"]);
  assert.equal(code, 2);
  assert.match(err, /--vcpus must be 1\.\.64/);
  assert.match(err, /usage:/);
  assert.equal((await captured(["--bogus"])).code, 2);
});

Deno.test("example boot: runs under `deno run` with no permission flags", async () => {
  const script = new URL("../examples/boot.ts", import.meta.url).pathname;
  const r = await new Deno.Command("deno", {
    args: ["run", "--no-check", script, "--quiet", "--mem", "4", "--vcpus", "2"],
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const out = new TextDecoder().decode(r.stdout);
  assert.equal(r.code, 0, new TextDecoder().decode(r.stderr));
  assert.match(out, /status: finished/);
});
