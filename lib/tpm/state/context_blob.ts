/**
 * Context blobs (Part 1 §30): what TPM2_ContextSave hands out and
 * TPM2_ContextLoad takes back. contextBlob = TPM2B integrity || encrypted
 * body, where the key, IV and HMAC key come from KDFa over the hierarchy's
 * proof (the null proof for sessions, so a TPM Reset voids them) and the
 * sequence number; the HMAC also covers sequence, handle, hierarchy and an
 * epoch (for objects: resetCount, and the clear count for stClear objects,
 * as the reference's ComputeContextIntegrity, so a TPM Reset, or Restart for
 * stClear, voids their saved contexts too).
 * @module
 */
import { TPM_ALG } from "../constants.ts";
import { aesCfbDecrypt, aesCfbEncrypt } from "../crypto/aes_cfb.ts";
import { equalBytes } from "../crypto/bytes.ts";
import { hmac } from "../crypto/hash.ts";
import { kdfa } from "../crypto/kdfa.ts";
import { TpmReader, TpmWriter } from "../marshal/buffer.ts";
import { decode, encode, struct, tpm2b, UINT16, UINT32, UINT64, UINT8 } from "../marshal/codec.ts";
import { TPM2B_DIGEST, TPMT_PUBLIC, TPMT_SYM_DEF } from "../marshal/types.ts";
import { TPM_RC, TpmError } from "../response_code.ts";
import { makeObject, type TpmObject } from "./objects.ts";
import type { Session } from "./sessions.ts";

const ALG = TPM_ALG.SHA256;
const be64 = (v: bigint): Uint8Array => encode(UINT64, v);
const be32 = (v: number): Uint8Array => encode(UINT32, v);
const NO_EPOCH = new Uint8Array(0);

/** Encrypts and MACs `body` under `proof`. */
export function sealContext(
  proof: Uint8Array,
  sequence: bigint,
  handle: number,
  hierarchy: number,
  body: Uint8Array,
  epoch: Uint8Array = NO_EPOCH,
): Uint8Array {
  const seq = be64(sequence);
  const kiv = kdfa(ALG, proof, "CONTEXT", seq, be32(handle), 256);
  const enc = aesCfbEncrypt(kiv.subarray(0, 16), kiv.subarray(16), body).data;
  const mac = integrity(proof, seq, handle, hierarchy, epoch, enc);
  const w = new TpmWriter();
  TPM2B_DIGEST.write(w, mac);
  return w.bytes(enc).finish();
}

/** Checks and decrypts a blob; any mismatch is TPM_RC_INTEGRITY (parameter 1). */
export function openContext(
  proof: Uint8Array,
  sequence: bigint,
  handle: number,
  hierarchy: number,
  blob: Uint8Array,
  epoch: Uint8Array = NO_EPOCH,
): Uint8Array {
  const bad = new TpmError(TPM_RC.INTEGRITY, { where: "parameter", n: 1 });
  let mac: Uint8Array;
  const r = new TpmReader(blob);
  try {
    mac = TPM2B_DIGEST.read(r);
  } catch {
    throw bad;
  }
  const enc = r.bytes(r.remaining);
  const seq = be64(sequence);
  if (!equalBytes(mac, integrity(proof, seq, handle, hierarchy, epoch, enc))) throw bad;
  const kiv = kdfa(ALG, proof, "CONTEXT", seq, be32(handle), 256);
  return aesCfbDecrypt(kiv.subarray(0, 16), kiv.subarray(16), enc).data;
}

function integrity(
  proof: Uint8Array,
  seq: Uint8Array,
  handle: number,
  hierarchy: number,
  epoch: Uint8Array,
  enc: Uint8Array,
): Uint8Array {
  const key = kdfa(ALG, proof, "INTEGRITY", new Uint8Array(0), new Uint8Array(0), 256);
  return hmac(ALG, key, seq, be32(handle), be32(hierarchy), epoch, enc);
}

const BIG = (name: string) => tpm2b(name, 2048);

/** The saved form of an object (internal; never leaves the TPM unencrypted). */
const OBJECT_BODY = struct("OBJECT_CONTEXT", {
  publicArea: BIG("public"),
  authValue: BIG("auth"),
  seedValue: BIG("seed"),
  sensitive: BIG("sensitive"),
  qualifiedName: BIG("qn"),
  publicOnly: UINT8,
});

/** Marshals an object's state for a context blob. */
export function objectBody(o: TpmObject): Uint8Array {
  return encode(OBJECT_BODY, {
    publicArea: o.publicBytes,
    authValue: o.authValue,
    seedValue: o.seedValue,
    sensitive: o.sensitive,
    qualifiedName: o.qualifiedName,
    publicOnly: o.publicOnly ? 1 : 0,
  });
}

/** Rebuilds an object from a context body. */
export function objectFromBody(body: Uint8Array, hierarchy: number): TpmObject {
  const b = decode(OBJECT_BODY, body);
  const obj = makeObject({
    publicArea: decode(TPMT_PUBLIC, b.publicArea),
    authValue: b.authValue,
    seedValue: b.seedValue,
    sensitive: b.sensitive,
    hierarchy,
    publicOnly: b.publicOnly === 1,
  });
  return { ...obj, qualifiedName: b.qualifiedName };
}

/** The saved form of a session. */
const SESSION_BODY = struct("SESSION_CONTEXT", {
  type: UINT8,
  authHash: UINT16,
  sessionKey: BIG("sessionKey"),
  nonceTPM: BIG("nonceTPM"),
  symmetric: TPMT_SYM_DEF,
  bindName: BIG("bindName"),
  bindAuth: BIG("bindAuth"),
  policyDigest: BIG("policyDigest"),
  commandCode: UINT32,
  cpHash: BIG("cpHash"),
  nameHash: BIG("nameHash"),
  pcrCounter: UINT32,
  flags: UINT8,
  locality: UINT8,
  nvWritten: UINT8,
  timeout: UINT64,
  startTime: UINT64,
  auditDigest: BIG("auditDigest"),
});

/** Marshals a session's state. */
export function sessionBody(s: Session): Uint8Array {
  return encode(SESSION_BODY, {
    type: s.type,
    authHash: s.authHash,
    sessionKey: s.sessionKey,
    nonceTPM: s.nonceTPM,
    symmetric: s.symmetric,
    bindName: s.bindName,
    bindAuth: s.bindAuth,
    policyDigest: s.policyDigest,
    commandCode: s.commandCode,
    cpHash: s.cpHash,
    nameHash: s.nameHash,
    pcrCounter: s.pcrCounter >>> 0,
    flags: (s.isPasswordNeeded ? 1 : 0) | (s.isAuthValueNeeded ? 2 : 0) |
      (s.isDaBound ? 4 : 0) | (s.isLockoutBound ? 8 : 0),
    locality: s.locality,
    nvWritten: s.nvWritten & 0xff,
    timeout: s.timeout,
    startTime: BigInt(s.startTime),
    auditDigest: s.auditDigest,
  });
}

/** Restores a session's fields from a body (handle and bookkeeping kept). */
export function restoreSession(s: Session, body: Uint8Array): void {
  const b = decode(SESSION_BODY, body);
  Object.assign(s, {
    type: b.type,
    authHash: b.authHash,
    sessionKey: b.sessionKey,
    nonceTPM: b.nonceTPM,
    symmetric: b.symmetric,
    bindName: b.bindName,
    bindAuth: b.bindAuth,
    policyDigest: b.policyDigest,
    commandCode: b.commandCode,
    cpHash: b.cpHash,
    nameHash: b.nameHash,
    pcrCounter: b.pcrCounter | 0,
    isPasswordNeeded: (b.flags & 1) !== 0,
    isAuthValueNeeded: (b.flags & 2) !== 0,
    isDaBound: (b.flags & 4) !== 0,
    isLockoutBound: (b.flags & 8) !== 0,
    locality: b.locality,
    nvWritten: b.nvWritten === 0xff ? -1 : b.nvWritten,
    timeout: b.timeout,
    startTime: Number(b.startTime),
    auditDigest: b.auditDigest,
  });
}
