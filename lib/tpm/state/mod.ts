/**
 * TPM state: hierarchies and seeds, PCR banks, NV, object and session slots,
 * clock, DA lockout, RNG.
 * @module
 */
export * from "./clock.ts";
export * from "./hierarchy.ts";
export * from "./lockout.ts";
export * from "./nv.ts";
export * from "./objects.ts";
export * from "./pcr.ts";
export * from "./random.ts";
export * from "./sessions.ts";
export * from "./tpm_state.ts";
