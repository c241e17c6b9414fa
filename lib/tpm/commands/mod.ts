/**
 * The command table: the engine-core commands, the key commands, and the
 * registry that joins them by TPM_CC.
 * @module
 */
export * from "./core_commands.ts";
export * from "./key_commands.ts";
export * from "./registry.ts";
