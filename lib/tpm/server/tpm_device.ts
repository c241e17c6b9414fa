/**
 * What a TPM server needs from a TPM: the platform's view of the chip
 * (power, _TPM_Init, one command at a time). `lib/tpm`'s `Tpm` satisfies it;
 * tests and benchmarks may plug in anything else with the same shape.
 * @module
 */

/**
 * The platform interface of a TPM 2.0: power, reset (_TPM_Init, TCG TPM 2.0
 * Part 1 §12.2) and command execution. `execute` must never throw: every
 * failure is a TPM response carrying its response code.
 *
 * @example
 * ```ts
 * import type { TpmDevice } from "./tpm_device.ts";
 * import { errorResponse, TPM_RC_FAILURE } from "./tpm_frame.ts";
 * // A TPM stuck in failure mode, e.g. to test a client's error handling.
 * let on = false;
 * const broken: TpmDevice = {
 *   get poweredOn() { return on; },
 *   powerOn: () => { on = true; },
 *   powerOff: () => { on = false; },
 *   reset: () => {},
 *   execute: () => Promise.resolve(errorResponse(TPM_RC_FAILURE)),
 * };
 * ```
 */
export interface TpmDevice {
  /** True between `powerOn()` and `powerOff()`. */
  readonly poweredOn: boolean;
  /** Applies power and signals _TPM_Init; TPM2_Startup is then required. */
  powerOn(): void;
  /** Removes power; volatile state is lost. */
  powerOff(): void;
  /** _TPM_Init while powered: the TPM waits for TPM2_Startup again. */
  reset(): void;
  /** Runs one command (big-endian TPM bytes) and resolves to its response. */
  execute(command: Uint8Array, locality?: number): Promise<Uint8Array>;
  /**
   * Optional fast path: like `execute`, but answers synchronously when it
   * can, and is done with `command` when it returns (the server passes a
   * view into its receive buffer).
   */
  executeNow?(command: Uint8Array, locality?: number): Uint8Array | Promise<Uint8Array>;
}

/**
 * Serializes access to one {@link TpmDevice}: the TPM is single-threaded,
 * so commands from concurrent connections (and state saves) queue here and
 * run one after another, in arrival order.
 *
 * @example
 * ```ts
 * import { TpmGate } from "./tpm_device.ts";
 * import { Tpm } from "../tpm.ts";
 * const tpm = await Tpm.manufacture({ seed: new Uint8Array(32) }); // a TpmDevice
 * tpm.powerOn();
 * const gate = new TpmGate(tpm);
 * const startup = new Uint8Array([0x80, 1, 0, 0, 0, 12, 0, 0, 1, 0x44, 0, 0]); // TPM2_Startup(CLEAR)
 * const rsp = await gate.run((t) => t.execute(startup)); // 80 01 0000000a 00000000: success
 * ```
 */
export class TpmGate {
  /** The device every queued action runs against. */
  readonly device: TpmDevice;
  #tail: Promise<unknown> = Promise.resolve();
  #pending = 0;

  /** Wraps `device`; all access must then go through {@link TpmGate.run}. */
  constructor(device: TpmDevice) {
    this.device = device;
  }

  /**
   * Like {@link run}, but when the gate is idle the action runs now and a
   * synchronous result comes back as is, without a promise.
   */
  runNow<T>(action: (device: TpmDevice) => T | Promise<T>): T | Promise<T> {
    if (this.#pending !== 0) return this.run(action);
    let result: T | Promise<T>;
    try {
      result = action(this.device);
    } catch (e) {
      return Promise.reject(e);
    }
    return result instanceof Promise ? this.#track(result) : result;
  }

  /** Runs `action` once every earlier action has settled. */
  run<T>(action: (device: TpmDevice) => T | Promise<T>): Promise<T> {
    const next = this.#pending === 0
      ? (async () => await action(this.device))() // idle: start now, skip one turn of the queue
      : this.#tail.then(() => action(this.device));
    return this.#track(next);
  }

  /** Queues behind `next`: later actions wait until it settles. */
  #track<T>(next: Promise<T>): Promise<T> {
    this.#pending++;
    this.#tail = next.then(this.#done, this.#done);
    return next;
  }

  #done = (): void => {
    this.#pending--;
  };
}
