/**
 * Long SVSM fuzz runs: `deno task fuzz:svsm [--calls N] [--seed S] [--runs R]`.
 * Each run boots a fresh VM and sends N hostile calls (tests/support/svsm_fuzzer.ts).
 * Exits 1 when any run found a problem, printing the seed to replay it.
 * @module
 */
import { parseArgs } from "node:util";
import { fuzzSvsm } from "../tests/support/svsm_fuzzer.ts";
import { decimalAtLeast, exitUsage } from "./usage.ts";

const USAGE = "usage: svsm_fuzz.ts [--calls N] [--seed S] [--runs R]";
let values;
try {
  ({ values } = parseArgs({
    args: Deno.args,
    options: {
      calls: { type: "string", default: "1000000" },
      seed: { type: "string", default: String(Date.now() & 0xffffff) },
      runs: { type: "string", default: "1" },
    },
  }));
} catch (e) {
  exitUsage(USAGE, e);
}
const calls = decimalAtLeast(values.calls, 1), runs = decimalAtLeast(values.runs, 1);
let seed = decimalAtLeast(values.seed, 0);
// NaN calls or runs would fuzz nothing and still exit 0.
if ([calls, runs, seed].some(Number.isNaN)) exitUsage(USAGE, "N, S and R must be integers");
let failed = false;
for (let i = 0; i < runs; i++, seed++) {
  const t0 = performance.now();
  const report = await fuzzSvsm(calls, seed, progress(seed, calls));
  if (Deno.stderr.isTerminal()) console.error();
  const ms = performance.now() - t0;
  const codes = [...report.results].map(([c, n]) => `0x${c.toString(16)}:${n}`).join(" ");
  console.log(`seed ${seed}: ${calls} calls in ${ms.toFixed(0)} ms; ${codes}`);
  for (const p of report.problems) console.log(`  PROBLEM ${p}`);
  failed ||= report.problems.length > 0;
}
Deno.exit(failed ? 1 : 0);

/** A one-line counter on a terminal; nothing when stderr is piped. */
function progress(seed: number, calls: number): ((done: number) => void) | undefined {
  if (!Deno.stderr.isTerminal()) return undefined;
  const enc = new TextEncoder();
  return (done) => {
    const pct = ((100 * done) / calls).toFixed(0).padStart(3);
    Deno.stderr.writeSync(enc.encode(`\rseed ${seed}: ${done}/${calls} calls (${pct}%)`));
  };
}
