/**
 * The reference SVSM in TypeScript: a spec-readable model of an AMD SEV-SNP
 * machine (`snp`), the untrusted host (`host`), the SVSM kernel's memory
 * manager (`mm`), the SVSM kernel itself (`svsm`), a TPM 2.0 (`tpm`) and an
 * enlightened guest OS (`guest`) and an attestation verifier (`verify`).
 *
 * @example
 * ```ts
 * import { common } from "./mod.ts";
 * common.toHex(new Uint8Array([1, 2])); // "0102"
 * ```
 * @module
 */
export * as common from "./lib/common/mod.ts";
export * as snp from "./lib/snp/mod.ts";
export * as mm from "./lib/mm/mod.ts";
export * as svsm from "./lib/svsm/mod.ts";
export * as tpm from "./lib/tpm/mod.ts";
export * as host from "./lib/host/mod.ts";
export * as guest from "./lib/guest/mod.ts";
export * as verify from "./lib/verify/mod.ts";
