/**
 * TPM 2.0 marshalling (TCG Part 2): a big-endian reader/writer, codec
 * combinators, and the structures as field tables.
 *
 * @example
 * ```ts
 * import { decode, encode, TPM2B_DIGEST } from "./mod.ts";
 * const bytes = encode(TPM2B_DIGEST, new Uint8Array(32));
 * decode(TPM2B_DIGEST, bytes).length; // 32
 * ```
 * @module
 */
export * from "./buffer.ts";
export * from "./codec.ts";
export * from "./types.ts";
