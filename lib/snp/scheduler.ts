/**
 * The deterministic scheduler. Every program (the SVSM at VMPL0, the guest at VMPL2, on each
 * vCPU) is an async TypeScript function run as a {@link Fiber}; exactly one fiber runs at a
 * time in the whole machine. A fiber gives up the processor only at a yield point (VMGEXIT,
 * PAUSE, HLT — the firmware is reached through VMGEXIT); there the seeded scheduler picks any
 * runnable thread (vCPU) to continue. The same seed therefore gives the same interleaving.
 *
 * An `await` on anything else (WebCrypto inside the firmware, say) does not switch: no other
 * fiber has been resumed, so none can run until the awaiting one reaches a yield point.
 * @module
 */

import { Prng } from "../common/prng.ts";

/**
 * How a {@link Scheduler.run} ended.
 *
 * @example
 * ```ts
 * import { Scheduler, type SchedulerStop } from "./scheduler.ts";
 * const stop: SchedulerStop = await new Scheduler(1).run(); // "idle": nothing was runnable
 * ```
 */
export type SchedulerStop = "idle" | "stopped";

/**
 * A scheduling unit: a vCPU. `fiber` is what runs when it is picked.
 *
 * @example
 * ```ts
 * import { Scheduler, type Thread } from "./scheduler.ts";
 * const s = new Scheduler(1);
 * const idle = (): void => s.setRunnable(cpu0, false);
 * const cpu0: Thread = { id: 0, fiber: s.fiber("cpu0", async () => {}, idle) };
 * s.setRunnable(cpu0, true);
 * await s.run(); // "idle" once cpu0's program returned
 * ```
 */
export interface Thread {
  /** Stable id; the runnable set is kept in id order so picks replay exactly. */
  readonly id: number;
  /** The fiber to continue (the program of the VMPL the vCPU is in). */
  readonly fiber: Fiber | undefined;
}

/**
 * Called once when a fiber's program returns (`error` undefined) or throws.
 *
 * @example
 * ```ts
 * import { type FiberEnd, Scheduler } from "./scheduler.ts";
 * const failures: string[] = [];
 * const onEnd: FiberEnd = (fiber, error) => {
 *   if (error !== undefined) failures.push(`${fiber.name}: ${error}`);
 * };
 * new Scheduler(1).fiber("guest", async () => {}, onEnd);
 * ```
 */
export type FiberEnd = (fiber: Fiber, error: unknown) => void;

// One already-settled promise for the no-switch fast path, and one that never settles for
// fibers of a stopped machine: neither allocates per yield.
const RESOLVED: Promise<void> = Promise.resolve();
const NEVER: Promise<void> = new Promise<void>(() => {});

/**
 * A coroutine: one program's execution, parked at its yield points.
 *
 * @example
 * ```ts
 * import { Scheduler } from "./scheduler.ts";
 * const s = new Scheduler(1);
 * const f = s.fiber("demo", async () => {}, () => {});
 * f.started; // false until the scheduler first picks it
 * ```
 */
export class Fiber {
  /** For traces and errors. */
  readonly name: string;
  readonly #body: () => Promise<void>;
  readonly #onEnd: (fiber: Fiber, error: unknown, failed: boolean) => void;
  #started = false;
  #ended = false;
  #wake: (() => void) | undefined;

  /** Use {@link Scheduler.fiber}. */
  constructor(
    name: string,
    body: () => Promise<void>,
    onEnd: (fiber: Fiber, error: unknown, failed: boolean) => void,
  ) {
    this.name = name;
    this.#body = body;
    this.#onEnd = onEnd;
  }

  /** Whether the program has been entered. */
  get started(): boolean {
    return this.#started;
  }

  /** Whether the program has returned or thrown. */
  get ended(): boolean {
    return this.#ended;
  }

  /** Continues the fiber (first call: enters its program), always from a fresh microtask. */
  resume(): void {
    if (this.#ended) throw new Error(`fiber ${this.name} has ended`);
    if (this.#started) {
      const wake = this.#wake;
      if (wake === undefined) throw new Error(`fiber ${this.name} is not parked`);
      this.#wake = undefined;
      wake();
      return;
    }
    this.#started = true;
    RESOLVED.then(this.#body).then(
      () => this.#finish(undefined, false),
      (e) => this.#finish(e, true),
    );
  }

  /** Parks the fiber: the returned promise settles at the next {@link Fiber.resume}. */
  park(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.#wake = resolve;
    });
  }

  #finish(error: unknown, failed: boolean): void {
    this.#ended = true;
    this.#onEnd(this, error, failed);
  }
}

/**
 * Picks which thread runs at each yield point, from a seeded PRNG.
 *
 * @example
 * ```ts
 * import { Scheduler } from "./scheduler.ts";
 * const s = new Scheduler(7);
 * const order: string[] = [];
 * const threads = ["a", "b"].map((name, id) => {
 *   const t = { id, fiber: s.fiber(name, async () => {
 *     for (let i = 0; i < 3; i++) { order.push(name); await s.yieldFrom(t.fiber); }
 *   }, () => s.setRunnable(t, false)) };
 *   s.setRunnable(t, true);
 *   return t;
 * });
 * await s.run(); // "idle" once both programs returned; `order` interleaves a and b
 * ```
 */
export class Scheduler {
  /** Yield points reached. */
  yields = 0;
  /** Yield points at which another fiber was chosen. */
  switches = 0;
  readonly #prng: Prng;
  readonly #runnable: Thread[] = [];
  #current: Fiber | undefined;
  #stopped = false;
  #done: ((stop: SchedulerStop) => void) | undefined;

  /** A scheduler whose choices replay from `seed`. */
  constructor(seed: number) {
    this.#prng = new Prng(seed);
  }

  /** The fiber holding the processor, if any. */
  get current(): Fiber | undefined {
    return this.#current;
  }

  /** Whether {@link Scheduler.stop} was called (the VM is gone). */
  get stopped(): boolean {
    return this.#stopped;
  }

  /** Whether a {@link Scheduler.run} is in progress. */
  get running(): boolean {
    return this.#done !== undefined;
  }

  /**
   * Creates a fiber for `body`. When it ends, `onEnd` runs (it normally marks its thread
   * not runnable) and the scheduler hands the processor to another thread.
   */
  fiber(name: string, body: () => Promise<void>, onEnd: FiberEnd): Fiber {
    return new Fiber(name, body, (fiber, error, failed) => {
      if (this.#current === fiber) this.#current = undefined;
      if (this.#stopped) return;
      onEnd(fiber, failed ? (error ?? new Error("program threw undefined")) : undefined);
      if (this.#current === undefined && !this.#stopped) this.#dispatch();
    });
  }

  /** Adds `thread` to, or removes it from, the set that may be picked. */
  setRunnable(thread: Thread, runnable: boolean): void {
    const list = this.#runnable;
    const at = list.indexOf(thread);
    if (runnable === at >= 0) return;
    if (!runnable) {
      list.splice(at, 1);
      return;
    }
    let i = list.length;
    while (i > 0 && list[i - 1].id > thread.id) i--;
    list.splice(i, 0, thread);
  }

  /** Whether `thread` may be picked. */
  isRunnable(thread: Thread): boolean {
    return this.#runnable.includes(thread);
  }

  /**
   * Runs fibers until none is runnable ("idle") or {@link Scheduler.stop} is called
   * ("stopped"). May be called again after "idle" once something is made runnable.
   */
  run(): Promise<SchedulerStop> {
    if (this.#done !== undefined) throw new Error("scheduler already running");
    if (this.#stopped) return Promise.resolve("stopped");
    const result = new Promise<SchedulerStop>((resolve) => {
      this.#done = resolve;
    });
    this.#dispatch();
    return result;
  }

  /**
   * A yield point of the running fiber `self`. Returns a promise the fiber awaits: settled
   * already when `self` is picked again (no allocation), else settled when it is next resumed.
   */
  yieldFrom(self: Fiber): Promise<void> {
    if (this.#stopped) return NEVER;
    if (self !== this.#current) throw new Error(`fiber ${self.name} yields without the processor`);
    this.yields++;
    const next = this.#pick();
    if (next === self) return RESOLVED;
    const parked = self.park();
    this.#current = undefined;
    this.#switchTo(next);
    return parked;
  }

  /** Ends the run for good: no fiber is resumed again (their awaits never settle). */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#current = undefined;
    this.#settle("stopped");
  }

  #pick(): Fiber | undefined {
    const list = this.#runnable;
    const n = list.length;
    if (n === 0) return undefined;
    return (n === 1 ? list[0] : list[this.#prng.below(n)]).fiber;
  }

  #dispatch(): void {
    this.#switchTo(this.#pick());
  }

  #switchTo(next: Fiber | undefined): void {
    if (next === undefined) {
      this.#settle("idle");
      return;
    }
    this.switches++;
    this.#current = next;
    next.resume();
  }

  #settle(stop: SchedulerStop): void {
    const done = this.#done;
    this.#done = undefined;
    done?.(stop);
  }
}
