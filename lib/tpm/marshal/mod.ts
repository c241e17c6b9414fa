/**
 * TPM 2.0 marshalling (TCG Part 2): a big-endian reader/writer, codec
 * combinators, and the structures as field tables.
 * @module
 */
export * from "./buffer.ts";
export * from "./codec.ts";
export * from "./types.ts";
