/**
 * AMD's genuine root keys, pinned: the SHA-256 of each product's ARK
 * SubjectPublicKeyInfo. A chain that is internally consistent proves nothing
 * unless its ARK is AMD's; the model's own ARK is not, so pinning is opt-in.
 * Values computed from the ARK certificates in vectors/ (virtee/sev
 * src/certs/snp/builtin/{milan,genoa,turin}/ark.pem, also served by AMD KDS).
 * @module
 */
import { createHash } from "node:crypto";
import { toHex } from "../common/hex.ts";
import type { Certificate, Product } from "../snp/firmware/mod.ts";

/**
 * SHA-256 of the ARK SubjectPublicKeyInfo, per product.
 *
 * @example
 * ```ts
 * import { createHash } from "node:crypto";
 * import { AMD_ARK_SPKI_SHA256 } from "./amd_roots.ts";
 * import { AmdKeyHierarchy, parseCertificate } from "../snp/firmware/mod.ts";
 * const ark = parseCertificate(AmdKeyHierarchy.model("Genoa").ark);
 * createHash("sha256").update(ark.spki).digest("hex") === AMD_ARK_SPKI_SHA256.Genoa; // false: a model key
 * ```
 */
export const AMD_ARK_SPKI_SHA256: Readonly<Record<Product, string>> = {
  Milan: "9f056bee44377e29308cb5ffa895bdfb62d18881fa6bed8d6f075b0204089cb9",
  Genoa: "429a69c9422aa258ee4d8db5fcda9c6470ef15f8cd5a9cebd6cbc7d90b863831",
  Turin: "4f125410563a2ab9a50356f9243f6fe0b6f73de98603f53f90339c70e9d7ad08",
};

/**
 * Whether `ark` carries AMD's genuine root key for `product`.
 *
 * @example
 * ```ts
 * import { isAmdArk } from "./amd_roots.ts";
 * // isAmdArk(parseCertificate(arkDer), "Milan"); // true for AMD's ARK-Milan
 * ```
 */
export function isAmdArk(ark: Certificate, product: Product): boolean {
  return toHex(createHash("sha256").update(ark.spki).digest()) === AMD_ARK_SPKI_SHA256[product];
}
