/**
 * TPM2_NV_DefineSpace (Part 3 §31.3): attribute consistency, sizes per
 * index type, owner vs platform creation.
 * @module
 */
import { LIMITS, TPM_CC, TPM_HT, TPM_NT, TPM_RH, TPMA_NV } from "../constants.ts";
import { defineCommand } from "../dispatch.ts";
import { HT } from "../handle_types.ts";
import { DIGEST_SIZE, type NvPublic, TPM2B_AUTH, TPM2B_NV_PUBLIC } from "../marshal/types.ts";
import { handleError, paramError, TPM_RC, TpmError } from "../response_code.ts";
import { hasNv, nvType } from "../state/nv.ts";

const SET_BY_TPM = TPMA_NV.WRITTEN | TPMA_NV.WRITELOCKED | TPMA_NV.READLOCKED;
const READ_BITS = TPMA_NV.PPREAD | TPMA_NV.OWNERREAD | TPMA_NV.AUTHREAD | TPMA_NV.POLICYREAD;
// TPMA_NV bits 8–9 and 20–24 are reserved (Part 2 §13.4).
const NV_RESERVED = 0x300 | 0x1f00000;
const WRITE_BITS = TPMA_NV.PPWRITE | TPMA_NV.OWNERWRITE | TPMA_NV.AUTHWRITE | TPMA_NV.POLICYWRITE;

/** authValue without trailing zero octets (MemoryRemoveTrailingZeros, Part 1 §19.6.4). */
function stripZeros(v: Uint8Array): Uint8Array {
  let n = v.length;
  while (n > 0 && v[n - 1] === 0) n--;
  return v.subarray(0, n);
}

/** The checks of Part 3 §31.3 in the reference's order (swtpm answers the same). */
function checkPublic(pub: NvPublic, auth: Uint8Array, platform: boolean, nvOn: boolean): void {
  const a = pub.attributes >>> 0;
  const bad = () => paramError(TPM_RC.ATTRIBUTES, 2);
  // What TPMS_NV_PUBLIC's unmarshalling refuses comes first.
  if (pub.nvIndex >>> 24 !== TPM_HT.NV_INDEX) throw paramError(TPM_RC.VALUE, 2);
  if (a & NV_RESERVED) throw paramError(TPM_RC.RESERVED_BITS, 2);
  if (pub.dataSize > LIMITS.MAX_NV_INDEX_SIZE) throw paramError(TPM_RC.SIZE, 2);
  if (pub.authPolicy.length !== 0 && pub.authPolicy.length !== DIGEST_SIZE[pub.nameAlg]) {
    throw paramError(TPM_RC.SIZE, 2);
  }
  if (auth.length > DIGEST_SIZE[pub.nameAlg]) throw paramError(TPM_RC.SIZE, 1);
  // phEnableNV CLEAR (HierarchyControl): the platform may not define indices either.
  if (platform && !nvOn) throw handleError(TPM_RC.HIERARCHY, 1);
  const type = nvType(a);
  if (!([TPM_NT.ORDINARY, TPM_NT.COUNTER, TPM_NT.BITS, TPM_NT.EXTEND] as number[]).includes(type)) {
    throw bad();
  }
  const numeric = type === TPM_NT.COUNTER || type === TPM_NT.BITS;
  if (numeric && pub.dataSize !== 8) throw paramError(TPM_RC.SIZE, 2);
  if (type === TPM_NT.EXTEND && pub.dataSize !== DIGEST_SIZE[pub.nameAlg]) {
    throw paramError(TPM_RC.SIZE, 2);
  }
  // Only a counter may never go back (Part 2 §13.4 TPMA_NV_CLEAR_STCLEAR); a
  // bit field may be cleared at Startup.
  if (type === TPM_NT.COUNTER && hasNv(a, TPMA_NV.CLEAR_STCLEAR)) throw bad();
  if (a & SET_BY_TPM) throw bad();
  if (!(a & READ_BITS) || !(a & WRITE_BITS)) throw bad();
  // An index erased at every Startup cannot also be locked for its lifetime.
  if (hasNv(a, TPMA_NV.CLEAR_STCLEAR) && hasNv(a, TPMA_NV.WRITEDEFINE)) throw bad();
  // The creator must be able to delete it: the reference and swtpm blame authHandle (0x182).
  if (platform !== hasNv(a, TPMA_NV.PLATFORMCREATE)) throw handleError(TPM_RC.ATTRIBUTES, 1);
  if (!platform && hasNv(a, TPMA_NV.POLICY_DELETE)) throw bad();
  // WRITEALL with more than one NV_Write could ever carry.
  if (hasNv(a, TPMA_NV.WRITEALL) && pub.dataSize > LIMITS.MAX_NV_BUFFER_SIZE) {
    throw paramError(TPM_RC.SIZE, 2);
  }
}

/** TPM2_NV_DefineSpace. */
export const NV_DefineSpace = defineCommand({
  code: TPM_CC.NV_DefineSpace,
  name: "NV_DefineSpace",
  handles: [{ name: "authHandle", type: HT.PROVISION, auth: "USER" }],
  params: { auth: TPM2B_AUTH, publicInfo: TPM2B_NV_PUBLIC },
  response: {},
  execute(ctx, { auth, publicInfo }) {
    const pub = publicInfo!;
    const authValue = stripZeros(auth);
    const platform = ctx.handles[0] === TPM_RH.PLATFORM;
    checkPublic(pub, authValue, platform, ctx.state.hierarchies.phEnableNV);
    const nv = ctx.state.nv;
    if (nv.indices.has(pub.nvIndex)) throw new TpmError(TPM_RC.NV_DEFINED);
    if (nv.free <= 0) throw new TpmError(TPM_RC.NV_SPACE);
    const type = nvType(pub.attributes);
    const data = new Uint8Array(pub.dataSize).fill(type === TPM_NT.ORDINARY ? 0xff : 0);
    nv.indices.set(pub.nvIndex, {
      pub: { ...pub, attributes: pub.attributes >>> 0 },
      authValue: authValue.slice(),
      data,
    });
    return {};
  },
});
