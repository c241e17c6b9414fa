/**
 * TPM2_StartAuthSession (Part 3 §11.1): HMAC, policy and trial sessions,
 * optionally salted (secret encrypted to tpmKey) and bound (to an entity's
 * authValue), with the session key of Part 1 §19.6.8:
 * sessionKey = KDFa(authHash, bindAuth || salt, "ATH", nonceTPM, nonceCaller, bits).
 * @module
 */
import { TPM_ALG, TPM_CC, TPM_RH, TPM_SE, TPMA_OBJECT } from "../constants.ts";
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
import { paramError, TPM_RC, TpmError } from "../response_code.ts";
import { stripZeros } from "../sessions/session_area.ts";
import { resetPolicy } from "../sessions/policy_state.ts";
import type { Session } from "../state/sessions.ts";

const TPM_SE_CODEC = oneOf("TPM_SE", UINT8, [TPM_SE.HMAC, TPM_SE.POLICY, TPM_SE.TRIAL]);

/** TPM2_StartAuthSession. */
export const StartAuthSession = defineCommand({
  code: TPM_CC.StartAuthSession,
  name: "StartAuthSession",
  handles: [
    { name: "tpmKey", type: HT.OBJECT_NULL },
    { name: "bind", type: HT.ENTITY },
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
    if (p.nonceCaller.length < 16 || p.nonceCaller.length > size) throw paramError(TPM_RC.SIZE, 1);
    if (p.symmetric.algorithm === TPM_ALG.AES && p.symmetric.mode !== TPM_ALG.CFB) {
      throw paramError(TPM_RC.MODE, 4);
    }
    let salt: Uint8Array = new Uint8Array(0);
    if (tpmKey === TPM_RH.NULL) {
      if (p.encryptedSalt.length !== 0) throw paramError(TPM_RC.VALUE, 2);
    } else {
      const key = ctx.object(0);
      if (key.publicOnly || (key.publicArea.objectAttributes & TPMA_OBJECT.decrypt) === 0) {
        throw new TpmError(TPM_RC.KEY, { where: "handle", n: 1 });
      }
      salt = withParam(() => recoverSecret(key, "SECRET", p.encryptedSalt), 2);
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

/** Runs `f`, numbering any TPM error as parameter `n`. */
function withParam<T>(f: () => T, n: number): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof TpmError) throw paramError(e.rc, n);
    throw e;
  }
}
