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
export * from "./launch_digest.ts";
export * from "./launch_description.ts";
export * from "./secrets_page.ts";
export * from "./cpuid_page.ts";
export * from "./tcb_version.ts";
export * from "./product.ts";
export * from "./guest_policy.ts";
export * from "./attestation_report.ts";
export * as der from "./der.ts";
export * from "./x509.ts";
export * from "./amd_extensions.ts";
export * from "./vcek.ts";
export * from "./key_hierarchy.ts";
export * from "./guest_message.ts";
export * from "./guest_requests.ts";
export * from "./guest_messenger.ts";
export * from "./id_block.ts";
export * from "./firmware_status.ts";
export * from "./cert_table.ts";
export * from "./guest_context.ts";
export * from "./guest_request_handlers.ts";
export * from "./secure_processor.ts";
export * from "./ecdsa_p384.ts";
