/**
 * TPM2_Unseal (TCG TPM 2.0 Part 3 §12.7): returns the data sealed in a
 * keyed-hash data object (no sign, decrypt or restricted attribute), once
 * its authorization — often a PCR policy — has been satisfied.
 * @module
 */
import { TPM_ALG, TPM_CC, TPMA_OBJECT } from "../constants.ts";
import { type CommandDef, defineCommand } from "../dispatch.ts";
import { HT } from "../handle_types.ts";
import { TPM2B_SENSITIVE_DATA } from "../marshal/types.ts";
import { handleError, TPM_RC } from "../response_code.ts";

const USE = TPMA_OBJECT.sign | TPMA_OBJECT.decrypt | TPMA_OBJECT.restricted;

/** TPM2_Unseal. */
export const Unseal: CommandDef = defineCommand({
  code: TPM_CC.Unseal,
  name: "Unseal",
  handles: [{ name: "itemHandle", type: HT.OBJECT, auth: "USER" }],
  params: {},
  response: { outData: TPM2B_SENSITIVE_DATA },
  execute(ctx) {
    const item = ctx.object(0);
    if (item.publicArea.type !== TPM_ALG.KEYEDHASH) throw handleError(TPM_RC.TYPE, 1);
    if (item.publicArea.objectAttributes & USE) throw handleError(TPM_RC.ATTRIBUTES, 1);
    if (item.publicOnly) throw handleError(TPM_RC.KEY, 1);
    return { outData: item.sensitive };
  },
});
