/**
 * TPM2_LoadExternal (TCG TPM 2.0 Part 3 §12.3): loads a public key, or a
 * whole key pair the caller holds in the clear. An object with a private
 * part must live in the NULL hierarchy and may not claim fixedTPM or
 * fixedParent, since the TPM never had it protected.
 * @module
 */
import { TPM_ALG, TPM_CC, TPM_RH, TPMA_OBJECT } from "../constants.ts";
import { TPM2B_SENSITIVE } from "../crypto/sensitive.ts";
import { type CommandDef, defineCommand } from "../dispatch.ts";
import { TPM2B_NAME, TPM2B_PUBLIC } from "../marshal/types.ts";
import { paramError, TPM_RC } from "../response_code.ts";
import { eccPublicOf, rsaPublicOf } from "../crypto/object_keys.ts";
import { hashAlgorithm } from "../crypto/hash.ts";
import { checkPublicArea, checkPublicSchemes } from "../crypto/object_template.ts";
import {
  atParam,
  checkBindingAt,
  hierarchyParent,
  loadObject,
  TPMI_RH_HIERARCHY_NULL,
} from "./key_object.ts";

/** TPM2_LoadExternal. */
export const LoadExternal: CommandDef = defineCommand({
  code: TPM_CC.LoadExternal,
  name: "LoadExternal",
  handles: [],
  params: { inPrivate: TPM2B_SENSITIVE, inPublic: TPM2B_PUBLIC, hierarchy: TPMI_RH_HIERARCHY_NULL },
  response: { name: TPM2B_NAME },
  responseHandle: true,
  execute(ctx, { inPrivate, inPublic, hierarchy }) {
    if (!inPublic) throw paramError(TPM_RC.SIZE, 2);
    if (inPublic.nameAlg !== TPM_ALG.NULL && !hashAlgorithm(inPublic.nameAlg)) {
      throw paramError(TPM_RC.HASH, 2);
    }
    if (inPrivate) {
      // A secret needs a Name algorithm for its binding and protection.
      if (inPublic.nameAlg === TPM_ALG.NULL) throw paramError(TPM_RC.HASH, 2);
      if (hierarchy !== TPM_RH.NULL) throw paramError(TPM_RC.HIERARCHY, 3);
      // Nor may it pass for a key this TPM made, or a restricted key whose secret is known
      // outside (Part 3 §12.3).
      const forbidden = TPMA_OBJECT.fixedTPM | TPMA_OBJECT.fixedParent | TPMA_OBJECT.restricted;
      if (inPublic.objectAttributes & forbidden) throw paramError(TPM_RC.ATTRIBUTES, 2);
      // The reference's ObjectLoad: attributes and schemes as for any loaded object.
      checkPublicArea(inPublic);
      checkBindingAt(1, inPublic, inPrivate);
    } else {
      // The reference's SchemeChecks: a public key's scheme fits its attributes.
      checkPublicSchemes(inPublic);
      // A public key alone must still be a usable key.
      if (inPublic.type === TPM_ALG.RSA) atParam(2, () => rsaPublicOf(inPublic));
      if (inPublic.type === TPM_ALG.ECC) atParam(2, () => eccPublicOf(inPublic));
    }
    if (hierarchy !== TPM_RH.NULL && !ctx.state.hierarchies.enabled(hierarchy)) {
      throw paramError(TPM_RC.HIERARCHY, 3);
    }
    const obj = loadObject(ctx, inPublic, inPrivate, hierarchyParent(hierarchy));
    return { name: obj.name };
  },
});
