/**
 * Lock throughput: uncontended lock+unlock for the ticket spinlock and both sides of the rwlock
 * (1000 pairs per iteration: ops/s = 1000 × iter/s), the cost of lock debugging, and contended
 * throughput of two Workers on one SharedArrayBuffer (200k lock operations per iteration, timed
 * from the start signal; ops/s = 200k × iter/s).
 *
 *   deno bench -P=bench bench/locking_bench.ts
 * @module
 */

import { LockDebugger, RwLock, SpinLock, SpinWait } from "../lib/svsm/locking/mod.ts";
import { LockStress, type StressPlan } from "../tests/svsm_locking_stress.ts";

const PAIRS = 1000;
const cpu = new SpinWait(0);
const spin = new SpinLock();
const rw = new RwLock();
const debugged = new SpinLock({ debug: new LockDebugger() });

// SpinWait never yields, and these locks are uncontended: lock() returns synchronously.
Deno.bench(
  "spinlock lock+unlock x1000 (uncontended)",
  { group: "uncontended", baseline: true },
  () => {
    for (let i = 0; i < PAIRS; i++) {
      spin.lock(cpu);
      spin.unlock(cpu);
    }
  },
);

Deno.bench("rwlock write lock+unlock x1000 (uncontended)", { group: "uncontended" }, () => {
  for (let i = 0; i < PAIRS; i++) {
    rw.lockWrite(cpu);
    rw.unlockWrite(cpu);
  }
});

Deno.bench("rwlock read lock+unlock x1000 (uncontended)", { group: "uncontended" }, () => {
  for (let i = 0; i < PAIRS; i++) {
    rw.lockRead(cpu);
    rw.unlockRead(cpu);
  }
});

Deno.bench("spinlock lock+unlock x1000 with lock debugging", { group: "uncontended" }, () => {
  for (let i = 0; i < PAIRS; i++) {
    debugged.lock(cpu);
    debugged.unlock(cpu);
  }
});

const PER_WORKER = 100_000;

function contended(name: string, plan: StressPlan): void {
  Deno.bench(name, { group: "contended", n: 10, warmup: 1 }, async (b) => {
    const stress = await LockStress.spawn(plan);
    b.start();
    await stress.run();
    b.end();
    stress.close();
  });
}

contended("spinlock, 2 Workers x 100k lock+unlock", {
  spinWorkers: 2,
  writeWorkers: 0,
  readWorkers: 0,
  opsPerWorker: PER_WORKER,
});
contended("rwlock write, 2 Workers x 100k lock+unlock", {
  spinWorkers: 0,
  writeWorkers: 2,
  readWorkers: 0,
  opsPerWorker: PER_WORKER,
});
