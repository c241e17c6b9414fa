/**
 * Fixups: guarded guest-memory access whose faults become INVALID_ADDRESS (COCONUT
 * kernel/src/cpu/extable.rs, kernel/src/mm/guestmem.rs).
 *
 * @example
 * ```ts
 * import { GuardedGuestMemory } from "./mod.ts";
 * typeof GuardedGuestMemory; // "function"
 * ```
 * @module
 */
export * from "./guest_memory.ts";
