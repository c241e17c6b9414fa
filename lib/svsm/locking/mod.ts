/**
 * Synchronization components of the SVSM kernel (COCONUT kernel/src/locking/): a ticket
 * spinlock, a writer-preferring reader-writer lock, the PVALIDATE lock, and lock debugging.
 * Lock state lives in Int32 memory words updated with Atomics, so the same code is correct on
 * the deterministic modeled machine and across real Workers.
 *
 * @example
 * ```ts
 * import { RwLock, SpinLock, SpinWait } from "./mod.ts";
 * const cpu = new SpinWait(0);
 * await new SpinLock({ name: "HEAP" }).withLock(cpu, () => 42); // 42
 * const rw = new RwLock({ name: "PVALIDATE" });
 * ```
 * @module
 */
export { type CpuRelax, type LockCpu, SpinWait, type SpinWaitOptions } from "./cpu_relax.ts";
export * from "./lock_error.ts";
export * from "./lock_debug.ts";
export * from "./spinlock.ts";
export * from "./rwlock.ts";
