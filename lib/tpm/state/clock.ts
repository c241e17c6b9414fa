/**
 * Time and clock (Part 1 §36): `time` counts ms since _TPM_Init; `clock`
 * counts ms the TPM has been powered over its life and persists in NV;
 * resetCount and restartCount count TPM Resets and Restarts.
 * @module
 */

/**
 * A millisecond source; injectable so tests can drive time.
 *
 * @example
 * ```ts
 * import { type Now, TpmClock } from "./clock.ts";
 * let ms = 0;
 * const now: Now = () => ms;
 * const clock = new TpmClock(now);
 * ms += 1500;
 * clock.clock(); // 1500n
 * ```
 */
export type Now = () => number;

/**
 * The TPM's clock state.
 *
 * @example
 * ```ts
 * import { TpmClock } from "./clock.ts";
 * const c = new TpmClock(() => 0);
 * c.clock(); // 0n
 * ```
 */
export class TpmClock {
  readonly #now: Now;
  #initAt: number;
  #clockBase = 0n;
  #clockAt: number;
  #stopped = false;
  /** TPMS_CLOCK_INFO.resetCount. */
  resetCount = 0;
  /** TPMS_CLOCK_INFO.restartCount. */
  restartCount = 0;
  /** TPMS_CLOCK_INFO.safe: no clock value was lost since the last orderly shutdown. */
  safe = 1;

  /** Starts both counters at the current instant of `now`. */
  constructor(now: Now = () => performance.now()) {
    this.#now = now;
    this.#initAt = now();
    this.#clockAt = this.#initAt;
  }

  /** ms since _TPM_Init (TPMS_TIME_INFO.time). */
  time(): bigint {
    return BigInt(Math.floor(this.#now() - this.#initAt));
  }
  /** Clock in ms (TPMS_CLOCK_INFO.clock); it stands still while the TPM is off. */
  clock(): bigint {
    if (this.#stopped) return this.#clockBase;
    return this.#clockBase + BigInt(Math.floor(this.#now() - this.#clockAt));
  }
  /** Power removed: the clock stops where it is (Part 1 §36.4). */
  stop(): void {
    this.#clockBase = this.clock();
    this.#stopped = true;
  }
  /** Sets the clock (ClockSet, or restoring persisted state). */
  setClock(v: bigint): void {
    this.#clockBase = v;
    this.#clockAt = this.#now();
  }
  /** _TPM_Init: time restarts from zero; clock continues. */
  init(): void {
    const c = this.clock();
    this.#stopped = false;
    this.#initAt = this.#now();
    this.setClock(c);
  }
}
