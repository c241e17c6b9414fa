/**
 * Small helpers every layer shares: byte layouts, hex, a seeded PRNG.
 *
 * @example
 * ```ts
 * import { fromHex, Layout, Prng, toHex, u32 } from "./mod.ts";
 * const HDR = new Layout("hdr", 8, { magic: u32(0), len: u32(4) });
 * const b = new Uint8Array(8);
 * HDR.set(b, "len", 16);
 * toHex(b); // "0000000010000000"
 * fromHex("10").length; // 1
 * new Prng(1).nextU32(); // the same value for the same seed, on every run
 * ```
 * @module
 */
export * from "./layout.ts";
export * from "./hex.ts";
export * from "./prng.ts";
export * from "./guid.ts";
