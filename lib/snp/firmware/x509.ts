/**
 * X.509 certificates as the AMD key hierarchy uses them (RFC 5280): parse,
 * build, and check the RSASSA-PSS signatures of the ARK → ASK → VCEK chain.
 * Only what that chain needs; certificates from outside are parsed strictly.
 * @module
 */
import { Buffer } from "node:buffer";
import { constants, createPublicKey, type KeyObject, sign, verify } from "node:crypto";
import * as der from "./der.ts";

/**
 * Object identifiers this module names.
 *
 * @example
 * ```ts
 * import { Oid, parseCertificate } from "./x509.ts";
 * import { AmdKeyHierarchy } from "./key_hierarchy.ts";
 * const ark = parseCertificate(AmdKeyHierarchy.model("Milan").ark);
 * ark.keyAlgorithm === Oid.RSA_ENCRYPTION; // true: AMD's ARK and ASK are RSA-4096
 * ```
 */
export const Oid = {
  RSA_ENCRYPTION: "1.2.840.113549.1.1.1",
  RSASSA_PSS: "1.2.840.113549.1.1.10",
  MGF1: "1.2.840.113549.1.1.8",
  SHA384: "2.16.840.1.101.3.4.2.2",
  EC_PUBLIC_KEY: "1.2.840.10045.2.1",
  SECP384R1: "1.3.132.0.34",
  COMMON_NAME: "2.5.4.3",
  COUNTRY: "2.5.4.6",
  LOCALITY: "2.5.4.7",
  STATE: "2.5.4.8",
  ORGANIZATION: "2.5.4.10",
  ORGANIZATIONAL_UNIT: "2.5.4.11",
  SUBJECT_KEY_ID: "2.5.29.14",
  KEY_USAGE: "2.5.29.15",
  BASIC_CONSTRAINTS: "2.5.29.19",
  CRL_DISTRIBUTION_POINTS: "2.5.29.31",
  AUTHORITY_KEY_ID: "2.5.29.35",
} as const;

/** PSS salt length of every AMD chain signature, snp-abi.md §4.1. */
export const PSS_SALT_LENGTH = 48;

/**
 * AlgorithmIdentifier for RSASSA-PSS with SHA-384, MGF1-SHA-384, salt 48,
 * trailer 1, encoded exactly as in AMD's certificates (snp-abi.md §4.1).
 */
export const RSA_PSS_SHA384_ALGORITHM: Uint8Array = (() => {
  const sha384 = der.seq(der.oid(Oid.SHA384), der.nul());
  return der.seq(
    der.oid(Oid.RSASSA_PSS),
    der.seq(
      der.explicit(0, sha384),
      der.explicit(1, der.seq(der.oid(Oid.MGF1), sha384)),
      der.explicit(2, der.int(PSS_SALT_LENGTH)),
      der.explicit(3, der.int(1)),
    ),
  );
})();

/**
 * A distinguished name: its DER (for comparisons) and its attributes.
 *
 * @example
 * ```ts
 * import { Oid, parseCertificate } from "./x509.ts";
 * import { AmdKeyHierarchy } from "./key_hierarchy.ts";
 * const { subject } = parseCertificate(AmdKeyHierarchy.model("Milan").ask);
 * subject.attributes.find((a) => a.oid === Oid.COMMON_NAME)?.value; // "SEV-Milan"
 * ```
 */
export interface Name {
  /** The Name's DER encoding. */
  readonly raw: Uint8Array;
  /** Attributes in order, values as text. */
  readonly attributes: readonly { oid: string; value: string }[];
}

/**
 * One extension.
 *
 * @example
 * ```ts
 * import { type Extension, Oid, parseCertificate } from "./x509.ts";
 * import { AmdKeyHierarchy } from "./key_hierarchy.ts";
 * const ark = parseCertificate(AmdKeyHierarchy.model("Milan").ark);
 * const bc: Extension | undefined = ark.extensions.get(Oid.BASIC_CONSTRAINTS);
 * bc?.critical; // true; bc.value is SEQUENCE { cA TRUE }
 * ```
 */
export interface Extension {
  /** The critical flag. */
  readonly critical: boolean;
  /** The extnValue OCTET STRING contents. */
  readonly value: Uint8Array;
}

/**
 * A parsed certificate. Byte fields are views into `der`.
 *
 * @example
 * ```ts
 * import { type Certificate, readCertificates, toPem } from "./x509.ts";
 * import { SecureProcessor } from "./secure_processor.ts";
 * // as `await Deno.readFile("vcek.pem")` would give it
 * const vcekPem = new TextEncoder().encode(toPem(new SecureProcessor().vcek().cert));
 * const [vcek]: Certificate[] = readCertificates(vcekPem);
 * const expired = vcek.notAfter < new Date();
 * vcek.serial; // 0n, as AMD's VCEKs
 * ```
 */
export interface Certificate {
  /** The whole certificate. */
  readonly der: Uint8Array;
  /** tbsCertificate, the signed bytes. */
  readonly tbs: Uint8Array;
  /** X.509 version number (3 for v3). */
  readonly version: number;
  /** serialNumber (AMD VCEKs use 0). */
  readonly serial: bigint;
  /** The outer signatureAlgorithm, DER. */
  readonly signatureAlgorithm: Uint8Array;
  /** The signature algorithm inside tbsCertificate, DER. */
  readonly tbsSignatureAlgorithm: Uint8Array;
  /** Issuer name. */
  readonly issuer: Name;
  /** Subject name. */
  readonly subject: Name;
  /** Start of validity. */
  readonly notBefore: Date;
  /** End of validity. */
  readonly notAfter: Date;
  /** SubjectPublicKeyInfo, DER. */
  readonly spki: Uint8Array;
  /** Public key algorithm OID. */
  readonly keyAlgorithm: string;
  /** Named curve OID for EC keys. */
  readonly keyCurve?: string;
  /** Extensions by OID. */
  readonly extensions: ReadonlyMap<string, Extension>;
  /** signatureValue bytes. */
  readonly signature: Uint8Array;
}

/**
 * A certificate that cannot be parsed.
 *
 * @example
 * ```ts
 * import { CertificateError, readCertificates } from "./x509.ts";
 * try {
 *   readCertificates(new TextEncoder().encode("not a certificate"));
 * } catch (e) {
 *   e instanceof CertificateError; // true
 * }
 * ```
 */
export class CertificateError extends Error {
  /** Error name, for messages. */
  override name = "CertificateError";
}

/** The value of the first attribute with this OID (e.g. {@link Oid.COMMON_NAME}). */
export function nameAttribute(name: Name, oid: string): string | undefined {
  return name.attributes.find((a) => a.oid === oid)?.value;
}

/**
 * Parses one DER certificate; throws {@link CertificateError} with a short
 * reason when it is not a well-formed X.509 certificate.
 *
 * @example
 * ```ts
 * import { parseCertificate } from "./x509.ts";
 * // const cert = parseCertificate(await Deno.readFile("vcek.der"));
 * // cert.subject.attributes; // [..., { oid: "2.5.4.3", value: "SEV-VCEK" }]
 * ```
 */
export function parseCertificate(bytes: Uint8Array): Certificate {
  try {
    return parseOrThrow(bytes);
  } catch (e) {
    if (e instanceof der.DerError) {
      throw new CertificateError(`not an X.509 certificate: ${e.message}`);
    }
    throw e;
  }
}

function parseOrThrow(bytes: Uint8Array): Certificate {
  const top = der.children(der.expectTag(der.parseDer(bytes), der.Tag.SEQUENCE, "Certificate"));
  if (top.length !== 3) throw new der.DerError("Certificate must have 3 parts");
  const [tbsNode, algNode, sigNode] = top;
  const t = der.children(der.expectTag(tbsNode, der.Tag.SEQUENCE, "tbsCertificate"));
  let i = 0;
  let version = 1;
  if (t[0]?.tag === 0xa0) {
    version = Number(der.readInt(der.children(t[i++])[0], "version")) + 1;
  }
  const serial = der.readInt(t[i++], "serialNumber");
  const tbsAlg = der.expectTag(t[i++], der.Tag.SEQUENCE, "signature");
  const issuer = parseName(t[i++], "issuer");
  const validity = der.children(der.expectTag(t[i++], der.Tag.SEQUENCE, "validity"));
  if (validity.length !== 2) throw new der.DerError("validity must have 2 times");
  const subject = parseName(t[i++], "subject");
  const spkiNode = der.expectTag(t[i++], der.Tag.SEQUENCE, "subjectPublicKeyInfo");
  const [keyAlg] = der.children(spkiNode);
  const keyAlgParts = der.children(der.expectTag(keyAlg, der.Tag.SEQUENCE, "key algorithm"));
  const keyAlgorithm = der.readOid(keyAlgParts[0], "key algorithm");
  const keyCurve = keyAlgParts[1]?.tag === der.Tag.OID
    ? der.readOid(keyAlgParts[1], "curve")
    : undefined;
  const extensions = new Map<string, Extension>();
  for (; i < t.length; i++) {
    if (t[i].tag === 0xa3) parseExtensions(der.children(t[i])[0], extensions);
  }
  der.expectTag(algNode, der.Tag.SEQUENCE, "signatureAlgorithm");
  return {
    der: bytes,
    tbs: tbsNode.raw,
    version,
    serial,
    signatureAlgorithm: algNode.raw,
    tbsSignatureAlgorithm: tbsAlg.raw,
    issuer,
    subject,
    notBefore: der.readTime(validity[0], "notBefore"),
    notAfter: der.readTime(validity[1], "notAfter"),
    spki: spkiNode.raw,
    keyAlgorithm,
    keyCurve,
    extensions,
    signature: der.readBitString(sigNode, "signatureValue"),
  };
}

function parseName(node: der.DerNode | undefined, what: string): Name {
  const rdns = der.children(der.expectTag(node, der.Tag.SEQUENCE, what));
  const attributes = rdns.flatMap((rdn) =>
    der.children(der.expectTag(rdn, der.Tag.SET, what)).map((atv) => {
      const [type, value] = der.children(der.expectTag(atv, der.Tag.SEQUENCE, what));
      // RFC 5280 AttributeTypeAndValue: a hostile name may omit the value.
      if (!value) throw new der.DerError(`${what}: attribute without a value`);
      return { oid: der.readOid(type, what), value: der.readString(value) };
    })
  );
  return { raw: node!.raw, attributes };
}

function parseExtensions(node: der.DerNode | undefined, out: Map<string, Extension>): void {
  for (const ext of der.children(der.expectTag(node, der.Tag.SEQUENCE, "extensions"))) {
    const parts = der.children(der.expectTag(ext, der.Tag.SEQUENCE, "extension"));
    const oid = der.readOid(parts[0], "extnID");
    const critical = parts.length === 3 && parts[1].tag === der.Tag.BOOLEAN &&
      parts[1].value[0] !== 0;
    const value = der.expectTag(parts[parts.length - 1], der.Tag.OCTET_STRING, "extnValue").value;
    if (out.has(oid)) throw new der.DerError(`duplicate extension ${oid}`);
    out.set(oid, { critical, value });
  }
}

// ---- PEM ----

/**
 * Encodes DER as a PEM block with the given label.
 *
 * @example
 * ```ts
 * import { toPem } from "./x509.ts";
 * toPem(new Uint8Array([0x30, 0x00]));
 * // "-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n"
 * ```
 */
export function toPem(bytes: Uint8Array, label = "CERTIFICATE"): string {
  const b64 = Buffer.from(bytes).toString("base64").replace(/(.{64})/g, "$1\n").trimEnd();
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

/**
 * Reads certificates from a file's bytes, PEM (one or more CERTIFICATE
 * blocks) or DER. Throws {@link CertificateError} on anything else.
 *
 * @example
 * ```ts
 * import { nameAttribute, Oid, readCertificates, toPem } from "./x509.ts";
 * import { AmdKeyHierarchy } from "./key_hierarchy.ts";
 * const amd = AmdKeyHierarchy.model("Milan");
 * // as `await Deno.readFile("cert_chain.pem")` would give it
 * const pem = new TextEncoder().encode(toPem(amd.ask) + toPem(amd.ark));
 * const [ask, ark] = readCertificates(pem);
 * nameAttribute(ask.subject, Oid.COMMON_NAME); // "SEV-Milan"
 * nameAttribute(ark.subject, Oid.COMMON_NAME); // "ARK-Milan"
 * ```
 */
export function readCertificates(bytes: Uint8Array): Certificate[] {
  // PEM may follow explanatory text (as `openssl x509 -text` writes it); DER never has this.
  const text = new TextDecoder("latin1").decode(bytes);
  if (!text.includes("-----BEGIN ")) return [parseCertificate(bytes)];
  const blocks = [...text.matchAll(/-----BEGIN ([A-Z0-9 ]+)-----([^-]*)-----END \1-----/g)];
  if (blocks.length === 0) throw new CertificateError("PEM file has no complete block");
  return blocks.map((m) => {
    if (m[1] !== "CERTIFICATE") throw new CertificateError(`PEM block is ${m[1]}, not CERTIFICATE`);
    const body = m[2].replace(/\s+/g, "");
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body)) throw new CertificateError("PEM body is not base64");
    return parseCertificate(new Uint8Array(Buffer.from(body, "base64")));
  });
}

// ---- signatures ----

/**
 * Checks `cert`'s RSASSA-PSS (SHA-384, salt 48) signature with `issuer`'s
 * RSA key. False for any other algorithm or a malformed key.
 *
 * @example
 * ```ts
 * import { readCertificates, toPem, verifyCertificateSignature } from "./x509.ts";
 * import { AmdKeyHierarchy } from "./key_hierarchy.ts";
 * const amd = AmdKeyHierarchy.model("Milan");
 * // ASK then ARK, as AMD's KDS serves them
 * const chainPem = new TextEncoder().encode(toPem(amd.ask) + toPem(amd.ark));
 * const [ask, ark] = readCertificates(chainPem);
 * verifyCertificateSignature(ask, ark) && verifyCertificateSignature(ark, ark); // true
 * ```
 */
export function verifyCertificateSignature(cert: Certificate, issuer: Certificate): boolean {
  if (!isAmdPssAlgorithm(cert.signatureAlgorithm)) return false;
  if (!equalBytes(cert.tbsSignatureAlgorithm, cert.signatureAlgorithm)) return false;
  if (issuer.keyAlgorithm !== Oid.RSA_ENCRYPTION) return false;
  try {
    const key = createPublicKey({ key: Buffer.from(issuer.spki), format: "der", type: "spki" });
    return verify("sha384", cert.tbs, pssOptions(key), cert.signature);
  } catch {
    return false;
  }
}

/**
 * Whether an AlgorithmIdentifier is RSASSA-PSS with SHA-384, MGF1-SHA-384,
 * salt 48 and trailer 1 (RFC 4055 §3.1). AMD's Genoa VCEK omits the trailer
 * field (its default), so the parameters are read, not compared as bytes.
 */
export function isAmdPssAlgorithm(algId: Uint8Array): boolean {
  try {
    const [alg, params, ...rest] = der.children(der.parseDer(algId));
    if (rest.length || der.readOid(alg, "algorithm") !== Oid.RSASSA_PSS) return false;
    const fields = new Map(der.children(params).map((f) => [f.tag, der.children(f)[0]]));
    const hashOk = (n: der.DerNode | undefined) => {
      const [h, p, ...more] = n ? der.children(n) : [];
      return !!h && der.readOid(h, "hash") === Oid.SHA384 && (!p || p.tag === der.Tag.NULL) &&
        !more.length;
    };
    const mgf = fields.get(0xa1);
    const [mgfOid, mgfHash] = mgf ? der.children(mgf) : [];
    return hashOk(fields.get(0xa0)) && !!mgfOid && der.readOid(mgfOid, "mgf") === Oid.MGF1 &&
      hashOk(mgfHash) && fields.has(0xa2) && der.readInt(fields.get(0xa2)!, "salt") === 48n &&
      (!fields.has(0xa3) || der.readInt(fields.get(0xa3)!, "trailer") === 1n) &&
      [...fields.keys()].every((t) => t >= 0xa0 && t <= 0xa3);
  } catch {
    return false;
  }
}

function pssOptions(key: KeyObject) {
  return { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: PSS_SALT_LENGTH };
}

/** Byte equality. */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

// ---- building ----

/** What a new certificate says; the issuer's key signs it with RSA-PSS. */
export interface CertificateSpec {
  /** serialNumber. */
  serial: bigint;
  /** Issuer name DER (the issuer certificate's subject). */
  issuer: Uint8Array;
  /** Subject name DER. */
  subject: Uint8Array;
  /** Start of validity. */
  notBefore: Date;
  /** End of validity. */
  notAfter: Date;
  /** SubjectPublicKeyInfo DER. */
  spki: Uint8Array;
  /** Extensions in order. */
  extensions: { oid: string; critical?: boolean; value: Uint8Array }[];
}

/**
 * Builds and signs an X.509 v3 certificate (RSASSA-PSS SHA-384, salt 48)
 * with the issuer's RSA private key.
 */
export function buildCertificate(spec: CertificateSpec, issuerKey: KeyObject): Uint8Array {
  const exts = spec.extensions.map((e) =>
    der.seq(der.oid(e.oid), ...(e.critical ? [der.bool(true)] : []), der.octetString(e.value))
  );
  const tbs = der.seq(
    der.explicit(0, der.int(2)),
    der.int(spec.serial),
    RSA_PSS_SHA384_ALGORITHM,
    spec.issuer,
    der.seq(der.time(spec.notBefore), der.time(spec.notAfter)),
    spec.subject,
    spec.spki,
    der.explicit(3, der.seq(...exts)),
  );
  const signature = new Uint8Array(sign("sha384", tbs, pssOptions(issuerKey)));
  return der.seq(tbs, RSA_PSS_SHA384_ALGORITHM, der.bitString(signature));
}

/**
 * An AMD-style distinguished name: OU=Engineering, C=US, L=Santa Clara,
 * ST=CA, O=Advanced Micro Devices, CN=`cn`, in the order AMD's certificates
 * use (snp-abi.md §4.1).
 */
export function amdName(cn: string): Uint8Array {
  const atv = (oid: string, tag: number, v: string) =>
    der.set(der.seq(der.oid(oid), der.str(tag, v)));
  const U = der.Tag.UTF8_STRING;
  return der.seq(
    atv(Oid.ORGANIZATIONAL_UNIT, U, "Engineering"),
    atv(Oid.COUNTRY, der.Tag.PRINTABLE_STRING, "US"),
    atv(Oid.LOCALITY, U, "Santa Clara"),
    atv(Oid.STATE, U, "CA"),
    atv(Oid.ORGANIZATION, U, "Advanced Micro Devices"),
    atv(Oid.COMMON_NAME, U, cn),
  );
}
