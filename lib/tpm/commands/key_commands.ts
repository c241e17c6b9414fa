/**
 * Key and attestation commands (TCG TPM 2.0 Part 3 §12–§15, §18, §20, §24.1,
 * §31.16), owned by the TPM crypto & keys work; the registry appends this
 * list to the core commands.
 * @module
 */
import type { CommandDef } from "../dispatch.ts";
import { ActivateCredential } from "./activate_credential.ts";
import { Certify } from "./certify.ts";
import { CertifyCreation } from "./certify_creation.ts";
import { Create } from "./create.ts";
import { CreateLoaded } from "./create_loaded.ts";
import { CreatePrimary } from "./create_primary.ts";
import { Duplicate } from "./duplicate.ts";
import { ECDH_KeyGen } from "./ecdh_keygen.ts";
import { ECDH_ZGen } from "./ecdh_zgen.ts";
import { EncryptDecrypt, EncryptDecrypt2 } from "./encrypt_decrypt.ts";
import { GetTime } from "./get_time.ts";
import { Import } from "./import.ts";
import { Load } from "./load.ts";
import { LoadExternal } from "./load_external.ts";
import { MakeCredential } from "./make_credential.ts";
import { NV_Certify } from "./nv_certify.ts";
import { ObjectChangeAuth } from "./object_change_auth.ts";
import { Quote } from "./quote.ts";
import { RSA_Decrypt } from "./rsa_decrypt.ts";
import { RSA_Encrypt } from "./rsa_encrypt.ts";
import { Sign } from "./sign.ts";
import { Unseal } from "./unseal.ts";
import { VerifySignature } from "./verify_signature.ts";

/** Key-using commands (CreatePrimary, Create, Load, Sign, …). */
export const KEY_COMMANDS: CommandDef[] = [
  CreatePrimary,
  Create,
  CreateLoaded,
  Load,
  LoadExternal,
  ObjectChangeAuth,
  Unseal,
  Sign,
  VerifySignature,
  Quote,
  Certify,
  CertifyCreation,
  GetTime,
  NV_Certify,
  RSA_Encrypt,
  RSA_Decrypt,
  ECDH_KeyGen,
  ECDH_ZGen,
  EncryptDecrypt,
  EncryptDecrypt2,
  MakeCredential,
  ActivateCredential,
  Duplicate,
  Import,
];
