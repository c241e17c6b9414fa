/**
 * The SVSM vTPM service: a TPM 2.0 behind the SVSM vTPM protocol (svsm-abi.md §7).
 *
 * @example
 * ```ts
 * import { SvsmVtpm } from "./mod.ts";
 * const vtpm = await SvsmVtpm.create({ seed: new Uint8Array(32) });
 * ```
 * @module
 */
export * from "./vtpm.ts";
