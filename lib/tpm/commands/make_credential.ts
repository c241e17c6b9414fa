/**
 * TPM2_MakeCredential (TCG TPM 2.0 Part 3 §12.6, Part 1 §24): wraps a
 * credential for the object named `objectName`, so that only the TPM holding
 * both that object and the private half of `handle` (usually an EK) can
 * recover it with ActivateCredential. The seed is shared with label
 * "IDENTITY"; the credential is protected like a private blob, keyed to the
 * object's Name.
 * @module
 */
import { TPM_CC } from "../constants.ts";
import { hashAlgorithm } from "../crypto/hash.ts";
import { isAsymmetricStorageKey } from "../crypto/object_keys.ts";
import { wrapOuter } from "../crypto/object_protection.ts";
import { createSecret } from "../crypto/secret_sharing.ts";
import { type CommandDef, defineCommand } from "../dispatch.ts";
import { HT } from "../handle_types.ts";
import { encode } from "../marshal/codec.ts";
import { TPM2B_DIGEST, TPM2B_ENCRYPTED_SECRET, TPM2B_NAME } from "../marshal/types.ts";
import { handleError, paramError, TPM_RC } from "../response_code.ts";
import { atParam, TPM2B_ID_OBJECT } from "./key_object.ts";

/** TPM2_MakeCredential. */
export const MakeCredential: CommandDef = defineCommand({
  code: TPM_CC.MakeCredential,
  name: "MakeCredential",
  handles: [{ name: "handle", type: HT.OBJECT }],
  params: { credential: TPM2B_DIGEST, objectName: TPM2B_NAME },
  response: { credentialBlob: TPM2B_ID_OBJECT, secret: TPM2B_ENCRYPTED_SECRET },
  execute(ctx, { credential, objectName }) {
    const key = ctx.object(0).publicArea;
    if (!isAsymmetricStorageKey(key)) throw handleError(TPM_RC.TYPE, 1);
    const h = hashAlgorithm(key.nameAlg);
    if (!h) throw handleError(TPM_RC.HASH, 1);
    if (credential.length > h.size) throw paramError(TPM_RC.SIZE, 1);
    const shared = atParam(1, () => createSecret(key, "IDENTITY", ctx.state.rng));
    const protector = { nameAlg: key.nameAlg, symmetric: key.symmetric, seed: shared.seed };
    const credentialBlob = wrapOuter(protector, objectName, encode(TPM2B_DIGEST, credential));
    return { credentialBlob, secret: shared.encrypted };
  },
});
