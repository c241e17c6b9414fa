/**
 * The SVSM's vTPM: a TPM 2.0 manufactured and powered on by the SVSM inside
 * the confidential VM, served to the guest through the vTPM protocol
 * (COCONUT kernel/src/vtpm/; svsm-abi.md §7 "Engine facts"). The guest sends
 * TPM2_Startup itself, as guest firmware does.
 * @module
 */
import { Tpm } from "../../tpm/tpm.ts";
import { createPrimaryEkCommand, EK_RSA2048_TEMPLATE } from "../../tpm/ek.ts";
import { TPM_CC, TPM_ST } from "../../tpm/constants.ts";
import { fail, SvsmResultCode } from "../protocols/errors.ts";
import type { VtpmService } from "../request_context.ts";

/** Options for {@link SvsmVtpm.create}. */
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
  #ekPublic?: Uint8Array;

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
   * L-1, policy A), created on first use with TPM2_CreatePrimary under the
   * endorsement hierarchy and cached, as COCONUT does. The EK is derived from
   * the endorsement seed, so it is the same every time for this TPM. Before
   * the guest's TPM2_Startup the TPM cannot create it: INVALID_REQUEST.
   */
  async ekPublic(): Promise<Uint8Array> {
    if (this.#ekPublic) return this.#ekPublic;
    const rsp = await this.#tpm.execute(createPrimaryEkCommand(EK_RSA2048_TEMPLATE), 0);
    const dv = new DataView(rsp.buffer, rsp.byteOffset, rsp.byteLength);
    if (rsp.length < 20 || dv.getUint32(6) !== 0) fail(SvsmResultCode.INVALID_REQUEST);
    // Response: header (10) | objectHandle (4) | parameterSize (4) | TPM2B_PUBLIC.
    const handle = dv.getUint32(10);
    const size = dv.getUint16(18);
    this.#ekPublic = rsp.slice(20, 20 + size);
    await this.#tpm.execute(flushContext(handle), 0);
    return this.#ekPublic;
  }
}

/** TPM2_FlushContext(handle) (TCG TPM 2.0 Part 3 §28.4). */
function flushContext(handle: number): Uint8Array {
  const cmd = new Uint8Array(14);
  const dv = new DataView(cmd.buffer);
  dv.setUint16(0, TPM_ST.NO_SESSIONS);
  dv.setUint32(2, 14);
  dv.setUint32(6, TPM_CC.FlushContext);
  dv.setUint32(10, handle);
  return cmd;
}
