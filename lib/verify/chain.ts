/**
 * The certificate chain checks: ARK (self-signed, the product's) → ASK or
 * ASVK → VCEK or VLEK, each signature RSASSA-PSS SHA-384 salt 48, each
 * certificate valid at the given time (snp-abi.md §4, §5 B).
 * @module
 */
import {
  type Certificate,
  Oid,
  productFromName,
  type ProductInfo,
  readAmdExtensions,
  verifyCertificateSignature,
} from "../snp/firmware/mod.ts";
import { equalBytes, nameAttribute } from "../snp/firmware/x509.ts";
import type { Findings } from "./findings.ts";

/**
 * The three certificates a report is checked against.
 *
 * @example
 * ```ts
 * import { type CertificateChain, checkChain } from "./chain.ts";
 * import { Findings } from "./findings.ts";
 * import { parseCertificate, SecureProcessor } from "../snp/firmware/mod.ts";
 * const c = new SecureProcessor().certificates(); // DER: VCEK, ASK, ARK
 * const chain: CertificateChain = {
 *   leaf: parseCertificate(c.vcek),
 *   intermediate: parseCertificate(c.ask),
 *   root: parseCertificate(c.ark),
 * };
 * checkChain(chain, new Date(), new Findings());
 * ```
 */
export interface CertificateChain {
  /** VCEK or VLEK. */
  readonly leaf: Certificate;
  /** ASK (for a VCEK) or ASVK (for a VLEK). */
  readonly intermediate: Certificate;
  /** ARK. */
  readonly root: Certificate;
}

/** A certificate's common name, or "?" when it has none. */
export function commonName(cert: Certificate): string {
  return nameAttribute(cert.subject, Oid.COMMON_NAME) ?? "?";
}

/**
 * The product a chain belongs to: from the leaf's productName extension,
 * else from the ARK's name. Undefined when neither names a known product.
 */
export function chainProduct(chain: CertificateChain): ProductInfo | undefined {
  let name: string | undefined;
  try {
    name = readAmdExtensions(chain.leaf).productName;
  } catch {
    name = undefined;
  }
  return productFromName(name ?? commonName(chain.root).replace(/^ARK-/, ""));
}

/**
 * Adds the chain findings (the leaf's name says whether an ASK or an ASVK must sign it).
 *
 * @example
 * ```ts
 * import { type CertificateChain, checkChain } from "./chain.ts";
 * import { Findings } from "./findings.ts";
 * import { parseCertificate, SecureProcessor } from "../snp/firmware/mod.ts";
 * const c = new SecureProcessor().certificates();
 * const chain: CertificateChain = { // VCEK, ASK, ARK
 *   leaf: parseCertificate(c.vcek),
 *   intermediate: parseCertificate(c.ask),
 *   root: parseCertificate(c.ark),
 * };
 * const findings = new Findings();
 * checkChain(chain, new Date(), findings);
 * findings.failures; // [] for a genuine chain
 * ```
 */
export function checkChain(chain: CertificateChain, now: Date, out: Findings): void {
  const { leaf, intermediate: ask, root: ark } = chain;
  const product = chainProduct(chain)?.name ?? "?";
  const leafCn = commonName(leaf);
  const vlek = leafCn === "SEV-VLEK";
  const wantAsk = vlek ? `SEV-VLEK-${product}` : `SEV-${product}`;
  out.add(
    "ark-self-signed",
    equalBytes(ark.issuer.raw, ark.subject.raw) && verifyCertificateSignature(ark, ark),
    [
      `ARK '${commonName(ark)}' is self-signed (RSA-PSS SHA-384, salt 48)`,
      `ARK '${commonName(ark)}' is not validly self-signed`,
    ],
  );
  out.add(
    "ark-product",
    commonName(ark) === `ARK-${product}`,
    [
      `ARK '${commonName(ark)}' belongs to ${product}`,
      `ARK is '${commonName(ark)}' but the leaf is for product ${product}`,
    ],
  );
  out.add(
    "ask-name",
    commonName(ask) === wantAsk,
    [`intermediate is '${wantAsk}'`, `intermediate is '${commonName(ask)}', expected '${wantAsk}'`],
  );
  out.add(
    "ask-signed-by-ark",
    equalBytes(ask.issuer.raw, ark.subject.raw) && verifyCertificateSignature(ask, ark),
    [
      `'${commonName(ask)}' is signed by '${commonName(ark)}'`,
      `'${commonName(ask)}' is not signed by '${commonName(ark)}'`,
    ],
  );
  out.add(
    "leaf-signed-by-ask",
    equalBytes(leaf.issuer.raw, ask.subject.raw) && verifyCertificateSignature(leaf, ask),
    [
      `'${leafCn}' is signed by '${commonName(ask)}'`,
      `'${leafCn}' is not signed by '${commonName(ask)}'`,
    ],
  );
  out.add(
    "leaf-key",
    leaf.version === 3 && leaf.keyAlgorithm === Oid.EC_PUBLIC_KEY &&
      leaf.keyCurve === Oid.SECP384R1 && (leafCn === "SEV-VCEK" || vlek),
    [
      `leaf '${leafCn}' is an X.509 v3 EC P-384 key`,
      `leaf '${leafCn}' is not an X.509 v3 EC P-384 SEV-VCEK or SEV-VLEK`,
    ],
  );
  for (const [role, cert] of [["ARK", ark], ["ASK", ask], ["leaf", leaf]] as const) {
    const ok = cert.notBefore <= now && now <= cert.notAfter;
    out.add(
      `validity-${role.toLowerCase()}`,
      ok,
      `${role} '${commonName(cert)}' ${ok ? "is" : "is NOT"} valid at ${iso(now)} (${
        iso(cert.notBefore)
      } .. ${iso(cert.notAfter)})`,
    );
  }
}

function iso(d: Date): string {
  return d.toISOString().replace(".000", "");
}
