/**
 * Writer-preferring reader-writer lock (COCONUT kernel/src/locking/rwlock.rs, svsm-abi.md §16).
 *
 * COCONUT keeps readers and writers in one u64 (readers in bits 31:0, writers in bits 63:32) so
 * one CAS sees and updates both. Atomics has no 64-bit CAS on Int32 words, so the model packs the
 * same two counts into one Int32 word: **readers in bits 15:0, writers in bits 30:16** (up to
 * 65535 concurrent readers; writers is 0 or 1). Two counts in two words would lose the atomicity
 * of "readers + 1 only while writers = 0" that the design relies on.
 *
 * - read lock: wait until writers = 0, then CAS readers + 1; unlock: readers − 1.
 * - write lock: wait until writers = 0, CAS writers ← 1 keeping the readers, then wait until
 *   readers = 0; unlock: writers − 1. A queued writer therefore blocks new readers.
 * - try_lock_write: CAS 0 → one writer; try_lock_read: succeeds only while writers = 0.
 *
 * A second word counts the CPUs spinning on the lock, so unlock calls `Atomics.notify` only when
 * someone may sleep in `Atomics.wait` (Workers). It is a host-level wake hint, not COCONUT state:
 * a real CPU spins on the cache line instead.
 * @module
 */

import { andThen, type LockCpu, sharedWords, spinUntil } from "./cpu_relax.ts";
import type { LockDebugger, LockMode, WaitMode } from "./lock_debug.ts";
import { LockError } from "./lock_error.ts";
import type { LockOptions } from "./spinlock.ts";

/** Word offsets: the packed counts, then the waiter count. */
const STATE = 0;
const WAITERS = 1;
/** Readers in bits 15:0, writers from bit 16 (see module doc). */
const READERS_MASK = 0xffff;
const ONE_WRITER = 0x10000;

let rwlockCount = 0;

/**
 * A reader-writer lock whose state is one packed Int32 word (plus a wake-hint word).
 *
 * @example
 * ```ts
 * import { RwLock, SpinWait } from "./mod.ts";
 * const lock = new RwLock({ name: "GUEST_MEMORY_MAP" });
 * const cpu = new SpinWait(0);
 * await lock.withRead(cpu, () => "many readers at once");
 * await lock.lockWrite(cpu); // returns synchronously when uncontended
 * lock.unlockWrite(cpu);
 * ```
 */
export class RwLock {
  /** Number of Int32 words the lock occupies. */
  static readonly WORDS: number = 2;
  /** Most readers the packed word can count. */
  static readonly MAX_READERS: number = READERS_MASK;
  /** Lock name, for reports. */
  readonly name: string;
  /** The memory words holding the state. */
  readonly words: Int32Array;
  /** Index of the state word in `words` (the waiter count follows it). */
  readonly index: number;
  readonly #debug: LockDebugger | undefined;

  /** A lock in the given (or fresh) words; the words must be zero or a live lock's state. */
  constructor(options: LockOptions = {}) {
    this.name = options.name ?? `rwlock#${rwlockCount++}`;
    this.words = options.words ?? sharedWords(RwLock.WORDS);
    this.index = options.index ?? 0;
    this.#debug = options.debug;
  }

  /** Takes the lock for reading: waits while a writer holds or queues for it. */
  lockRead(cpu: LockCpu): void | Promise<void> {
    this.#debug?.acquiring(this, cpu, "read");
    if (this.#addReader(Atomics.load(this.words, this.index + STATE))) {
      this.#debug?.acquired(this, cpu, "read");
      return;
    }
    return this.#spin(cpu, "read", (s) => this.#addReader(s), "read");
  }

  /** Takes the lock for writing: claims the writer bit, then waits for the readers to leave. */
  lockWrite(cpu: LockCpu): void | Promise<void> {
    this.#debug?.acquiring(this, cpu, "write");
    if (Atomics.compareExchange(this.words, this.index + STATE, 0, ONE_WRITER) === 0) {
      this.#debug?.acquired(this, cpu, "write");
      return;
    }
    const claimed = this.#spin(cpu, "write", (s) => this.#claimWriter(s));
    return andThen(claimed, () => this.#spin(cpu, "write-drain", noReaders, "write"));
  }

  /** Takes the lock for reading only if no writer holds or queues for it. */
  tryLockRead(cpu: LockCpu): boolean {
    for (;;) {
      const s = Atomics.load(this.words, this.index + STATE);
      if (!admitsReader(s)) return false;
      // A failed CAS here only means another reader came or went: try again.
      if (this.#addReader(s)) break;
    }
    this.#debug?.acquired(this, cpu, "read");
    return true;
  }

  /** Takes the lock for writing only if nobody holds it. */
  tryLockWrite(cpu: LockCpu): boolean {
    if (Atomics.compareExchange(this.words, this.index + STATE, 0, ONE_WRITER) !== 0) return false;
    this.#debug?.acquired(this, cpu, "write");
    return true;
  }

  /** Releases a read hold. */
  unlockRead(cpu: LockCpu): void {
    this.#debug?.released(this, cpu, "read");
    // Check and update in one CAS: a subtract-then-undo would expose a word without the writer
    // bit (or with a borrowed one) to the other CPUs in between.
    this.#release((s) => (s & READERS_MASK) !== 0, 1, "read unlock without a reader");
  }

  /** Releases the write hold. */
  unlockWrite(cpu: LockCpu): void {
    this.#debug?.released(this, cpu, "write");
    this.#release((s) => s >= ONE_WRITER, ONE_WRITER, "write unlock without a writer");
  }

  /** Current reader and writer counts (a snapshot). */
  counts(): { readers: number; writers: number } {
    const s = Atomics.load(this.words, this.index + STATE);
    return { readers: s & READERS_MASK, writers: s >>> 16 };
  }

  /** Runs `body` holding the lock for reading. */
  async withRead<T>(cpu: LockCpu, body: () => T | Promise<T>): Promise<T> {
    await this.lockRead(cpu);
    try {
      return await body();
    } finally {
      this.unlockRead(cpu);
    }
  }

  /** Runs `body` holding the lock for writing. */
  async withWrite<T>(cpu: LockCpu, body: () => T | Promise<T>): Promise<T> {
    await this.lockWrite(cpu);
    try {
      return await body();
    } finally {
      this.unlockWrite(cpu);
    }
  }

  /** Readers + 1, only while there is no writer and room for one more reader. */
  #addReader(s: number): boolean {
    return admitsReader(s) &&
      Atomics.compareExchange(this.words, this.index + STATE, s, s + 1) === s;
  }

  /** Writers ← 1 keeping the readers, only while there is no writer. */
  #claimWriter(s: number): boolean {
    if (s >= ONE_WRITER) return false;
    return Atomics.compareExchange(this.words, this.index + STATE, s, s | ONE_WRITER) === s;
  }

  /** Slow path: counted as a waiter, PAUSE until `attempt` succeeds; `holds` marks the hold. */
  #spin(
    cpu: LockCpu,
    mode: WaitMode,
    attempt: (state: number) => boolean,
    holds?: LockMode,
  ): void | Promise<void> {
    this.#debug?.waiting(this, cpu, mode);
    const w = this.words;
    Atomics.add(w, this.index + WAITERS, 1);
    const done = (): void => {
      Atomics.sub(w, this.index + WAITERS, 1);
      if (holds !== undefined) this.#debug?.acquired(this, cpu, holds);
    };
    return andThen(spinUntil(cpu, w, this.index + STATE, attempt), done);
  }

  /** Subtracts `amount` from the state if `holds(state)`, else throws leaving the word untouched. */
  #release(holds: (state: number) => boolean, amount: number, misuse: string): void {
    const w = this.words;
    for (;;) {
      const s = Atomics.load(w, this.index + STATE);
      if (!holds(s)) throw new LockError("not-locked", this.name, misuse);
      if (Atomics.compareExchange(w, this.index + STATE, s, s - amount) === s) break;
    }
    this.#wake();
  }

  #wake(): void {
    if (Atomics.load(this.words, this.index + WAITERS) !== 0) {
      Atomics.notify(this.words, this.index + STATE);
    }
  }
}

function admitsReader(s: number): boolean {
  return s < ONE_WRITER && (s & READERS_MASK) !== READERS_MASK;
}

function noReaders(s: number): boolean {
  return (s & READERS_MASK) === 0;
}
