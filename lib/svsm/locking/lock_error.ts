/**
 * Misuse of a lock: releasing a lock that is not held (by anybody, or, with lock debugging on, by
 * the releasing CPU). COCONUT makes this impossible with guards; the model checks it.
 * @module
 */

/**
 * Why a lock operation was refused.
 *
 * @example
 * ```ts
 * import { LockError, type LockErrorKind, SpinLock, SpinWait } from "./mod.ts";
 * try {
 *   new SpinLock().unlock(new SpinWait(0));
 * } catch (e) {
 *   const kind: LockErrorKind | undefined = e instanceof LockError ? e.kind : undefined; // "not-locked"
 * }
 * ```
 */
export type LockErrorKind = "not-locked" | "not-holder";

/**
 * A lock was used against its protocol; the lock's state is left unchanged.
 *
 * @example
 * ```ts
 * import { LockError, SpinLock, SpinWait } from "./mod.ts";
 * try {
 *   new SpinLock().unlock(new SpinWait(0));
 * } catch (e) {
 *   if (!(e instanceof LockError)) throw e; // e.kind === "not-locked"
 * }
 * ```
 */
export class LockError extends Error {
  /** What was wrong. */
  readonly kind: LockErrorKind;
  /** The lock's name. */
  readonly lock: string;

  /** An error about `lock`. */
  constructor(kind: LockErrorKind, lock: string, detail: string) {
    super(`${lock}: ${detail}`);
    this.name = "LockError";
    this.kind = kind;
    this.lock = lock;
  }
}
