/**
 * What a CPU does while it spins on a lock, and the one spin loop every lock uses.
 *
 * COCONUT's locks spin with `core::hint::spin_loop()` (x86 PAUSE). Here PAUSE is a hook, so the
 * same lock code runs in two worlds:
 * - in the modeled machine, `pause()` is the deterministic scheduler's yield point
 *   (`CpuContext.pause()` returns a Promise): the spin loop becomes asynchronous and another vCPU
 *   runs;
 * - on real threads (Workers sharing a SharedArrayBuffer), `pause()` returns nothing: the loop
 *   stays synchronous, spins briefly, then sleeps in `Atomics.wait` until the lock word changes
 *   ({@linkcode SpinWait}); pure spinning collapses once threads outnumber cores.
 * @module
 */

import type { KernelStack } from "../debug/stacktrace.ts";

/**
 * The PAUSE hook. A lock passes the word it is polling and the value it last saw, so a host
 * implementation can sleep until that word changes; the modeled machine ignores them.
 *
 * @example
 * ```ts
 * import { type CpuRelax, sharedWords, spinUntil } from "./cpu_relax.ts";
 * const modeled: CpuRelax = { pause: () => Promise.resolve() }; // the scheduler's yield point
 * const word = sharedWords(1);
 * const done = spinUntil(modeled, word, 0, (v) => v === 0); // undefined: no spin needed
 * ```
 */
export interface CpuRelax {
  /** Executes one PAUSE; a Promise means "yield until the scheduler resumes this CPU". */
  pause(word?: Int32Array, index?: number, seen?: number): void | Promise<void>;
}

/**
 * The CPU taking a lock: its PAUSE, its id (the holder recorded by lock debugging), its stack.
 *
 * @example
 * ```ts
 * import type { LockCpu } from "./cpu_relax.ts";
 * import { SpinLock } from "./spinlock.ts";
 * const cpu: LockCpu = { cpuId: 1, pause: () => {} };
 * const lock = new SpinLock({ name: "HEAP" });
 * lock.lock(cpu);
 * lock.unlock(cpu);
 * ```
 */
export interface LockCpu extends CpuRelax {
  /** The CPU (vCPU index or Worker number) that holds or waits for locks. */
  readonly cpuId: number;
  /** The CPU's modeled kernel stack; lock debugging records backtraces from it. */
  readonly stack?: KernelStack;
}

/**
 * Tuning of {@linkcode SpinWait}.
 *
 * @example
 * ```ts
 * import { SpinWait, type SpinWaitOptions } from "./cpu_relax.ts";
 * const options: SpinWaitOptions = { spins: 16, sleepMs: 2 }; // sleep sooner, longer
 * const worker3 = new SpinWait(3, options);
 * ```
 */
export interface SpinWaitOptions {
  /** PAUSEs spent busy-polling an unchanged word before sleeping (default 64). */
  spins?: number;
  /** Longest sleep in `Atomics.wait`, in ms (default 1); unlock wakes sleepers earlier. */
  sleepMs?: number;
}

/**
 * Host-thread PAUSE for Workers: busy-poll a few times, then `Atomics.wait` on the lock word.
 * The locks call `Atomics.notify` on release whenever somebody is waiting.
 *
 * @example
 * ```ts
 * import { SpinLock, SpinWait } from "./mod.ts";
 * const cpu = new SpinWait(0);
 * const lock = new SpinLock();
 * lock.lock(cpu); // uncontended: returns synchronously
 * lock.unlock(cpu);
 * ```
 */
export class SpinWait implements LockCpu {
  /** This thread's CPU number. */
  readonly cpuId: number;
  readonly #spins: number;
  readonly #sleepMs: number;
  #word: Int32Array | undefined;
  #index = -1;
  #seen = 0;
  #count = 0;

  /** A relax strategy for CPU `cpuId`. */
  constructor(cpuId: number, options: SpinWaitOptions = {}) {
    this.cpuId = cpuId;
    this.#spins = options.spins ?? 64;
    this.#sleepMs = options.sleepMs ?? 1;
  }

  /** Busy-polls while the watched word keeps changing; sleeps once it has stood still. */
  pause(word?: Int32Array, index?: number, seen?: number): void {
    if (word === undefined || index === undefined || seen === undefined) return;
    if (word !== this.#word || index !== this.#index || seen !== this.#seen) {
      // Progress (or a new wait): start counting again.
      this.#word = word;
      this.#index = index;
      this.#seen = seen;
      this.#count = 0;
      return;
    }
    if (++this.#count < this.#spins) return;
    Atomics.wait(word, index, seen, this.#sleepMs);
  }
}

/**
 * Spins until `attempt(value)` succeeds, where `value` is re-read from `word[index]` before each
 * attempt, executing PAUSE between attempts. Synchronous while `pause()` is; from the first
 * Promise on, the rest of the loop runs asynchronously and a Promise is returned.
 *
 * @example
 * ```ts
 * import { SpinWait, spinUntil } from "./cpu_relax.ts";
 * const word = new Int32Array(new SharedArrayBuffer(4));
 * word[0] = 1;
 * spinUntil(new SpinWait(0), word, 0, (v) => v === 1); // returns at once
 * ```
 */
export function spinUntil(
  cpu: CpuRelax,
  word: Int32Array,
  index: number,
  attempt: (value: number) => boolean,
): void | Promise<void> {
  for (;;) {
    const seen = Atomics.load(word, index);
    if (attempt(seen)) return;
    const yielded = cpu.pause(word, index, seen);
    if (yielded !== undefined) return spinAsync(cpu, word, index, attempt, yielded);
  }
}

async function spinAsync(
  cpu: CpuRelax,
  word: Int32Array,
  index: number,
  attempt: (value: number) => boolean,
  yielded: Promise<void>,
): Promise<void> {
  await yielded;
  for (;;) {
    const seen = Atomics.load(word, index);
    if (attempt(seen)) return;
    await cpu.pause(word, index, seen);
  }
}

/**
 * Runs `next` after `first` completes, staying synchronous when `first` was.
 *
 * @example
 * ```ts
 * import { andThen } from "./cpu_relax.ts";
 * andThen(undefined, () => console.log("ran synchronously"));
 * ```
 */
export function andThen(
  first: void | Promise<void>,
  next: () => void | Promise<void>,
): void | Promise<void> {
  return first === undefined ? next() : first.then(next);
}

/**
 * Allocates `count` zeroed lock words in a fresh SharedArrayBuffer (for locks that are not
 * placed in modeled memory).
 *
 * @example
 * ```ts
 * import { sharedWords } from "./cpu_relax.ts";
 * const words = sharedWords(2); // Int32Array [0, 0]
 * ```
 */
export function sharedWords(count: number): Int32Array {
  return new Int32Array(new SharedArrayBuffer(count * Int32Array.BYTES_PER_ELEMENT));
}
