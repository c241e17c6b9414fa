/**
 * lib/host (being built; see ARCHITECTURE.md).
 * @module
 */
export {};
