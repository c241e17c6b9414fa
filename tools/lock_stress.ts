/**
 * Long lock stress: 10M lock operations (by default) across real Workers on one
 * SharedArrayBuffer, half under the ticket spinlock, half under the rwlock (writers plus a
 * reader). Exits 1 on any lost update or torn record.
 *
 *   deno run -R=. tools/lock_stress.ts [--ops 10000000] [--workers 2]
 * @module
 */

import { parseArgs } from "node:util";
import { runLockStress, type StressResult } from "../tests/svsm_locking_stress.ts";
import { decimalAtLeast, exitUsage } from "./usage.ts";

const USAGE = "usage: lock_stress.ts [--ops N >= 4] [--workers N >= 2]";
let values;
try {
  ({ values } = parseArgs({
    args: Deno.args,
    options: {
      ops: { type: "string", default: "10000000" },
      workers: { type: "string", default: "2" },
    },
    strict: true,
  }));
} catch (e) {
  exitUsage(USAGE, e);
}
const totalOps = decimalAtLeast(values.ops, 4);
const workers = decimalAtLeast(values.workers, 2);
if (Number.isNaN(totalOps) || Number.isNaN(workers)) exitUsage(USAGE, "bad --ops or --workers");

const half = Math.ceil(totalOps / 2); // each half rounded up, so at least `totalOps` in all
const spin = await runLockStress({
  spinWorkers: workers,
  writeWorkers: 0,
  readWorkers: 0,
  opsPerWorker: Math.ceil(half / workers),
});
report("spinlock", spin.spinCount, spin.spinExpected, spin);
const rw = await runLockStress({
  spinWorkers: 0,
  writeWorkers: workers,
  readWorkers: 1,
  opsPerWorker: Math.ceil(half / (workers + 1)),
});
report("rwlock", rw.writeCount, rw.writeExpected, rw);

const ok = spin.spinCount === spin.spinExpected && rw.writeCount === rw.writeExpected &&
  spin.torn + rw.torn === 0;
console.log(`${spin.totalOps + rw.totalOps} lock operations: ${ok ? "no lost updates" : "FAILED"}`);
Deno.exit(ok ? 0 : 1);

function report(name: string, count: number, expected: number, r: StressResult): void {
  const rate = r.totalOps / r.elapsedMs / 1000;
  console.log(
    `${name}: ${r.totalOps} ops in ${r.elapsedMs.toFixed(0)} ms (${rate.toFixed(2)} M ops/s), ` +
      `count ${count}/${expected}, torn ${r.torn}, lock handed between workers ${r.handoffs} times`,
  );
}
