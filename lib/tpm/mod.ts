/**
 * lib/tpm (being built; see ARCHITECTURE.md).
 * @module
 */
export {};
