import assert from "node:assert/strict";
import { toHex } from "../lib/common/hex.ts";
import { PageType } from "../lib/snp/firmware/mod.ts";
import measure from "../cli/measure.ts";

const vec = (name: string) => new URL(`./vectors/launch-digest/${name}`, import.meta.url);
const ovmf = Deno.readFileSync(vec("ovmf_AmdSev_suffix.bin"));
const trace = JSON.parse(Deno.readTextFileSync(vec("trace_snp_1vcpu_epycv4_gf1.json"))) as {
  final_ld: string;
  updates: { page_type: number; gpa: string; contents: string; ld_after: string }[];
};
const NAMES = ["", "NORMAL", "VMSA", "ZERO", "UNMEASURED", "SECRETS", "CPUID"];

async function runMeasure(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [], err: string[] = [];
  const log = console.log, error = console.error;
  console.log = (...a: unknown[]) => out.push(a.join(" "));
  console.error = (...a: unknown[]) => err.push(a.join(" "));
  try {
    const code = await measure.run(args).catch((e) => {
      err.push(String(e.message));
      return 2;
    });
    return { code, out: out.join("\n"), err: err.join("\n") };
  } finally {
    console.log = log;
    console.error = error;
  }
}

Deno.test("svsm measure: the trace as LAUNCH.json prints the published value and every step", async () => {
  const launch = {
    updates: trace.updates.map((u) => ({
      type: NAMES[u.page_type],
      gpa: u.gpa,
      ...(u.page_type === PageType.NORMAL ? { data: toHex(ovmf) } : { contents: u.contents }),
    })),
  };
  const path = await Deno.makeTempFile({ suffix: ".json" });
  try {
    await Deno.writeTextFile(path, JSON.stringify(launch));
    const one = await runMeasure([path]);
    assert.equal(one.code, 0);
    assert.equal(one.out, trace.final_ld);
    const all = await runMeasure([path, "--steps"]);
    assert.equal(all.code, 0);
    assert.deepEqual(all.out.split("\n"), trace.updates.map((u) => u.ld_after));
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("svsm measure: bad usage and unreadable input are usage errors", async () => {
  const path = await Deno.makeTempFile({ suffix: ".json" });
  try {
    await Deno.writeTextFile(path, "{not json");
    assert.equal((await runMeasure([])).code, 2);
    assert.equal((await runMeasure(["/nonexistent/launch.json"])).code, 2);
    const r = await runMeasure([path]);
    assert.equal(r.code, 2);
    assert.match(r.err, /JSON/);
    assert.equal((await runMeasure([path, "--bogus"])).code, 2);
  } finally {
    await Deno.remove(path);
  }
});
