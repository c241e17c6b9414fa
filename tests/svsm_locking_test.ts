import assert from "node:assert/strict";
import { Prng } from "../lib/common/prng.ts";
import { Scheduler, type Thread } from "../lib/snp/scheduler.ts";
import { KernelStack } from "../lib/svsm/debug/stacktrace.ts";
import {
  DeadlockError,
  type LockCpu,
  LockDebugger,
  LockError,
  LockOrderError,
  RwLock,
  SpinLock,
  SpinWait,
} from "../lib/svsm/locking/mod.ts";
import {
  createPvalidateLock,
  PVALIDATE_LOCK_MODE,
  withPvalidateLock,
} from "../lib/svsm/locking/pvalidate_lock.ts";
import { runLockStress } from "./svsm_locking_stress.ts";

/**
 * A deterministic stand-in for the machine's scheduler: CPUs are coroutines that run one at a
 * time and switch only at PAUSE (the yield point), either stepped by hand or picked by a seeded
 * PRNG.
 */
class FakeScheduler {
  readonly #parked = new Map<number, () => void>();
  #turnEnded: (() => void) | undefined;
  failure: unknown;

  /** CPU `id`, whose PAUSE parks it until the scheduler resumes it. */
  cpu(id: number, stack?: KernelStack): LockCpu {
    return { cpuId: id, stack, pause: () => this.#park(id) };
  }

  /** Starts a coroutine for CPU `id`; it runs when first stepped. */
  spawn(id: number, body: () => Promise<void>): void {
    (async () => {
      await this.#park(id);
      await body();
    })().catch((e) => this.failure ??= e).finally(() => this.#turnEnded?.());
  }

  parked(id: number): boolean {
    return this.#parked.has(id);
  }

  /** Resumes CPU `id` until it pauses again or finishes. */
  async step(id: number): Promise<void> {
    const resume = this.#parked.get(id);
    assert.ok(resume, `CPU ${id} is not parked`);
    this.#parked.delete(id);
    await new Promise<void>((ended) => {
      this.#turnEnded = ended;
      resume();
    });
  }

  /** Steps seeded-random CPUs until all finish; throws the first failure or on a livelock. */
  async run(seed: number, maxSteps = 200_000): Promise<void> {
    const prng = new Prng(seed);
    for (let steps = 0; this.#parked.size > 0 && this.failure === undefined; steps++) {
      assert.ok(steps < maxSteps, `seed ${seed}: no progress after ${maxSteps} steps`);
      const ids = [...this.#parked.keys()].sort((a, b) => a - b);
      await this.step(ids[prng.below(ids.length)]);
    }
    if (this.failure !== undefined) throw this.failure;
  }

  #park(id: number): Promise<void> {
    return new Promise((resume) => {
      this.#parked.set(id, resume);
      this.#turnEnded?.();
    });
  }
}

const SEEDS = 25;

/** `cpus` CPUs each increment a shared counter `rounds` times, yielding mid-update. */
async function countUnder(
  seed: number,
  cpus: number,
  rounds: number,
  guard: (cpu: LockCpu, update: () => Promise<void>) => Promise<void>,
): Promise<number> {
  const sched = new FakeScheduler();
  let counter = 0;
  for (let id = 0; id < cpus; id++) {
    const cpu = sched.cpu(id);
    sched.spawn(id, async () => {
      for (let r = 0; r < rounds; r++) {
        await guard(cpu, async () => {
          const seen = counter;
          await cpu.pause(); // another CPU may run in the middle of the update
          counter = seen + 1;
        });
        await cpu.pause();
      }
    });
  }
  await sched.run(seed);
  return counter;
}

Deno.test("spinlock: uncontended lock returns synchronously; unlock frees it", () => {
  const lock = new SpinLock();
  const cpu = new SpinWait(0);
  assert.equal(lock.lock(cpu), undefined);
  assert.ok(lock.isLocked());
  assert.deepEqual([...lock.words], [1, 0]); // current = 1 ticket handed out, holder = 0
  lock.unlock(cpu);
  assert.ok(!lock.isLocked());
  assert.deepEqual([...lock.words], [1, 1]);
});

Deno.test("spinlock: no lost updates under seeded interleavings (and without it, lost)", async () => {
  for (let seed = 0; seed < SEEDS; seed++) {
    const lock = new SpinLock();
    const n = await countUnder(seed, 4, 20, (cpu, update) => lock.withLock(cpu, update));
    assert.equal(n, 80, `seed ${seed}`);
  }
  // Control: the same workload without the lock loses updates, so the check above can fail.
  const unguarded = await countUnder(1, 4, 20, (_cpu, update) => update());
  assert.ok(unguarded < 80, `unguarded count ${unguarded}`);
});

/**
 * Runs `bodies` as vCPU fibers on the machine's own seeded scheduler, PAUSE being its yield
 * point; returns the order in which critical sections were entered.
 */
async function onMachine(
  seed: number,
  bodies: ((cpu: LockCpu, enter: () => void) => Promise<void>)[],
): Promise<number[]> {
  const sched = new Scheduler(seed);
  const entered: number[] = [];
  let failure: unknown;
  bodies.forEach((body, id) => {
    const cpu: LockCpu = { cpuId: id, pause: () => sched.yieldFrom(fiber) };
    const fiber = sched.fiber(`vcpu${id}`, () => body(cpu, () => entered.push(id)), (_f, e) => {
      failure ??= e;
      sched.setRunnable(thread, false);
    });
    const thread: Thread = { id, fiber };
    sched.setRunnable(thread, true);
  });
  assert.equal(await sched.run(), "idle");
  if (failure !== undefined) throw failure;
  return entered;
}

Deno.test("spinlock and rwlock on the machine's scheduler: exact counts, replayable", async () => {
  const run = async (seed: number) => {
    const spin = new SpinLock();
    const rw = new RwLock();
    const counts = { spin: 0, rw: 0 };
    const body = (writer: boolean) => async (cpu: LockCpu, enter: () => void) => {
      for (let r = 0; r < 10; r++) {
        await spin.withLock(cpu, async () => {
          enter();
          const seen = counts.spin;
          await cpu.pause();
          counts.spin = seen + 1;
        });
        const side = writer ? rw.withWrite.bind(rw) : rw.withRead.bind(rw);
        await side(cpu, async () => {
          const seen = counts.rw;
          await cpu.pause();
          if (writer) counts.rw = seen + 1;
          else assert.equal(counts.rw, seen, "a reader saw a write");
        });
      }
    };
    const order = await onMachine(seed, [body(true), body(false), body(true), body(false)]);
    assert.deepEqual(counts, { spin: 40, rw: 20 }, `seed ${seed}`);
    return order;
  };
  for (let seed = 0; seed < 50; seed++) {
    assert.deepEqual(await run(seed), await run(seed), `seed ${seed} replays`);
  }
});

Deno.test("spinlock: tickets serve waiters in arrival order (FIFO)", async () => {
  const sched = new FakeScheduler();
  const lock = new SpinLock();
  const order: number[] = [];
  const holder = sched.cpu(9);
  lock.lock(holder);
  for (const id of [3, 1, 2]) {
    const cpu = sched.cpu(id);
    sched.spawn(id, async () => {
      await lock.lock(cpu);
      order.push(id);
      lock.unlock(cpu);
    });
  }
  for (const id of [3, 1, 2]) await sched.step(id); // take tickets in this order
  lock.unlock(holder);
  await sched.run(7);
  assert.deepEqual(order, [3, 1, 2]);
});

Deno.test("spinlock: tryLock succeeds only when no ticket is outstanding", async () => {
  const sched = new FakeScheduler();
  const lock = new SpinLock();
  const [a, b, c] = [sched.cpu(0), sched.cpu(1), sched.cpu(2)];
  assert.ok(lock.tryLock(a));
  assert.ok(!lock.tryLock(b));
  let bHolds = false;
  sched.spawn(1, async () => {
    await lock.lock(b);
    bHolds = true;
  });
  await sched.step(1); // b queued behind a
  lock.unlock(a);
  assert.ok(!lock.tryLock(c), "b's ticket is next, not c's");
  await sched.step(1);
  assert.ok(bHolds);
  lock.unlock(b);
  assert.ok(lock.tryLock(c));
  lock.unlock(c);
});

Deno.test("spinlock: unlocking a free lock is a LockError and changes nothing", () => {
  const lock = new SpinLock({ name: "L" });
  const cpu = new SpinWait(0);
  assert.throws(() => lock.unlock(cpu), (e) => e instanceof LockError && e.kind === "not-locked");
  assert.deepEqual([...lock.words], [0, 0]);
  assert.equal(lock.lock(cpu), undefined);
  lock.unlock(cpu);
});

Deno.test("spinlock: counters wrap around 2^32 without breaking", () => {
  const words = new Int32Array(new SharedArrayBuffer(8));
  words[0] = words[1] = 0x7fffffff;
  const lock = new SpinLock({ words });
  const cpu = new SpinWait(0);
  for (let i = 0; i < 3; i++) {
    assert.equal(lock.lock(cpu), undefined);
    assert.ok(!lock.tryLock(cpu));
    lock.unlock(cpu);
  }
  assert.ok(!lock.isLocked());
});

Deno.test("rwlock: packed word holds readers in 15:0 and writers from bit 16", () => {
  const lock = new RwLock();
  const [a, b] = [new SpinWait(0), new SpinWait(1)];
  assert.equal(lock.lockRead(a), undefined);
  assert.equal(lock.lockRead(b), undefined);
  assert.equal(lock.words[0], 2);
  assert.deepEqual(lock.counts(), { readers: 2, writers: 0 });
  lock.unlockRead(a);
  lock.unlockRead(b);
  assert.equal(lock.lockWrite(a), undefined);
  assert.equal(lock.words[0], 0x10000);
  lock.unlockWrite(a);
  assert.equal(lock.words[0], 0);
});

Deno.test("rwlock: writers exclude everyone; readers see whole records (seeded)", async () => {
  for (let seed = 0; seed < SEEDS; seed++) {
    const sched = new FakeScheduler();
    const lock = new RwLock();
    const record = [0, 0];
    let torn = 0;
    let reads = 0;
    for (let id = 0; id < 5; id++) {
      const cpu = sched.cpu(id);
      const writer = id < 2;
      sched.spawn(id, async () => {
        for (let r = 0; r < 15; r++) {
          if (writer) {
            await lock.withWrite(cpu, async () => {
              record[0]++;
              await cpu.pause();
              record[1]++;
            });
          } else {
            await lock.withRead(cpu, async () => {
              const first = record[0];
              await cpu.pause();
              if (record[1] !== first) torn++;
              reads++;
            });
          }
          await cpu.pause();
        }
      });
    }
    await sched.run(seed);
    assert.deepEqual(record, [30, 30], `seed ${seed}`);
    assert.equal(torn, 0, `seed ${seed}`);
    assert.equal(reads, 45);
  }
});

Deno.test("rwlock: readers share the lock at the same time", async () => {
  const sched = new FakeScheduler();
  const lock = new RwLock();
  let inside = 0;
  let most = 0;
  for (let id = 0; id < 3; id++) {
    const cpu = sched.cpu(id);
    sched.spawn(id, () =>
      lock.withRead(cpu, async () => {
        most = Math.max(most, ++inside);
        await cpu.pause();
        inside--;
      }));
  }
  for (const id of [0, 1, 2]) await sched.step(id);
  assert.equal(most, 3);
  await sched.run(1);
});

Deno.test("rwlock: a queued writer blocks new readers (writer preference)", async () => {
  const sched = new FakeScheduler();
  const lock = new RwLock();
  const [r1, w, r2] = [sched.cpu(0), sched.cpu(1), sched.cpu(2)];
  const events: string[] = [];
  assert.equal(lock.lockRead(r1), undefined);
  sched.spawn(1, async () => {
    await lock.lockWrite(w);
    events.push("writer in");
    await w.pause();
    events.push("writer out");
    lock.unlockWrite(w);
  });
  sched.spawn(2, async () => {
    await lock.lockRead(r2);
    events.push("reader 2 in");
    lock.unlockRead(r2);
  });
  await sched.step(1); // writer claims the writer bit, waits for r1
  assert.deepEqual(lock.counts(), { readers: 1, writers: 1 });
  await sched.step(2); // r2 must wait although only a reader holds the lock
  await sched.step(2);
  assert.deepEqual(events, []);
  assert.ok(!lock.tryLockRead(r2), "try_lock_read fails while a writer is queued");
  lock.unlockRead(r1);
  await sched.step(2); // still behind the writer
  assert.deepEqual(events, []);
  await sched.step(1);
  assert.deepEqual(events, ["writer in"]);
  await sched.run(3);
  assert.deepEqual(events, ["writer in", "writer out", "reader 2 in"]);
});

Deno.test("rwlock: try variants", () => {
  const lock = new RwLock();
  const [a, b] = [new SpinWait(0), new SpinWait(1)];
  assert.ok(lock.tryLockRead(a));
  assert.ok(lock.tryLockRead(b), "readers share");
  assert.ok(!lock.tryLockWrite(a), "try_lock_write needs a free lock");
  lock.unlockRead(a);
  lock.unlockRead(b);
  assert.ok(lock.tryLockWrite(a));
  assert.ok(!lock.tryLockWrite(b));
  assert.ok(!lock.tryLockRead(b));
  lock.unlockWrite(a);
  assert.deepEqual(lock.counts(), { readers: 0, writers: 0 });
});

Deno.test("rwlock: unlocks without a hold are LockErrors and change nothing", () => {
  const lock = new RwLock();
  const cpu = new SpinWait(0);
  const notLocked = (e: unknown) => e instanceof LockError && e.kind === "not-locked";
  assert.throws(() => lock.unlockRead(cpu), notLocked);
  assert.throws(() => lock.unlockWrite(cpu), notLocked);
  lock.lockRead(cpu);
  assert.throws(() => lock.unlockWrite(cpu), notLocked);
  assert.deepEqual(lock.counts(), { readers: 1, writers: 0 });
  lock.unlockRead(cpu);
});

Deno.test("rwlock: reader count saturates instead of overflowing into the writer bits", () => {
  const words = new Int32Array(new SharedArrayBuffer(8));
  words[0] = RwLock.MAX_READERS;
  const lock = new RwLock({ words });
  const cpu = new SpinWait(0);
  assert.ok(!lock.tryLockRead(cpu));
  assert.deepEqual(lock.counts(), { readers: RwLock.MAX_READERS, writers: 0 });
});

Deno.test("PVALIDATE lock: PVALIDATE reads in parallel, CREATE_VCPU writes alone", async () => {
  assert.deepEqual(PVALIDATE_LOCK_MODE, {
    PVALIDATE: "read",
    CREATE_VCPU: "write",
    DELETE_VCPU: "write",
    REMAP_CA: "write",
  });
  const sched = new FakeScheduler();
  const lock = createPvalidateLock();
  assert.equal(lock.name, "PVALIDATE_LOCK");
  const log: string[] = [];
  const user = (id: number, call: keyof typeof PVALIDATE_LOCK_MODE) => {
    const cpu = sched.cpu(id);
    sched.spawn(id, () =>
      withPvalidateLock(lock, cpu, call, async () => {
        log.push(`${call} in`);
        await cpu.pause();
        log.push(`${call} out`);
      }));
  };
  user(0, "PVALIDATE");
  user(1, "PVALIDATE");
  user(2, "CREATE_VCPU");
  for (const id of [0, 1, 2, 2]) await sched.step(id);
  assert.deepEqual(log, ["PVALIDATE in", "PVALIDATE in"], "both readers inside, writer waits");
  await sched.run(5);
  assert.deepEqual(
    log.slice(2),
    ["PVALIDATE out", "PVALIDATE out", "CREATE_VCPU in", "CREATE_VCPU out"],
    "the writer runs alone, after both readers",
  );
});

Deno.test("lock debug: the holder and the backtrace where the lock was taken", () => {
  const debug = new LockDebugger();
  const lock = new SpinLock({ name: "PERCPU_AREAS", debug });
  const stack = new KernelStack(3);
  const cpu: LockCpu = { cpuId: 3, stack, pause: () => {} };
  {
    using _f = stack.frame("cpu::percpu", "register_percpu", 77);
    lock.lock(cpu);
  }
  const [hold] = debug.held(3);
  assert.equal(hold.lock, "PERCPU_AREAS");
  assert.equal(hold.mode, "exclusive");
  assert.deepEqual(hold.backtrace.names(), ["cpu::percpu::register_percpu"]);
  assert.throws(
    () => lock.unlock({ cpuId: 4, pause: () => {} }),
    (e) => e instanceof LockError && e.kind === "not-holder",
  );
  assert.ok(lock.isLocked(), "a refused unlock leaves the lock held");
  lock.unlock(cpu);
  assert.deepEqual(debug.held(3), []);
});

/** A CPU with its own kernel stack, for debugging tests. */
function stackedCpu(sched: FakeScheduler, id: number): { cpu: LockCpu; stack: KernelStack } {
  const stack = new KernelStack(id);
  return { cpu: sched.cpu(id, stack), stack };
}

Deno.test("lock debug: a planted lock-order inversion is reported with both backtraces", () => {
  const debug = new LockDebugger();
  const a = new SpinLock({ name: "A", debug });
  const b = new SpinLock({ name: "B", debug });
  const { cpu, stack } = stackedCpu(new FakeScheduler(), 0);
  const nested = (first: SpinLock, second: SpinLock, fn: string) => {
    using _f = stack.frame("protocols::core", fn, 10);
    first.lock(cpu);
    {
      using _g = stack.frame("mm::alloc", `${fn}_inner`, 20);
      second.lock(cpu);
    }
    second.unlock(cpu);
    first.unlock(cpu);
  };
  nested(a, b, "path_ab");
  assert.equal(debug.reports.length, 0);
  nested(a, b, "path_ab");
  assert.equal(debug.reports.length, 0, "the same order again is fine");
  nested(b, a, "path_ba"); // no deadlock on one CPU, but the order is inverted
  assert.equal(debug.reports.length, 1);
  const [report] = debug.reports;
  assert.equal(report.kind, "inversion");
  if (report.kind !== "inversion") return;
  assert.deepEqual(report.edges.map((e) => `${e.from}->${e.to}`), ["B->A", "A->B"]);
  assert.deepEqual(report.edges[0].heldAt.names(), ["protocols::core::path_ba"]);
  assert.deepEqual(report.edges[0].takenAt.names(), [
    "mm::alloc::path_ba_inner",
    "protocols::core::path_ba",
  ]);
  assert.deepEqual(report.edges[1].heldAt.names(), ["protocols::core::path_ab"]);
  assert.deepEqual(report.edges[1].takenAt.names(), [
    "mm::alloc::path_ab_inner",
    "protocols::core::path_ab",
  ]);
  assert.match(report.text, /\[#0\] mm::alloc::path_ba_inner \(mm\/alloc\.ts:20\)/);
  assert.match(report.text, /\[#0\] mm::alloc::path_ab_inner \(mm\/alloc\.ts:20\)/);
});

Deno.test("lock debug: fatal inversions throw before touching the lock", () => {
  const seen: string[] = [];
  const debug = new LockDebugger({ fatalInversions: true, onReport: (r) => seen.push(r.kind) });
  const a = new RwLock({ name: "A", debug });
  const b = new SpinLock({ name: "B", debug });
  const cpu = new SpinWait(0);
  a.lockWrite(cpu);
  b.lock(cpu);
  b.unlock(cpu);
  a.unlockWrite(cpu);
  b.lock(cpu);
  assert.throws(() => a.lockRead(cpu), LockOrderError);
  assert.deepEqual(seen, ["inversion"]);
  assert.deepEqual(a.counts(), { readers: 0, writers: 0 });
  b.unlock(cpu);
});

Deno.test("lock debug: an AB/BA deadlock between two CPUs is reported, not spun on", async () => {
  const sched = new FakeScheduler();
  const debug = new LockDebugger();
  const a = new SpinLock({ name: "A", debug });
  const b = new SpinLock({ name: "B", debug });
  const cpu0 = stackedCpu(sched, 0);
  const cpu1 = stackedCpu(sched, 1);
  const path =
    (c: { cpu: LockCpu; stack: KernelStack }, first: SpinLock, second: SpinLock) => async () => {
      using _f = c.stack.frame("protocols::core", `take_${first.name}`, 100);
      await first.lock(c.cpu);
      await c.cpu.pause();
      using _g = c.stack.frame("protocols::core", `then_${second.name}`, 200);
      await second.lock(c.cpu);
    };
  sched.spawn(0, path(cpu0, a, b));
  sched.spawn(1, path(cpu1, b, a));
  for (const id of [0, 1, 0, 1]) await sched.step(id);
  assert.ok(sched.failure instanceof DeadlockError, String(sched.failure));
  const report = sched.failure.report;
  assert.deepEqual(
    report.cycle.map((c) => `${c.waiting.cpuId}:${c.waiting.lock}<-${c.heldBy.cpuId}`),
    ["1:A<-0", "0:B<-1"],
  );
  const [first, second] = report.cycle;
  assert.deepEqual(first.waiting.backtrace.names(), [
    "protocols::core::then_A",
    "protocols::core::take_B",
  ]);
  assert.deepEqual(first.heldBy.backtrace.names(), ["protocols::core::take_A"]);
  assert.deepEqual(second.waiting.backtrace.names(), [
    "protocols::core::then_B",
    "protocols::core::take_A",
  ]);
  assert.deepEqual(second.heldBy.backtrace.names(), ["protocols::core::take_B"]);
  assert.match(report.text, /^deadlock: CPU 1 -> CPU 0 -> CPU 1/);
  assert.deepEqual(debug.reports.map((r) => r.kind), ["inversion", "deadlock"]);
});

Deno.test("lock debug: re-taking a held lock is a deadlock, even read after read", () => {
  const debug = new LockDebugger();
  const spin = new SpinLock({ name: "S", debug });
  const rw = new RwLock({ name: "RW", debug });
  const cpu = new SpinWait(0);
  spin.lock(cpu);
  assert.throws(() => spin.lock(cpu), DeadlockError);
  assert.ok(spin.tryLock(cpu) === false);
  spin.unlock(cpu);
  rw.lockRead(cpu);
  assert.throws(() => rw.lockRead(cpu), DeadlockError);
  assert.throws(() => rw.lockWrite(cpu), DeadlockError);
  assert.deepEqual(rw.counts(), { readers: 1, writers: 0 });
  rw.unlockRead(cpu);
});

Deno.test("lock debug: a reader queued behind a writer that waits for it deadlocks", async () => {
  const sched = new FakeScheduler();
  const debug = new LockDebugger();
  const rw = new RwLock({ name: "RW", debug });
  const other = new SpinLock({ name: "M", debug });
  const c0 = sched.cpu(0);
  const c1 = sched.cpu(1);
  // CPU 0 reads RW, then wants M; CPU 1 holds M and wants to write RW.
  rw.lockRead(c0);
  other.lock(c1);
  sched.spawn(1, async () => {
    await rw.lockWrite(c1); // claims the writer bit, drains CPU 0's read hold
  });
  sched.spawn(0, async () => {
    await other.lock(c0);
  });
  await sched.step(1);
  await sched.step(0);
  assert.ok(sched.failure instanceof DeadlockError, String(sched.failure));
  assert.deepEqual(
    sched.failure.report.cycle.map((c) => `${c.waiting.cpuId}:${c.waiting.mode}:${c.waiting.lock}`),
    ["0:exclusive:M", "1:write-drain:RW"],
  );
});

Deno.test("lock debug: no false deadlock when writers and readers merely queue", async () => {
  for (let seed = 0; seed < 10; seed++) {
    const sched = new FakeScheduler();
    const debug = new LockDebugger();
    const rw = new RwLock({ name: "RW", debug });
    const spin = new SpinLock({ name: "S", debug });
    for (let id = 0; id < 4; id++) {
      const cpu = sched.cpu(id);
      sched.spawn(id, async () => {
        for (let r = 0; r < 5; r++) {
          await (id % 2
            ? rw.withWrite(cpu, () => cpu.pause())
            : rw.withRead(cpu, () => cpu.pause()));
          await spin.withLock(cpu, () => rw.withRead(cpu, () => cpu.pause()));
        }
      });
    }
    await sched.run(seed);
    assert.deepEqual(debug.reports, [], `seed ${seed}`);
  }
});

Deno.test("Workers: 2 x 200k spinlock increments, no lost updates", async () => {
  const r = await runLockStress({
    spinWorkers: 2,
    writeWorkers: 0,
    readWorkers: 0,
    opsPerWorker: 200_000,
  });
  assert.equal(r.spinCount, 400_000);
  assert.equal(r.spinExpected, 400_000);
  assert.equal(r.torn, 0);
});

Deno.test("Workers: 2 x 200k rwlock writes plus a reader, no lost updates or torn reads", async () => {
  const r = await runLockStress({
    spinWorkers: 0,
    writeWorkers: 2,
    readWorkers: 1,
    opsPerWorker: 200_000,
  });
  assert.equal(r.writeCount, 400_000);
  assert.equal(r.writeExpected, 400_000);
  assert.equal(r.torn, 0);
});
