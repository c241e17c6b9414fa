/**
 * A small TPM software stack for the examples: each method builds one TPM 2.0 command (TCG
 * TPM 2.0 Part 3), sends it through `transmit` (the guest's vTPM driver) and decodes the answer.
 * Authorizations are the empty password (TPM_RS_PW) unless a policy session is given.
 * @module
 */

import { TPM_ALG, TPM_CC, TPM_ECC, TPM_RH, TPM_SE, TPM_ST, TPMA_OBJECT } from "../lib/tpm/mod.ts";
import {
  encode,
  type Signature,
  TPM2B_DIGEST,
  TPM2B_NAME,
  TPM2B_PRIVATE,
  TPM2B_PUBLIC,
  TPML_PCR_SELECTION,
  type TpmReader,
  TpmReader as Reader,
  TPMT_SIGNATURE,
  type TpmtPublic,
  TpmWriter,
} from "../lib/tpm/mod.ts";

/** Sends one command, resolves to the response. */
export type Transmit = (command: Uint8Array) => Promise<Uint8Array>;

/** A command the TPM answered with an error. */
export class TpmCommandError extends Error {
  /** The error name. */
  override name = "TpmCommandError";
  /** The TPM_RC. */
  readonly rc: number;

  /** `command` failed with `rc`. */
  constructor(command: string, rc: number) {
    super(`TPM2_${command} failed: TPM_RC 0x${rc.toString(16)}`);
    this.rc = rc;
  }
}

/** Command names for traces, from TPM_CC (0x158 → "TPM2_Quote"). */
export function tpmCommandName(code: number): string {
  const name = Object.entries(TPM_CC).find(([, v]) => v === code)?.[0];
  return name ? `TPM2_${name}` : `TPM_CC 0x${code.toString(16)}`;
}

/** A loaded key or object. */
export interface Loaded {
  /** Transient handle. */
  readonly handle: number;
  /** The marshalled TPMT_PUBLIC (no size prefix). */
  readonly publicArea: Uint8Array;
  /** Its TPM Name (nameAlg ‖ H(TPMT_PUBLIC)). */
  readonly name: Uint8Array;
}

/** An authorization: the empty password, or a policy session. */
type Auth = "password" | { session: number };

const EMPTY: Uint8Array = new Uint8Array(0);
const NULL_SCHEME = { scheme: TPM_ALG.NULL, hashAlg: 0, extra: 0 };
const NULL_SYM = { algorithm: TPM_ALG.NULL, keyBits: 0, mode: 0 };
const ECDSA_SHA256 = { scheme: TPM_ALG.ECDSA, hashAlg: TPM_ALG.SHA256, extra: 0 };
const USER_KEY = TPMA_OBJECT.fixedTPM | TPMA_OBJECT.fixedParent |
  TPMA_OBJECT.sensitiveDataOrigin | TPMA_OBJECT.userWithAuth;

/** An ECC P-256 key template (Part 2 §12.2.4). */
function eccTemplate(attributes: number, extra: Partial<TpmtPublic> = {}): TpmtPublic {
  return {
    type: TPM_ALG.ECC,
    nameAlg: TPM_ALG.SHA256,
    objectAttributes: attributes,
    authPolicy: EMPTY,
    symmetric: NULL_SYM,
    scheme: NULL_SCHEME,
    keyBits: 0,
    exponent: 0,
    curveID: TPM_ECC.NIST_P256,
    kdf: NULL_SCHEME,
    unique: EMPTY,
    uniqueY: EMPTY,
    ...extra,
  };
}

/** An attestation key: restricted ECDSA P-256 signing key (what `tpm2_createak -G ecc` makes). */
export const AK_TEMPLATE: TpmtPublic = eccTemplate(
  USER_KEY | TPMA_OBJECT.restricted | TPMA_OBJECT.sign,
  { scheme: ECDSA_SHA256 },
);

/** A storage root key: restricted ECC P-256 decryption key with AES-128-CFB. */
export const SRK_TEMPLATE: TpmtPublic = eccTemplate(
  USER_KEY | TPMA_OBJECT.restricted | TPMA_OBJECT.decrypt,
  { symmetric: { algorithm: TPM_ALG.AES, keyBits: 128, mode: TPM_ALG.CFB } },
);

/** A sealed data object that only `policy` can unseal (no userWithAuth). */
export function sealedTemplate(policy: Uint8Array): TpmtPublic {
  return {
    ...eccTemplate(TPMA_OBJECT.fixedTPM | TPMA_OBJECT.fixedParent),
    type: TPM_ALG.KEYEDHASH,
    curveID: 0,
    authPolicy: policy,
  };
}

/** A TPML_PCR_SELECTION of SHA-256 PCRs. */
export function sha256Pcrs(pcrs: readonly number[]): { hash: number; select: Uint8Array }[] {
  const select = new Uint8Array(3);
  for (const p of pcrs) select[p >> 3] |= 1 << (p & 7);
  return [{ hash: TPM_ALG.SHA256, select }];
}

/**
 * The stack.
 *
 * @example
 * ```ts
 * import { Tss } from "./tss.ts";
 * import { Tpm } from "../lib/tpm/mod.ts";
 * const tpm = await Tpm.manufacture();
 * tpm.powerOn();
 * const tss = new Tss((cmd) => tpm.execute(cmd));
 * await tss.startup();
 * ```
 */
export class Tss {
  readonly #transmit: Transmit;

  /** A stack over `transmit`. */
  constructor(transmit: Transmit) {
    this.#transmit = transmit;
  }

  /** TPM2_Startup(CLEAR) (Part 3 §9.3). */
  async startup(): Promise<void> {
    await this.#run(TPM_CC.Startup, [], [], u16(0));
  }

  /** TPM2_CreatePrimary with an empty password and no creation data (Part 3 §24.1). */
  async createPrimary(hierarchy: number, template: TpmtPublic): Promise<Loaded> {
    const r = await this.#run(
      TPM_CC.CreatePrimary,
      [hierarchy],
      ["password"],
      createParams(template),
      1,
    );
    const publicArea = tpm2b(r.params);
    return { handle: r.handles[0], publicArea, name: nameAfterCreation(r.params) };
  }

  /** TPM2_Create under `parent`, optionally sealing `data` (Part 3 §12.1). */
  async create(
    parent: number,
    template: TpmtPublic,
    data = EMPTY,
  ): Promise<{ privateBlob: Uint8Array; publicArea: Uint8Array }> {
    const r = await this.#run(TPM_CC.Create, [parent], ["password"], createParams(template, data));
    const privateBlob = TPM2B_PRIVATE.read(r.params);
    return { privateBlob, publicArea: tpm2b(r.params) };
  }

  /** TPM2_Load (Part 3 §12.2). */
  async load(parent: number, privateBlob: Uint8Array, publicArea: Uint8Array): Promise<Loaded> {
    const w = new TpmWriter();
    TPM2B_PRIVATE.write(w, privateBlob);
    w.u16(publicArea.length).bytes(publicArea);
    const r = await this.#run(TPM_CC.Load, [parent], ["password"], w.finish(), 1);
    return { handle: r.handles[0], publicArea, name: TPM2B_NAME.read(r.params) };
  }

  /** TPM2_PCR_Extend of one SHA-256 digest (Part 3 §22.2). */
  async pcrExtend(pcr: number, sha256: Uint8Array): Promise<void> {
    const w = new TpmWriter().u32(1).u16(TPM_ALG.SHA256).bytes(sha256);
    await this.#run(TPM_CC.PCR_Extend, [pcr], ["password"], w.finish());
  }

  /** TPM2_PCR_Read of one SHA-256 PCR (Part 3 §22.4). */
  async pcrRead(pcr: number): Promise<Uint8Array> {
    const r = await this.#run(
      TPM_CC.PCR_Read,
      [],
      [],
      encode(TPML_PCR_SELECTION, sha256Pcrs([pcr])),
    );
    r.params.u32(); // pcrUpdateCounter
    TPML_PCR_SELECTION.read(r.params);
    r.params.u32(); // count: 1
    return TPM2B_DIGEST.read(r.params);
  }

  /** TPM2_Quote with the key's own scheme (Part 3 §18.4). */
  async quote(
    key: number,
    qualifyingData: Uint8Array,
    pcrs: readonly number[],
  ): Promise<{ attest: Uint8Array; signature: Signature }> {
    const w = new TpmWriter().u16(qualifyingData.length).bytes(qualifyingData).u16(TPM_ALG.NULL);
    TPML_PCR_SELECTION.write(w, sha256Pcrs(pcrs));
    const r = await this.#run(TPM_CC.Quote, [key], ["password"], w.finish());
    return { attest: tpm2b(r.params), signature: TPMT_SIGNATURE.read(r.params) };
  }

  /** TPM2_StartAuthSession: an unsalted, unbound SHA-256 policy (or trial) session (§11.1). */
  async startPolicySession(trial = false): Promise<number> {
    const w = new TpmWriter().u16(16).bytes(new Uint8Array(16).fill(0x5a)).u16(0);
    w.u8(trial ? TPM_SE.TRIAL : TPM_SE.POLICY).u16(TPM_ALG.NULL).u16(TPM_ALG.SHA256);
    const r = await this.#run(
      TPM_CC.StartAuthSession,
      [TPM_RH.NULL, TPM_RH.NULL],
      [],
      w.finish(),
      1,
    );
    return r.handles[0];
  }

  /** TPM2_PolicySecret(authHandle) with its empty password: the EK's policy A (§23.4). */
  async policySecret(authHandle: number, session: number): Promise<void> {
    const w = new TpmWriter().u16(0).u16(0).u16(0).u32(0); // nonce, cpHash, policyRef, expiration
    await this.#run(TPM_CC.PolicySecret, [authHandle, session], ["password"], w.finish());
  }

  /** TPM2_PolicyPCR over the PCRs' current values (§23.7). */
  async policyPcr(session: number, pcrs: readonly number[]): Promise<void> {
    const w = new TpmWriter().u16(0);
    TPML_PCR_SELECTION.write(w, sha256Pcrs(pcrs));
    await this.#run(TPM_CC.PolicyPCR, [session], [], w.finish());
  }

  /** TPM2_PolicyGetDigest (§23.19). */
  async policyGetDigest(session: number): Promise<Uint8Array> {
    return TPM2B_DIGEST.read(
      (await this.#run(TPM_CC.PolicyGetDigest, [session], [], EMPTY)).params,
    );
  }

  /** TPM2_ActivateCredential: AK by password, EK by a policy session (§12.5). */
  async activateCredential(
    ak: number,
    ek: number,
    ekSession: number,
    credentialBlob: Uint8Array,
    secret: Uint8Array,
  ): Promise<Uint8Array> {
    const w = new TpmWriter().u16(credentialBlob.length).bytes(credentialBlob);
    w.u16(secret.length).bytes(secret);
    const auths: Auth[] = ["password", { session: ekSession }];
    const r = await this.#run(TPM_CC.ActivateCredential, [ak, ek], auths, w.finish());
    return TPM2B_DIGEST.read(r.params);
  }

  /** TPM2_Unseal authorized by a policy session (§12.7). */
  async unseal(item: number, session: number): Promise<Uint8Array> {
    const r = await this.#run(TPM_CC.Unseal, [item], [{ session }], EMPTY);
    return tpm2b(r.params);
  }

  /** TPM2_LoadExternal of a public area alone, in the null hierarchy (§12.3). */
  async loadExternal(publicArea: Uint8Array): Promise<Loaded> {
    const w = new TpmWriter().u16(0).u16(publicArea.length).bytes(publicArea).u32(TPM_RH.NULL);
    const r = await this.#run(TPM_CC.LoadExternal, [], [], w.finish(), 1);
    return { handle: r.handles[0], publicArea, name: TPM2B_NAME.read(r.params) };
  }

  /** TPM2_MakeCredential: a public-key operation, any TPM can do it (§12.6). */
  async makeCredential(
    handle: number,
    credential: Uint8Array,
    objectName: Uint8Array,
  ): Promise<{ credentialBlob: Uint8Array; secret: Uint8Array }> {
    const w = new TpmWriter().u16(credential.length).bytes(credential);
    w.u16(objectName.length).bytes(objectName);
    const r = await this.#run(TPM_CC.MakeCredential, [handle], [], w.finish());
    const credentialBlob = tpm2b(r.params);
    return { credentialBlob, secret: tpm2b(r.params) };
  }

  /** TPM2_FlushContext (§28.4). */
  async flush(handle: number): Promise<void> {
    await this.#run(TPM_CC.FlushContext, [], [], new TpmWriter().u32(handle).finish());
  }

  async #run(
    code: number,
    handles: readonly number[],
    auths: readonly Auth[],
    params: Uint8Array,
    responseHandles = 0,
  ): Promise<{ handles: number[]; params: TpmReader }> {
    const command = buildCommand(code, handles, auths, params);
    const response = await this.#transmit(command);
    const r = new Reader(response);
    const tag = r.u16();
    r.u32();
    const rc = r.u32();
    if (rc !== 0) throw new TpmCommandError(tpmCommandName(code).slice(5), rc);
    const out = Array.from({ length: responseHandles }, () => r.u32());
    return { handles: out, params: tag === TPM_ST.SESSIONS ? r.sub(r.u32()) : r };
  }
}

/** Header, handles, the authorization area, parameters (Part 1 §18). */
function buildCommand(
  code: number,
  handles: readonly number[],
  auths: readonly Auth[],
  params: Uint8Array,
): Uint8Array {
  const w = new TpmWriter();
  w.u16(auths.length > 0 ? TPM_ST.SESSIONS : TPM_ST.NO_SESSIONS).u32(0).u32(code);
  for (const h of handles) w.u32(h);
  if (auths.length > 0) {
    const area = new TpmWriter();
    for (const a of auths) {
      // handle, empty nonce, continueSession, empty HMAC/password
      area.u32(a === "password" ? TPM_RH.PW : a.session).u16(0).u8(1).u16(0);
    }
    const bytes = area.finish();
    w.u32(bytes.length).bytes(bytes);
  }
  w.bytes(params).patchU32(2, w.length);
  return w.finish();
}

/** inSensitive (empty password, `data`), inPublic, no outsideInfo, no creation PCRs. */
function createParams(template: TpmtPublic, data = EMPTY): Uint8Array {
  const w = new TpmWriter().u16(4 + data.length).u16(0).u16(data.length).bytes(data);
  TPM2B_PUBLIC.write(w, template);
  return w.u16(0).u32(0).finish();
}

/** The contents of one TPM2B. */
function tpm2b(r: TpmReader): Uint8Array {
  return r.bytes(r.u16());
}

/** Skips creationData, creationHash and the ticket of CreatePrimary; returns the name. */
function nameAfterCreation(r: TpmReader): Uint8Array {
  tpm2b(r); // TPM2B_CREATION_DATA
  TPM2B_DIGEST.read(r); // creationHash
  r.u16(); // TPMT_TK_CREATION: tag
  r.u32(); // hierarchy
  TPM2B_DIGEST.read(r);
  return TPM2B_NAME.read(r);
}

function u16(v: number): Uint8Array {
  return new Uint8Array([v >> 8, v & 0xff]);
}
