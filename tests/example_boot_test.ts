// examples/boot.ts: boots, attests, verifies, and needs no permission at all.
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

const SMALL = ["--vcpus", "2", "--mem", "8"];

Deno.test("example boot: --quiet prints the verified facts", async () => {
  const { code, out } = await captured(["--quiet", "--seed", "3", "--vcpus", "3", "--mem", "8"]);
  assert.equal(code, 0, out);
  assert.match(out, /measurement: [0-9a-f]{32}… \(as expected\)/);
  assert.match(out, /vCPUs up: 3\/3/);
  assert.match(out, /validated: 1024 pages/); // 8 MiB - 2 MiB pool - 2 MiB SVSM
  assert.match(out, /report: valid/);
  assert.match(out, /EK bound to the report: yes/);
  assert.match(out, /AK bound to the EK: yes/);
  assert.match(out, /quote: valid/);
  assert.match(out, /status: finished/);
  assert.doesNotMatch(out, /\[ +\d+\.\d ms\]/, "quiet: no phase narration");
});

Deno.test("example boot: the narration gives the six phases with their times", async () => {
  const { code, out } = await captured(["--seed", "1", ...SMALL]);
  assert.equal(code, 0, out);
  const phases = [
    "1 launch",
    "2 SVSM boot",
    "3 guest memory",
    "4 vTPM",
    "5 attestation",
    "6 verif",
  ];
  for (const p of phases) assert.match(out, new RegExp(`\\[ +\\d+\\.\\d ms\\] ${p}`));
  assert.match(out, /MEASUREMENT [0-9a-f]{96}/);
  assert.match(out, /VMPL +0/);
  assert.match(out, /report: valid \(\d+ checks/);
});

Deno.test("example boot: the same seed tells the same story", async () => {
  const a = await captured(["--quiet", "--seed", "9", ...SMALL]);
  const b = await captured(["--quiet", "--seed", "9", ...SMALL]);
  assert.equal(a.out, b.out);
});

Deno.test("example boot: bad options exit 2 with the usage", async () => {
  const { code, err } = await captured(["--vcpus", "0"]);
  assert.equal(code, 2);
  assert.match(err, /--vcpus must be 1\.\.64/);
  assert.match(err, /usage:/);
  assert.equal((await captured(["--bogus"])).code, 2);
  assert.equal((await captured(["--mem", "7"])).code, 2);
  for (const odd of [["--vcpus", "1e1"], ["--vcpus", "0x4"], ["--seed", "9007199254740993"]]) {
    assert.equal((await captured(odd)).code, 2, `${odd.join(" ")} is not a plain integer`);
  }
});

Deno.test("example boot: runs under `deno run` with no permission flags", async () => {
  const script = new URL("../examples/boot.ts", import.meta.url).pathname;
  const r = await new Deno.Command("deno", {
    args: ["run", "--no-check", script, "--quiet", ...SMALL],
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const out = new TextDecoder().decode(r.stdout);
  const err = new TextDecoder().decode(r.stderr);
  assert.equal(r.code, 0, err);
  assert.equal(err, "", "nothing on stderr (no permission prompts, no errors)");
  assert.match(out, /quote: valid/);
});
