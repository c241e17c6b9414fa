/**
 * TPM state: hierarchies and seeds, PCR banks, NV, object and session slots,
 * clock, DA lockout, RNG.
 *
 * @example
 * ```ts
 * import { TpmState } from "./mod.ts";
 * const s = new TpmState({ seed: new Uint8Array(32) });
 * s.phase; // "off"
 * ```
 * @module
 */
export * from "./clock.ts";
export { Hierarchies, type Hierarchy, type Policy, SEED_SIZE } from "./hierarchy.ts";
export * from "./lockout.ts";
export { type NvIndex, NvStore } from "./nv.ts";
export {
  type HashSequence,
  type LoadedEntity,
  type ObjectInit,
  ObjectStore,
  type TpmObject,
} from "./objects.ts";
export * from "./pcr.ts";
export * from "./random.ts";
export * from "./sessions.ts";
export * from "./tpm_state.ts";
