/**
 * TPM2_StartAuthSession (Part 3 §11.1): HMAC, policy and trial sessions,
 * optionally salted (secret encrypted to tpmKey) and bound (to an entity's
 * authValue), with the session key of Part 1 §19.6.8:
 * sessionKey = KDFa(authHash, bindAuth || salt, "ATH", nonceTPM, nonceCaller, bits).
 * @module
 */
import { TPM_ALG, TPM_CC, TPM_HT, TPM_NT, TPM_RH, TPM_SE, TPMA_OBJECT } from "../constants.ts";
import { recoverSecret } from "../crypto/secret_sharing.ts";
import { kdfa } from "../crypto/kdfa.ts";
import { defineCommand } from "../dispatch.ts";
import { HT } from "../handle_types.ts";
import { oneOf, UINT8 } from "../marshal/codec.ts";
import {
  DIGEST_SIZE,
  TPM2B_ENCRYPTED_SECRET,
  TPM2B_NONCE,
  TPMI_ALG_HASH,
  TPMT_SYM_DEF,
} from "../marshal/types.ts";
import { handleError, paramError, TPM_RC, TpmError } from "../response_code.ts";
import { nvType } from "../state/nv.ts";
import { stripZeros } from "../sessions/session_area.ts";
import { resetPolicy } from "../sessions/policy_state.ts";
import type { Session } from "../state/sessions.ts";
import type { TpmState } from "../state/tpm_state.ts";

const TPM_SE_CODEC = oneOf("TPM_SE", UINT8, [TPM_SE.HMAC, TPM_SE.POLICY, TPM_SE.TRIAL]);

/** TPM2_StartAuthSession. */
export const StartAuthSession = defineCommand({
  code: TPM_CC.StartAuthSession,
  name: "StartAuthSession",
  handles: [
    { name: "tpmKey", type: HT.OBJECT_NULL },
    { name: "bind", type: HT.ENTITY_NULL },
  ],
  params: {
    nonceCaller: TPM2B_NONCE,
    encryptedSalt: TPM2B_ENCRYPTED_SECRET,
    sessionType: TPM_SE_CODEC,
    symmetric: TPMT_SYM_DEF,
    authHash: TPMI_ALG_HASH,
  },
  response: { nonceTPM: TPM2B_NONCE },
  responseHandle: true,
  execute(ctx, p) {
    const s = ctx.state;
    const [tpmKey, bind] = ctx.handles;
    const size = DIGEST_SIZE[p.authHash];
    // The checks in the reference's order (TPM2_StartAuthSession; swtpm answers the same).
    if (p.nonceCaller.length < 16 || p.nonceCaller.length > size) throw paramError(TPM_RC.SIZE, 1);
    let salt: Uint8Array = new Uint8Array(0);
    if (tpmKey === TPM_RH.NULL) {
      if (p.encryptedSalt.length !== 0) throw paramError(TPM_RC.VALUE, 2);
    } else {
      const key = ctx.object(0);
      const type = key.publicArea.type;
      if (type !== TPM_ALG.RSA && type !== TPM_ALG.ECC) throw handleError(TPM_RC.KEY, 1);
      if (p.encryptedSalt.length === 0) throw paramError(TPM_RC.VALUE, 2);
      if (key.publicOnly) throw handleError(TPM_RC.HANDLE, 1);
      if ((key.publicArea.objectAttributes & TPMA_OBJECT.decrypt) === 0) {
        throw handleError(TPM_RC.ATTRIBUTES, 1);
      }
      // Any failure to recover the salt is TPM_RC_VALUE on encryptedSalt.
      try {
        salt = recoverSecret(key, "SECRET", p.encryptedSalt);
      } catch (e) {
        if (e instanceof TpmError) throw paramError(TPM_RC.VALUE, 2);
        throw e;
      }
    }
    checkBind(s, bind);
    if (p.symmetric.algorithm === TPM_ALG.AES && p.symmetric.mode !== TPM_ALG.CFB) {
      throw paramError(TPM_RC.MODE, 4);
    }
    const bindAuth = bind === TPM_RH.NULL ? new Uint8Array(0) : stripZeros(s.authOf(bind));
    // A session bound to a DA-protected entity stays under DA whatever it authorizes
    // (the reference's SessionCreate: isDaBound, isLockoutBound).
    const isDaBound = bind !== TPM_RH.NULL && s.isDaProtected(bind);
    const handle = s.sessions.allocate(p.sessionType);
    // nonceTPM is as long as nonceCaller (the reference's SessionCreate; swtpm agrees).
    const nonceTPM = s.rng.bytes(p.nonceCaller.length);
    const keyInput = new Uint8Array([...bindAuth, ...salt]);
    const session: Session = {
      handle,
      type: p.sessionType,
      authHash: p.authHash,
      sessionKey: keyInput.length === 0
        ? new Uint8Array(0)
        : kdfa(p.authHash, keyInput, "ATH", nonceTPM, p.nonceCaller, size * 8),
      nonceTPM,
      symmetric: p.symmetric,
      bindName: bind === TPM_RH.NULL ? new Uint8Array(0) : ctx.name(1),
      bindAuth,
      isDaBound,
      isLockoutBound: isDaBound && bind === TPM_RH.LOCKOUT,
      policyDigest: new Uint8Array(size),
      commandCode: 0,
      cpHash: new Uint8Array(0),
      nameHash: new Uint8Array(0),
      pcrCounter: -1,
      isPasswordNeeded: false,
      isAuthValueNeeded: false,
      timeout: 0n,
      locality: 0,
      nvWritten: -1,
      startTime: 0,
      auditDigest: new Uint8Array(0),
      saved: false,
      savedSequence: 0n,
    };
    resetPolicy(session, s);
    s.sessions.add(session);
    ctx.responseHandle = handle;
    return { nonceTPM };
  },
});

/**
 * A bind entity must have its authValue at hand: not a public-only object, not a PIN index
 * (TPM_RC_HANDLE on bind; the reference's TPM2_StartAuthSession).
 */
function checkBind(state: TpmState, bind: number): void {
  const ht = bind >>> 24;
  if (ht === TPM_HT.TRANSIENT && state.objects.getObject(bind)?.publicOnly) {
    throw handleError(TPM_RC.HANDLE, 2);
  }
  if (ht === TPM_HT.NV_INDEX) {
    const type = nvType(state.nv.indices.get(bind)?.pub.attributes ?? 0);
    if (type === TPM_NT.PIN_PASS || type === TPM_NT.PIN_FAIL) throw handleError(TPM_RC.HANDLE, 2);
  }
}
