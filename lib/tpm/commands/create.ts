/**
 * TPM2_Create (TCG TPM 2.0 Part 3 §12.1): creates an object under a loaded
 * storage parent and returns it wrapped by that parent (Part 1 §23.3); the
 * object is not loaded. Secrets come from the TPM's RNG, or are the caller's
 * sealed data.
 * @module
 */
import { TPM_CC } from "../constants.ts";
import { createObject } from "../crypto/object_create.ts";
import { protectorOf } from "../crypto/object_keys.ts";
import { sensitiveToPrivate } from "../crypto/object_protection.ts";
import { checkTemplate } from "../crypto/object_template.ts";
import { type CommandDef, defineCommand } from "../dispatch.ts";
import { HT } from "../handle_types.ts";
import {
  TPM2B_DATA,
  TPM2B_DIGEST,
  TPM2B_PRIVATE,
  TPM2B_PUBLIC,
  TPM2B_SENSITIVE_CREATE,
  TPML_PCR_SELECTION,
  TPMT_TK,
} from "../marshal/types.ts";
import { paramError, TPM_RC } from "../response_code.ts";
import { objectName } from "../state/objects.ts";
import { encode } from "../marshal/codec.ts";
import { TPMT_PUBLIC } from "../marshal/types.ts";
import { creation, objectParent, storageParent, TPM2B_CREATION_DATA } from "./key_object.ts";

/** TPM2_Create. */
export const Create: CommandDef = defineCommand({
  code: TPM_CC.Create,
  name: "Create",
  handles: [{ name: "parentHandle", type: HT.OBJECT, auth: "USER" }],
  params: {
    inSensitive: TPM2B_SENSITIVE_CREATE,
    inPublic: TPM2B_PUBLIC,
    outsideInfo: TPM2B_DATA,
    creationPCR: TPML_PCR_SELECTION,
  },
  response: {
    outPrivate: TPM2B_PRIVATE,
    outPublic: TPM2B_PUBLIC,
    creationData: TPM2B_CREATION_DATA,
    creationHash: TPM2B_DIGEST,
    creationTicket: TPMT_TK,
  },
  execute(ctx, { inSensitive, inPublic, outsideInfo, creationPCR }) {
    const parent = storageParent(ctx, 0);
    if (!inSensitive) throw paramError(TPM_RC.SIZE, 1);
    if (!inPublic) throw paramError(TPM_RC.SIZE, 2);
    checkTemplate(inPublic, inSensitive, parent.publicArea);
    const made = createObject(inPublic, inSensitive, ctx.state.rng);
    const name = objectName(made.publicArea, encode(TPMT_PUBLIC, made.publicArea));
    const outPrivate = sensitiveToPrivate(protectorOf(parent), name, made.sensitive);
    const info = objectParent(parent);
    const c = creation(ctx, made.publicArea, name, info, outsideInfo, creationPCR);
    return { outPrivate, outPublic: made.publicArea, ...c };
  },
});
