// examples/attack.ts: every host attack visibly fails, with the reason.
import assert from "node:assert/strict";
import { main } from "../examples/attack.ts";

async function captured(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [], err: string[] = [];
  const { log, error } = console;
  console.log = (...a: unknown[]) => out.push(a.join(" "));
  console.error = (...a: unknown[]) => err.push(a.join(" "));
  try {
    return { code: await main(args), out: out.join("\n"), err: err.join("\n") };
  } finally {
    console.log = log;
    console.error = error;
  }
}

Deno.test("example attack: each attack is stopped, and says by what", async () => {
  const { code, out } = await captured(["--seed", "4"]);
  assert.equal(code, 0, out);
  const expected: [string, RegExp][] = [
    ["read the guest's private page", /ciphertext [0-9a-f]{24}…/],
    ["write the guest's private page", /#PF .*the guest reads "the guest's secret/],
    ["swap two guest pages", /#NPF 0x[0-9a-f]+ \(RMP check\)/],
    ["RMPUPDATE the page", /#VC 0x404/],
    ["replay old ciphertext", /#VC 0x404/],
    ["resume the guest without running the SVSM", /did not take the call/],
    ["refuse to run the SVSM", /RUN_VMPL\(0\) answered/],
    ["forge the guest's VMSA", /VMRUN refuses/],
    ["hand out another chip's certificates", /rejected it: report-signature/],
    ["replay an old attestation report", /rejected it: report-data/],
  ];
  const lines = out.split("\n");
  for (const [attack, why] of expected) {
    const line = lines.find((l) => l.includes(attack));
    assert.ok(line?.startsWith("✓"), `${attack}: ${line}`);
    assert.match(line!, why);
  }
  assert.match(out, /10\/10 attacks stopped/);
});

Deno.test("example attack: a bad seed is a usage error (exit 2)", async () => {
  const { code, err } = await captured(["--seed", "x"]);
  assert.equal(code, 2);
  assert.match(err, /usage:/);
});

Deno.test("example attack: runs under `deno run` with no permission flags", async () => {
  const script = new URL("../examples/attack.ts", import.meta.url).pathname;
  const r = await new Deno.Command("deno", {
    args: ["run", "--no-check", script, "--seed", "8"],
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(r.code, 0, new TextDecoder().decode(r.stderr));
  assert.match(new TextDecoder().decode(r.stdout), /10\/10 attacks stopped/);
});
