/**
 * The TPM as a platform sees it: manufacture, power, _TPM_Init, command
 * execution, and the persistent-state blob.
 * @module
 */
import { type CommandDef, dispatch, errorResponse } from "./dispatch.ts";
import { TPM_RC } from "./response_code.ts";
import { commandTable } from "./commands/registry.ts";
import { TpmState } from "./state/tpm_state.ts";
import type { Now } from "./state/clock.ts";
import { loadPersistentState, savePersistentState } from "./state/persistence.ts";

/**
 * Options for {@link Tpm.manufacture}.
 *
 * @example
 * ```ts
 * import { Tpm } from "./tpm.ts";
 * // A deterministic TPM: fixed seeds and a clock that starts at 0.
 * let ms = 0;
 * const tpm = await Tpm.manufacture({ seed: new Uint8Array(32), now: () => ms++ });
 * ```
 */
export interface ManufactureOptions {
  /** Makes seeds and all randomness deterministic (tests). */
  seed?: Uint8Array;
  /** Millisecond clock source (tests); defaults to `performance.now`. */
  now?: Now;
  /** Where unexpected internal exceptions are reported (default: console.error). */
  onInternalError?: (command: string, error: unknown) => void;
}

let table: ReadonlyMap<number, CommandDef> | null = null;
function commands(): ReadonlyMap<number, CommandDef> {
  table ??= commandTable();
  return table;
}

/**
 * A TPM 2.0. Powered off after manufacture; `powerOn()` then TPM2_Startup.
 *
 * @example
 * ```ts
 * import { Tpm } from "./tpm.ts";
 * const tpm = await Tpm.manufacture({ seed: new Uint8Array(32) });
 * tpm.powerOn();
 * const rsp = await tpm.execute(new Uint8Array([0x80, 1, 0, 0, 0, 12, 0, 0, 1, 0x44, 0, 0]));
 * ```
 */
export class Tpm {
  /** The instance's whole state (tests and the SVSM read it; commands change it). */
  readonly state: TpmState;
  readonly #onError: (command: string, error: unknown) => void;
  /** Internal errors seen (each also answered TPM_RC_FAILURE). */
  readonly internalErrors: { command: string; error: unknown }[] = [];

  private constructor(state: TpmState, onError?: (command: string, error: unknown) => void) {
    this.state = state;
    this.#onError = onError ??
      ((c, e) => console.error(`tpm: internal error in ${c}:`, e));
  }

  /** A freshly manufactured TPM: new seeds, empty NV, powered off. */
  static manufacture(opts: ManufactureOptions = {}): Promise<Tpm> {
    return Promise.resolve(new Tpm(new TpmState(opts), opts.onInternalError));
  }

  /** True while powered. */
  get poweredOn(): boolean {
    return this.state.phase !== "off";
  }

  /** Applies power and _TPM_Init; does nothing if already on (mssim POWER_ON). */
  powerOn(): void {
    if (this.poweredOn) return;
    this.#init();
  }

  /** Removes power: volatile state is lost; NV and a Shutdown(STATE) save survive. */
  powerOff(): void {
    if (this.poweredOn) this.state.clock.stop();
    this.state.phase = "off";
  }

  /** _TPM_Init while powered (Part 1 §12.2.2): TPM2_Startup is needed again. */
  reset(): void {
    this.#init();
  }

  #init(): void {
    const s = this.state;
    if (!s.orderly) s.saved = null;
    s.clock.init();
    s.phase = "init";
  }

  /**
   * Executes one command. Never throws: the result is always a well-formed
   * response (TPM_RC_FAILURE while powered off; servers answer that case
   * themselves).
   */
  execute(command: Uint8Array, locality = 0): Promise<Uint8Array> {
    return Promise.resolve(this.executeNow(command, locality));
  }

  /**
   * {@link execute} without the promise when the command completes
   * synchronously (every command today): servers answer in the same turn of
   * the event loop. `command` is copied before this returns.
   */
  executeNow(command: Uint8Array, locality = 0): Uint8Array | Promise<Uint8Array> {
    if (!this.poweredOn) return errorResponse(TPM_RC.FAILURE);
    return dispatch(this.state, commands(), command, locality, this.#internalError);
  }

  #internalError = (command: string, error: unknown): void => {
    this.internalErrors.push({ command, error });
    this.#onError(command, error);
  };

  /** The NV and persistent state as an integrity-checked blob (for `--state DIR`). */
  saveState(): Uint8Array {
    return savePersistentState(this.state);
  }

  /** A TPM restored from {@link Tpm.saveState} bytes, powered off; rejects a corrupt blob. */
  static async loadState(bytes: Uint8Array, opts: ManufactureOptions = {}): Promise<Tpm> {
    await Promise.resolve();
    const state = new TpmState(opts);
    loadPersistentState(state, bytes);
    return new Tpm(state, opts.onInternalError);
  }
}
