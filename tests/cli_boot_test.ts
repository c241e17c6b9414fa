// svsm boot: boots, verifies, writes JSON and a Chrome trace; bad input is a usage error.
import assert from "node:assert/strict";
import bootCommand from "../cli/boot.ts";
import { UsageError } from "../cli/common.ts";
import type { ChromeTrace } from "../lib/snp/chrome_trace.ts";

async function captured(args: string[]): Promise<{ code: number; out: string }> {
  const out: string[] = [];
  const { log, error } = console;
  console.log = console.error = (...a: unknown[]) => out.push(a.join(" "));
  try {
    return { code: await bootCommand.run(args), out: out.join("\n") };
  } finally {
    console.log = log;
    console.error = error;
  }
}

const SMALL = ["--vcpus", "2", "--mem", "8", "--seed", "3"];

Deno.test("svsm boot --json --trace: the summary as JSON and a Perfetto-ready trace", async () => {
  const dir = await Deno.makeTempDir({ prefix: "cli_boot_" });
  try {
    const file = `${dir}/boot.json`;
    const { code, out } = await captured([...SMALL, "--json", "--trace", file]);
    assert.equal(code, 0, out);
    const s = JSON.parse(out);
    assert.equal(s.status, "finished");
    assert.equal(s.vcpusUp, 2);
    assert.equal(s.validatedPages, 1024);
    assert.equal(s.reportValid, true);
    assert.deepEqual([s.ekBound, s.akBound, s.quoteValid], [true, true, true]);
    assert.match(s.measurement, /^[0-9a-f]{96}$/);
    assert.equal(s.report.VMPL, "0");
    assert.deepEqual(s.phases.map((p: { step: number }) => p.step), [1, 2, 3, 4, 5, 6]);
    const trace = JSON.parse(await Deno.readTextFile(file)) as ChromeTrace;
    const names = new Set(trace.traceEvents.map((e) => e.name));
    for (
      const n of ["VMPL0", "VMPL2", "TPM2_Quote", "SNP_GUEST_REQUEST", "attest/SERVICES → SUCCESS"]
    ) {
      assert.ok(names.has(n), `trace has ${n}`);
    }
    assert.ok(trace.traceEvents.every((e) => e.ph !== "X" || typeof e.dur === "number"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("svsm boot: narration, then the summary; --quiet gives only the summary", async () => {
  const loud = await captured(SMALL);
  assert.equal(loud.code, 0, loud.out);
  assert.match(loud.out, /\[ +\d+\.\d ms\] 6 verification/);
  const quiet = await captured([...SMALL, "--quiet"]);
  assert.doesNotMatch(quiet.out, /ms\]/);
  assert.match(quiet.out, /quote: valid/);
});

Deno.test("svsm boot: bad options and an unwritable trace are usage errors", async () => {
  for (const args of [["--vcpus", "0"], ["--mem", "3"], ["--seed", "x"], ["--bogus"]]) {
    await assert.rejects(() => captured(args), UsageError, args.join(" "));
  }
  await assert.rejects(
    () => captured([...SMALL, "--quiet", "--trace", "/nonexistent-dir/boot.json"]),
    (e: Error) => e instanceof UsageError && /cannot write \/nonexistent-dir/.test(e.message),
  );
  assert.match(bootCommand.help, /--trace FILE/);
});
