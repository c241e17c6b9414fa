/**
 * Lock stress across real Workers sharing one SharedArrayBuffer (used by the locking test, the
 * long run in tools/lock_stress.ts and bench/locking_bench.ts).
 *
 * Each writer increments a 4-word record under the lock, first checking that the 4 words agree;
 * each reader checks the same under the rwlock's read side. Lost updates show up as a final count
 * below the number of increments; torn records (a broken lock) as a non-zero `torn`.
 * @module
 */

/** Int32 word indexes in the shared buffer (locks and records on separate 64-byte lines). */
export const START = 0;
/** Workers that have passed the start signal (a barrier, so all begin together). */
export const ARRIVED = 1;
/** The spinlock's two words. */
export const SPIN_LOCK = 16;
/** The rwlock's two words. */
export const RW_LOCK = 32;
/** The 4-word record guarded by the spinlock. */
export const SPIN_DATA = 48;
/** The 4-word record guarded by the rwlock. */
export const RW_DATA = 64;
/** Words in a record; the word after it holds the last writer's CPU number + 1. */
export const RECORD_WORDS = 4;
const BUFFER_WORDS = 80;

/** What one worker does. */
export type StressRole = "spin" | "write" | "read";

/** Message to a worker. */
export interface StressJob {
  /** The shared words. */
  buffer: SharedArrayBuffer;
  /** Which lock and side. */
  role: StressRole;
  /** Lock operations to perform. */
  ops: number;
  /** The worker's CPU number. */
  cpuId: number;
  /** Workers in the run (the start barrier waits for all of them). */
  peers: number;
}

/** Message from a worker: first `{ready: true}`, then its report. */
export interface StressReport {
  /** Set on the first message only. */
  ready?: boolean;
  /** Role performed. */
  role: StressRole;
  /** Lock operations performed. */
  ops: number;
  /** Records seen inconsistent under the lock. */
  torn: number;
  /** Increments that followed another worker's (the lock changed hands). */
  handoffs: number;
}

/** Workers per role and operations per worker. */
export interface StressPlan {
  /** Workers incrementing under the spinlock. */
  spinWorkers: number;
  /** Workers incrementing under the rwlock's write side. */
  writeWorkers: number;
  /** Workers reading under the rwlock's read side. */
  readWorkers: number;
  /** Lock operations per worker. */
  opsPerWorker: number;
}

/** Outcome of a stress run. */
export interface StressResult {
  /** Final spin-record count, and the increments made. */
  spinCount: number;
  /** Increments made under the spinlock. */
  spinExpected: number;
  /** Final rw-record count. */
  writeCount: number;
  /** Increments made under the write lock. */
  writeExpected: number;
  /** Inconsistent records seen, over all workers. */
  torn: number;
  /** Times the lock passed from one writer to another, over all workers. */
  handoffs: number;
  /** Lock operations, over all workers. */
  totalOps: number;
  /** Wall time from the start signal to the last report, in ms. */
  elapsedMs: number;
}

/**
 * Workers spawned for a plan and parked at the start signal, so a benchmark can time only
 * {@linkcode LockStress.run}.
 */
export class LockStress {
  readonly #words: Int32Array;
  readonly #workers: Worker[];

  private constructor(words: Int32Array, workers: Worker[]) {
    this.#words = words;
    this.#workers = workers;
  }

  /** Spawns the plan's workers and waits until each one is ready. */
  static async spawn(plan: StressPlan): Promise<LockStress> {
    const buffer = new SharedArrayBuffer(BUFFER_WORDS * 4);
    const roles: StressRole[] = [
      ...Array<StressRole>(plan.spinWorkers).fill("spin"),
      ...Array<StressRole>(plan.writeWorkers).fill("write"),
      ...Array<StressRole>(plan.readWorkers).fill("read"),
    ];
    const url = new URL("./svsm_locking_worker.ts", import.meta.url).href;
    const stress = new LockStress(
      new Int32Array(buffer),
      roles.map(() => new Worker(url, { type: "module" })),
    );
    const ready = stress.#workers.map(nextMessage);
    stress.#workers.forEach((w, cpuId) => {
      const job: StressJob = {
        buffer,
        role: roles[cpuId],
        ops: plan.opsPerWorker,
        cpuId,
        peers: roles.length,
      };
      w.postMessage(job);
    });
    try {
      await Promise.all(ready);
    } catch (e) {
      stress.close();
      throw e;
    }
    return stress;
  }

  /** Releases the workers together and collects every report. */
  async run(): Promise<StressResult> {
    const words = this.#words;
    const reports = this.#workers.map(nextMessage);
    const t0 = performance.now();
    Atomics.store(words, START, 1);
    Atomics.notify(words, START);
    const done = await Promise.all(reports);
    const elapsedMs = performance.now() - t0;
    const sum = (f: (r: StressReport) => number, role?: StressRole) =>
      done.filter((r) => role === undefined || r.role === role).reduce((n, r) => n + f(r), 0);
    return {
      spinCount: words[SPIN_DATA],
      spinExpected: sum((r) => r.ops, "spin"),
      writeCount: words[RW_DATA],
      writeExpected: sum((r) => r.ops, "write"),
      torn: sum((r) => r.torn),
      handoffs: sum((r) => r.handoffs),
      totalOps: sum((r) => r.ops),
      elapsedMs,
    };
  }

  /** Ends the workers; call after {@linkcode LockStress.run}, when none is blocked any more. */
  close(): void {
    for (const w of this.#workers) w.terminate();
  }
}

/** Runs a plan: starts the workers together, waits for every report, then ends the workers. */
export async function runLockStress(plan: StressPlan): Promise<StressResult> {
  const stress = await LockStress.spawn(plan);
  try {
    return await stress.run();
  } finally {
    stress.close();
  }
}

function nextMessage(w: Worker): Promise<StressReport> {
  return new Promise((resolve, reject) => {
    w.onmessage = (e: MessageEvent<StressReport>) => resolve(e.data);
    w.onerror = (e) => {
      e.preventDefault();
      reject(new Error(`lock stress worker failed: ${e.message}`));
    };
  });
}
