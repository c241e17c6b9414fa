// examples/tpm.ts: sealed to a PCR, unsealed, extended, refused.
import assert from "node:assert/strict";
import { main } from "../examples/tpm.ts";

async function captured(args: string[]): Promise<{ code: number; out: string }> {
  const out: string[] = [];
  const { log, error } = console;
  console.log = console.error = (...a: unknown[]) => out.push(a.join(" "));
  try {
    return { code: await main(args), out: out.join("\n") };
  } finally {
    console.log = log;
    console.error = error;
  }
}

Deno.test("example tpm: the secret unseals only while the PCR holds its sealed value", async () => {
  const { code, out } = await captured(["--seed", "6"]);
  assert.equal(code, 0, out);
  const unseals = out.split("\n").filter((l) => l.startsWith("unseal → "));
  assert.equal(unseals.length, 2, out);
  assert.match(unseals[0], /^unseal → "the disk key/);
  assert.match(unseals[1], /^unseal → refused \(TPM_RC 0x9[0-9a-f]d, TPM_RC_POLICY_FAIL/);
  const pcrs = [...out.matchAll(/PCR 23 = ([0-9a-f]{64})/g)].map((m) => m[1]);
  assert.deepEqual(pcrs[0], "0".repeat(64));
  // SHA-256(zeros || SHA-256("an unexpected boot component")): the extend really happened.
  const d = new Uint8Array(
    await crypto.subtle.digest("SHA-256", new TextEncoder().encode("an unexpected boot component")),
  );
  const expected = new Uint8Array(
    await crypto.subtle.digest("SHA-256", new Uint8Array([...new Uint8Array(32), ...d])),
  );
  assert.equal(pcrs[1], [...expected].map((b) => b.toString(16).padStart(2, "0")).join(""));
});

Deno.test("example tpm: runs with no permissions; a bad seed exits 2", async () => {
  const script = new URL("../examples/tpm.ts", import.meta.url).pathname;
  const r = await new Deno.Command("deno", {
    args: ["run", "--no-check", script],
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(r.code, 0, new TextDecoder().decode(r.stderr));
  assert.equal((await captured(["--seed", "1.5"])).code, 2);
});
