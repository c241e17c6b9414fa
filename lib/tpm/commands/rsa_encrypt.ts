/**
 * TPM2_RSA_Encrypt (TCG TPM 2.0 Part 3 §14.2): encrypts with the public half
 * of a loaded RSA decryption key, using the key's scheme or, if it has
 * none, the caller's (RSAES-OAEP, RSAES-PKCS1-v1_5, or unpadded NULL).
 * @module
 */
import { TPM_ALG, TPM_CC, TPMA_OBJECT } from "../constants.ts";
import { rsaPublicOf } from "../crypto/object_keys.ts";
import { rsaEncrypt } from "../crypto/rsa.ts";
import { type CommandDef, defineCommand } from "../dispatch.ts";
import { HT } from "../handle_types.ts";
import { TPM2B_DATA, TPM2B_PUBLIC_KEY_RSA, TPMT_RSA_DECRYPT } from "../marshal/types.ts";
import { paramError, TPM_RC } from "../response_code.ts";
import { atParam, checkLabel, rsaDecryptScheme } from "./key_object.ts";

/** TPM2_RSA_Encrypt. */
export const RSA_Encrypt: CommandDef = defineCommand({
  code: TPM_CC.RSA_Encrypt,
  name: "RSA_Encrypt",
  handles: [{ name: "keyHandle", type: HT.OBJECT }],
  params: { message: TPM2B_PUBLIC_KEY_RSA, inScheme: TPMT_RSA_DECRYPT, label: TPM2B_DATA },
  response: { outData: TPM2B_PUBLIC_KEY_RSA },
  execute(ctx, { message, inScheme, label }) {
    const key = ctx.object(0);
    checkLabel(label, 3);
    const { scheme, hash } = rsaDecryptScheme(key.publicArea, inScheme, TPMA_OBJECT.decrypt);
    const pub = atParam(1, () => rsaPublicOf(key.publicArea));
    const outData = rsaEncrypt(pub, scheme, hash || TPM_ALG.SHA256, message, label, ctx.state.rng);
    if (!outData) throw paramError(TPM_RC.VALUE, 1);
    return { outData };
  },
});
