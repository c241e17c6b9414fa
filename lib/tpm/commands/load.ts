/**
 * TPM2_Load (TCG TPM 2.0 Part 3 §12.2): checks a private blob's integrity
 * under its storage parent, unwraps it (Part 1 §23.3), checks that it
 * belongs to the public area, and loads the object.
 * @module
 */
import { TPM_CC } from "../constants.ts";
import { hashAlgorithm } from "../crypto/hash.ts";
import { protectorOf } from "../crypto/object_keys.ts";
import { privateToSensitive } from "../crypto/object_protection.ts";
import { checkPublicArea } from "../crypto/object_template.ts";
import { type CommandDef, defineCommand } from "../dispatch.ts";
import { HT } from "../handle_types.ts";
import { encode } from "../marshal/codec.ts";
import { TPM2B_NAME, TPM2B_PRIVATE, TPM2B_PUBLIC, TPMT_PUBLIC } from "../marshal/types.ts";
import { paramError, TPM_RC } from "../response_code.ts";
import { objectName } from "../state/objects.ts";
import { atParam, checkBindingAt, loadObject, objectParent, storageParent } from "./key_object.ts";

/** TPM2_Load. */
export const Load: CommandDef = defineCommand({
  code: TPM_CC.Load,
  name: "Load",
  handles: [{ name: "parentHandle", type: HT.OBJECT, auth: "USER" }],
  params: { inPrivate: TPM2B_PRIVATE, inPublic: TPM2B_PUBLIC },
  response: { name: TPM2B_NAME },
  responseHandle: true,
  execute(ctx, { inPrivate, inPublic }) {
    const parent = storageParent(ctx, 0);
    if (inPrivate.length === 0) throw paramError(TPM_RC.SIZE, 1);
    if (!inPublic) throw paramError(TPM_RC.SIZE, 2);
    if (!hashAlgorithm(inPublic.nameAlg)) throw paramError(TPM_RC.HASH, 2);
    const name = objectName(inPublic, encode(TPMT_PUBLIC, inPublic));
    const sens = atParam(1, () => privateToSensitive(protectorOf(parent), name, inPrivate));
    // Reference Load -> ObjectLoad: the public area is validated against the
    // parent once the private part has decrypted (Part 3 §12.2).
    checkPublicArea(inPublic, parent.publicArea);
    checkBindingAt(1, inPublic, sens);
    const obj = loadObject(ctx, inPublic, sens, objectParent(parent));
    return { name: obj.name };
  },
});
