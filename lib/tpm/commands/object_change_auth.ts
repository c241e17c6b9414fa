/**
 * TPM2_ObjectChangeAuth (TCG TPM 2.0 Part 3 §12.6): re-wraps a loaded
 * object's sensitive area with a new authValue under its parent. The loaded
 * copy keeps the old authValue; the caller loads the new blob.
 * @module
 */
import { TPM_CC } from "../constants.ts";
import { equalBytes } from "../crypto/bytes.ts";
import { digest, requireHash } from "../crypto/hash.ts";
import { protectorOf } from "../crypto/object_keys.ts";
import { sensitiveToPrivate } from "../crypto/object_protection.ts";
import { type CommandDef, defineCommand } from "../dispatch.ts";
import { HT } from "../handle_types.ts";
import { TPM2B_AUTH, TPM2B_PRIVATE } from "../marshal/types.ts";
import { handleError, paramError, TPM_RC } from "../response_code.ts";
import { stripZeros } from "../sessions/session_area.ts";
import { storageParent } from "./key_object.ts";

/** TPM2_ObjectChangeAuth. */
export const ObjectChangeAuth: CommandDef = defineCommand({
  code: TPM_CC.ObjectChangeAuth,
  name: "ObjectChangeAuth",
  handles: [
    { name: "objectHandle", type: HT.OBJECT, auth: "ADMIN" },
    { name: "parentHandle", type: HT.OBJECT },
  ],
  params: { newAuth: TPM2B_AUTH },
  response: { outPrivate: TPM2B_PRIVATE },
  execute(ctx, { newAuth }) {
    const obj = ctx.object(0);
    if (obj.publicOnly) throw handleError(TPM_RC.TYPE, 1);
    const parent = storageParent(ctx, 1);
    // The parent must be this object's parent: QN = H(parentQN ‖ Name) (Part 1 §16.6).
    const alg = obj.publicArea.nameAlg;
    const qn = digest(alg, parent.qualifiedName, obj.name);
    if (!equalBytes(obj.qualifiedName.subarray(2), qn)) throw handleError(TPM_RC.TYPE, 2);
    // Trailing zeros are not part of an authValue (Part 1 §19.6.4), so they do not count.
    const auth = stripZeros(newAuth);
    if (auth.length > requireHash(alg).size) throw paramError(TPM_RC.SIZE, 1);
    const outPrivate = sensitiveToPrivate(protectorOf(parent), obj.name, {
      sensitiveType: obj.publicArea.type,
      authValue: auth,
      seedValue: obj.seedValue,
      sensitive: obj.sensitive,
    });
    return { outPrivate };
  },
});
