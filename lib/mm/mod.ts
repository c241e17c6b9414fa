/**
 * lib/mm (being built; see ARCHITECTURE.md).
 * @module
 */
export {};
