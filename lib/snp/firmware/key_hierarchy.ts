/**
 * The AMD key hierarchy as real X.509: ARK (RSA-4096, self-signed) → ASK
 * (RSA-4096) → VCEK (EC P-384), every signature RSASSA-PSS SHA-384 salt 48,
 * names and extensions laid out as in AMD's certificates (snp-abi.md §4).
 * @module
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
} from "node:crypto";
import * as der from "./der.ts";
import { vcekExtensions } from "./amd_extensions.ts";
import { MODEL_ARK_KEY_PEM, MODEL_ASK_KEY_PEM } from "./model_keys.ts";
import { type Product, type ProductInfo, PRODUCTS } from "./product.ts";
import type { TcbParts } from "./tcb_version.ts";
import { amdName, buildCertificate, Oid } from "./x509.ts";

/** Validity the model gives its certificates (AMD: ARK/ASK 25 years, VCEK 7 years). */
const CA_NOT_BEFORE = new Date("2024-01-01T00:00:00Z");
const CA_NOT_AFTER = new Date("2049-01-01T00:00:00Z");
const VCEK_NOT_AFTER = new Date("2031-01-01T00:00:00Z");
/** ARK and ASK serials follow AMD's pattern (Milan 0x10000/0x10001, Genoa 0x20000 …). */
const SERIAL_BASE: Record<Product, bigint> = { Milan: 0x10000n, Genoa: 0x20000n, Turin: 0x30000n };

/**
 * An ARK/ASK pair for one product, able to issue VCEK certificates.
 *
 * @example
 * ```ts
 * import { AmdKeyHierarchy, parseCertificate } from "./mod.ts";
 * import { deriveVcek } from "./vcek.ts";
 * const amd = AmdKeyHierarchy.model("Milan");
 * const vcek = deriveVcek(new Uint8Array(32), 0n);
 * const cert = amd.issueVcek(vcek.spki, { bootloader: 3, tee: 0, snp: 8, microcode: 115 },
 *   new Uint8Array(64));
 * parseCertificate(cert).serial; // 0n, as AMD's VCEKs
 * ```
 */
export class AmdKeyHierarchy {
  /** The product line. */
  readonly product: ProductInfo;
  /** ARK certificate DER. */
  readonly ark: Uint8Array;
  /** ASK certificate DER. */
  readonly ask: Uint8Array;
  readonly #askKey: KeyObject;
  readonly #askSki: Uint8Array;

  private constructor(product: ProductInfo, arkKey: KeyObject, askKey: KeyObject) {
    this.product = product;
    this.#askKey = askKey;
    const arkSpki = spkiOf(arkKey);
    const askSpki = spkiOf(askKey);
    const arkSki = keyIdentifier(arkSpki);
    this.#askSki = keyIdentifier(askSpki);
    const arkName = amdName(`ARK-${product.name}`);
    const askName = amdName(`SEV-${product.name}`);
    const crl = crlDistributionPoint(`https://kdsintf.amd.com/vcek/v1/${product.name}/crl`);
    const serial = SERIAL_BASE[product.name];
    this.ark = buildCertificate({
      serial,
      issuer: arkName,
      subject: arkName,
      notBefore: CA_NOT_BEFORE,
      notAfter: CA_NOT_AFTER,
      spki: arkSpki,
      extensions: [
        { oid: Oid.KEY_USAGE, critical: true, value: keyUsage(0x06, 1) }, // certSign, cRLSign
        { oid: Oid.SUBJECT_KEY_ID, value: der.octetString(arkSki) },
        { oid: Oid.BASIC_CONSTRAINTS, critical: true, value: der.seq(der.bool(true)) },
        crl,
      ],
    }, arkKey);
    this.ask = buildCertificate({
      serial: serial + 1n,
      issuer: arkName,
      subject: askName,
      notBefore: CA_NOT_BEFORE,
      notAfter: CA_NOT_AFTER,
      spki: askSpki,
      extensions: [
        { oid: Oid.SUBJECT_KEY_ID, value: der.octetString(this.#askSki) },
        { oid: Oid.AUTHORITY_KEY_ID, value: der.seq(der.tlv(0x80, arkSki)) },
        {
          oid: Oid.BASIC_CONSTRAINTS,
          critical: true,
          value: der.seq(der.bool(true), der.int(0)), // CA, pathlen 0
        },
        { oid: Oid.KEY_USAGE, critical: true, value: keyUsage(0x04, 2) }, // certSign
        crl,
      ],
    }, arkKey);
  }

  /** The model's fixed hierarchy for `product` (cached; costs a few ms the first time). */
  static model(product: Product = "Milan"): AmdKeyHierarchy {
    let h = MODEL_CACHE.get(product);
    if (!h) {
      h = new AmdKeyHierarchy(
        PRODUCTS[product],
        createPrivateKey(MODEL_ARK_KEY_PEM),
        createPrivateKey(MODEL_ASK_KEY_PEM),
      );
      MODEL_CACHE.set(product, h);
    }
    return h;
  }

  /** A hierarchy with freshly generated RSA-4096 keys (slow: seconds). */
  static generate(product: Product = "Milan"): AmdKeyHierarchy {
    const gen = () => generateKeyPairSync("rsa", { modulusLength: 4096 }).privateKey;
    return new AmdKeyHierarchy(PRODUCTS[product], gen(), gen());
  }

  /**
   * Issues a VCEK certificate: serial 0, CN SEV-VCEK, AMD extensions for
   * `tcb` and the raw `hwId` (the chip ID, truncated to the product's hwID
   * length), signed by the ASK.
   */
  issueVcek(spki: Uint8Array, tcb: TcbParts, hwId: Uint8Array): Uint8Array {
    return buildCertificate({
      serial: 0n,
      issuer: amdName(`SEV-${this.product.name}`),
      subject: amdName("SEV-VCEK"),
      notBefore: CA_NOT_BEFORE,
      notAfter: VCEK_NOT_AFTER,
      spki,
      extensions: vcekExtensions(
        this.product.vcekProductName,
        this.product.tcbLayout,
        tcb,
        hwId.subarray(0, this.product.hwIdLength),
      ),
    }, this.#askKey);
  }
}

const MODEL_CACHE = new Map<Product, AmdKeyHierarchy>();

function spkiOf(key: KeyObject): Uint8Array {
  return new Uint8Array(createPublicKey(key).export({ format: "der", type: "spki" }));
}

/** RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey bits. */
function keyIdentifier(spki: Uint8Array): Uint8Array {
  const parts = der.children(der.parseDer(spki));
  const bits = der.readBitString(parts[1], "subjectPublicKey");
  return new Uint8Array(createHash("sha1").update(bits).digest());
}

/** KeyUsage BIT STRING with one content byte and `unused` trailing bits. */
function keyUsage(bits: number, unused: number): Uint8Array {
  return der.tlv(der.Tag.BIT_STRING, new Uint8Array([unused, bits]));
}

/** One CRL distribution point with a full-name URI (RFC 5280 §4.2.1.13). */
function crlDistributionPoint(uri: string): { oid: string; value: Uint8Array } {
  const gn = der.tlv(0x86, new TextEncoder().encode(uri)); // [6] uniformResourceIdentifier
  return {
    oid: Oid.CRL_DISTRIBUTION_POINTS,
    value: der.seq(der.seq(der.tlv(0xa0, der.tlv(0xa0, gn)))),
  };
}
