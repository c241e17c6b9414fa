/**
 * The vTPM's cryptography: hashes and HMAC, KDFa and KDFe, AES-CFB, XOR
 * obfuscation, RSA (seed-derived key generation, PKCS #1 signatures and
 * encryption) and ECC P-256/P-384 (ECDSA over digests, ECDH).
 * @module
 */
export * from "./aes_cfb.ts";
export * from "./aes_modes.ts";
export * from "./bigint_math.ts";
export * from "./bytes.ts";
export * from "./ecc.ts";
export * from "./ecc_curve.ts";
export * from "./hash.ts";
export * from "./kdfa.ts";
export * from "./kdfe.ts";
export * from "./label.ts";
export * from "./prime.ts";
export * from "./random_source.ts";
export * from "./rsa.ts";
export * from "./rsa_key.ts";
export * from "./rsa_padding.ts";
export * from "./xor_obfuscation.ts";
export * from "./object_create.ts";
export * from "./object_keys.ts";
export * from "./object_protection.ts";
export * from "./object_sign.ts";
export * from "./object_template.ts";
export * from "./secret_sharing.ts";
export * from "./sensitive.ts";
export * from "./object_binding.ts";
export * from "./ticket.ts";
