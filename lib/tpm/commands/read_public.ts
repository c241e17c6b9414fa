/**
 * TPM2_ReadPublic (Part 3 §12.4): public area, name and qualified name.
 * @module
 */
import { TPM_CC } from "../constants.ts";
import { defineCommand } from "../dispatch.ts";
import { HT } from "../handle_types.ts";
import { tpm2b } from "../marshal/codec.ts";
import { TPM2B_NAME } from "../marshal/types.ts";
import { TPM_RC, TpmError } from "../response_code.ts";

/** TPM2_ReadPublic. */
export const ReadPublic = defineCommand({
  code: TPM_CC.ReadPublic,
  name: "ReadPublic",
  handles: [{ name: "objectHandle", type: HT.OBJECT }],
  params: {},
  response: {
    outPublic: tpm2b("TPM2B_PUBLIC", 1024),
    name: TPM2B_NAME,
    qualifiedName: TPM2B_NAME,
  },
  execute(ctx) {
    const e = ctx.state.objects.get(ctx.handles[0]);
    if (e?.kind !== "object") throw new TpmError(TPM_RC.SEQUENCE, { where: "handle", n: 1 });
    return { outPublic: e.publicBytes, name: e.name, qualifiedName: e.qualifiedName };
  },
});
