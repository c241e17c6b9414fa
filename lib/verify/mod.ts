/**
 * The attestation report verifier: checks a SEV-SNP report against its
 * certificate chain (ARK → ASK/ASVK → VCEK/VLEK) and the caller's
 * expectations, and describes reports for people and tools.
 *
 * @example
 * ```ts
 * import { verifyReport } from "./mod.ts";
 * import { readCertificates } from "../snp/firmware/mod.ts";
 * // const [leaf] = readCertificates(await Deno.readFile("vcek.der"));
 * // const result = verifyReport(report, { leaf, intermediate, root }, { now });
 * // if (!result.valid) console.log(result.reasons.join("\n"));
 * ```
 * @module
 */
export * from "./findings.ts";
export { type CertificateChain, checkChain } from "./chain.ts";
export * from "./verify_report.ts";
export { describeReport, type ReportField, reportToJson } from "./describe_report.ts";
export * from "./amd_roots.ts";
