/**
 * Part 2 structures the engine marshals, each declared once as a field table
 * (TCG TPM 2.0 Part 2 §10–§15). Unions (TPMU_*) are chosen by their selector
 * through small arm tables.
 * @module
 */
import { LIMITS, TPM_ALG, TPM_ECC } from "../constants.ts";
import { TPM_RC, TpmError } from "../response_code.ts";
import type { TpmReader, TpmWriter } from "./buffer.ts";
import {
  type Codec,
  INT32,
  list,
  oneOf,
  sized,
  struct,
  tpm2b,
  UINT16,
  UINT32,
  UINT64,
  UINT8,
} from "./codec.ts";

/** Digest size of each implemented hash (Part 2 §5.4, TPM_SHAxxx_DIGEST_SIZE). */
export const DIGEST_SIZE: Readonly<Record<number, number>> = {
  [TPM_ALG.SHA1]: 20,
  [TPM_ALG.SHA256]: 32,
  [TPM_ALG.SHA384]: 48,
  [TPM_ALG.SHA512]: 64,
};

/** The implemented hash algorithms, in TPM_ALG_ID order. */
export const HASH_ALGS: readonly number[] = [
  TPM_ALG.SHA1,
  TPM_ALG.SHA256,
  TPM_ALG.SHA384,
  TPM_ALG.SHA512,
];

/** TPMI_ALG_HASH: a hash this TPM implements; else TPM_RC_HASH. Part 2 §9.27. */
export const TPMI_ALG_HASH: Codec<number> = oneOf("TPMI_ALG_HASH", UINT16, HASH_ALGS, TPM_RC.HASH);
/** TPMI_ALG_HASH+: also TPM_ALG_NULL. */
export const TPMI_ALG_HASH_NULL: Codec<number> = oneOf(
  "TPMI_ALG_HASH+",
  UINT16,
  [...HASH_ALGS, TPM_ALG.NULL],
  TPM_RC.HASH,
);

/** TPM2B_DIGEST. Part 2 §10.4.2. */
export const TPM2B_DIGEST: Codec<Uint8Array> = tpm2b("TPM2B_DIGEST", LIMITS.MAX_DIGEST);
/** TPM2B_NONCE (= TPM2B_DIGEST). Part 2 §10.4.4. */
export const TPM2B_NONCE: Codec<Uint8Array> = TPM2B_DIGEST;
/** TPM2B_AUTH (= TPM2B_DIGEST). Part 2 §10.4.5. */
export const TPM2B_AUTH: Codec<Uint8Array> = TPM2B_DIGEST;
/** TPM2B_DATA. Part 2 §10.4.3 (sizeof(TPMT_HA)). */
export const TPM2B_DATA: Codec<Uint8Array> = tpm2b("TPM2B_DATA", LIMITS.MAX_DIGEST + 2);
/** TPM2B_MAX_BUFFER. Part 2 §10.4.8. */
export const TPM2B_MAX_BUFFER: Codec<Uint8Array> = tpm2b(
  "TPM2B_MAX_BUFFER",
  LIMITS.MAX_DIGEST_BUFFER,
);
/** TPM2B_MAX_NV_BUFFER. Part 2 §10.4.9. */
export const TPM2B_MAX_NV_BUFFER: Codec<Uint8Array> = tpm2b(
  "TPM2B_MAX_NV_BUFFER",
  LIMITS.MAX_NV_BUFFER_SIZE,
);
/** TPM2B_EVENT. Part 2 §10.4.7. */
export const TPM2B_EVENT: Codec<Uint8Array> = tpm2b("TPM2B_EVENT", 1024);
/** TPM2B_TIMEOUT. Part 2 §10.4.10. */
export const TPM2B_TIMEOUT: Codec<Uint8Array> = tpm2b("TPM2B_TIMEOUT", 8);
/** TPM2B_NAME. Part 2 §10.5.3. */
export const TPM2B_NAME: Codec<Uint8Array> = tpm2b("TPM2B_NAME", LIMITS.MAX_DIGEST + 2);
/** TPM2B_ENCRYPTED_SECRET. Part 2 §11.4.33. */
export const TPM2B_ENCRYPTED_SECRET: Codec<Uint8Array> = tpm2b(
  "TPM2B_ENCRYPTED_SECRET",
  LIMITS.MAX_RSA_KEY_BYTES,
);
/** TPM2B_SENSITIVE_DATA. Part 2 §11.1.14. */
export const TPM2B_SENSITIVE_DATA: Codec<Uint8Array> = tpm2b("TPM2B_SENSITIVE_DATA", 256);
/** TPM2B_PUBLIC_KEY_RSA. Part 2 §11.2.4.5. */
export const TPM2B_PUBLIC_KEY_RSA: Codec<Uint8Array> = tpm2b(
  "TPM2B_PUBLIC_KEY_RSA",
  LIMITS.MAX_RSA_KEY_BYTES,
);
/** TPM2B_ECC_PARAMETER. Part 2 §11.2.5.1. */
export const TPM2B_ECC_PARAMETER: Codec<Uint8Array> = tpm2b(
  "TPM2B_ECC_PARAMETER",
  LIMITS.MAX_ECC_KEY_BYTES,
);
/** TPM2B_PRIVATE_KEY_RSA (half a modulus). Part 2 §11.2.4.7. */
export const TPM2B_PRIVATE_KEY_RSA: Codec<Uint8Array> = tpm2b(
  "TPM2B_PRIVATE_KEY_RSA",
  LIMITS.MAX_RSA_KEY_BYTES / 2 * 5,
);
/** TPM2B_SYM_KEY. Part 2 §11.1.8. */
export const TPM2B_SYM_KEY: Codec<Uint8Array> = tpm2b("TPM2B_SYM_KEY", 32);
/** TPM2B_CONTEXT_DATA. Part 2 §14.3. */
export const TPM2B_CONTEXT_DATA: Codec<Uint8Array> = tpm2b(
  "TPM2B_CONTEXT_DATA",
  LIMITS.MAX_CONTEXT_SIZE,
);
/** TPM2B_PRIVATE (an opaque wrapped private area). Part 2 §12.3.7. */
export const TPM2B_PRIVATE: Codec<Uint8Array> = tpm2b("TPM2B_PRIVATE", 1550);

/** TPMT_HA: a hash algorithm and a digest of exactly its size. Part 2 §10.3.2. */
export interface TpmtHa {
  /** TPM_ALG_ID of the hash. */
  hashAlg: number;
  /** The digest. */
  digest: Uint8Array;
}
/** TPMT_HA codec; TPM_ALG_NULL carries no digest. */
export const TPMT_HA: Codec<TpmtHa> = {
  name: "TPMT_HA",
  read(r) {
    const hashAlg = TPMI_ALG_HASH_NULL.read(r);
    return { hashAlg, digest: r.bytes(DIGEST_SIZE[hashAlg] ?? 0) };
  },
  write(w, v) {
    w.u16(v.hashAlg).bytes(v.digest);
  },
};
/** TPML_DIGEST_VALUES. Part 2 §10.9.7 (count ≤ HASH_COUNT). */
export const TPML_DIGEST_VALUES: Codec<TpmtHa[]> = list(
  "TPML_DIGEST_VALUES",
  TPMT_HA,
  HASH_ALGS.length,
);
/** TPML_DIGEST (2..8 in PolicyOR; here ≤ 8). Part 2 §10.9.5. */
export const TPML_DIGEST: Codec<Uint8Array[]> = list("TPML_DIGEST", TPM2B_DIGEST, 8);

/** TPMS_PCR_SELECTION. Part 2 §10.6.2. */
export interface PcrSelection {
  /** Bank hash. */
  hash: number;
  /** Bitmap, PCR n = bit (n % 8) of byte n / 8. */
  select: Uint8Array;
}
/** TPMS_PCR_SELECTION codec: sizeofSelect must be ≤ PCR_SELECT_MAX, else TPM_RC_VALUE. */
export const TPMS_PCR_SELECTION: Codec<PcrSelection> = {
  name: "TPMS_PCR_SELECTION",
  read(r) {
    const hash = TPMI_ALG_HASH.read(r);
    const n = r.u8();
    if (n > LIMITS.PCR_SELECT_MAX) throw new TpmError(TPM_RC.VALUE);
    return { hash, select: r.bytes(n) };
  },
  write(w, v) {
    w.u16(v.hash).u8(v.select.length).bytes(v.select);
  },
};
/** TPML_PCR_SELECTION. Part 2 §10.9.8. */
export const TPML_PCR_SELECTION: Codec<PcrSelection[]> = list(
  "TPML_PCR_SELECTION",
  TPMS_PCR_SELECTION,
  HASH_ALGS.length,
);

/** TPMT_TK_* tickets: tag, hierarchy, digest. Part 2 §10.7. */
export interface Ticket {
  /** TPM_ST of the ticket kind. */
  tag: number;
  /** The hierarchy whose proof keyed it. */
  hierarchy: number;
  /** HMAC, or empty for a NULL ticket. */
  digest: Uint8Array;
}
/** TPMT_TK_* codec (all tickets share this shape). */
export const TPMT_TK: Codec<Ticket> = struct("TPMT_TK", {
  tag: UINT16,
  hierarchy: UINT32,
  digest: TPM2B_DIGEST,
});

/** TPMS_CLOCK_INFO, decoded. */
export interface ClockInfo {
  /** ms the TPM has been powered. */
  clock: bigint;
  /** TPM Resets. */
  resetCount: number;
  /** TPM Restarts and Resumes since the last Reset. */
  restartCount: number;
  /** 1 when no clock value was lost. */
  safe: number;
}
/** TPMS_CLOCK_INFO. Part 2 §10.11.1. */
export const TPMS_CLOCK_INFO: Codec<ClockInfo> = struct("TPMS_CLOCK_INFO", {
  clock: UINT64,
  resetCount: UINT32,
  restartCount: UINT32,
  safe: UINT8,
});
/** TPMS_TIME_INFO, decoded. */
export interface TimeInfo {
  /** ms since _TPM_Init. */
  time: bigint;
  /** The clock. */
  clockInfo: ClockInfo;
}
/** TPMS_TIME_INFO. Part 2 §10.11.6. */
export const TPMS_TIME_INFO: Codec<TimeInfo> = struct("TPMS_TIME_INFO", {
  time: UINT64,
  clockInfo: TPMS_CLOCK_INFO,
});

/** TPMT_SYM_DEF(_OBJECT): algorithm, keyBits, mode. Part 2 §11.1.6–7. */
export interface SymDef {
  /** TPM_ALG_AES, TPM_ALG_XOR or TPM_ALG_NULL. */
  algorithm: number;
  /** Key bits (AES) or the hash (XOR); 0 for NULL. */
  keyBits: number;
  /** Block mode (AES); 0 otherwise. */
  mode: number;
}
function symDef(name: string, allowXor: boolean): Codec<SymDef> {
  const algs = [TPM_ALG.AES, TPM_ALG.NULL, ...(allowXor ? [TPM_ALG.XOR] : [])];
  const alg = oneOf(name, UINT16, algs, TPM_RC.SYMMETRIC);
  const aesBits = oneOf("TPMI_AES_KEY_BITS", UINT16, [128, 256], TPM_RC.VALUE);
  const mode = oneOf(
    "TPMI_ALG_SYM_MODE",
    UINT16,
    [TPM_ALG.CFB, TPM_ALG.CTR, TPM_ALG.OFB, TPM_ALG.CBC, TPM_ALG.ECB, TPM_ALG.NULL],
    TPM_RC.MODE,
  );
  return {
    name,
    read(r) {
      const algorithm = alg.read(r);
      if (algorithm === TPM_ALG.NULL) return { algorithm, keyBits: 0, mode: 0 };
      if (algorithm === TPM_ALG.XOR) return { algorithm, keyBits: TPMI_ALG_HASH.read(r), mode: 0 };
      return { algorithm, keyBits: aesBits.read(r), mode: mode.read(r) };
    },
    write(w, v) {
      w.u16(v.algorithm);
      if (v.algorithm === TPM_ALG.NULL) return;
      w.u16(v.keyBits);
      if (v.algorithm !== TPM_ALG.XOR) w.u16(v.mode);
    },
  };
}
/** TPMT_SYM_DEF (sessions: AES, XOR or NULL). Part 2 §11.1.6. */
export const TPMT_SYM_DEF: Codec<SymDef> = symDef("TPMT_SYM_DEF", true);
/** TPMT_SYM_DEF_OBJECT (objects: AES or NULL). Part 2 §11.1.7. */
export const TPMT_SYM_DEF_OBJECT: Codec<SymDef> = symDef("TPMT_SYM_DEF_OBJECT", false);

/**
 * A scheme with its details flattened: TPMT_RSA_SCHEME, TPMT_ECC_SCHEME,
 * TPMT_KEYEDHASH_SCHEME, TPMT_KDF_SCHEME, TPMT_SIG_SCHEME. Part 2 §11.1.19–§11.2.
 */
export interface Scheme {
  /** The scheme's TPM_ALG_ID, or TPM_ALG_NULL. */
  scheme: number;
  /** Its hash, when the scheme has one (0 otherwise). */
  hashAlg: number;
  /** ECDAA count or the XOR scheme's KDF (0 otherwise). */
  extra: number;
}
/** How a scheme's details are laid out, per scheme id. */
type SchemeShape = "none" | "hash" | "hash+count" | "hash+kdf";
function scheme(name: string, arms: Record<number, SchemeShape>): Codec<Scheme> {
  const id = oneOf(name, UINT16, Object.keys(arms).map(Number), TPM_RC.SCHEME);
  return {
    name,
    read(r) {
      const s = id.read(r);
      const shape = arms[s];
      const hashAlg = shape === "none" ? 0 : TPMI_ALG_HASH.read(r);
      const extra = shape === "hash+count" ? r.u16() : shape === "hash+kdf" ? r.u16() : 0;
      return { scheme: s, hashAlg, extra };
    },
    write(w, v) {
      w.u16(v.scheme);
      const shape = arms[v.scheme] ?? "none";
      if (shape !== "none") w.u16(v.hashAlg);
      if (shape === "hash+count" || shape === "hash+kdf") w.u16(v.extra);
    },
  };
}
const A = TPM_ALG;
/** TPMT_RSA_SCHEME. Part 2 §11.2.4.2. */
export const TPMT_RSA_SCHEME: Codec<Scheme> = scheme("TPMT_RSA_SCHEME", {
  [A.NULL]: "none",
  [A.RSASSA]: "hash",
  [A.RSAPSS]: "hash",
  [A.RSAES]: "none",
  [A.OAEP]: "hash",
});
/** TPMT_ECC_SCHEME. Part 2 §11.2.5.5. */
export const TPMT_ECC_SCHEME: Codec<Scheme> = scheme("TPMT_ECC_SCHEME", {
  [A.NULL]: "none",
  [A.ECDSA]: "hash",
  [A.ECDH]: "hash",
  [A.ECSCHNORR]: "hash",
  [A.ECDAA]: "hash+count",
});
/** TPMT_KEYEDHASH_SCHEME. Part 2 §11.1.23. */
export const TPMT_KEYEDHASH_SCHEME: Codec<Scheme> = scheme("TPMT_KEYEDHASH_SCHEME", {
  [A.NULL]: "none",
  [A.HMAC]: "hash",
  [A.XOR]: "hash+kdf",
});
/** TPMT_KDF_SCHEME. Part 2 §11.2.3.3. */
export const TPMT_KDF_SCHEME: Codec<Scheme> = scheme("TPMT_KDF_SCHEME", {
  [A.NULL]: "none",
  [A.MGF1]: "hash",
  [A.KDF1_SP800_56A]: "hash",
  [A.KDF2]: "hash",
  [A.KDF1_SP800_108]: "hash",
});
/** TPMT_SIG_SCHEME. Part 2 §11.2.1.5. */
export const TPMT_SIG_SCHEME: Codec<Scheme> = scheme("TPMT_SIG_SCHEME", {
  [A.NULL]: "none",
  [A.RSASSA]: "hash",
  [A.RSAPSS]: "hash",
  [A.ECDSA]: "hash",
  [A.ECSCHNORR]: "hash",
  [A.ECDAA]: "hash+count",
  [A.HMAC]: "hash",
});
/** TPMT_RSA_DECRYPT. Part 2 §11.2.4.4. */
export const TPMT_RSA_DECRYPT: Codec<Scheme> = scheme("TPMT_RSA_DECRYPT", {
  [A.NULL]: "none",
  [A.RSAES]: "none",
  [A.OAEP]: "hash",
});

/** TPMT_PUBLIC, with the TPMU_PUBLIC_PARMS / TPMU_PUBLIC_ID arms flattened. Part 2 §12.2.4. */
export interface TpmtPublic {
  /** TPMI_ALG_PUBLIC: RSA, ECC, KEYEDHASH or SYMCIPHER. */
  type: number;
  /** Name algorithm. */
  nameAlg: number;
  /** TPMA_OBJECT. */
  objectAttributes: number;
  /** authPolicy digest (possibly empty). */
  authPolicy: Uint8Array;
  /** RSA/ECC: the storage symmetric (NULL for non-storage); SYMCIPHER: the cipher. */
  symmetric: SymDef;
  /** RSA/ECC/KEYEDHASH scheme (NULL for SYMCIPHER). */
  scheme: Scheme;
  /** RSA key bits (0 for other types). */
  keyBits: number;
  /** RSA exponent (0 = 65537). */
  exponent: number;
  /** ECC curve (0 for other types). */
  curveID: number;
  /** ECC KDF (NULL for other types). */
  kdf: Scheme;
  /** unique: RSA modulus, KEYEDHASH/SYMCIPHER digest, or ECC x. */
  unique: Uint8Array;
  /** ECC y (empty for other types). */
  uniqueY: Uint8Array;
}

const PUBLIC_TYPE = oneOf(
  "TPMI_ALG_PUBLIC",
  UINT16,
  [A.RSA, A.ECC, A.KEYEDHASH, A.SYMCIPHER],
  TPM_RC.TYPE,
);
const RSA_KEY_BITS = oneOf("TPMI_RSA_KEY_BITS", UINT16, [1024, 2048, 3072, 4096], TPM_RC.VALUE);
const ECC_CURVE = oneOf(
  "TPMI_ECC_CURVE",
  UINT16,
  [TPM_ECC.NIST_P256, TPM_ECC.NIST_P384, TPM_ECC.NIST_P521],
  TPM_RC.CURVE,
);
const NULL_SCHEME: Scheme = { scheme: A.NULL, hashAlg: 0, extra: 0 };
const NULL_SYM: SymDef = { algorithm: A.NULL, keyBits: 0, mode: 0 };
const NAME_ALG = oneOf("TPMI_ALG_HASH+", UINT16, [...HASH_ALGS, A.NULL], TPM_RC.HASH);

function readPublic(r: TpmReader): TpmtPublic {
  const p: TpmtPublic = {
    type: PUBLIC_TYPE.read(r),
    nameAlg: NAME_ALG.read(r),
    objectAttributes: r.u32(),
    authPolicy: TPM2B_DIGEST.read(r),
    symmetric: NULL_SYM,
    scheme: NULL_SCHEME,
    keyBits: 0,
    exponent: 0,
    curveID: 0,
    kdf: NULL_SCHEME,
    unique: new Uint8Array(0),
    uniqueY: new Uint8Array(0),
  };
  switch (p.type) {
    case A.RSA:
      p.symmetric = TPMT_SYM_DEF_OBJECT.read(r);
      p.scheme = TPMT_RSA_SCHEME.read(r);
      p.keyBits = RSA_KEY_BITS.read(r);
      p.exponent = r.u32();
      p.unique = TPM2B_PUBLIC_KEY_RSA.read(r);
      break;
    case A.ECC:
      p.symmetric = TPMT_SYM_DEF_OBJECT.read(r);
      p.scheme = TPMT_ECC_SCHEME.read(r);
      p.curveID = ECC_CURVE.read(r);
      p.kdf = TPMT_KDF_SCHEME.read(r);
      p.unique = TPM2B_ECC_PARAMETER.read(r);
      p.uniqueY = TPM2B_ECC_PARAMETER.read(r);
      break;
    case A.KEYEDHASH:
      p.scheme = TPMT_KEYEDHASH_SCHEME.read(r);
      p.unique = TPM2B_DIGEST.read(r);
      break;
    default:
      p.symmetric = TPMT_SYM_DEF_OBJECT.read(r);
      p.unique = TPM2B_DIGEST.read(r);
  }
  return p;
}

function writePublic(w: TpmWriter, p: TpmtPublic): void {
  w.u16(p.type).u16(p.nameAlg).u32(p.objectAttributes);
  TPM2B_DIGEST.write(w, p.authPolicy);
  switch (p.type) {
    case A.RSA:
      TPMT_SYM_DEF_OBJECT.write(w, p.symmetric);
      TPMT_RSA_SCHEME.write(w, p.scheme);
      w.u16(p.keyBits).u32(p.exponent);
      TPM2B_PUBLIC_KEY_RSA.write(w, p.unique);
      break;
    case A.ECC:
      TPMT_SYM_DEF_OBJECT.write(w, p.symmetric);
      TPMT_ECC_SCHEME.write(w, p.scheme);
      w.u16(p.curveID);
      TPMT_KDF_SCHEME.write(w, p.kdf);
      TPM2B_ECC_PARAMETER.write(w, p.unique);
      TPM2B_ECC_PARAMETER.write(w, p.uniqueY);
      break;
    case A.KEYEDHASH:
      TPMT_KEYEDHASH_SCHEME.write(w, p.scheme);
      TPM2B_DIGEST.write(w, p.unique);
      break;
    default:
      TPMT_SYM_DEF_OBJECT.write(w, p.symmetric);
      TPM2B_DIGEST.write(w, p.unique);
  }
}

/** TPMT_PUBLIC codec. */
export const TPMT_PUBLIC: Codec<TpmtPublic> = {
  name: "TPMT_PUBLIC",
  read: readPublic,
  write: writePublic,
};
/** TPM2B_PUBLIC: a sized TPMT_PUBLIC; empty is TPM_RC_SIZE. Part 2 §12.2.5. */
export const TPM2B_PUBLIC: Codec<TpmtPublic | null> = sized("TPM2B_PUBLIC", TPMT_PUBLIC);

/** TPMS_SENSITIVE_CREATE, decoded. */
export interface SensitiveCreate {
  /** userAuth. */
  userAuth: Uint8Array;
  /** data (sealed data or a key to import). */
  data: Uint8Array;
}
/** TPMS_SENSITIVE_CREATE. Part 2 §11.1.15. */
export const TPMS_SENSITIVE_CREATE: Codec<SensitiveCreate> = struct("TPMS_SENSITIVE_CREATE", {
  userAuth: TPM2B_AUTH,
  data: TPM2B_SENSITIVE_DATA,
});
/** TPM2B_SENSITIVE_CREATE. Part 2 §11.1.16. */
export const TPM2B_SENSITIVE_CREATE: Codec<{ userAuth: Uint8Array; data: Uint8Array } | null> =
  sized("TPM2B_SENSITIVE_CREATE", TPMS_SENSITIVE_CREATE);

/** TPMT_SIGNATURE, arms flattened. Part 2 §11.3.4. */
export interface Signature {
  /** Signature scheme, or TPM_ALG_NULL. */
  sigAlg: number;
  /** Hash used. */
  hash: number;
  /** RSA signature or HMAC digest, or ECC r. */
  sig: Uint8Array;
  /** ECC s (empty otherwise). */
  s: Uint8Array;
}
const SIG_ALG = oneOf(
  "TPMI_ALG_SIG_SCHEME+",
  UINT16,
  [A.NULL, A.RSASSA, A.RSAPSS, A.ECDSA, A.ECDAA, A.ECSCHNORR, A.HMAC],
  TPM_RC.SCHEME,
);
/** TPMT_SIGNATURE codec. */
export const TPMT_SIGNATURE: Codec<Signature> = {
  name: "TPMT_SIGNATURE",
  read(r) {
    const sigAlg = SIG_ALG.read(r);
    const empty = new Uint8Array(0);
    if (sigAlg === A.NULL) return { sigAlg, hash: 0, sig: empty, s: empty };
    if (sigAlg === A.HMAC) {
      const ha = TPMT_HA.read(r);
      return { sigAlg, hash: ha.hashAlg, sig: ha.digest, s: empty };
    }
    const hash = TPMI_ALG_HASH.read(r);
    if (sigAlg === A.RSASSA || sigAlg === A.RSAPSS) {
      return { sigAlg, hash, sig: TPM2B_PUBLIC_KEY_RSA.read(r), s: empty };
    }
    return { sigAlg, hash, sig: TPM2B_ECC_PARAMETER.read(r), s: TPM2B_ECC_PARAMETER.read(r) };
  },
  write(w, v) {
    w.u16(v.sigAlg);
    if (v.sigAlg === A.NULL) return;
    w.u16(v.hash);
    if (v.sigAlg === A.HMAC) w.bytes(v.sig);
    else if (v.sigAlg === A.RSASSA || v.sigAlg === A.RSAPSS) TPM2B_PUBLIC_KEY_RSA.write(w, v.sig);
    else {
      TPM2B_ECC_PARAMETER.write(w, v.sig);
      TPM2B_ECC_PARAMETER.write(w, v.s);
    }
  },
};

/** TPMS_NV_PUBLIC. Part 2 §13.5. */
export interface NvPublic {
  /** TPMI_RH_NV_INDEX. */
  nvIndex: number;
  /** Name algorithm. */
  nameAlg: number;
  /** TPMA_NV. */
  attributes: number;
  /** authPolicy digest. */
  authPolicy: Uint8Array;
  /** Data size in bytes. */
  dataSize: number;
}
/** TPMS_NV_PUBLIC codec. */
export const TPMS_NV_PUBLIC: Codec<NvPublic> = struct("TPMS_NV_PUBLIC", {
  nvIndex: UINT32,
  nameAlg: TPMI_ALG_HASH,
  attributes: UINT32,
  authPolicy: TPM2B_DIGEST,
  dataSize: UINT16,
});
/** TPM2B_NV_PUBLIC. Part 2 §13.6. */
export const TPM2B_NV_PUBLIC: Codec<NvPublic | null> = sized("TPM2B_NV_PUBLIC", TPMS_NV_PUBLIC);

/** TPMS_CONTEXT. Part 2 §14.5. */
export const TPMS_CONTEXT: Codec<TpmsContext> = struct("TPMS_CONTEXT", {
  sequence: UINT64,
  savedHandle: UINT32,
  hierarchy: UINT32,
  contextBlob: TPM2B_CONTEXT_DATA,
});
/** A decoded TPMS_CONTEXT. */
export type TpmsContext = {
  sequence: bigint;
  savedHandle: number;
  hierarchy: number;
  contextBlob: Uint8Array;
};

/** TPMI_YES_NO. Part 2 §9.2. */
export const TPMI_YES_NO: Codec<number> = oneOf("TPMI_YES_NO", UINT8, [0, 1]);

export { INT32, UINT16, UINT32, UINT64, UINT8 };
