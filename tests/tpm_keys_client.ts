/**
 * A tiny TPM client for the key-command tests: builds command bytes with
 * password sessions, runs them through `Tpm.execute`, and splits responses.
 * Templates for the usual key types live here too.
 */
import { TPM_ALG, TPM_ECC, TPM_RH, TPM_ST } from "../lib/tpm/constants.ts";
import { TpmReader, TpmWriter } from "../lib/tpm/marshal/buffer.ts";
import { decode, encode } from "../lib/tpm/marshal/codec.ts";
import {
  type Ticket,
  TPM2B_DIGEST,
  TPM2B_NAME,
  TPM2B_PRIVATE,
  TPM2B_PUBLIC,
  TPMT_TK,
  type TpmtPublic,
} from "../lib/tpm/marshal/types.ts";
import { TPM2B_CREATION_DATA } from "../lib/tpm/commands/key_object.ts";
import { Tpm } from "../lib/tpm/tpm.ts";

/** A parsed response. */
export interface Rsp {
  rc: number;
  handle: number;
  params: TpmReader;
  raw: Uint8Array;
}

/** A started TPM plus helpers. */
export class KeyTpm {
  constructor(readonly tpm: Tpm) {}

  /** Manufactures a TPM with a deterministic seed, powers it on and sends Startup(CLEAR). */
  static async start(seed = 1): Promise<KeyTpm> {
    const tpm = await Tpm.manufacture({ seed: new Uint8Array(32).fill(seed) });
    tpm.powerOn();
    const k = new KeyTpm(tpm);
    const r = await k.raw(Uint8Array.from([0x80, 1, 0, 0, 0, 12, 0, 0, 1, 0x44, 0, 0]));
    if (r.rc !== 0) throw new Error(`Startup failed 0x${r.rc.toString(16)}`);
    return k;
  }

  /** Sends raw command bytes; parses the response (handle only when `withHandle`). */
  async raw(cmd: Uint8Array, withHandle = false): Promise<Rsp> {
    const out = await this.tpm.execute(cmd);
    if (this.tpm.internalErrors.length) throw this.tpm.internalErrors[0].error;
    const r = new TpmReader(out);
    const tag = r.u16();
    r.u32();
    const rc = r.u32();
    if (rc !== 0) return { rc, handle: 0, params: r, raw: out };
    const handle = withHandle ? r.u32() : 0;
    let params = r;
    if (tag === TPM_ST.SESSIONS) params = r.sub(r.u32());
    return { rc, handle, params, raw: out };
  }

  /**
   * Runs a command. `auths` holds one password per authorized handle; with
   * none the command goes without sessions.
   */
  run(
    code: number,
    handles: number[],
    params: Uint8Array,
    auths: Auth[] = [],
    withHandle = false,
  ): Promise<Rsp> {
    return this.raw(buildCommand(code, handles, params, auths), withHandle);
  }
}

/** A password (TPM_RS_PW) or a policy session handle. */
export type Auth = string | Uint8Array | { session: number };

/** Command bytes with TPM_RS_PW sessions carrying the given passwords. */
export function buildCommand(
  code: number,
  handles: number[],
  params: Uint8Array,
  auths: Auth[] = [],
): Uint8Array {
  const w = new TpmWriter();
  w.u16(auths.length ? TPM_ST.SESSIONS : TPM_ST.NO_SESSIONS).u32(0).u32(code);
  for (const h of handles) w.u32(h);
  if (auths.length) {
    const area = new TpmWriter();
    for (const a of auths) {
      if (typeof a === "object" && "session" in a) {
        // A policy session whose policy needs no HMAC: empty nonce and hmac.
        area.u32(a.session).u16(0).u8(1).u16(0);
        continue;
      }
      const pw = typeof a === "string" ? new TextEncoder().encode(a) : a;
      area.u32(TPM_RH.PW).u16(0).u8(1).u16(pw.length).bytes(pw);
    }
    const bytes = area.finish();
    w.u32(bytes.length).bytes(bytes);
  }
  w.bytes(params).patchU32(2, w.length);
  return w.finish();
}

/** Concatenates marshalled pieces. */
export function cat(...parts: (Uint8Array | number[])[]): Uint8Array<ArrayBuffer> {
  const w = new TpmWriter();
  for (const p of parts) w.bytes(p instanceof Uint8Array ? p : Uint8Array.from(p));
  return new Uint8Array(w.finish());
}

/** A TPM2B of bytes. */
export function b2(bytes: Uint8Array | string): Uint8Array {
  const b = typeof bytes === "string" ? new TextEncoder().encode(bytes) : bytes;
  return cat([b.length >> 8, b.length & 0xff], b);
}

/** u16 / u32 big-endian. */
export const u16 = (v: number): number[] => [v >> 8, v & 0xff];
export const u32 = (
  v: number,
): number[] => [v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];

/** TPM2B_SENSITIVE_CREATE with a password and data. */
export function sensitiveCreate(auth = "", data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const inner = cat(b2(auth), b2(data));
  return b2(inner);
}

/** Create/CreatePrimary parameters: inSensitive, inPublic, empty outsideInfo, no creation PCRs. */
export function createParams(tpl: TpmtPublic, auth = "", data?: Uint8Array): Uint8Array {
  return cat(sensitiveCreate(auth, data), encode(TPM2B_PUBLIC, tpl), u16(0), u32(0));
}

const NULL_SCHEME = { scheme: TPM_ALG.NULL, hashAlg: 0, extra: 0 };
const NULL_SYM = { algorithm: TPM_ALG.NULL, keyBits: 0, mode: 0 };
const AES128_CFB = { algorithm: TPM_ALG.AES, keyBits: 128, mode: TPM_ALG.CFB };
const EMPTY = new Uint8Array(0);

/** Object attribute words used below (Part 2 §8.3). */
export const ATTR = {
  /** fixedTPM | fixedParent | sensitiveDataOrigin | userWithAuth. */
  base: 0x72,
  restricted: 1 << 16,
  decrypt: 1 << 17,
  sign: 1 << 18,
};

function tpl(p: Partial<TpmtPublic>): TpmtPublic {
  return {
    type: TPM_ALG.RSA,
    nameAlg: TPM_ALG.SHA256,
    objectAttributes: ATTR.base,
    authPolicy: EMPTY,
    symmetric: NULL_SYM,
    scheme: NULL_SCHEME,
    keyBits: 0,
    exponent: 0,
    curveID: 0,
    kdf: NULL_SCHEME,
    unique: EMPTY,
    uniqueY: EMPTY,
    ...p,
  };
}

/** RSA-2048 storage parent (as tpm2_createprimary's default). */
export const RSA_STORAGE: TpmtPublic = tpl({
  objectAttributes: ATTR.base | ATTR.restricted | ATTR.decrypt,
  symmetric: AES128_CFB,
  keyBits: 2048,
});
/** ECC P-256 storage parent. */
export const ECC_STORAGE: TpmtPublic = tpl({
  type: TPM_ALG.ECC,
  objectAttributes: ATTR.base | ATTR.restricted | ATTR.decrypt,
  symmetric: AES128_CFB,
  curveID: TPM_ECC.NIST_P256,
});
/** ECC P-256 ECDSA-SHA256 signing key. */
export const ECC_SIGN: TpmtPublic = tpl({
  type: TPM_ALG.ECC,
  objectAttributes: ATTR.base | ATTR.sign,
  scheme: { scheme: TPM_ALG.ECDSA, hashAlg: TPM_ALG.SHA256, extra: 0 },
  curveID: TPM_ECC.NIST_P256,
});
/** RSA-2048 signing key without a fixed scheme. */
export const RSA_SIGN: TpmtPublic = tpl({ objectAttributes: ATTR.base | ATTR.sign, keyBits: 2048 });
/** RSA-2048 decryption key without a fixed scheme. */
export const RSA_DECRYPT: TpmtPublic = tpl({
  objectAttributes: ATTR.base | ATTR.decrypt,
  keyBits: 2048,
});
/** ECC P-256 decryption (ECDH) key. */
export const ECC_DECRYPT: TpmtPublic = tpl({
  type: TPM_ALG.ECC,
  objectAttributes: ATTR.base | ATTR.decrypt,
  curveID: TPM_ECC.NIST_P256,
});
/** Restricted ECC signing key (an AK). */
export const ECC_AK: TpmtPublic = tpl({
  type: TPM_ALG.ECC,
  objectAttributes: ATTR.base | ATTR.sign | ATTR.restricted,
  scheme: { scheme: TPM_ALG.ECDSA, hashAlg: TPM_ALG.SHA256, extra: 0 },
  curveID: TPM_ECC.NIST_P256,
});
/** Sealed data object: no sensitiveDataOrigin, no sign/decrypt. */
export const SEALED: TpmtPublic = tpl({ type: TPM_ALG.KEYEDHASH, objectAttributes: 0x52 });
/** AES-128-CFB key allowed to encrypt and decrypt. */
export const AES_KEY: TpmtPublic = tpl({
  type: TPM_ALG.SYMCIPHER,
  objectAttributes: ATTR.base | ATTR.sign | ATTR.decrypt,
  symmetric: AES128_CFB,
});
/** HMAC-SHA256 key. */
export const HMAC_KEY: TpmtPublic = tpl({
  type: TPM_ALG.KEYEDHASH,
  objectAttributes: ATTR.base | ATTR.sign,
  scheme: { scheme: TPM_ALG.HMAC, hashAlg: TPM_ALG.SHA256, extra: 0 },
});

/** What CreatePrimary / Create return, decoded. */
export interface Made {
  handle: number;
  pub: TpmtPublic;
  pubBytes: Uint8Array;
  priv: Uint8Array;
  creationHash: Uint8Array;
  ticket: Ticket;
  name: Uint8Array;
}

function check(r: Rsp, what: string): void {
  if (r.rc !== 0) throw new Error(`${what} failed: TPM_RC 0x${r.rc.toString(16)}`);
}

/** CreatePrimary under `hierarchy` (empty hierarchy auth); throws on failure. */
export async function createPrimary(
  k: KeyTpm,
  tpl: TpmtPublic,
  hierarchy: number = TPM_RH.OWNER,
  auth = "",
): Promise<Made> {
  const r = await k.run(0x131, [hierarchy], createParams(tpl, auth), [""], true);
  check(r, "CreatePrimary");
  const pubBytes = TPM2B_PUBLIC_BYTES(r.params);
  const pub = decode(TPM2B_PUBLIC, pubBytes)!;
  TPM2B_CREATION_DATA.read(r.params);
  const creationHash = TPM2B_DIGEST.read(r.params);
  const ticket = TPMT_TK.read(r.params);
  const name = TPM2B_NAME.read(r.params);
  return { handle: r.handle, pub, pubBytes, priv: EMPTY, creationHash, ticket, name };
}

/** Create under `parent` (parent password `parentAuth`); throws on failure. */
export async function create(
  k: KeyTpm,
  parent: number,
  tpl: TpmtPublic,
  auth = "",
  data?: Uint8Array,
  parentAuth = "",
): Promise<Made> {
  const r = await k.run(0x153, [parent], createParams(tpl, auth, data), [parentAuth]);
  check(r, "Create");
  const priv = TPM2B_PRIVATE.read(r.params);
  const pubBytes = TPM2B_PUBLIC_BYTES(r.params);
  const pub = decode(TPM2B_PUBLIC, pubBytes)!;
  TPM2B_CREATION_DATA.read(r.params);
  const creationHash = TPM2B_DIGEST.read(r.params);
  const ticket = TPMT_TK.read(r.params);
  return { handle: 0, pub, pubBytes, priv, creationHash, ticket, name: EMPTY };
}

/** Load: returns the handle and name; throws on failure. */
export async function load(k: KeyTpm, parent: number, made: Made, parentAuth = ""): Promise<Made> {
  const r = await k.run(0x157, [parent], cat(b2(made.priv), made.pubBytes), [parentAuth], true);
  check(r, "Load");
  return { ...made, handle: r.handle, name: TPM2B_NAME.read(r.params) };
}

/** The bytes of one TPM2B_PUBLIC (size included) read from `r`. */
function TPM2B_PUBLIC_BYTES(r: TpmReader): Uint8Array {
  const size = r.u16();
  return cat(u16(size), r.bytes(size));
}

// ---- Independent references (WebCrypto, openssl) for wrapping checks ----

/** HMAC-SHA-256 by WebCrypto (an independent reference). */
export async function hmacSha256(key: Uint8Array, data: Uint8Array): Promise<Uint8Array> {
  const k = await crypto.subtle.importKey(
    "raw",
    new Uint8Array(key),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  return new Uint8Array(await crypto.subtle.sign("HMAC", k, new Uint8Array(data)));
}

/** KDFa(SHA-256) from Part 1 §11.4.10.2, written out independently of lib/tpm/crypto. */
export async function kdfa(key: Uint8Array, label: string, u: Uint8Array, bits: number) {
  let out = new Uint8Array(0);
  for (let i = 1; out.length * 8 < bits; i++) {
    const input = cat(u32(i), new TextEncoder().encode(label + "\0"), u, u32(bits));
    out = cat(out, await hmacSha256(key, input));
  }
  return out.slice(0, bits / 8);
}

/** AES-128-CFB with a zero IV by `openssl enc`; `undefined` without openssl. */
export async function opensslCfb(
  key: Uint8Array,
  data: Uint8Array,
): Promise<Uint8Array | undefined> {
  const hex = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  try {
    const p = new Deno.Command("openssl", {
      args: ["enc", "-aes-128-cfb", "-K", hex(key), "-iv", "00".repeat(16), "-nopad"],
      stdin: "piped",
      stdout: "piped",
      stderr: "null",
    }).spawn();
    const w = p.stdin.getWriter();
    await w.write(data);
    await w.close();
    const out = await p.output();
    return out.success ? out.stdout : undefined;
  } catch {
    return undefined;
  }
}
