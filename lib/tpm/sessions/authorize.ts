/**
 * Authorization checks on the command side (Part 1 §19.6–§19.8, the
 * reference's ParseSessionBuffer / CheckAuthSession): association of
 * sessions with handles, password, HMAC and policy checks, DA, and
 * decryption of the first parameter. The response side is `respond.ts`.
 * @module
 */
import {
  TPM_CC,
  TPM_HT,
  TPM_RH,
  TPM_SE,
  TPMA_NV,
  TPMA_OBJECT,
  TPMA_SESSION,
} from "../constants.ts";
import { equalBytes } from "../crypto/bytes.ts";
import type { AuthRole, CommandDef } from "../dispatch.ts";
import { TPM_RC, TpmError, withPosition } from "../response_code.ts";
import type { Session } from "../state/sessions.ts";
import type { TpmState } from "../state/tpm_state.ts";
import { concat, cryptFirst } from "./param_crypt.ts";
import { type AuthCommand, stripZeros } from "./session_area.ts";
import {
  cpHash,
  includesAuthValue,
  isPolicySession,
  nameHash,
  sessionHmac,
} from "./session_hmac.ts";

/** What authorization decided, carried to the response. */
export interface AuthPlan {
  /** The parameter bytes after parameter decryption. */
  params: Uint8Array;
  /** Per session: was the request HMAC computed as bound (no authValue)? */
  bound: boolean[];
  /** Index of the decrypt / encrypt session, or -1. */
  decrypt: number;
  /** Index of the encrypt session, or -1. */
  encrypt: number;
  /** Index of the audit session, or -1. */
  audit: number;
  /** cpHash of this command under the audit session's hash. */
  auditCp: Uint8Array;
}

/**
 * Associates sessions with the authorized handles, checks every
 * authorization, and decrypts the first parameter. Throws `TpmError` with
 * the session number on failure.
 */
export function authorize(
  state: TpmState,
  def: CommandDef,
  handles: readonly number[],
  auths: AuthCommand[],
  paramBytes: Uint8Array,
  locality: number,
): AuthPlan {
  // Only a failure count or a locked lockoutAuth can heal with time (the guard spares a clock read).
  if (state.lockout.failedTries > 0 || !state.lockout.lockoutAuthEnabled) {
    state.lockout.tick(state.clock.clock());
  }
  if (auths.length === 0) return unauthorized(paramBytes);
  const roles = authRoles(def);
  const decrypt = auths.findIndex((a) => a.attributes & TPMA_SESSION.decrypt);
  const encrypt = auths.findIndex((a) => a.attributes & TPMA_SESSION.encrypt);
  consistency(def, auths, roles.length, handles, decrypt, encrypt);
  // Names are needed only by HMAC and policy sessions; a password-only command skips them.
  let nameList: Uint8Array[] | null = null;
  const names = () => (nameList ??= handles.map((h) => state.nameOf(h) ?? new Uint8Array(0)));
  const cp = new Map<number, Uint8Array>();
  const cpFor = (alg: number) => {
    if (!cp.has(alg)) cp.set(alg, cpHash(alg, def.code, names(), paramBytes));
    return cp.get(alg)!;
  };
  const bound: boolean[] = [];
  for (let i = 0; i < auths.length; i++) {
    const a = auths[i];
    const extra = i === 0 && a.entity !== null ? extraNonces(auths, decrypt, encrypt) : [];
    try {
      if (a.session) checkDaBound(state, a.session);
      bound.push(
        a.entity !== null
          ? checkAuth(state, def, a, roles[i]!, cpFor, names, extra, locality)
          : checkHmac(state, a, null, cpFor(a.session!.authHash), extra),
      );
    } catch (e) {
      if (e instanceof TpmError) throw new TpmError(withPosition(e.rc, "session", i + 1));
      throw e;
    }
  }
  const audit = auths.findIndex((a) => a.attributes & TPMA_SESSION.audit);
  let auditCp: Uint8Array = NO_BYTES;
  if (audit >= 0) {
    checkExclusive(state, auths[audit]);
    auditCp = cpFor(auths[audit].session!.authHash);
  }
  let params = paramBytes;
  if (decrypt >= 0) params = cryptFirst(auths[decrypt], state, paramBytes, false, decrypt);
  return { params, bound, decrypt, encrypt, audit, auditCp };
}

/** The plan of a command without sessions: nothing to check, decrypt or answer. */
function unauthorized(params: Uint8Array): AuthPlan {
  return { params, bound: [], decrypt: -1, encrypt: -1, audit: -1, auditCp: NO_BYTES };
}

const NO_BYTES = new Uint8Array(0);

const ROLES = new WeakMap<CommandDef, readonly AuthRole[]>();

/** The roles of a command's authorized handles, in order (computed once per command). */
export function authRoles(def: CommandDef): readonly AuthRole[] {
  let roles = ROLES.get(def);
  if (!roles) {
    roles = def.handles.flatMap((h) => h.auth ? [h.auth] : []);
    ROLES.set(def, roles);
  }
  return roles;
}

function consistency(
  def: CommandDef,
  auths: AuthCommand[],
  authCount: number,
  handles: readonly number[],
  decrypt: number,
  encrypt: number,
): void {
  const sessionRc = (rc: number, i: number) => new TpmError(rc, { where: "session", n: i + 1 });
  auths.forEach((a, i) => {
    a.entity = i < authCount ? handles[i] : null;
    if (a.session === null && a.entity === null) throw sessionRc(TPM_RC.HANDLE, i);
    if (a.session?.type === TPM_SE.TRIAL) throw sessionRc(TPM_RC.ATTRIBUTES, i);
    const purpose = TPMA_SESSION.audit | TPMA_SESSION.encrypt | TPMA_SESSION.decrypt;
    if (a.entity === null && !(a.attributes & purpose)) throw sessionRc(TPM_RC.ATTRIBUTES, i);
  });
  const first = (f: CommandDef["params"]) => Object.values(f)[0];
  if (decrypt >= 0 && !first(def.params)?.tpm2b) throw sessionRc(TPM_RC.ATTRIBUTES, decrypt);
  if (encrypt >= 0 && !first(def.response)?.tpm2b) throw sessionRc(TPM_RC.ATTRIBUTES, encrypt);
}

/** An auditExclusive request on a continuing audit session must name the exclusive one. */
function checkExclusive(state: TpmState, a: AuthCommand): void {
  const s = a.session!;
  const continuing = s.auditDigest.length > 0 && !(a.attributes & TPMA_SESSION.auditReset);
  if (
    continuing && (a.attributes & TPMA_SESSION.auditExclusive) && state.exclusiveAudit !== s.handle
  ) {
    throw new TpmError(TPM_RC.EXCLUSIVE);
  }
}

function extraNonces(auths: AuthCommand[], decrypt: number, encrypt: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  if (decrypt > 0) out.push(auths[decrypt].session!.nonceTPM);
  if (encrypt > 0 && encrypt !== decrypt) out.push(auths[encrypt].session!.nonceTPM);
  return out;
}

/** One authorization (CheckAuthSession). Returns whether the HMAC was computed as bound. */
function checkAuth(
  state: TpmState,
  def: CommandDef,
  a: AuthCommand,
  role: string,
  cpFor: (alg: number) => Uint8Array,
  names: () => Uint8Array[],
  extra: Uint8Array[],
  locality: number,
): boolean {
  const entity = a.entity!;
  const s = a.session;
  a.entityAuth = stripZeros(state.authOf(entity));
  if (!isPolicySession(s) || s!.isAuthValueNeeded || s!.isPasswordNeeded) {
    checkLockout(state, entity);
  }
  const policyRequired = role === "DUP" || (role === "ADMIN" && adminNeedsPolicy(state, entity));
  if (policyRequired && !isPolicySession(s)) throw new TpmError(TPM_RC.AUTH_TYPE);
  if (s === null) {
    if (!authValueAvailable(state, entity, role, def)) throw new TpmError(TPM_RC.AUTH_UNAVAILABLE);
    checkPassword(state, a);
    return false;
  }
  if (isPolicySession(s)) {
    if (!policyAvailable(state, entity, policyRequired, def)) {
      throw new TpmError(TPM_RC.AUTH_UNAVAILABLE);
    }
    checkPolicy(state, def, s, role, entity, cpFor(s.authHash), names, locality);
    checkNvWritten(state, s, entity);
    if (s.isPasswordNeeded) {
      checkPassword(state, a);
      return false;
    }
  } else if (!authValueAvailable(state, entity, role, def)) {
    throw new TpmError(TPM_RC.AUTH_UNAVAILABLE);
  }
  return checkHmac(state, a, entity, cpFor(s.authHash), extra);
}

function checkLockout(state: TpmState, entity: number): void {
  if (!state.isDaProtected(entity)) return;
  if (entity === TPM_RH.LOCKOUT) {
    if (!state.lockout.lockoutAuthEnabled) throw new TpmError(TPM_RC.LOCKOUT);
  } else if (state.lockout.inLockout()) throw new TpmError(TPM_RC.LOCKOUT);
}

function adminNeedsPolicy(state: TpmState, entity: number): boolean {
  const ht = entity >>> 24;
  if (ht === TPM_HT.NV_INDEX) return true;
  const o = state.objects.getObject(entity);
  return o !== undefined && (o.publicArea.objectAttributes & TPMA_OBJECT.adminWithPolicy) !== 0;
}

/** IsAuthValueAvailable (Part 1 §19.2). */
function authValueAvailable(
  state: TpmState,
  entity: number,
  role: string,
  def: CommandDef,
): boolean {
  const ht = entity >>> 24;
  if (ht === TPM_HT.PERMANENT || ht === TPM_HT.PCR) return true;
  if (ht === TPM_HT.NV_INDEX) {
    const a = state.nv.indices.get(entity)!.pub.attributes;
    return (a & (def.nvWrite ? TPMA_NV.AUTHWRITE : TPMA_NV.AUTHREAD)) !== 0;
  }
  const e = state.objects.get(entity);
  if (!e) return false;
  if (e.kind === "sequence") return true;
  const attrs = e.publicArea.objectAttributes;
  if (e.publicOnly) return false;
  if (role === "USER") return (attrs & TPMA_OBJECT.userWithAuth) !== 0;
  return role === "ADMIN" && (attrs & TPMA_OBJECT.adminWithPolicy) === 0;
}

/** IsAuthPolicyAvailable. */
function policyAvailable(
  state: TpmState,
  entity: number,
  required: boolean,
  def: CommandDef,
): boolean {
  const ht = entity >>> 24;
  if (ht === TPM_HT.PERMANENT) return state.hierarchies.policyOf(entity).digest.length > 0;
  if (ht === TPM_HT.NV_INDEX) {
    const pub = state.nv.indices.get(entity)!.pub;
    if (pub.authPolicy.length === 0) return false;
    return required ||
      (pub.attributes & (def.nvWrite ? TPMA_NV.POLICYWRITE : TPMA_NV.POLICYREAD)) !== 0;
  }
  const e = state.objects.get(entity);
  return e?.kind === "object" && !e.publicOnly;
}

/** CheckPolicyAuthSession (Part 1 §19.7.1). */
function checkPolicy(
  state: TpmState,
  def: CommandDef,
  s: Session,
  role: string,
  entity: number,
  cp: Uint8Array,
  names: () => Uint8Array[],
  locality: number,
): void {
  if (def.code === TPM_CC.PolicySecret && !s.isPasswordNeeded && !s.isAuthValueNeeded) {
    throw new TpmError(TPM_RC.MODE);
  }
  if (s.pcrCounter >= 0 && s.pcrCounter !== state.pcrs.updateCounter) {
    throw new TpmError(TPM_RC.PCR_CHANGED);
  }
  const policy = state.policyOf(entity);
  if (!equalBytes(s.policyDigest, policy.digest) || policy.alg !== s.authHash) {
    throw new TpmError(TPM_RC.POLICY_FAIL);
  }
  if (s.timeout !== 0n && s.timeout < state.clock.clock()) throw new TpmError(TPM_RC.EXPIRED);
  if (s.commandCode !== 0) {
    if (s.commandCode !== def.code) throw new TpmError(TPM_RC.POLICY_CC);
  } else if (role === "ADMIN" || role === "DUP") throw new TpmError(TPM_RC.POLICY_FAIL);
  // The locality comes before cpHash and nameHash (the reference's CheckPolicyAuthSession).
  checkLocality(s, locality);
  if (s.cpHash.length > 0 && !equalBytes(s.cpHash, cp)) throw new TpmError(TPM_RC.POLICY_FAIL);
  if (s.nameHash.length > 0 && !equalBytes(s.nameHash, nameHash(s.authHash, names()))) {
    throw new TpmError(TPM_RC.POLICY_FAIL);
  }
}

/** The PolicyLocality condition (Part 3 §23.12). */
function checkLocality(s: Session, locality: number): void {
  if (s.locality !== 0) {
    // Localities 0-4 pass only a bit mask (a value of 32 or more names one extended locality,
    // whatever its low bits); 5-31 do not exist (the reference's CheckPolicyAuthSession).
    const ok = locality < 5
      ? s.locality < 32 && (s.locality & (1 << locality)) !== 0
      : locality > 31 && s.locality === locality;
    if (!ok) throw new TpmError(TPM_RC.LOCALITY);
  }
}

/** The PolicyNvWritten condition (Part 3 §23.21). */
function checkNvWritten(state: TpmState, s: Session, entity: number): void {
  if (s.nvWritten >= 0) {
    const ix = state.nv.indices.get(entity);
    if (!ix || ((ix.pub.attributes & TPMA_NV.WRITTEN) !== 0 ? 1 : 0) !== s.nvWritten) {
      throw new TpmError(TPM_RC.POLICY_FAIL);
    }
  }
}

/** A session bound to a DA-protected entity is locked out with it (the reference's CheckLockedOut). */
function checkDaBound(state: TpmState, s: Session): void {
  if (!s.isDaBound) return;
  const locked = s.isLockoutBound ? !state.lockout.lockoutAuthEnabled : state.lockout.inLockout();
  if (locked) throw new TpmError(TPM_RC.LOCKOUT);
}

function checkPassword(state: TpmState, a: AuthCommand): void {
  if (equalBytes(stripZeros(a.hmac), a.entityAuth)) return;
  authFailed(state, a.entity!, a.session);
}

/**
 * A failed authorization (the reference's IncrementLockout): a DA failure when the entity is
 * DA-protected and its authValue was used, or whenever the session is bound to a DA-protected
 * entity (charged to lockoutAuth if bound to it); otherwise BAD_AUTH.
 */
function authFailed(state: TpmState, entity: number | null, s: Session | null = null): never {
  if (s?.isDaBound) {
    state.lockout.fail(state.clock.clock(), s.isLockoutBound || entity === TPM_RH.LOCKOUT);
    throw new TpmError(TPM_RC.AUTH_FAIL);
  }
  if (entity !== null && state.isDaProtected(entity)) {
    state.lockout.fail(state.clock.clock(), entity === TPM_RH.LOCKOUT);
    throw new TpmError(TPM_RC.AUTH_FAIL);
  }
  throw new TpmError(TPM_RC.BAD_AUTH);
}

/** True when the session is bound to `entity` with the authValue it was bound with. */
function isBoundTo(s: Session, state: TpmState, entity: number, auth: Uint8Array): boolean {
  if (s.bindName.length === 0 || s.handle >>> 24 !== TPM_HT.HMAC_SESSION) return false;
  const name = state.nameOf(entity);
  return name !== undefined && equalBytes(name, s.bindName) && equalBytes(auth, s.bindAuth);
}

/** CheckSessionHMAC; returns whether the request was bound. */
function checkHmac(
  state: TpmState,
  a: AuthCommand,
  entity: number | null,
  cp: Uint8Array,
  extra: Uint8Array[],
): boolean {
  const s = a.session!;
  const bound = entity !== null && isBoundTo(s, state, entity, a.entityAuth);
  const withAuth = entity !== null && includesAuthValue(s, bound);
  const key = withAuth ? concat(s.sessionKey, a.entityAuth) : s.sessionKey;
  if (key.length === 0 && a.hmac.length === 0) return bound;
  const expect = sessionHmac(s, key, cp, a.nonce, s.nonceTPM, extra, a.attributes);
  if (!equalBytes(expect, a.hmac)) authFailed(state, withAuth ? entity : null, s);
  return bound;
}
