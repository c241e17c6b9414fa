/**
 * AMD's X.509 extensions on VCEK and VLEK certificates (OID arc
 * 1.3.6.1.4.1.3704.1): structVersion, productName, the SPL values of the TCB
 * the key was derived for, and the chip's hwID (VCEK) or cspID (VLEK).
 * @module
 */
import * as der from "./der.ts";
import type { Certificate } from "./x509.ts";
import type { TcbLayout, TcbParts } from "./tcb_version.ts";

/**
 * Extension OIDs, snp-abi.md §4.3 (go-sev-guest kds/kds.go).
 *
 * @example
 * ```ts
 * import { AmdOid } from "./amd_extensions.ts";
 * import { AmdKeyHierarchy } from "./key_hierarchy.ts";
 * import { deriveVcek } from "./vcek.ts";
 * import { parseCertificate } from "./x509.ts";
 * const chipId = new Uint8Array(64).fill(0xab);
 * const vcekDer = AmdKeyHierarchy.model("Milan").issueVcek(deriveVcek(new Uint8Array(32), 0n).spki,
 *   { bootloader: 3, tee: 0, snp: 8, microcode: 115 }, chipId);
 * const vcek = parseCertificate(vcekDer);
 * const hwId = vcek.extensions.get(AmdOid.HW_ID)?.value; // raw chip ID, no inner DER tag
 * hwId?.length; // 64, the bytes of chipId
 * ```
 */
export const AmdOid = {
  STRUCT_VERSION: "1.3.6.1.4.1.3704.1.1",
  PRODUCT_NAME: "1.3.6.1.4.1.3704.1.2",
  BL_SPL: "1.3.6.1.4.1.3704.1.3.1",
  TEE_SPL: "1.3.6.1.4.1.3704.1.3.2",
  SNP_SPL: "1.3.6.1.4.1.3704.1.3.3",
  SPL_4: "1.3.6.1.4.1.3704.1.3.4",
  SPL_5: "1.3.6.1.4.1.3704.1.3.5",
  SPL_6: "1.3.6.1.4.1.3704.1.3.6",
  SPL_7: "1.3.6.1.4.1.3704.1.3.7",
  UCODE_SPL: "1.3.6.1.4.1.3704.1.3.8",
  FMC_SPL: "1.3.6.1.4.1.3704.1.3.9",
  HW_ID: "1.3.6.1.4.1.3704.1.4",
  CSP_ID: "1.3.6.1.4.1.3704.1.5",
} as const;

/**
 * The decoded AMD extensions of a VCEK or VLEK.
 *
 * @example
 * ```ts
 * import type { AmdExtensions } from "./amd_extensions.ts";
 * const milan: AmdExtensions = {
 *   structVersion: 0,
 *   productName: "Milan-B0",
 *   tcb: { bootloader: 3, tee: 0, snp: 8, microcode: 115 },
 * };
 * ```
 */
export interface AmdExtensions {
  /** structVersion: 0 Milan/Genoa, 1 Turin. */
  structVersion?: number;
  /** productName, e.g. "Milan-B0". */
  productName?: string;
  /** The TCB the key was derived for (fmc only when present). */
  tcb: TcbParts;
  /** Raw chip ID (VCEK). */
  hwId?: Uint8Array;
  /** Cloud provider ID (VLEK). */
  cspId?: string;
}

/**
 * An extension is missing or not encoded as AMD encodes it.
 *
 * @example
 * ```ts
 * import { AmdExtensionError, readAmdExtensions } from "./amd_extensions.ts";
 * import { AmdKeyHierarchy } from "./key_hierarchy.ts";
 * import { parseCertificate } from "./x509.ts";
 * const cert = parseCertificate(AmdKeyHierarchy.model("Milan").ask); // a CA, not a VCEK
 * try {
 *   readAmdExtensions(cert);
 * } catch (e) {
 *   if (!(e instanceof AmdExtensionError)) throw e; // not an AMD VCEK/VLEK: no blSPL extension
 * }
 * ```
 */
export class AmdExtensionError extends Error {
  /** Error name, for messages. */
  override name = "AmdExtensionError";
}

/**
 * Reads the AMD extensions by OID (never by position, §4.3). The integer
 * extensions carry a DER INTEGER; hwID is the raw chip ID with no inner tag.
 *
 * @example
 * ```ts
 * import { readAmdExtensions } from "./amd_extensions.ts";
 * // readAmdExtensions(parseCertificate(vcekDer)).tcb; // { bootloader: 3, tee: 0, snp: 8, microcode: 115 }
 * ```
 */
export function readAmdExtensions(cert: Certificate): AmdExtensions {
  const ext = (oid: string) => cert.extensions.get(oid)?.value;
  const int = (oid: string, name: string): number | undefined => {
    const v = ext(oid);
    if (v === undefined) return undefined;
    try {
      const n = der.readInt(der.parseDer(v), name);
      if (n > 255n) throw new AmdExtensionError(`${name} ${n} exceeds 255`);
      return Number(n);
    } catch (e) {
      if (e instanceof der.DerError) throw new AmdExtensionError(`${name}: ${e.message}`);
      throw e;
    }
  };
  const need = (oid: string, name: string): number => {
    const v = int(oid, name);
    if (v === undefined) throw new AmdExtensionError(`certificate has no ${name} extension`);
    return v;
  };
  const tcb: TcbParts = {
    bootloader: need(AmdOid.BL_SPL, "blSPL"),
    tee: need(AmdOid.TEE_SPL, "teeSPL"),
    snp: need(AmdOid.SNP_SPL, "snpSPL"),
    microcode: need(AmdOid.UCODE_SPL, "ucodeSPL"),
  };
  const fmc = int(AmdOid.FMC_SPL, "fmcSPL");
  if (fmc !== undefined) tcb.fmc = fmc;
  return {
    structVersion: int(AmdOid.STRUCT_VERSION, "structVersion"),
    productName: ia5(ext(AmdOid.PRODUCT_NAME), "productName"),
    tcb,
    hwId: ext(AmdOid.HW_ID),
    cspId: ia5(ext(AmdOid.CSP_ID), "cspID"),
  };
}

function ia5(v: Uint8Array | undefined, name: string): string | undefined {
  if (v === undefined) return undefined;
  try {
    return der.readString(der.expectTag(der.parseDer(v), der.Tag.IA5_STRING, name));
  } catch (e) {
    if (e instanceof der.DerError) throw new AmdExtensionError(`${name}: ${e.message}`);
    throw e;
  }
}

/**
 * The extension list of a VCEK, in the order AMD's certificates use
 * (Milan/Genoa: .1, .2, .3.1, .3.2, .3.4–.3.7, .3.3, .3.8, .4; Turin puts
 * .3.9 after .2 and drops .3.4).
 */
export function vcekExtensions(
  productName: string,
  layout: TcbLayout,
  tcb: TcbParts,
  hwId: Uint8Array,
): { oid: string; value: Uint8Array }[] {
  const e = (oid: string, value: Uint8Array) => ({ oid, value });
  const turin = layout === "turin";
  return [
    e(AmdOid.STRUCT_VERSION, der.int(turin ? 1 : 0)),
    e(AmdOid.PRODUCT_NAME, der.str(der.Tag.IA5_STRING, productName)),
    ...(turin ? [e(AmdOid.FMC_SPL, der.int(tcb.fmc ?? 0))] : []),
    e(AmdOid.BL_SPL, der.int(tcb.bootloader)),
    e(AmdOid.TEE_SPL, der.int(tcb.tee)),
    ...(turin ? [] : [e(AmdOid.SPL_4, der.int(0))]),
    e(AmdOid.SPL_5, der.int(0)),
    e(AmdOid.SPL_6, der.int(0)),
    e(AmdOid.SPL_7, der.int(0)),
    e(AmdOid.SNP_SPL, der.int(tcb.snp)),
    e(AmdOid.UCODE_SPL, der.int(tcb.microcode)),
    e(AmdOid.HW_ID, hwId),
  ];
}
