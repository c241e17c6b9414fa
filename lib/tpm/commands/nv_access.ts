/**
 * NV access rules shared by the NV commands (Part 3 §31.2, the reference's
 * NvWriteAccessChecks / NvReadAccessChecks): which authorization may read or
 * write an index, and its lock and written state.
 * @module
 */
import { TPM_RH, TPMA_NV } from "../constants.ts";
import { isPolicySession } from "../sessions/session_hmac.ts";
import type { CommandContext } from "../dispatch.ts";
import { TPM_RC, TpmError } from "../response_code.ts";
import { hasNv, type NvIndex } from "../state/nv.ts";

/** The index at handle position `i` (already checked present by the dispatcher). */
export function indexAt(ctx: CommandContext, i: number): NvIndex {
  return ctx.state.nv.indices.get(ctx.handles[i])!;
}

/**
 * May the authorization at handle index `at` (0-based; sessions and
 * authorized handles line up) read or write `ix`? Owner and platform need
 * OWNERREAD/PPREAD (or WRITE) bits; any other authHandle must be the index itself, with
 * AUTHREAD or POLICYREAD (or WRITE) by session kind (the reference's NvWriteAccessChecks:
 * another index's authValue never opens this one).
 */
export function mayAccess(ctx: CommandContext, ix: NvIndex, at: number, write: boolean): boolean {
  const a = ix.pub.attributes;
  const auth = ctx.handles[at];
  if (auth === TPM_RH.OWNER) return hasNv(a, write ? TPMA_NV.OWNERWRITE : TPMA_NV.OWNERREAD);
  if (auth === TPM_RH.PLATFORM) return hasNv(a, write ? TPMA_NV.PPWRITE : TPMA_NV.PPREAD);
  if (auth !== ix.pub.nvIndex) return false;
  const policy = isPolicySession(ctx.auths[at]?.session ?? null);
  const bits = write
    ? (policy ? TPMA_NV.POLICYWRITE : TPMA_NV.AUTHWRITE)
    : (policy ? TPMA_NV.POLICYREAD : TPMA_NV.AUTHREAD);
  return hasNv(a, bits);
}

/** Write access: OWNERWRITE/PPWRITE for owner/platform auth, AUTHWRITE/POLICYWRITE for the index. */
export function checkWrite(ctx: CommandContext, ix: NvIndex): void {
  // The lock first, as the reference's NvWriteAccessChecks (the lock is public in NV_ReadPublic).
  if (hasNv(ix.pub.attributes, TPMA_NV.WRITELOCKED)) throw new TpmError(TPM_RC.NV_LOCKED);
  if (!mayAccess(ctx, ix, 0, true)) throw new TpmError(TPM_RC.NV_AUTHORIZATION);
}

/** Read access, lock and written checks; `at` is the authHandle's handle index. */
export function checkRead(ctx: CommandContext, ix: NvIndex, at = 0): void {
  const a = ix.pub.attributes;
  // The lock first, as the reference's NvReadAccessChecks; WRITTEN last.
  if (hasNv(a, TPMA_NV.READLOCKED)) throw new TpmError(TPM_RC.NV_LOCKED);
  if (!mayAccess(ctx, ix, at, false)) throw new TpmError(TPM_RC.NV_AUTHORIZATION);
  if (!hasNv(a, TPMA_NV.WRITTEN)) throw new TpmError(TPM_RC.NV_UNINITIALIZED);
}

/** Marks an index written. */
export function markWritten(ix: NvIndex): void {
  ix.pub.attributes = (ix.pub.attributes | TPMA_NV.WRITTEN) >>> 0;
}
