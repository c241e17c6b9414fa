/**
 * TPM2_EncryptDecrypt and TPM2_EncryptDecrypt2 (TCG TPM 2.0 Part 3 §15.2,
 * §15.3): AES with a loaded, unrestricted SYMCIPHER key. The two commands
 * differ only in parameter order (EncryptDecrypt2 puts inData first so it
 * can be parameter-encrypted). The key's mode wins; if it has none the
 * caller's is used: CFB, CTR, OFB, CBC or ECB.
 * @module
 */
import { TPM_ALG, TPM_CC, TPMA_OBJECT } from "../constants.ts";
import { aesCrypt } from "../crypto/aes_modes.ts";
import { type CommandContext, type CommandDef, defineCommand } from "../dispatch.ts";
import { HT } from "../handle_types.ts";
import { oneOf, UINT16 } from "../marshal/codec.ts";
import { TPM2B_MAX_BUFFER, TPMI_YES_NO } from "../marshal/types.ts";
import { handleError, paramError, TPM_RC } from "../response_code.ts";
import { TPM2B_IV } from "./key_object.ts";

/** TPMI_ALG_CIPHER_MODE+ (Part 2 §9.33). */
const TPMI_ALG_CIPHER_MODE = oneOf(
  "TPMI_ALG_CIPHER_MODE+",
  UINT16,
  [TPM_ALG.CTR, TPM_ALG.OFB, TPM_ALG.CBC, TPM_ALG.CFB, TPM_ALG.ECB, TPM_ALG.NULL],
  TPM_RC.MODE,
);

/** Parameter numbers of mode, ivIn and inData, which differ between the two commands. */
interface Positions {
  mode: number;
  ivIn: number;
  inData: number;
}

function run(
  ctx: CommandContext,
  decrypt: number,
  mode: number,
  ivIn: Uint8Array,
  inData: Uint8Array,
  pos: Positions,
): { outData: Uint8Array; ivOut: Uint8Array } {
  const key = ctx.object(0);
  const pub = key.publicArea;
  if (pub.type !== TPM_ALG.SYMCIPHER || key.publicOnly) throw handleError(TPM_RC.KEY, 1);
  if (pub.objectAttributes & TPMA_OBJECT.restricted) throw handleError(TPM_RC.ATTRIBUTES, 1);
  // "sign" is the encrypt permission of a symmetric key (Part 2 §8.3.3.1).
  const needed = decrypt ? TPMA_OBJECT.decrypt : TPMA_OBJECT.sign;
  if ((pub.objectAttributes & needed) === 0) throw handleError(TPM_RC.ATTRIBUTES, 1);
  const keyMode = pub.symmetric.mode;
  if (keyMode !== TPM_ALG.NULL && mode !== TPM_ALG.NULL && mode !== keyMode) {
    throw paramError(TPM_RC.MODE, pos.mode);
  }
  const effective = keyMode !== TPM_ALG.NULL ? keyMode : mode;
  if (effective === TPM_ALG.NULL) throw paramError(TPM_RC.MODE, pos.mode);
  // ECB chains nothing and takes an empty IV (as swtpm); every other mode a full block.
  if (ivIn.length !== (effective === TPM_ALG.ECB ? 0 : 16)) throw paramError(TPM_RC.SIZE, pos.ivIn);
  const r = aesCrypt(effective, key.sensitive, ivIn, inData, decrypt !== 0);
  // Only CBC and ECB refuse data: it must be whole blocks.
  if (!r) throw paramError(TPM_RC.SIZE, pos.inData);
  return { outData: r.data, ivOut: r.ivOut };
}

/** TPM2_EncryptDecrypt. */
export const EncryptDecrypt: CommandDef = defineCommand({
  code: TPM_CC.EncryptDecrypt,
  name: "EncryptDecrypt",
  handles: [{ name: "keyHandle", type: HT.OBJECT, auth: "USER" }],
  params: {
    decrypt: TPMI_YES_NO,
    mode: TPMI_ALG_CIPHER_MODE,
    ivIn: TPM2B_IV,
    inData: TPM2B_MAX_BUFFER,
  },
  response: { outData: TPM2B_MAX_BUFFER, ivOut: TPM2B_IV },
  execute: (ctx, p) =>
    run(ctx, p.decrypt, p.mode, p.ivIn, p.inData, { mode: 2, ivIn: 3, inData: 4 }),
});

/** TPM2_EncryptDecrypt2. */
export const EncryptDecrypt2: CommandDef = defineCommand({
  code: TPM_CC.EncryptDecrypt2,
  name: "EncryptDecrypt2",
  handles: [{ name: "keyHandle", type: HT.OBJECT, auth: "USER" }],
  params: {
    inData: TPM2B_MAX_BUFFER,
    decrypt: TPMI_YES_NO,
    mode: TPMI_ALG_CIPHER_MODE,
    ivIn: TPM2B_IV,
  },
  response: { outData: TPM2B_MAX_BUFFER, ivOut: TPM2B_IV },
  execute: (ctx, p) =>
    run(ctx, p.decrypt, p.mode, p.ivIn, p.inData, { mode: 3, ivIn: 4, inData: 1 }),
});
