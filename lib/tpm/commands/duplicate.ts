/**
 * TPM2_Duplicate (TCG TPM 2.0 Part 3 §13.1, Part 1 §23.3): exports a
 * loaded object that is not fixedParent for a new parent. An optional inner
 * wrapper (AES-CFB with a caller or TPM key over an integrity digest and the
 * sensitive area) and an outer wrapper (a seed shared with the new parent,
 * label "DUPLICATE") protect it; encryptedDuplication objects need both.
 * @module
 */
import { TPM_ALG, TPM_CC, TPM_RH, TPMA_OBJECT } from "../constants.ts";
import { isAsymmetricStorageKey } from "../crypto/object_keys.ts";
import { sensitiveBytes, wrapInner, wrapOuter } from "../crypto/object_protection.ts";
import { createSecret } from "../crypto/secret_sharing.ts";
import { type CommandDef, defineCommand } from "../dispatch.ts";
import { HT } from "../handle_types.ts";
import {
  TPM2B_DATA,
  TPM2B_ENCRYPTED_SECRET,
  TPM2B_PRIVATE,
  TPMT_SYM_DEF_OBJECT,
} from "../marshal/types.ts";
import { handleError, paramError, TPM_RC } from "../response_code.ts";
import { atParam } from "./key_object.ts";

/** TPM2_Duplicate. */
export const Duplicate: CommandDef = defineCommand({
  code: TPM_CC.Duplicate,
  name: "Duplicate",
  handles: [
    { name: "objectHandle", type: HT.OBJECT, auth: "DUP" },
    { name: "newParentHandle", type: HT.OBJECT_NULL },
  ],
  params: { encryptionKeyIn: TPM2B_DATA, symmetricAlg: TPMT_SYM_DEF_OBJECT },
  response: {
    encryptionKeyOut: TPM2B_DATA,
    duplicate: TPM2B_PRIVATE,
    outSymSeed: TPM2B_ENCRYPTED_SECRET,
  },
  execute(ctx, { encryptionKeyIn, symmetricAlg }) {
    const obj = ctx.object(0);
    const attrs = obj.publicArea.objectAttributes;
    if (attrs & TPMA_OBJECT.fixedParent) throw handleError(TPM_RC.ATTRIBUTES, 1);
    if (obj.publicOnly) throw handleError(TPM_RC.TYPE, 1);
    const toNull = ctx.handles[1] === TPM_RH.NULL;
    const inner = symmetricAlg.algorithm !== TPM_ALG.NULL;
    if (attrs & TPMA_OBJECT.encryptedDuplication) {
      if (!inner) throw paramError(TPM_RC.SYMMETRIC, 2);
      if (toNull) throw handleError(TPM_RC.HIERARCHY, 2);
    }
    let data = sensitiveBytes({
      sensitiveType: obj.publicArea.type,
      authValue: obj.authValue,
      seedValue: obj.seedValue,
      sensitive: obj.sensitive,
    });
    let encryptionKeyOut: Uint8Array = new Uint8Array(0);
    if (inner) {
      const keyBytes = symmetricAlg.keyBits / 8;
      let key = encryptionKeyIn;
      if (key.length === 0) key = encryptionKeyOut = ctx.state.rng.bytes(keyBytes);
      else if (key.length !== keyBytes) throw paramError(TPM_RC.SIZE, 1);
      data = wrapInner(obj.publicArea.nameAlg, symmetricAlg, key, obj.name, data);
    }
    let outSymSeed: Uint8Array = new Uint8Array(0);
    if (!toNull) {
      const parent = ctx.object(1).publicArea;
      if (!isAsymmetricStorageKey(parent)) throw handleError(TPM_RC.TYPE, 2);
      const shared = atParam(2, () => createSecret(parent, "DUPLICATE", ctx.state.rng));
      outSymSeed = shared.encrypted;
      const protector = { nameAlg: parent.nameAlg, symmetric: parent.symmetric, seed: shared.seed };
      data = wrapOuter(protector, obj.name, data);
    }
    return { encryptionKeyOut, duplicate: data, outSymSeed };
  },
});
