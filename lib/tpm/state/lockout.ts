/**
 * Dictionary-attack protection (Part 1 §19.8): failedTries, maxTries and the
 * recovery times, with lockoutAuth's own single-failure lock.
 * @module
 */

/**
 * DA state. Defaults are the reference TPM's (maxTries 3, 1000 s intervals).
 *
 * @example
 * ```ts
 * import { Lockout } from "./lockout.ts";
 * const da = new Lockout();
 * da.inLockout(); // false
 * ```
 */
export class Lockout {
  /** failedTries (TPM_PT_LOCKOUT_COUNTER). */
  failedTries = 0;
  /** maxTries (TPM_PT_MAX_AUTH_FAIL). */
  maxTries = 3;
  /** recoveryTime in s (TPM_PT_LOCKOUT_INTERVAL); 0 disables DA. */
  recoveryTime = 1000;
  /** lockoutRecovery in s (TPM_PT_LOCKOUT_RECOVERY). */
  lockoutRecovery = 1000;
  /** False after a lockoutAuth failure, until lockoutRecovery passes (or Startup, if it is 0). */
  lockoutAuthEnabled = true;
  /** Clock (ms) of the last failure / lockoutAuth failure, for recovery. */
  lastFailure = 0n;
  /** Clock (ms) of the last lockoutAuth failure. */
  lastLockoutFailure = 0n;

  /** True when DA-protected entities are locked out. */
  inLockout(): boolean {
    return this.recoveryTime !== 0 && this.failedTries >= this.maxTries;
  }

  /** Heals failures as time passes (one per recoveryTime; Part 1 §19.8.4). */
  tick(clock: bigint): void {
    if (this.recoveryTime > 0 && this.failedTries > 0) {
      const healed = Number((clock - this.lastFailure) / BigInt(this.recoveryTime * 1000));
      if (healed > 0) {
        this.failedTries = Math.max(0, this.failedTries - healed);
        this.lastFailure = clock;
      }
    }
    if (!this.lockoutAuthEnabled && this.lockoutRecovery > 0) {
      if (clock - this.lastLockoutFailure >= BigInt(this.lockoutRecovery * 1000)) {
        this.lockoutAuthEnabled = true;
      }
    }
  }

  /** Records a failed authorization of a DA-protected entity. */
  fail(clock: bigint, isLockoutAuth: boolean): void {
    if (isLockoutAuth) {
      // With lockoutRecovery 0 only the next Startup re-enables it (the reference's
      // IncrementLockout and DAStartup), never unlimited tries.
      this.lockoutAuthEnabled = false;
      this.lastLockoutFailure = clock;
      return;
    }
    if (this.recoveryTime === 0) return;
    this.failedTries++;
    this.lastFailure = clock;
  }
}
