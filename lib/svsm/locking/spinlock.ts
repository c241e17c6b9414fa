/**
 * Ticket spinlock (COCONUT kernel/src/locking/spinlock.rs, svsm-abi.md §16).
 *
 * Two counters in memory words: `current` (next ticket to hand out) and `holder` (ticket now
 * served). lock: `ticket = current++`, spin until `holder == ticket`; unlock: `holder++`;
 * try_lock: only when `current == holder`, by CAS `current → current + 1`. Tickets make the lock
 * FIFO-fair. COCONUT's counters are u64; here they are Int32 words updated with Atomics and
 * compared for equality only, so wrapping at 2^32 is harmless (fewer than 2^31 CPUs wait at once).
 * @module
 */

import { andThen, type LockCpu, sharedWords, spinUntil } from "./cpu_relax.ts";
import type { LockDebugger } from "./lock_debug.ts";
import { LockError } from "./lock_error.ts";

/** Word offsets of the ticket counters (spinlock.rs `current`, `holder`). */
const CURRENT = 0;
const HOLDER = 1;

/**
 * Where a lock's state lives and how it is debugged.
 *
 * @example
 * ```ts
 * import { sharedWords } from "./cpu_relax.ts";
 * import { type LockOptions, SpinLock } from "./spinlock.ts";
 * const words = sharedWords(2 * SpinLock.WORDS); // two locks side by side
 * const second: LockOptions = { name: "PERCPU_AREAS", words, index: SpinLock.WORDS };
 * const lock = new SpinLock(second);
 * ```
 */
export interface LockOptions {
  /** Name in reports (default `spinlock#n` / `rwlock#n`). */
  name?: string;
  /** Lock debugger; omit to keep the lock paths cheap. */
  debug?: LockDebugger;
  /**
   * Memory words holding the lock state (an Int32Array over a SharedArrayBuffer, e.g. modeled
   * memory, or the buffer shared with Workers); default: fresh words.
   */
  words?: Int32Array;
  /** First word of this lock in `words` (default 0). */
  index?: number;
}

let spinlockCount = 0;

/**
 * A ticket spinlock whose state is two Int32 words. `lock()` returns nothing when it gets the
 * lock at once (or when the CPU's PAUSE is synchronous), and a Promise when it had to yield.
 *
 * @example
 * ```ts
 * import { SpinLock, SpinWait } from "./mod.ts";
 * const lock = new SpinLock({ name: "PERCPU_AREAS" });
 * const cpu = new SpinWait(0);
 * await lock.lock(cpu); // `await` is only needed when lock() returns a Promise
 * try {
 *   // critical section
 * } finally {
 *   lock.unlock(cpu);
 * }
 * await lock.withLock(cpu, () => 42); // 42
 * ```
 */
export class SpinLock {
  /** Number of Int32 words the lock occupies. */
  static readonly WORDS: number = 2;
  /** Lock name, for reports. */
  readonly name: string;
  /** The memory words holding the counters. */
  readonly words: Int32Array;
  /** Index of `current` in `words` (`holder` follows it). */
  readonly index: number;
  readonly #debug: LockDebugger | undefined;

  /** A lock in the given (or fresh) words; the words must be zero or a live lock's state. */
  constructor(options: LockOptions = {}) {
    this.name = options.name ?? `spinlock#${spinlockCount++}`;
    this.words = options.words ?? sharedWords(SpinLock.WORDS);
    this.index = options.index ?? 0;
    this.#debug = options.debug;
  }

  /** Takes the lock: a ticket, then PAUSE until it is served. */
  lock(cpu: LockCpu): void | Promise<void> {
    const debug = this.#debug;
    debug?.acquiring(this, cpu, "exclusive");
    const w = this.words;
    const ticket = Atomics.add(w, this.index + CURRENT, 1);
    if (Atomics.load(w, this.index + HOLDER) === ticket) {
      debug?.acquired(this, cpu, "exclusive");
      return;
    }
    debug?.waiting(this, cpu, "exclusive");
    const served = spinUntil(cpu, w, this.index + HOLDER, (holder) => holder === ticket);
    return debug === undefined
      ? served
      : andThen(served, () => debug.acquired(this, cpu, "exclusive"));
  }

  /** Takes the lock only if it is free right now (no ticket is outstanding). */
  tryLock(cpu: LockCpu): boolean {
    const w = this.words;
    const current = Atomics.load(w, this.index + CURRENT);
    if (Atomics.load(w, this.index + HOLDER) !== current) return false;
    if (Atomics.compareExchange(w, this.index + CURRENT, current, current + 1) !== current) {
      return false;
    }
    this.#debug?.acquired(this, cpu, "exclusive");
    return true;
  }

  /** Releases the lock: serves the next ticket and wakes sleeping waiters, if any. */
  unlock(cpu: LockCpu): void {
    this.#debug?.released(this, cpu, "exclusive");
    const w = this.words;
    // Check and serve in one CAS: an increment-then-undo would let a CPU that takes a ticket in
    // between wait for a holder value that has already gone by.
    let holder: number;
    do {
      holder = Atomics.load(w, this.index + HOLDER);
      if (Atomics.load(w, this.index + CURRENT) === holder) {
        throw new LockError("not-locked", this.name, "unlock of a lock that is not held");
      }
    } while (Atomics.compareExchange(w, this.index + HOLDER, holder, holder + 1) !== holder);
    if (((Atomics.load(w, this.index + CURRENT) - holder - 1) | 0) > 0) {
      Atomics.notify(w, this.index + HOLDER);
    }
  }

  /** True while some CPU holds the lock (a snapshot). */
  isLocked(): boolean {
    return Atomics.load(this.words, this.index + CURRENT) !==
      Atomics.load(this.words, this.index + HOLDER);
  }

  /** Runs `body` holding the lock, releasing it however `body` ends. */
  async withLock<T>(cpu: LockCpu, body: () => T | Promise<T>): Promise<T> {
    await this.lock(cpu);
    try {
      return await body();
    } finally {
      this.unlock(cpu);
    }
  }
}
