/**
 * TPM2_Import (TCG TPM 2.0 Part 3 §13.3, Part 1 §23.3): accepts a
 * duplicated object for a loaded storage parent. The outer wrapper's seed
 * is recovered with the parent's private key (label "DUPLICATE") and its
 * HMAC checked against the object's Name; the inner wrapper, if any, is
 * removed with the caller's key and its digest checked; the sensitive area
 * must match the public area. The result is re-wrapped as the parent's own
 * child, ready for Load.
 * @module
 */
import { TPM_ALG, TPM_CC, TPMA_OBJECT } from "../constants.ts";
import { hashAlgorithm } from "../crypto/hash.ts";
import { protectorOf } from "../crypto/object_keys.ts";
import {
  parseSensitive,
  sensitiveToPrivate,
  unwrapInner,
  unwrapOuter,
} from "../crypto/object_protection.ts";
import { checkPublicArea } from "../crypto/object_template.ts";
import { recoverSecret } from "../crypto/secret_sharing.ts";
import { type CommandDef, defineCommand } from "../dispatch.ts";
import { HT } from "../handle_types.ts";
import { encode } from "../marshal/codec.ts";
import {
  TPM2B_DATA,
  TPM2B_ENCRYPTED_SECRET,
  TPM2B_PRIVATE,
  TPM2B_PUBLIC,
  TPMT_PUBLIC,
  TPMT_SYM_DEF_OBJECT,
} from "../marshal/types.ts";
import { paramError, TPM_RC } from "../response_code.ts";
import { objectName } from "../state/objects.ts";
import { atParam, checkBindingAt, storageParent } from "./key_object.ts";

/** TPM2_Import. */
export const Import: CommandDef = defineCommand({
  code: TPM_CC.Import,
  name: "Import",
  handles: [{ name: "parentHandle", type: HT.OBJECT, auth: "USER" }],
  params: {
    encryptionKey: TPM2B_DATA,
    objectPublic: TPM2B_PUBLIC,
    duplicate: TPM2B_PRIVATE,
    inSymSeed: TPM2B_ENCRYPTED_SECRET,
    symmetricAlg: TPMT_SYM_DEF_OBJECT,
  },
  response: { outPrivate: TPM2B_PRIVATE },
  execute(ctx, { encryptionKey, objectPublic, duplicate, inSymSeed, symmetricAlg }) {
    const parent = storageParent(ctx, 0);
    if (!objectPublic) throw paramError(TPM_RC.SIZE, 2);
    const attrs = objectPublic.objectAttributes;
    if (attrs & (TPMA_OBJECT.fixedTPM | TPMA_OBJECT.fixedParent)) {
      throw paramError(TPM_RC.ATTRIBUTES, 2);
    }
    const inner = symmetricAlg.algorithm !== TPM_ALG.NULL;
    // Reference Import order: the inner key's size, then encryptedDuplication
    // without an inner wrapper (encryptionKey) or an outer one (inSymSeed).
    if (inner && encryptionKey.length !== symmetricAlg.keyBits / 8) {
      throw paramError(TPM_RC.SIZE, 1);
    }
    if (!inner && encryptionKey.length !== 0) throw paramError(TPM_RC.SIZE, 1);
    if (attrs & TPMA_OBJECT.encryptedDuplication) {
      if (!inner) throw paramError(TPM_RC.ATTRIBUTES, 1);
      if (inSymSeed.length === 0) throw paramError(TPM_RC.ATTRIBUTES, 4);
    }
    const seed = inSymSeed.length > 0
      ? atParam(4, () => recoverSecret(parent, "DUPLICATE", inSymSeed))
      : undefined;
    if (!hashAlgorithm(objectPublic.nameAlg)) throw paramError(TPM_RC.HASH, 2);
    const name = objectName(objectPublic, encode(TPMT_PUBLIC, objectPublic));
    let data = duplicate;
    if (seed) data = atParam(3, () => unwrapOuter({ ...protectorOf(parent), seed }, name, data));
    if (inner) {
      data = atParam(
        3,
        () => unwrapInner(objectPublic.nameAlg, symmetricAlg, encryptionKey, name, data),
      );
    }
    const sens = atParam(3, () => parseSensitive(data));
    // Under a fixedTPM parent the object is validated now, as for a primary
    // object; under another, Load validates it against that parent (reference Import).
    if (parent.publicArea.objectAttributes & TPMA_OBJECT.fixedTPM) {
      checkPublicArea(objectPublic);
      checkBindingAt(3, objectPublic, sens);
    }
    return { outPrivate: sensitiveToPrivate(protectorOf(parent), name, sens) };
  },
});
