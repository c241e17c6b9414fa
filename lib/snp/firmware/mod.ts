/**
 * The AMD secure processor's firmware, as SEV-SNP guests and verifiers see
 * it: the launch digest, the secrets and CPUID pages, attestation reports,
 * the key hierarchy, guest messages and the firmware state machine.
 *
 * @example
 * ```ts
 * import { LaunchDigest, PageType } from "./mod.ts";
 * const ld = new LaunchDigest();
 * ld.update({ type: PageType.SECRETS, gpa: 0x80d000 });
 * ```
 * @module
 */
export * from "./page_info.ts";
export { LaunchDigest, measureLaunch, type PageUpdate } from "./launch_digest.ts";
export * from "./launch_description.ts";
export * from "./secrets_page.ts";
export {
  CPUID_ENTRIES_OFFSET,
  CPUID_ENTRY,
  CPUID_PAGE,
  CPUID_PAGE_MAX_ENTRIES,
  type CpuidEntry,
  readCpuidPage,
  writeCpuidPage,
} from "./cpuid_page.ts";
export {
  decodeTcb,
  encodeTcb,
  formatTcb,
  TCB_COMPONENTS,
  type TcbLayout,
  type TcbParts,
} from "./tcb_version.ts";
export {
  type Product,
  productFromCpuid,
  productFromName,
  type ProductInfo,
  PRODUCTS,
} from "./product.ts";
export * from "./guest_policy.ts";
export {
  ATTESTATION_REPORT,
  type AttestationReport,
  parseReport,
  PlatformInfo,
  REPORT_SIZE,
  type ReportFields,
  ReportFormatError,
  reportSignatureDer,
  SIG_ALGO_ECDSA_P384_SHA384,
  SIGNED_SIZE,
  SignerInfo,
  SigningKey,
  signingKeyOf,
  signReport,
  SUPPORTED_REPORT_VERSIONS,
  verifyReportSignature,
} from "./attestation_report.ts";
export {
  type Certificate,
  CertificateError,
  type Extension,
  type Name,
  Oid,
  parseCertificate,
  readCertificates,
  toPem,
  verifyCertificateSignature,
} from "./x509.ts";
export {
  AmdExtensionError,
  type AmdExtensions,
  AmdOid,
  readAmdExtensions,
} from "./amd_extensions.ts";
export type { EcKeyPair } from "./vcek.ts";
export * from "./key_hierarchy.ts";
export {
  GuestMessageError,
  type MessageFields,
  MSG_ALGO_AES_256_GCM,
  MSG_HDR_SIZE,
  MSG_HDR_VERSION,
  MSG_HEADER,
  MSG_MAX_PAYLOAD,
  MSG_PAGE_SIZE,
  MsgType,
  openMessage,
  sealMessage,
} from "./guest_message.ts";
export * from "./guest_requests.ts";
export * from "./guest_messenger.ts";
export {
  AMD_CURVE_P384,
  AMD_PUBLIC_KEY,
  AMD_SIGNATURE,
  buildIdAuth,
  ID_ALGO_ECDSA_P384_SHA384,
  ID_AUTH,
  ID_BLOCK,
  ID_BLOCK_VERSION,
  type IdBlockIdentity,
} from "./id_block.ts";
export * from "./firmware_status.ts";
export { buildCertTable, CertGuid, certTableLength, parseCertTable } from "./cert_table.ts";
export * from "./guest_context.ts";
export * from "./secure_processor.ts";
