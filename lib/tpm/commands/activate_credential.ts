/**
 * TPM2_ActivateCredential (TCG TPM 2.0 Part 3 §12.5, Part 1 §24): recovers
 * the seed with the private half of `keyHandle` (label "IDENTITY"), checks
 * the credential blob's HMAC against the Name of `activateHandle`, and
 * returns the credential. A blob made for another object's Name fails the
 * integrity check.
 * @module
 */
import { TPM_CC } from "../constants.ts";
import { requireHash } from "../crypto/hash.ts";
import { isAsymmetricStorageKey } from "../crypto/object_keys.ts";
import { unwrapOuter } from "../crypto/object_protection.ts";
import { recoverSecret } from "../crypto/secret_sharing.ts";
import { type CommandDef, defineCommand } from "../dispatch.ts";
import { HT } from "../handle_types.ts";
import { decode } from "../marshal/codec.ts";
import { TPM2B_DIGEST, TPM2B_ENCRYPTED_SECRET } from "../marshal/types.ts";
import { handleError, paramError, TPM_RC } from "../response_code.ts";
import { atParam, TPM2B_ID_OBJECT } from "./key_object.ts";

/** TPM2_ActivateCredential. */
export const ActivateCredential: CommandDef = defineCommand({
  code: TPM_CC.ActivateCredential,
  name: "ActivateCredential",
  handles: [
    { name: "activateHandle", type: HT.OBJECT, auth: "ADMIN" },
    { name: "keyHandle", type: HT.OBJECT, auth: "USER" },
  ],
  params: { credentialBlob: TPM2B_ID_OBJECT, secret: TPM2B_ENCRYPTED_SECRET },
  response: { certInfo: TPM2B_DIGEST },
  execute(ctx, { credentialBlob, secret }) {
    const activate = ctx.object(0);
    const key = ctx.object(1);
    if (key.publicOnly || !isAsymmetricStorageKey(key.publicArea)) {
      throw handleError(TPM_RC.TYPE, 2);
    }
    const pub = key.publicArea;
    const seed = atParam(2, () => recoverSecret(key, "IDENTITY", secret));
    const protector = { nameAlg: pub.nameAlg, symmetric: pub.symmetric, seed };
    const plain = atParam(1, () => unwrapOuter(protector, activate.name, credentialBlob));
    const certInfo = atParam(1, () => decode(TPM2B_DIGEST, plain));
    if (certInfo.length > requireHash(pub.nameAlg).size) throw paramError(TPM_RC.SIZE, 1);
    return { certInfo };
  },
});
