/**
 * The PVALIDATE lock (COCONUT kernel/src/protocols/core.rs `PVALIDATE_LOCK`).
 *
 * Without it, CREATE_VCPU's error path could race a PVALIDATE and hand the guest an SVSM page:
 * every PVALIDATE list entry is validated under the lock for **read** (many CPUs validate in
 * parallel), and CREATE_VCPU revokes the guest's access to the new VMSA page and sets its VMSA
 * bit under the lock for **write**. COCONUT (f4bc4bcd and later) takes it only in those two
 * places; this model also takes it for write in DELETE_VCPU and REMAP_CA, which likewise change
 * which guest pages are a registered VMSA or calling area (and so what PVALIDATE may touch).
 * @module
 */

import type { LockCpu } from "./cpu_relax.ts";
import type { LockDebugger } from "./lock_debug.ts";
import { RwLock } from "./rwlock.ts";

/** The core calls that take the PVALIDATE lock (svsm-abi.md §4). */
export type PvalidateLockUser = "PVALIDATE" | "CREATE_VCPU" | "DELETE_VCPU" | "REMAP_CA";

/**
 * How each core call takes the PVALIDATE lock.
 *
 * @example
 * ```ts
 * import { PVALIDATE_LOCK_MODE } from "./pvalidate_lock.ts";
 * PVALIDATE_LOCK_MODE.CREATE_VCPU; // "write"
 * ```
 */
export const PVALIDATE_LOCK_MODE: Readonly<Record<PvalidateLockUser, "read" | "write">> = {
  PVALIDATE: "read", // core.rs core_pvalidate_one: PVALIDATE_LOCK.lock_read()
  CREATE_VCPU: "write", // core.rs core_create_vcpu: PVALIDATE_LOCK.lock_write()
  DELETE_VCPU: "write", // model's choice (see module doc)
  REMAP_CA: "write", // model's choice (see module doc)
};

/**
 * A PVALIDATE lock (one per SVSM instance).
 *
 * @example
 * ```ts
 * import { createPvalidateLock, withPvalidateLock } from "./pvalidate_lock.ts";
 * import { SpinWait } from "./cpu_relax.ts";
 * const lock = createPvalidateLock();
 * await withPvalidateLock(lock, new SpinWait(0), "PVALIDATE", () => "validate one entry");
 * ```
 */
export function createPvalidateLock(debug?: LockDebugger): RwLock {
  return new RwLock({ name: "PVALIDATE_LOCK", debug });
}

/** Runs `body` holding the PVALIDATE lock in the mode `user` takes it. */
export function withPvalidateLock<T>(
  lock: RwLock,
  cpu: LockCpu,
  user: PvalidateLockUser,
  body: () => T | Promise<T>,
): Promise<T> {
  return PVALIDATE_LOCK_MODE[user] === "read"
    ? lock.withRead(cpu, body)
    : lock.withWrite(cpu, body);
}
