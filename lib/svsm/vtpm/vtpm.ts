/**
 * The SVSM's vTPM: a TPM 2.0 manufactured and powered on by the SVSM inside
 * the confidential VM, served to the guest through the vTPM protocol
 * (COCONUT kernel/src/vtpm/; svsm-abi.md §7 "Engine facts"). The guest sends
 * TPM2_Startup itself, as guest firmware does.
 * @module
 */
import { Tpm } from "../../tpm/tpm.ts";
import { EK_RSA2048_TEMPLATE } from "../../tpm/ek.ts";
import { TPM_RH } from "../../tpm/constants.ts";
import { derivePrimary } from "../../tpm/commands/create_primary.ts";
import { encode } from "../../tpm/marshal/codec.ts";
import { TPMT_PUBLIC } from "../../tpm/marshal/types.ts";
import type { VtpmService } from "../request_context.ts";

/**
 * Options for {@link SvsmVtpm.create}.
 *
 * @example
 * ```ts
 * import { SvsmVtpm } from "./vtpm.ts";
 * // A fixed seed gives the same EK on every boot (a manufactured TPM); omit it for a random one.
 * const vtpm = await SvsmVtpm.create({ seed: new Uint8Array(32).fill(3) });
 * ```
 */
export interface SvsmVtpmOptions {
  /** Deterministic manufacturing seed (tests and replayable boots); random when omitted. */
  readonly seed?: Uint8Array;
}

/**
 * The vTPM service. Its seeds, NV and clock live in this instance alone.
 *
 * @example
 * ```ts
 * import { SvsmVtpm } from "./vtpm.ts";
 * const vtpm = await SvsmVtpm.create();
 * vtpm.poweredOn; // true: manufactured and powered on, waiting for Startup
 * ```
 */
export class SvsmVtpm implements VtpmService {
  readonly #tpm: Tpm;
  #ekPublic?: { seed: Uint8Array; bytes: Uint8Array };

  private constructor(tpm: Tpm) {
    this.#tpm = tpm;
  }

  /** Manufactures a fresh TPM and powers it on (COCONUT: NV manufactured on first start). */
  static async create(opts: SvsmVtpmOptions = {}): Promise<SvsmVtpm> {
    const tpm = await Tpm.manufacture({ seed: opts.seed });
    tpm.powerOn();
    return new SvsmVtpm(tpm);
  }

  /** True once powered on. */
  get poweredOn(): boolean {
    return this.#tpm.poweredOn;
  }

  /** Runs one TPM command at `locality`. */
  execute(command: Uint8Array, locality: number): Promise<Uint8Array> {
    return this.#tpm.execute(command, locality);
  }

  /**
   * The RSA-2048 EK's marshalled TPMT_PUBLIC (EK Credential Profile template
   * L-1, policy A): the services-manifest entry of the vTPM. The EK is derived
   * from the endorsement primary seed exactly as TPM2_CreatePrimary derives it
   * (COCONUT sends that command), but without a command, so it exists before
   * the guest's TPM2_Startup and uses no object slot. Cached per seed: a
   * TPM2_ChangeEPS gives a new EK.
   */
  ekPublic(): Promise<Uint8Array> {
    const state = this.#tpm.state;
    const seed = state.hierarchies.get(TPM_RH.ENDORSEMENT).seed;
    if (this.#ekPublic?.seed !== seed) {
      const empty = new Uint8Array(0);
      const ek = derivePrimary(state, seed, EK_RSA2048_TEMPLATE, { userAuth: empty, data: empty });
      this.#ekPublic = { seed, bytes: encode(TPMT_PUBLIC, ek.publicArea) };
    }
    return Promise.resolve(this.#ekPublic.bytes);
  }
}
