/**
 * TPM2_NV_DefineSpace (Part 3 §31.3): attribute consistency, sizes per
 * index type, owner vs platform creation.
 * @module
 */
import { LIMITS, TPM_CC, TPM_HT, TPM_NT, TPM_RH, TPMA_NV } from "../constants.ts";
import { defineCommand } from "../dispatch.ts";
import { HT } from "../handle_types.ts";
import { DIGEST_SIZE, type NvPublic, TPM2B_AUTH, TPM2B_NV_PUBLIC } from "../marshal/types.ts";
import { paramError, TPM_RC, TpmError } from "../response_code.ts";
import { hasNv, nvType } from "../state/nv.ts";

const SET_BY_TPM = TPMA_NV.WRITTEN | TPMA_NV.WRITELOCKED | TPMA_NV.READLOCKED;
const READ_BITS = TPMA_NV.PPREAD | TPMA_NV.OWNERREAD | TPMA_NV.AUTHREAD | TPMA_NV.POLICYREAD;
const WRITE_BITS = TPMA_NV.PPWRITE | TPMA_NV.OWNERWRITE | TPMA_NV.AUTHWRITE | TPMA_NV.POLICYWRITE;

function checkPublic(pub: NvPublic, platform: boolean): void {
  const a = pub.attributes >>> 0;
  const bad = () => paramError(TPM_RC.ATTRIBUTES, 2);
  if (pub.nvIndex >>> 24 !== TPM_HT.NV_INDEX) throw paramError(TPM_RC.VALUE, 2);
  if (a & SET_BY_TPM) throw bad();
  if (!(a & READ_BITS) || !(a & WRITE_BITS)) throw bad();
  if (platform !== hasNv(a, TPMA_NV.PLATFORMCREATE)) throw bad();
  if (!platform && hasNv(a, TPMA_NV.POLICY_DELETE)) throw bad();
  const type = nvType(a);
  if (!([TPM_NT.ORDINARY, TPM_NT.COUNTER, TPM_NT.BITS, TPM_NT.EXTEND] as number[]).includes(type)) {
    throw bad();
  }
  const numeric = type === TPM_NT.COUNTER || type === TPM_NT.BITS;
  if (numeric && hasNv(a, TPMA_NV.CLEAR_STCLEAR)) throw bad();
  if (numeric && pub.dataSize !== 8) throw paramError(TPM_RC.SIZE, 2);
  if (type === TPM_NT.EXTEND && pub.dataSize !== DIGEST_SIZE[pub.nameAlg]) {
    throw paramError(TPM_RC.SIZE, 2);
  }
  if (pub.dataSize > LIMITS.MAX_NV_INDEX_SIZE) throw paramError(TPM_RC.SIZE, 2);
  if (pub.authPolicy.length !== 0 && pub.authPolicy.length !== DIGEST_SIZE[pub.nameAlg]) {
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
    checkPublic(pub, ctx.handles[0] === TPM_RH.PLATFORM);
    if (auth.length > DIGEST_SIZE[pub.nameAlg]) throw paramError(TPM_RC.SIZE, 1);
    const nv = ctx.state.nv;
    if (nv.indices.has(pub.nvIndex)) throw new TpmError(TPM_RC.NV_DEFINED);
    if (nv.free <= 0) throw new TpmError(TPM_RC.NV_SPACE);
    const type = nvType(pub.attributes);
    const data = new Uint8Array(pub.dataSize).fill(type === TPM_NT.ORDINARY ? 0xff : 0);
    nv.indices.set(pub.nvIndex, {
      pub: { ...pub, attributes: pub.attributes >>> 0 },
      authValue: auth,
      data,
    });
    return {};
  },
});
