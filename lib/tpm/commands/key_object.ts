/**
 * What the object commands share: the structures they alone marshal
 * (TPMS_CREATION_DATA, TPM2B_ID_OBJECT, TPM2B_ECC_POINT, TPM2B_IV), storage
 * parent lookup, creation data with its ticket (Part 3 §12.1 / §24.1), and
 * loading a checked object into a transient slot.
 * @module
 */
import { TPM_ALG, TPM_RH, TPM_ST } from "../constants.ts";
import type { RsaEncryptionScheme } from "../crypto/rsa.ts";
import { bigIntToBytes, bytesToBigInt } from "../crypto/bytes.ts";
import type { EccCurve, EccPoint } from "../crypto/ecc_curve.ts";
import { digest } from "../crypto/hash.ts";
import { checkBinding } from "../crypto/object_binding.ts";
import { isStorageParent } from "../crypto/object_keys.ts";
import type { Sensitive as SensitiveArea } from "../crypto/sensitive.ts";
import type { Sensitive } from "../crypto/sensitive.ts";
import { makeTicket } from "../crypto/ticket.ts";
import type { CommandContext } from "../dispatch.ts";
import {
  type Codec,
  encode,
  oneOf,
  sized,
  struct,
  tpm2b,
  UINT16,
  UINT32,
  UINT8,
} from "../marshal/codec.ts";
import {
  type PcrSelection,
  type Scheme,
  type Ticket,
  TPM2B_DATA,
  TPM2B_DIGEST,
  TPM2B_ECC_PARAMETER,
  TPM2B_NAME,
  TPML_PCR_SELECTION,
  type TpmtPublic,
} from "../marshal/types.ts";
import { handleError, paramError, TPM_RC, TpmError } from "../response_code.ts";
import { makeObject, type TpmObject, u32Bytes } from "../state/objects.ts";

/** A decoded TPMS_CREATION_DATA. */
export type CreationData = {
  pcrSelect: PcrSelection[];
  pcrDigest: Uint8Array;
  locality: number;
  parentNameAlg: number;
  parentName: Uint8Array;
  parentQualifiedName: Uint8Array;
  outsideInfo: Uint8Array;
};
/** TPMS_CREATION_DATA. Part 2 §15.1. */
export const TPMS_CREATION_DATA: Codec<CreationData> = struct("TPMS_CREATION_DATA", {
  pcrSelect: TPML_PCR_SELECTION,
  pcrDigest: TPM2B_DIGEST,
  locality: UINT8,
  parentNameAlg: UINT16,
  parentName: TPM2B_NAME,
  parentQualifiedName: TPM2B_NAME,
  outsideInfo: TPM2B_DATA,
});
/** TPM2B_CREATION_DATA. Part 2 §15.2. */
export const TPM2B_CREATION_DATA: Codec<CreationData | null> = sized(
  "TPM2B_CREATION_DATA",
  TPMS_CREATION_DATA,
);

/** TPM2B_ID_OBJECT: integrityHMAC ‖ encIdentity. Part 2 §12.4.3 (sizeof(TPMS_ID_OBJECT)). */
export const TPM2B_ID_OBJECT: Codec<Uint8Array> = tpm2b("TPM2B_ID_OBJECT", 2 + 64 + 2 + 64);

/** TPM2B_IV. Part 2 §10.4.11 (MAX_SYM_BLOCK_SIZE = 16 for AES). */
export const TPM2B_IV: Codec<Uint8Array> = tpm2b("TPM2B_IV", 16);

/** TPMS_ECC_POINT as raw coordinates. Part 2 §11.2.5.2. */
export interface EccPointBytes {
  /** x-coordinate. */
  x: Uint8Array;
  /** y-coordinate. */
  y: Uint8Array;
}
/** TPMS_ECC_POINT codec. */
export const TPMS_ECC_POINT: Codec<EccPointBytes> = struct("TPMS_ECC_POINT", {
  x: TPM2B_ECC_PARAMETER,
  y: TPM2B_ECC_PARAMETER,
});
/** TPM2B_ECC_POINT. Part 2 §11.2.5.3. */
export const TPM2B_ECC_POINT: Codec<EccPointBytes | null> = sized(
  "TPM2B_ECC_POINT",
  TPMS_ECC_POINT,
);

/** A point as TPMS_ECC_POINT bytes padded to the curve size. */
export function pointToBytes(c: EccCurve, q: EccPoint): EccPointBytes {
  return { x: bigIntToBytes(q.x, c.size), y: bigIntToBytes(q.y, c.size) };
}
/** TPMS_ECC_POINT bytes as a point (not yet checked to be on a curve). */
export function bytesToPoint(p: EccPointBytes): EccPoint {
  return { x: bytesToBigInt(p.x), y: bytesToBigInt(p.y) };
}

/** The storage parent at handle index `i`; anything else is TPM_RC_TYPE for that handle. */
export function storageParent(ctx: CommandContext, i: number): TpmObject {
  const parent = ctx.object(i);
  if (parent.publicOnly || !isStorageParent(parent.publicArea)) {
    throw handleError(TPM_RC.TYPE, i + 1);
  }
  return parent;
}

/** The parent a new object hangs under: a storage key or a hierarchy. */
export interface ParentInfo {
  /** Hierarchy the object belongs to. */
  readonly hierarchy: number;
  /** Parent's Name (a hierarchy's is its handle). */
  readonly name: Uint8Array;
  /** Parent's qualified name. */
  readonly qualifiedName: Uint8Array;
  /** Parent's nameAlg (TPM_ALG_NULL for a hierarchy). */
  readonly nameAlg: number;
}

/** A hierarchy as the parent of a primary object. */
export function hierarchyParent(handle: number): ParentInfo {
  const name = u32Bytes(handle);
  return { hierarchy: handle, name, qualifiedName: name, nameAlg: TPM_ALG.NULL };
}

/** A storage key as parent. */
export function objectParent(parent: TpmObject): ParentInfo {
  return {
    hierarchy: parent.hierarchy,
    name: parent.name,
    qualifiedName: parent.qualifiedName,
    nameAlg: parent.publicArea.nameAlg,
  };
}

/** Creation data, its hash and ticket (Part 3 §12.1: creationHash = H_nameAlg(TPMS_CREATION_DATA)). */
export interface Creation {
  /** TPMS_CREATION_DATA. */
  creationData: CreationData;
  /** Its digest with the object's nameAlg. */
  creationHash: Uint8Array;
  /** TPMT_TK_CREATION = HMAC(proof, TPM_ST_CREATION ‖ Name ‖ creationHash). */
  creationTicket: Ticket;
}

/** Builds the creation data of an object just created under `parent`. */
export function creation(
  ctx: CommandContext,
  pub: TpmtPublic,
  name: Uint8Array,
  parent: ParentInfo,
  outsideInfo: Uint8Array,
  creationPCR: PcrSelection[],
): Creation {
  const values = ctx.state.pcrs.selectValues(creationPCR);
  const data: CreationData = {
    pcrSelect: creationPCR,
    pcrDigest: digest(pub.nameAlg, ...values.map((v) => v.value)),
    locality: 1 << ctx.locality,
    parentNameAlg: parent.nameAlg,
    parentName: parent.name,
    parentQualifiedName: parent.qualifiedName,
    outsideInfo,
  };
  const creationHash = digest(pub.nameAlg, encode(TPMS_CREATION_DATA, data));
  const proof = parent.hierarchy === TPM_RH.NULL
    ? new Uint8Array(0)
    : ctx.state.hierarchies.get(parent.hierarchy).proof;
  const creationTicket = makeTicket(
    pub.nameAlg,
    proof,
    TPM_ST.CREATION,
    parent.hierarchy,
    name,
    creationHash,
  );
  return { creationData: data, creationHash, creationTicket };
}

/** Loads a checked object into a free transient slot and sets the response handle. */
export function loadObject(
  ctx: CommandContext,
  pub: TpmtPublic,
  sens: Sensitive | null,
  parent: ParentInfo,
  cache?: unknown,
): TpmObject {
  const obj = makeObject({
    publicArea: pub,
    authValue: sens?.authValue,
    seedValue: sens?.seedValue,
    sensitive: sens?.sensitive,
    publicOnly: sens === null,
    hierarchy: parent.hierarchy,
    parentQualifiedName: parent.qualifiedName,
    cache,
  });
  ctx.responseHandle = ctx.state.objects.add(obj);
  return obj;
}

/** Re-labels an error from a step as belonging to parameter `n`. */
export function atParam<T>(n: number, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof TpmError) throw paramError(e.rc, n);
    throw e;
  }
}

/** TPMI_RH_HIERARCHY+ as a parameter (LoadExternal, Part 2 §9.13). */
export const TPMI_RH_HIERARCHY_NULL: Codec<number> = oneOf(
  "TPMI_RH_HIERARCHY+",
  UINT32,
  [TPM_RH.OWNER, TPM_RH.ENDORSEMENT, TPM_RH.PLATFORM, TPM_RH.NULL],
  TPM_RC.VALUE,
);

/**
 * The RSA encryption scheme for RSA_Encrypt / RSA_Decrypt (Part 3 §14.2):
 * the key's scheme if set (then inScheme must be NULL or equal), else
 * inScheme. The key must be an RSA key with the `decrypt` attribute
 * (TPM_RC_KEY / TPM_RC_ATTRIBUTES on handle 1); a label must end in a zero
 * octet (TPM_RC_VALUE on parameter 3).
 */
export function rsaDecryptScheme(
  key: TpmtPublic,
  inScheme: Scheme,
  attribute: number,
): { scheme: RsaEncryptionScheme; hash: number } {
  if (key.type !== TPM_ALG.RSA) throw handleError(TPM_RC.KEY, 1);
  if ((key.objectAttributes & attribute) === 0) throw handleError(TPM_RC.ATTRIBUTES, 1);
  let chosen = inScheme;
  const own = key.scheme;
  if (own.scheme !== TPM_ALG.NULL) {
    if (
      inScheme.scheme !== TPM_ALG.NULL &&
      (inScheme.scheme !== own.scheme || inScheme.hashAlg !== own.hashAlg)
    ) throw paramError(TPM_RC.SCHEME, 2);
    chosen = own;
  }
  const scheme = chosen.scheme === TPM_ALG.OAEP
    ? "oaep"
    : chosen.scheme === TPM_ALG.RSAES
    ? "rsaes"
    : chosen.scheme === TPM_ALG.NULL
    ? "null"
    : undefined;
  if (!scheme) throw paramError(TPM_RC.SCHEME, 2);
  return { scheme, hash: chosen.hashAlg };
}

/** A label of RSA_Encrypt / RSA_Decrypt must be empty or end in a zero octet (Part 3 §14.2). */
export function checkLabel(label: Uint8Array, param: number): void {
  if (label.length > 0 && label[label.length - 1] !== 0) throw paramError(TPM_RC.VALUE, param);
}

/**
 * The binding check of Load, LoadExternal and Import: TPM_RC_BINDING stays
 * bare (as the reference's ObjectLoad reports it), other failures name
 * parameter `param`.
 */
export function checkBindingAt(param: number, pub: TpmtPublic, sens: SensitiveArea): void {
  try {
    checkBinding(pub, sens);
  } catch (e) {
    if (e instanceof TpmError && e.rc !== TPM_RC.BINDING) throw paramError(e.rc, param);
    throw e;
  }
}
