/**
 * AMD EPYC product lines that run SEV-SNP, and how to recognise them.
 * @module
 */
import type { TcbLayout } from "./tcb_version.ts";

/**
 * A product line, named as in the KDS URLs and certificate subjects.
 *
 * @example
 * ```ts
 * import { type Product, PRODUCTS } from "./product.ts";
 * const product: Product = "Genoa";
 * PRODUCTS[product].model; // 0x11
 * ```
 */
export type Product = "Milan" | "Genoa" | "Turin";

/**
 * Per-product identity, snp-abi.md §1.6 (go-sev-guest abi/abi.go, kds/kds.go).
 *
 * @example
 * ```ts
 * import { productFromName, type ProductInfo } from "./product.ts";
 * const info: ProductInfo | undefined = productFromName("Turin");
 * info?.hwIdLength; // 8: a Turin VCEK's hwID is 8 bytes
 * ```
 */
export interface ProductInfo {
  /** Name in certificate subjects (ARK-Milan, SEV-Milan). */
  readonly name: Product;
  /** CPUID extended+base family. */
  readonly family: number;
  /** CPUID extended+base model. */
  readonly model: number;
  /** TCB_VERSION byte layout. */
  readonly tcbLayout: TcbLayout;
  /** Chip ID bytes the VCEK hwID carries (Turin: 8). */
  readonly hwIdLength: number;
  /** The VCEK productName extension value (§4.3). */
  readonly vcekProductName: string;
}

/**
 * The three product lines.
 *
 * @example
 * ```ts
 * import { PRODUCTS } from "./product.ts";
 * PRODUCTS.Milan.tcbLayout; // "milan"
 * PRODUCTS.Turin.family; // 0x1a
 * ```
 */
export const PRODUCTS: Readonly<Record<Product, ProductInfo>> = {
  Milan: {
    name: "Milan",
    family: 0x19,
    model: 0x01,
    tcbLayout: "milan",
    hwIdLength: 64,
    vcekProductName: "Milan-B0",
  },
  Genoa: {
    name: "Genoa",
    family: 0x19,
    model: 0x11,
    tcbLayout: "milan",
    hwIdLength: 64,
    vcekProductName: "Genoa",
  },
  Turin: {
    name: "Turin",
    family: 0x1a,
    model: 0x02,
    tcbLayout: "turin",
    hwIdLength: 8,
    vcekProductName: "Turin",
  },
};

/**
 * The product for a CPUID family/model pair, or undefined.
 *
 * @example
 * ```ts
 * import { productFromCpuid } from "./product.ts";
 * productFromCpuid(0x19, 0x11)?.name; // "Genoa"
 * ```
 */
export function productFromCpuid(family: number, model: number): ProductInfo | undefined {
  return Object.values(PRODUCTS).find((p) => p.family === family && p.model === model);
}

/**
 * The product whose name starts a certificate productName ("Milan-B0" → Milan).
 *
 * @example
 * ```ts
 * import { productFromName } from "./product.ts";
 * productFromName("Milan-B0")?.name; // "Milan"
 * ```
 */
export function productFromName(name: string): ProductInfo | undefined {
  return Object.values(PRODUCTS).find((p) => name === p.name || name.startsWith(`${p.name}-`));
}

/** Stepping the model's chips report (Milan B1, Genoa B1 …). */
export const MODEL_STEPPING = 1;

/**
 * CPUID Fn0000_0001_EAX for a product: stepping [3:0], base model [7:4],
 * base family 0xF [11:8], extended model [19:16], extended family [27:20].
 * snp-abi.md §1.6 (Milan 0x00A00F1x).
 */
export function cpuidSignature(product: ProductInfo, stepping = MODEL_STEPPING): number {
  return ((product.family - 0xf) << 20) | ((product.model >> 4) << 16) | 0xf00 |
    ((product.model & 0xf) << 4) | (stepping & 0xf);
}
