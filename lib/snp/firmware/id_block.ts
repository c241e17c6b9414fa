/**
 * The ID block and ID authentication structure a guest owner hands to
 * SNP_LAUNCH_FINISH: the expected launch digest and identity, signed with an
 * ECDSA P-384 ID key, optionally endorsed by an author key. Their digests
 * end up in the report (ID_KEY_DIGEST, AUTHOR_KEY_DIGEST).
 * @module
 */
import { Buffer } from "node:buffer";
import { createHash, createPublicKey, type KeyObject, verify } from "node:crypto";
import { p384Sign } from "./ecdsa_p384.ts";
import { bytes, type Field, Layout, u32, u64 } from "../../common/layout.ts";
import { FirmwareStatus } from "./firmware_status.ts";
import { equalBytes } from "./x509.ts";

/**
 * ID block (96 bytes), snp-abi.md §6.5 (virtee/sev tests/id-block.rs).
 *
 * @example
 * ```ts
 * import { ID_BLOCK } from "./id_block.ts";
 * const block = ID_BLOCK.encode({ ld: new Uint8Array(48), version: 1, policy: 0x30000n });
 * ```
 */
export const ID_BLOCK: Layout<{
  ld: Field<"bytes">;
  familyId: Field<"bytes">;
  imageId: Field<"bytes">;
  version: Field<"u32">;
  guestSvn: Field<"u32">;
  policy: Field<"u64">;
}> = new Layout("ID block", 0x60, {
  ld: bytes(0x00, 48),
  familyId: bytes(0x30, 16),
  imageId: bytes(0x40, 16),
  version: u32(0x50),
  guestSvn: u32(0x54),
  policy: u64(0x58),
});

/**
 * ID block VERSION the firmware accepts.
 *
 * @example
 * ```ts
 * import { ID_BLOCK, ID_BLOCK_VERSION } from "./id_block.ts";
 * import { LaunchDigest } from "./launch_digest.ts";
 * const ld = new LaunchDigest().digest; // the expected launch digest, 48 bytes
 * const block = ID_BLOCK.encode({ ld, version: ID_BLOCK_VERSION, policy: 0x30000n });
 * block.length; // 0x60
 * ```
 */
export const ID_BLOCK_VERSION = 1;

/**
 * AMD public key format (0x404 bytes), snp-abi.md §6.5.
 *
 * @example
 * ```ts
 * import { generateKeyPairSync } from "node:crypto";
 * import { AMD_PUBLIC_KEY, amdPublicKey } from "./id_block.ts";
 * const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-384" });
 * const blob = amdPublicKey(privateKey); // 0x404 bytes
 * AMD_PUBLIC_KEY.get(blob, "qx").subarray(48).every((b) => b === 0); // true: zero-extended
 * ```
 */
export const AMD_PUBLIC_KEY: Layout<{
  curve: Field<"u32">;
  qx: Field<"bytes">;
  qy: Field<"bytes">;
}> = new Layout("AMD ECDSA public key", 0x404, {
  curve: u32(0x000), // 2 = P-384
  qx: bytes(0x004, 72), // little-endian, zero-extended
  qy: bytes(0x04c, 72),
});

/**
 * CURVE value for P-384.
 *
 * @example
 * ```ts
 * import { generateKeyPairSync } from "node:crypto";
 * import { AMD_CURVE_P384, AMD_PUBLIC_KEY, buildIdAuth, ID_AUTH, ID_BLOCK } from "./id_block.ts";
 * const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-384" });
 * const idAuth = buildIdAuth(new Uint8Array(ID_BLOCK.size), privateKey);
 * const idKey = ID_AUTH.get(idAuth, "idKey"); // an AMD-format public key from the ID auth page
 * const isP384 = AMD_PUBLIC_KEY.get(idKey, "curve") === AMD_CURVE_P384; // true
 * ```
 */
export const AMD_CURVE_P384 = 2;

/**
 * AMD ECDSA signature format (0x200 bytes): R and S little-endian, zero-extended.
 *
 * @example
 * ```ts
 * import { generateKeyPairSync } from "node:crypto";
 * import { AMD_SIGNATURE, signAmd } from "./id_block.ts";
 * const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-384" });
 * const { r, s } = AMD_SIGNATURE.decode(signAmd(privateKey, new Uint8Array(96)));
 * r.length + s.length; // 144: two 72-byte little-endian scalars
 * ```
 */
export const AMD_SIGNATURE: Layout<{ r: Field<"bytes">; s: Field<"bytes"> }> = new Layout(
  "AMD ECDSA signature",
  0x200,
  { r: bytes(0x000, 72), s: bytes(0x048, 72) },
);

/**
 * ID authentication information (one 4 KiB page), AMDESE sev-guest
 * include/id-block.h `struct id_auth_info`; KVM `KVM_SEV_SNP_ID_AUTH_SIZE`.
 *
 * @example
 * ```ts
 * import { generateKeyPairSync } from "node:crypto";
 * import { buildIdAuth, ID_AUTH, ID_BLOCK } from "./id_block.ts";
 * const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-384" });
 * // the 4 KiB page the guest owner sends, here with no author key
 * const idAuth = buildIdAuth(new Uint8Array(ID_BLOCK.size), privateKey);
 * const withAuthor = ID_AUTH.get(idAuth, "authorKeyAlgo") !== 0; // false
 * ```
 */
export const ID_AUTH: Layout<{
  idKeyAlgo: Field<"u32">;
  authorKeyAlgo: Field<"u32">;
  idBlockSig: Field<"bytes">;
  idKey: Field<"bytes">;
  idKeySig: Field<"bytes">;
  authorKey: Field<"bytes">;
}> = new Layout("ID auth", 0x1000, {
  idKeyAlgo: u32(0x000), // 1 = ECDSA P-384 with SHA-384
  authorKeyAlgo: u32(0x004),
  idBlockSig: bytes(0x040, 0x200),
  idKey: bytes(0x240, 0x404),
  idKeySig: bytes(0x680, 0x200),
  authorKey: bytes(0x880, 0x404),
});

/**
 * Key algorithm value for ECDSA P-384 with SHA-384.
 *
 * @example
 * ```ts
 * import { ID_ALGO_ECDSA_P384_SHA384, ID_AUTH } from "./id_block.ts";
 * const idAuth = ID_AUTH.encode({ idKeyAlgo: 2 }); // an ID authentication page, unknown algorithm
 * // SNP_LAUNCH_FINISH answers INVALID_PARAM unless it is known
 * const known = ID_AUTH.get(idAuth, "idKeyAlgo") === ID_ALGO_ECDSA_P384_SHA384; // false
 * ```
 */
export const ID_ALGO_ECDSA_P384_SHA384 = 1;

const le = (be: Uint8Array): Uint8Array => be.slice().reverse();

/**
 * A P-384 public key in AMD's format.
 *
 * @example
 * ```ts
 * import { generateKeyPairSync } from "node:crypto";
 * import { amdPublicKey, keyDigest } from "./id_block.ts";
 * const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-384" });
 * keyDigest(amdPublicKey(privateKey)).length; // 48
 * ```
 */
export function amdPublicKey(key: KeyObject): Uint8Array {
  const jwk = createPublicKey(key).export({ format: "jwk" });
  if (jwk.crv !== "P-384") throw new RangeError("ID and author keys must be EC P-384");
  return AMD_PUBLIC_KEY.encode({
    curve: AMD_CURVE_P384,
    qx: le(Buffer.from(jwk.x!, "base64url")),
    qy: le(Buffer.from(jwk.y!, "base64url")),
  });
}

/** ID_KEY_DIGEST / AUTHOR_KEY_DIGEST: SHA-384 of the 0x404-byte key blob. */
export function keyDigest(amdKey: Uint8Array): Uint8Array {
  return new Uint8Array(createHash("sha384").update(amdKey).digest());
}

/** The key an AMD-format blob holds, or undefined if it is not a valid P-384 point. */
export function keyFromAmd(amdKey: Uint8Array): KeyObject | undefined {
  const k = AMD_PUBLIC_KEY.decode(amdKey);
  if (k.curve !== AMD_CURVE_P384) return undefined;
  if (k.qx.subarray(48).some((b) => b) || k.qy.subarray(48).some((b) => b)) return undefined;
  const b64 = (v: Uint8Array) => Buffer.from(le(v.subarray(0, 48))).toString("base64url");
  try {
    return createPublicKey({
      key: { kty: "EC", crv: "P-384", x: b64(k.qx), y: b64(k.qy) },
      format: "jwk",
    });
  } catch {
    return undefined;
  }
}

/** Signs `data` with SHA-384 ECDSA into AMD's signature format. */
export function signAmd(key: KeyObject, data: Uint8Array): Uint8Array {
  const sig = p384Sign(key, data);
  return AMD_SIGNATURE.encode({ r: le(sig.subarray(0, 48)), s: le(sig.subarray(48)) });
}

/** Verifies an AMD-format signature over `data` with an AMD-format key. */
export function verifyAmd(amdKey: Uint8Array, data: Uint8Array, signature: Uint8Array): boolean {
  const key = keyFromAmd(amdKey);
  if (!key || signature.length !== AMD_SIGNATURE.size) return false;
  const { r, s } = AMD_SIGNATURE.decode(signature);
  if (r.subarray(48).some((b) => b) || s.subarray(48).some((b) => b)) return false;
  const p1363 = new Uint8Array([...le(r.subarray(0, 48)), ...le(s.subarray(0, 48))]);
  return verify("sha384", data, { key, dsaEncoding: "ieee-p1363" }, p1363);
}

/**
 * Builds the ID authentication page a guest owner signs: the ID block
 * signature by the ID key and, with an author key, the author's signature
 * over the ID key.
 *
 * @example
 * ```ts
 * import { generateKeyPairSync } from "node:crypto";
 * import { buildIdAuth, ID_BLOCK } from "./id_block.ts";
 * const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-384" });
 * const idBlock = new Uint8Array(ID_BLOCK.size);
 * buildIdAuth(idBlock, privateKey).length; // 4096
 * ```
 */
export function buildIdAuth(
  idBlock: Uint8Array,
  idKey: KeyObject,
  authorKey?: KeyObject,
): Uint8Array {
  const idPub = amdPublicKey(idKey);
  return ID_AUTH.encode({
    idKeyAlgo: ID_ALGO_ECDSA_P384_SHA384,
    authorKeyAlgo: authorKey ? ID_ALGO_ECDSA_P384_SHA384 : 0,
    idBlockSig: signAmd(idKey, idBlock),
    idKey: idPub,
    idKeySig: authorKey ? signAmd(authorKey, idPub) : undefined,
    authorKey: authorKey ? amdPublicKey(authorKey) : undefined,
  });
}

/**
 * What a checked ID block contributes to the report.
 *
 * @example
 * ```ts
 * import { generateKeyPairSync } from "node:crypto";
 * import { buildIdAuth, checkIdBlock, ID_BLOCK, type IdBlockIdentity } from "./id_block.ts";
 * const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-384" });
 * const ld = new Uint8Array(48).fill(0x11); // the launch digest
 * const idBlock = ID_BLOCK.encode({ ld, version: 1, policy: 0x30000n });
 * const idAuth = buildIdAuth(idBlock, privateKey);
 * const r: number | IdBlockIdentity = checkIdBlock(idBlock, idAuth, false, ld, 0x30000n);
 * // the digest becomes the report's ID_KEY_DIGEST
 * const idKeyDigest = typeof r === "number" ? undefined : r.idKeyDigest; // 48 bytes
 * ```
 */
export interface IdBlockIdentity {
  /** FAMILY_ID. */
  familyId: Uint8Array;
  /** IMAGE_ID. */
  imageId: Uint8Array;
  /** GUEST_SVN. */
  guestSvn: number;
  /** ID_KEY_DIGEST. */
  idKeyDigest: Uint8Array;
  /** AUTHOR_KEY_DIGEST (zero without an author key). */
  authorKeyDigest: Uint8Array;
  /** AUTHOR_KEY_EN. */
  authorKeyEn: boolean;
}

/**
 * The SNP_LAUNCH_FINISH checks on an ID block: VERSION 1 and algorithm
 * (INVALID_PARAM), LD = the launch digest (BAD_MEASUREMENT), POLICY = the
 * guest's (POLICY_FAILURE), the ID key's signature and, with AUTHOR_KEY_EN,
 * the author's signature over the ID key (BAD_SIGNATURE). Returns the status
 * code on failure, else the identity the report will carry.
 */
export function checkIdBlock(
  idBlock: Uint8Array,
  idAuth: Uint8Array | undefined,
  authorKeyEn: boolean,
  ld: Uint8Array,
  policy: bigint,
): number | IdBlockIdentity {
  if (idBlock.length !== ID_BLOCK.size || idAuth?.length !== ID_AUTH.size) {
    return FirmwareStatus.INVALID_PARAM;
  }
  const block = ID_BLOCK.decode(idBlock);
  const auth = ID_AUTH.decode(idAuth);
  if (block.version !== ID_BLOCK_VERSION || auth.idKeyAlgo !== ID_ALGO_ECDSA_P384_SHA384) {
    return FirmwareStatus.INVALID_PARAM;
  }
  if (!equalBytes(block.ld, ld)) return FirmwareStatus.BAD_MEASUREMENT;
  if (block.policy !== policy) return FirmwareStatus.POLICY_FAILURE;
  if (!verifyAmd(auth.idKey, idBlock, auth.idBlockSig)) return FirmwareStatus.BAD_SIGNATURE;
  if (authorKeyEn) {
    if (auth.authorKeyAlgo !== ID_ALGO_ECDSA_P384_SHA384) return FirmwareStatus.INVALID_PARAM;
    if (!verifyAmd(auth.authorKey, auth.idKey, auth.idKeySig)) return FirmwareStatus.BAD_SIGNATURE;
  }
  return {
    familyId: block.familyId,
    imageId: block.imageId,
    guestSvn: block.guestSvn,
    idKeyDigest: keyDigest(auth.idKey),
    authorKeyDigest: authorKeyEn ? keyDigest(auth.authorKey) : new Uint8Array(48),
    authorKeyEn,
  };
}
