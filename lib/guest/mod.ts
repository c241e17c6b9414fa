/**
 * lib/guest (being built; see ARCHITECTURE.md).
 * @module
 */
export {};
