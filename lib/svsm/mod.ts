/**
 * lib/svsm (being built; see ARCHITECTURE.md).
 * @module
 */
export {};
