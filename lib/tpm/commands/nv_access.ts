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

function viaPolicy(ctx: CommandContext): boolean {
  return isPolicySession(ctx.auths[0]?.session ?? null);
}

/** Write access: OWNERWRITE/PPWRITE for owner/platform auth, AUTHWRITE/POLICYWRITE for the index. */
export function checkWrite(ctx: CommandContext, ix: NvIndex): void {
  const a = ix.pub.attributes;
  const auth = ctx.handles[0];
  const ok = auth === TPM_RH.OWNER
    ? hasNv(a, TPMA_NV.OWNERWRITE)
    : auth === TPM_RH.PLATFORM
    ? hasNv(a, TPMA_NV.PPWRITE)
    : hasNv(a, viaPolicy(ctx) ? TPMA_NV.POLICYWRITE : TPMA_NV.AUTHWRITE);
  if (!ok) throw new TpmError(TPM_RC.NV_AUTHORIZATION);
  if (hasNv(a, TPMA_NV.WRITELOCKED)) throw new TpmError(TPM_RC.NV_LOCKED);
}

/** Read access, lock and written checks. */
export function checkRead(ctx: CommandContext, ix: NvIndex): void {
  const a = ix.pub.attributes;
  const auth = ctx.handles[0];
  const ok = auth === TPM_RH.OWNER
    ? hasNv(a, TPMA_NV.OWNERREAD)
    : auth === TPM_RH.PLATFORM
    ? hasNv(a, TPMA_NV.PPREAD)
    : hasNv(a, viaPolicy(ctx) ? TPMA_NV.POLICYREAD : TPMA_NV.AUTHREAD);
  if (!ok) throw new TpmError(TPM_RC.NV_AUTHORIZATION);
  if (hasNv(a, TPMA_NV.READLOCKED)) throw new TpmError(TPM_RC.NV_LOCKED);
  if (!hasNv(a, TPMA_NV.WRITTEN)) throw new TpmError(TPM_RC.NV_UNINITIALIZED);
}

/** Marks an index written. */
export function markWritten(ix: NvIndex): void {
  ix.pub.attributes = (ix.pub.attributes | TPMA_NV.WRITTEN) >>> 0;
}
