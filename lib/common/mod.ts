/**
 * Small helpers every layer shares: byte layouts, hex, a seeded PRNG.
 * @module
 */
export * from "./layout.ts";
export * from "./hex.ts";
export * from "./prng.ts";
export * from "./guid.ts";
