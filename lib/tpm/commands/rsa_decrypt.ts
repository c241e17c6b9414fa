/**
 * TPM2_RSA_Decrypt (TCG TPM 2.0 Part 3 §14.3): decrypts with a loaded,
 * unrestricted RSA decryption key. A ciphertext whose padding does not check
 * is TPM_RC_VALUE, with no hint of where it failed.
 * @module
 */
import { TPM_ALG, TPM_CC, TPMA_OBJECT } from "../constants.ts";
import { rsaPrivateOf } from "../crypto/object_keys.ts";
import { rsaDecrypt } from "../crypto/rsa.ts";
import { type CommandDef, defineCommand } from "../dispatch.ts";
import { HT } from "../handle_types.ts";
import { TPM2B_DATA, TPM2B_PUBLIC_KEY_RSA, TPMT_RSA_DECRYPT } from "../marshal/types.ts";
import { handleError, paramError, TPM_RC } from "../response_code.ts";
import { checkLabel, rsaDecryptScheme } from "./key_object.ts";

/** TPM2_RSA_Decrypt. */
export const RSA_Decrypt: CommandDef = defineCommand({
  code: TPM_CC.RSA_Decrypt,
  name: "RSA_Decrypt",
  handles: [{ name: "keyHandle", type: HT.OBJECT, auth: "USER" }],
  params: { cipherText: TPM2B_PUBLIC_KEY_RSA, inScheme: TPMT_RSA_DECRYPT, label: TPM2B_DATA },
  response: { message: TPM2B_PUBLIC_KEY_RSA },
  execute(ctx, { cipherText, inScheme, label }) {
    const key = ctx.object(0);
    checkLabel(label, 3);
    if (key.publicArea.objectAttributes & TPMA_OBJECT.restricted) {
      throw handleError(TPM_RC.ATTRIBUTES, 1);
    }
    const { scheme, hash } = rsaDecryptScheme(key.publicArea, inScheme, TPMA_OBJECT.decrypt);
    if (key.publicOnly) throw handleError(TPM_RC.KEY, 1);
    const priv = rsaPrivateOf(key);
    if (cipherText.length > priv.size) throw paramError(TPM_RC.SIZE, 1);
    const message = rsaDecrypt(priv, scheme, hash || TPM_ALG.SHA256, cipherText, label);
    if (!message) throw paramError(TPM_RC.VALUE, 1);
    return { message };
  },
});
