/**
 * TPM2_CreatePrimary (TCG TPM 2.0 Part 3 §24.1): creates and loads a
 * primary object derived from a hierarchy's primary seed (Part 1 §27.1), so
 * the same seed, template and inSensitive.data give the same object. RSA
 * derivation costs tens of milliseconds, so recent results are memoised per
 * TPM; the memo holds exactly what derivation would return.
 * @module
 */
import { TPM_ALG, TPM_CC } from "../constants.ts";
import { toHex } from "../../common/hex.ts";
import { digest } from "../crypto/hash.ts";
import { type CreatedObject, createObject, primaryObjectRandom } from "../crypto/object_create.ts";
import { checkTemplate } from "../crypto/object_template.ts";
import { type CommandDef, defineCommand } from "../dispatch.ts";
import { HT } from "../handle_types.ts";
import { encode } from "../marshal/codec.ts";
import {
  TPM2B_DATA,
  TPM2B_DIGEST,
  TPM2B_NAME,
  TPM2B_PUBLIC,
  TPM2B_SENSITIVE_CREATE,
  TPML_PCR_SELECTION,
  TPMT_PUBLIC,
  TPMT_TK,
  type TpmtPublic,
} from "../marshal/types.ts";
import { paramError, TPM_RC } from "../response_code.ts";
import type { TpmState } from "../state/tpm_state.ts";
import { creation, hierarchyParent, loadObject, TPM2B_CREATION_DATA } from "./key_object.ts";

const MEMO_SIZE = 16;
const memos = new WeakMap<TpmState, Map<string, CreatedObject>>();

/**
 * Derives (or recalls) a primary object from a hierarchy seed; the memo key
 * covers every derivation input. Shared with CreateLoaded under a hierarchy.
 */
export function derivePrimary(
  state: TpmState,
  seed: Uint8Array,
  template: TpmtPublic,
  sens: { userAuth: Uint8Array; data: Uint8Array },
): CreatedObject {
  let memo = memos.get(state);
  if (!memo) memos.set(state, memo = new Map());
  const key = toHex(digest(TPM_ALG.SHA256, seed, encode(TPMT_PUBLIC, template), sens.data));
  let made = memo.get(key);
  if (made) {
    memo.delete(key);
  } else {
    made = createObject(template, sens, primaryObjectRandom(seed, template, sens.data));
    if (memo.size >= MEMO_SIZE) memo.delete(memo.keys().next().value!);
  }
  memo.set(key, made);
  // authValue is not a derivation input: each caller gets its own (and its own copies).
  return {
    publicArea: { ...made.publicArea },
    sensitive: { ...made.sensitive, authValue: sens.userAuth.slice() },
  };
}

/** TPM2_CreatePrimary. */
export const CreatePrimary: CommandDef = defineCommand({
  code: TPM_CC.CreatePrimary,
  name: "CreatePrimary",
  handles: [{ name: "primaryHandle", type: HT.HIERARCHY_NULL, auth: "USER" }],
  params: {
    inSensitive: TPM2B_SENSITIVE_CREATE,
    inPublic: TPM2B_PUBLIC,
    outsideInfo: TPM2B_DATA,
    creationPCR: TPML_PCR_SELECTION,
  },
  response: {
    outPublic: TPM2B_PUBLIC,
    creationData: TPM2B_CREATION_DATA,
    creationHash: TPM2B_DIGEST,
    creationTicket: TPMT_TK,
    name: TPM2B_NAME,
  },
  responseHandle: true,
  execute(ctx, { inSensitive, inPublic, outsideInfo, creationPCR }) {
    if (!inSensitive) throw paramError(TPM_RC.SIZE, 1);
    if (!inPublic) throw paramError(TPM_RC.SIZE, 2);
    checkTemplate(inPublic, inSensitive);
    const hierarchy = ctx.handles[0];
    const seed = ctx.state.hierarchies.get(hierarchy).seed;
    const made = derivePrimary(ctx.state, seed, inPublic, inSensitive);
    const parent = hierarchyParent(hierarchy);
    const obj = loadObject(ctx, made.publicArea, made.sensitive, parent);
    const c = creation(ctx, made.publicArea, obj.name, parent, outsideInfo, creationPCR);
    return { outPublic: made.publicArea, ...c, name: obj.name };
  },
});
