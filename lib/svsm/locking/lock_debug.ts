/**
 * Lock debugging: who holds which lock, where it was taken, and two detectors.
 *
 * - **Lock order** (as Linux lockdep): taking lock B while holding A records the edge A → B with
 *   the backtrace where A was taken and the one where B is being taken. A new edge that closes a
 *   cycle is a lock-order inversion: two CPUs running those paths can deadlock. The report carries
 *   every edge of the cycle with both backtraces. A successful `try` acquisition adds no edge
 *   (it cannot block), but the lock then counts as held for later edges.
 * - **Deadlock**: a CPU that must spin records what it waits for. If the CPUs holding that lock
 *   wait, transitively, for a lock this CPU holds, nobody can progress: the report lists each
 *   waiting CPU with where it waits, and each holder with where it took the lock; the waiting
 *   CPU's lock call then throws {@linkcode DeadlockError} (the kernel panics on it) instead of
 *   spinning forever. A blocking re-acquisition of a lock the CPU already holds, in any mode, is
 *   reported the same way before it spins, as COCONUT's lockdep.rs does (a read re-acquisition
 *   deadlocks as soon as a writer queues in between).
 *
 * Debugging is per lock, by passing a {@linkcode LockDebugger} when the lock is created; without
 * one, the lock paths pay a single `undefined` check. It tracks one process's locks (the modeled
 * machine); Workers run without it.
 * @module
 */

import { Backtrace } from "../debug/stacktrace.ts";
import type { LockCpu } from "./cpu_relax.ts";
import { LockError } from "./lock_error.ts";

/**
 * How a lock is held: spinlocks are exclusive; rwlocks are held for read or write.
 *
 * @example
 * ```ts
 * import { LockDebugger, type LockMode } from "./lock_debug.ts";
 * import { RwLock, SpinWait } from "./mod.ts";
 * const debug = new LockDebugger();
 * const cpu = new SpinWait(0);
 * new RwLock({ name: "PVALIDATE", debug }).lockRead(cpu);
 * const mode: LockMode = debug.held(0)[0].mode; // "read"
 * ```
 */
export type LockMode = "exclusive" | "read" | "write";

/**
 * What a spinning CPU waits for. `write-drain` is an rwlock writer that already owns the writer
 * bit (new readers and writers wait for it) and waits for the readers to leave.
 *
 * @example
 * ```ts
 * import type { WaitMode } from "./lock_debug.ts";
 * function describeWait(mode: WaitMode): string {
 *   return mode === "write-drain" ? "writer waits for readers to leave" : `waits to take it (${mode})`;
 * }
 * ```
 */
export type WaitMode = LockMode | "write-drain";

/**
 * What the debugger needs from a lock: a name for reports.
 *
 * @example
 * ```ts
 * import { type DebugLock, LockDebugger } from "./lock_debug.ts";
 * import { SpinWait } from "./mod.ts";
 * const debug = new LockDebugger();
 * const heap: DebugLock = { name: "HEAP" };
 * debug.acquired(heap, new SpinWait(0), "exclusive");
 * debug.held(0)[0].lock; // "HEAP"
 * ```
 */
export interface DebugLock {
  /** Lock name, as in reports. */
  readonly name: string;
}

/**
 * A lock held (or, for a draining writer, its writer bit owned) by a CPU.
 *
 * @example
 * ```ts
 * import { LockDebugger, type LockHold, SpinLock, SpinWait } from "./mod.ts";
 * const debug = new LockDebugger();
 * new SpinLock({ name: "A", debug }).lock(new SpinWait(0));
 * const [hold]: LockHold[] = debug.held(0);
 * hold.backtrace.lines(); // where CPU 0 took "A" (no kernel frames here)
 * ```
 */
export interface LockHold {
  /** Lock name. */
  readonly lock: string;
  /** Holder. */
  readonly cpuId: number;
  /** Mode it is held in. */
  readonly mode: LockMode;
  /** Where the holder took it. */
  readonly backtrace: Backtrace;
}

/**
 * A CPU spinning on a lock.
 *
 * @example
 * ```ts
 * import type { DeadlockReport, LockWait } from "./lock_debug.ts";
 * function waiters(report: DeadlockReport): string[] {
 *   return report.cycle.map(({ waiting }: { waiting: LockWait }) => `CPU ${waiting.cpuId} on ${waiting.lock}`);
 * }
 * ```
 */
export interface LockWait {
  /** Lock name. */
  readonly lock: string;
  /** Waiting CPU. */
  readonly cpuId: number;
  /** What it waits for. */
  readonly mode: WaitMode;
  /** Where it waits. */
  readonly backtrace: Backtrace;
}

/**
 * Lock `to` was taken while `from` was held.
 *
 * @example
 * ```ts
 * import type { LockOrderInversion, OrderEdge } from "./lock_debug.ts";
 * function cyclePath(inversion: LockOrderInversion): string {
 *   return inversion.edges.map((e: OrderEdge) => `${e.from} -> ${e.to}`).join(", "); // "B -> A, A -> B"
 * }
 * ```
 */
export interface OrderEdge {
  /** The lock already held. */
  readonly from: string;
  /** The lock being taken. */
  readonly to: string;
  /** The CPU that did it. */
  readonly cpuId: number;
  /** Where `from` had been taken. */
  readonly heldAt: Backtrace;
  /** Where `to` was taken. */
  readonly takenAt: Backtrace;
}

/**
 * A lock-order cycle: `edges[0]` is the acquisition that closed it, then the earlier path.
 *
 * @example
 * ```ts
 * import { LockDebugger, SpinLock, SpinWait } from "./mod.ts";
 * const debug = new LockDebugger();
 * const [a, b] = [new SpinLock({ name: "A", debug }), new SpinLock({ name: "B", debug })];
 * const cpu = new SpinWait(0);
 * for (const [x, y] of [[a, b], [b, a]]) { x.lock(cpu); y.lock(cpu); y.unlock(cpu); x.unlock(cpu); }
 * debug.reports[0].kind; // "inversion": B then A reverses the order A then B
 * ```
 */
export interface LockOrderInversion {
  /** Report type. */
  readonly kind: "inversion";
  /** The cycle's edges, each with both backtraces. */
  readonly edges: readonly OrderEdge[];
  /** Printable report. */
  readonly text: string;
}

/**
 * A wait-for cycle: each CPU waits for a lock held by the next one.
 *
 * @example
 * ```ts
 * import { DeadlockError, LockDebugger, SpinLock, SpinWait } from "./mod.ts";
 * const lock = new SpinLock({ name: "A", debug: new LockDebugger() });
 * const cpu = new SpinWait(0);
 * lock.lock(cpu);
 * try {
 *   lock.lock(cpu); // re-acquisition: reported instead of spinning forever
 * } catch (e) {
 *   if (e instanceof DeadlockError) e.report.cycle.length; // 1: CPU 0 waits for itself
 * }
 * ```
 */
export interface DeadlockReport {
  /** Report type. */
  readonly kind: "deadlock";
  /** Each waiting CPU with the hold that blocks it; the last holder is the first waiter. */
  readonly cycle: readonly { readonly waiting: LockWait; readonly heldBy: LockHold }[];
  /** Printable report. */
  readonly text: string;
}

/**
 * Anything the detectors report.
 *
 * @example
 * ```ts
 * import { LockDebugger, type LockReport } from "./lock_debug.ts";
 * const onReport = (r: LockReport): void => {
 *   if (r.kind === "deadlock") console.error(`${r.cycle.length} CPUs stuck\n${r.text}`);
 *   else console.error(`${r.edges.length}-lock order cycle\n${r.text}`);
 * };
 * const debug = new LockDebugger({ onReport });
 * ```
 */
export type LockReport = LockOrderInversion | DeadlockReport;

/**
 * Thrown by the lock call of the CPU that closes a deadlock (or re-acquires a lock it holds).
 * The lock it was taking must be considered broken: the SVSM is expected to panic.
 *
 * @example
 * ```ts
 * import { DeadlockError } from "./lock_debug.ts";
 * const isDeadlock = (e: unknown): boolean => e instanceof DeadlockError;
 * ```
 */
export class DeadlockError extends Error {
  /** The deadlock found. */
  readonly report: DeadlockReport;

  /** Wraps a report. */
  constructor(report: DeadlockReport) {
    super(report.text);
    this.name = "DeadlockError";
    this.report = report;
  }
}

/**
 * Thrown on a lock-order inversion when {@linkcode LockDebugOptions.fatalInversions} is set; the
 * lock has not been touched.
 *
 * @example
 * ```ts
 * import { LockOrderError } from "./lock_debug.ts";
 * const isInversion = (e: unknown): boolean => e instanceof LockOrderError;
 * ```
 */
export class LockOrderError extends Error {
  /** The inversion found. */
  readonly report: LockOrderInversion;

  /** Wraps a report. */
  constructor(report: LockOrderInversion) {
    super(report.text);
    this.name = "LockOrderError";
    this.report = report;
  }
}

/**
 * Options of {@linkcode LockDebugger}.
 *
 * @example
 * ```ts
 * import { LockDebugger, type LockDebugOptions } from "./lock_debug.ts";
 * const options: LockDebugOptions = { fatalInversions: true, onReport: (r) => console.error(r.text) };
 * const debug = new LockDebugger(options); // an inversion now throws LockOrderError
 * ```
 */
export interface LockDebugOptions {
  /** Called with every report as it is made (e.g. the kernel's log). */
  onReport?(report: LockReport): void;
  /** Throw {@linkcode LockOrderError} on an inversion instead of only reporting it. */
  fatalInversions?: boolean;
}

interface Hold {
  readonly lock: DebugLock;
  readonly cpuId: number;
  readonly mode: LockMode;
  readonly backtrace: Backtrace;
}

interface Wait {
  readonly lock: DebugLock;
  readonly cpuId: number;
  readonly mode: WaitMode;
  readonly backtrace: Backtrace;
}

interface Edge {
  readonly from: DebugLock;
  readonly to: DebugLock;
  readonly cpuId: number;
  readonly heldAt: Backtrace;
  readonly takenAt: Backtrace;
}

/**
 * The lock debugger: holder tracking plus the lock-order and deadlock detectors. Locks call the
 * four hooks; tests and the kernel read {@linkcode LockDebugger.reports}.
 *
 * @example
 * ```ts
 * import { LockDebugger, SpinLock, SpinWait } from "./mod.ts";
 * const debug = new LockDebugger({ onReport: (r) => console.error(r.text) });
 * const a = new SpinLock({ name: "A", debug });
 * const cpu = new SpinWait(0);
 * a.lock(cpu);
 * debug.held(0).map((h) => h.lock); // ["A"]
 * a.unlock(cpu);
 * ```
 */
export class LockDebugger {
  readonly #options: LockDebugOptions;
  readonly #holds = new Map<number, Hold[]>();
  readonly #waits = new Map<number, Wait>();
  readonly #edges = new Map<DebugLock, Map<DebugLock, Edge>>();
  readonly #reports: LockReport[] = [];

  /** A debugger with no locks held yet. */
  constructor(options: LockDebugOptions = {}) {
    this.#options = options;
  }

  /** Every report so far, oldest first. */
  get reports(): readonly LockReport[] {
    return this.#reports;
  }

  /** The locks CPU `cpuId` holds, oldest first. */
  held(cpuId: number): LockHold[] {
    return (this.#holds.get(cpuId) ?? []).map(publicHold);
  }

  /** Hook: `cpu` is about to take `lock` blocking (checks re-acquisition and lock order). */
  acquiring(lock: DebugLock, cpu: LockCpu, mode: LockMode): void {
    const holds = this.#holds.get(cpu.cpuId) ?? [];
    const takenAt = backtraceOf(cpu);
    const again = holds.find((h) => h.lock === lock);
    if (again !== undefined) {
      const waiting = { lock, cpuId: cpu.cpuId, mode, backtrace: takenAt };
      throw new DeadlockError(this.#report(deadlockReport([{ waiting, heldBy: again }])));
    }
    for (const held of holds) this.#addEdge(held, lock, takenAt);
  }

  /** Hook: `cpu` must spin for `lock` (checks for a deadlock, which throws). */
  waiting(lock: DebugLock, cpu: LockCpu, mode: WaitMode): void {
    this.#waits.set(cpu.cpuId, { lock, cpuId: cpu.cpuId, mode, backtrace: backtraceOf(cpu) });
    const cycle = this.#waitCycle(cpu.cpuId);
    if (cycle === undefined) return;
    this.#waits.delete(cpu.cpuId);
    throw new DeadlockError(this.#report(deadlockReport(cycle)));
  }

  /** Hook: `cpu` now holds `lock`. */
  acquired(lock: DebugLock, cpu: LockCpu, mode: LockMode): void {
    this.#waits.delete(cpu.cpuId);
    const holds = this.#holds.get(cpu.cpuId) ?? [];
    holds.push({ lock, cpuId: cpu.cpuId, mode, backtrace: backtraceOf(cpu) });
    this.#holds.set(cpu.cpuId, holds);
  }

  /** Hook: `cpu` releases `lock`; throws {@linkcode LockError} if it does not hold it. */
  released(lock: DebugLock, cpu: LockCpu, mode: LockMode): void {
    const holds = this.#holds.get(cpu.cpuId) ?? [];
    const i = holds.findLastIndex((h) => h.lock === lock && h.mode === mode);
    if (i < 0) {
      throw new LockError("not-holder", lock.name, `CPU ${cpu.cpuId} does not hold it (${mode})`);
    }
    holds.splice(i, 1);
  }

  #addEdge(held: Hold, to: DebugLock, takenAt: Backtrace): void {
    if (held.lock === to) return;
    const out = this.#edges.get(held.lock) ?? new Map<DebugLock, Edge>();
    this.#edges.set(held.lock, out);
    if (out.has(to)) return;
    const edge = { from: held.lock, to, cpuId: held.cpuId, heldAt: held.backtrace, takenAt };
    out.set(to, edge);
    const back = this.#orderPath(to, held.lock);
    if (back === undefined) return;
    const report = this.#report(inversionReport([edge, ...back]));
    if (this.#options.fatalInversions) {
      out.delete(to);
      throw new LockOrderError(report as LockOrderInversion);
    }
  }

  /** Edges of a path `from` → … → `to` in the lock-order graph (breadth first: shortest). */
  #orderPath(from: DebugLock, to: DebugLock): Edge[] | undefined {
    const via = new Map<DebugLock, Edge | undefined>([[from, undefined]]);
    const queue = [from];
    for (let i = 0; i < queue.length; i++) {
      for (const edge of this.#edges.get(queue[i])?.values() ?? []) {
        if (via.has(edge.to)) continue;
        via.set(edge.to, edge);
        if (edge.to === to) return pathTo(via, to);
        queue.push(edge.to);
      }
    }
    return undefined;
  }

  /** A wait-for cycle through `start`, if its wait closes one. */
  #waitCycle(start: number): { waiting: Wait; heldBy: Hold }[] | undefined {
    const path: { waiting: Wait; heldBy: Hold }[] = [];
    const visited = new Set<number>();
    const visit = (cpuId: number): boolean => {
      const waiting = this.#waits.get(cpuId);
      if (waiting === undefined) return false;
      for (const heldBy of this.#blockers(waiting)) {
        path.push({ waiting, heldBy });
        if (heldBy.cpuId === start) return true;
        if (!visited.has(heldBy.cpuId)) {
          visited.add(heldBy.cpuId);
          if (visit(heldBy.cpuId)) return true;
        }
        path.pop();
      }
      return false;
    };
    return visit(start) ? path : undefined;
  }

  /** Who keeps `w` spinning: holders in a conflicting mode, and an rwlock's draining writer. */
  #blockers(w: Wait): Hold[] {
    const blockers: Hold[] = [];
    for (const holds of this.#holds.values()) {
      for (const h of holds) if (h.lock === w.lock && conflicts(w.mode, h.mode)) blockers.push(h);
    }
    if (w.mode === "read" || w.mode === "write") {
      for (const d of this.#waits.values()) {
        if (d.lock === w.lock && d.mode === "write-drain") blockers.push({ ...d, mode: "write" });
      }
    }
    return blockers;
  }

  #report<R extends LockReport>(report: R): R {
    this.#reports.push(report);
    this.#options.onReport?.(report);
    return report;
  }
}

/** Whether a hold in `held` mode keeps a CPU waiting in `wait` mode spinning. */
function conflicts(wait: WaitMode, held: LockMode): boolean {
  if (wait === "exclusive") return true;
  // A draining writer waits for readers; readers and queuing writers wait for the writer.
  return wait === "write-drain" ? held === "read" : held === "write";
}

function pathTo(via: Map<DebugLock, Edge | undefined>, to: DebugLock): Edge[] {
  const path: Edge[] = [];
  for (let e = via.get(to); e !== undefined; e = via.get(e.from)) path.unshift(e);
  return path;
}

function backtraceOf(cpu: LockCpu): Backtrace {
  return cpu.stack?.backtrace() ?? new Backtrace(cpu.cpuId, []);
}

function publicHold(h: Hold): LockHold {
  return { lock: h.lock.name, cpuId: h.cpuId, mode: h.mode, backtrace: h.backtrace };
}

function indented(bt: Backtrace): string[] {
  return bt.lines().map((l) => `  ${l}`);
}

function inversionReport(cycle: Edge[]): LockOrderInversion {
  const edges = cycle.map((e) => ({ ...e, from: e.from.name, to: e.to.name }));
  const [now] = edges;
  const text = [
    `lock-order inversion: CPU ${now.cpuId} takes "${now.to}" while holding "${now.from}", ` +
    `but "${now.to}" was held while taking "${now.from}" before`,
    ...edges.flatMap((e, i) => [
      `${i === 0 ? "this" : "earlier"}: CPU ${e.cpuId} took "${e.from}" at:`,
      ...indented(e.heldAt),
      `and then "${e.to}" at:`,
      ...indented(e.takenAt),
    ]),
  ].join("\n");
  return { kind: "inversion", edges, text };
}

function deadlockReport(cycle: { waiting: Wait; heldBy: Hold }[]): DeadlockReport {
  const pub = cycle.map(({ waiting, heldBy }) => ({
    waiting: { ...waiting, lock: waiting.lock.name },
    heldBy: publicHold(heldBy),
  }));
  const text = [
    `deadlock: ${pub.map((c) => `CPU ${c.waiting.cpuId}`).join(" -> ")} -> CPU ${
      pub[0].waiting.cpuId
    }`,
    ...pub.flatMap(({ waiting, heldBy }) => [
      `CPU ${waiting.cpuId} waits for "${waiting.lock}" (${waiting.mode}) at:`,
      ...indented(waiting.backtrace),
      `"${heldBy.lock}" is held (${heldBy.mode}) by CPU ${heldBy.cpuId}, taken at:`,
      ...indented(heldBy.backtrace),
    ]),
  ].join("\n");
  return { kind: "deadlock", cycle: pub, text };
}
