/**
 * lib/snp (being built; see ARCHITECTURE.md).
 * @module
 */
export {};
