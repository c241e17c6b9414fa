/**
 * TPM2_CreateLoaded (TCG TPM 2.0 Part 3 §12.9): Create and Load in one
 * command. Under a hierarchy it makes a primary object exactly as
 * CreatePrimary does (derived from the seed, no private blob); under a
 * storage key it makes an ordinary child, returns its wrapped private area
 * and keeps it loaded. Derivation parents are not implemented.
 * @module
 */
import { TPM_CC, TPM_HT } from "../constants.ts";
import { createObject } from "../crypto/object_create.ts";
import { protectorOf } from "../crypto/object_keys.ts";
import { sensitiveToPrivate } from "../crypto/object_protection.ts";
import { checkTemplate } from "../crypto/object_template.ts";
import { type CommandDef, defineCommand } from "../dispatch.ts";
import { HT } from "../handle_types.ts";
import {
  TPM2B_NAME,
  TPM2B_PRIVATE,
  TPM2B_PUBLIC,
  TPM2B_SENSITIVE_CREATE,
} from "../marshal/types.ts";
import { paramError, TPM_RC } from "../response_code.ts";
import { derivePrimary } from "./create_primary.ts";
import { hierarchyParent, loadObject, objectParent, storageParent } from "./key_object.ts";

/** TPM2_CreateLoaded (inPublic is a TPM2B_TEMPLATE holding a TPMT_PUBLIC). */
export const CreateLoaded: CommandDef = defineCommand({
  code: TPM_CC.CreateLoaded,
  name: "CreateLoaded",
  handles: [{ name: "parentHandle", type: HT.PARENT, auth: "USER" }],
  params: { inSensitive: TPM2B_SENSITIVE_CREATE, inPublic: TPM2B_PUBLIC },
  response: { outPrivate: TPM2B_PRIVATE, outPublic: TPM2B_PUBLIC, name: TPM2B_NAME },
  responseHandle: true,
  execute(ctx, { inSensitive, inPublic }) {
    if (!inSensitive) throw paramError(TPM_RC.SIZE, 1);
    if (!inPublic) throw paramError(TPM_RC.SIZE, 2);
    const handle = ctx.handles[0];
    if (handle >>> 24 === TPM_HT.PERMANENT) {
      checkTemplate(inPublic, inSensitive);
      const seed = ctx.state.hierarchies.get(handle).seed;
      const made = derivePrimary(ctx.state, seed, inPublic, inSensitive);
      const obj = loadObject(ctx, made.publicArea, made.sensitive, hierarchyParent(handle));
      return { outPrivate: new Uint8Array(0), outPublic: made.publicArea, name: obj.name };
    }
    const parent = storageParent(ctx, 0);
    checkTemplate(inPublic, inSensitive, parent.publicArea);
    const made = createObject(inPublic, inSensitive, ctx.state.rng);
    const obj = loadObject(ctx, made.publicArea, made.sensitive, objectParent(parent));
    const outPrivate = sensitiveToPrivate(protectorOf(parent), obj.name, made.sensitive);
    return { outPrivate, outPublic: made.publicArea, name: obj.name };
  },
});
