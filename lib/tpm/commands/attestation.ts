/**
 * The attestation structure and its signature, shared by Quote, Certify,
 * CertifyCreation, GetTime and NV_Certify (TCG TPM 2.0 Part 3 §18.1 and
 * Part 2 §10.12: TPMS_ATTEST). Keys outside the endorsement and platform
 * hierarchies get resetCount, restartCount and firmwareVersion obfuscated
 * (Part 3 §18.1), so a quote does not reveal how often the TPM rebooted.
 * @module
 */
import { TPM_ALG, TPM_PT, TPM_RH } from "../constants.ts";
import { bytesToBigInt } from "../crypto/bytes.ts";
import { digest } from "../crypto/hash.ts";
import { kdfa } from "../crypto/kdfa.ts";
import { selectSignScheme, signDigest } from "../crypto/object_sign.ts";
import type { CommandContext } from "../dispatch.ts";
import { TpmWriter } from "../marshal/buffer.ts";
import { type Codec, tpm2b } from "../marshal/codec.ts";
import {
  type Scheme,
  type Signature,
  TPM2B_DATA,
  TPM2B_NAME,
  TPMS_CLOCK_INFO,
} from "../marshal/types.ts";
import { handleError, paramError, TPM_RC, TpmError } from "../response_code.ts";
import type { TpmObject } from "../state/objects.ts";
import { fixedProperties } from "./capabilities.ts";

/** TPM2B_ATTEST. Part 2 §10.12.13 (sizeof(TPMS_ATTEST) bounded by the response size). */
export const TPM2B_ATTEST: Codec<Uint8Array> = tpm2b("TPM2B_ATTEST", 2048);

/** TPM_GENERATED_VALUE, "\xffTCG" (Part 2 §6.2): marks structures only the TPM signs. */
export const TPM_GENERATED_VALUE = 0xff544347;

const firmwareVersion: bigint = (() => {
  const props = new Map(fixedProperties(0));
  const hi = props.get(TPM_PT.FIRMWARE_VERSION_1) ?? 0;
  const lo = props.get(TPM_PT.FIRMWARE_VERSION_2) ?? 0;
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
})();

/** The signer of an attestation: a loaded signing key, or none (TPM_RH_NULL). */
export interface Signer {
  /** The key, or null for an unsigned attestation. */
  readonly key: TpmObject | null;
  /** The scheme, when there is a key. */
  readonly scheme: Scheme | null;
}

/**
 * The signer at handle index `i` with the scheme the command will use;
 * TPM_RC_KEY (handle) for a key that cannot sign, TPM_RC_SCHEME (parameter
 * `schemeParam`) for an unusable scheme.
 */
export function signerAt(
  ctx: CommandContext,
  i: number,
  inScheme: Scheme,
  schemeParam: number,
): Signer {
  if (ctx.handles[i] === TPM_RH.NULL) return { key: null, scheme: null };
  const key = ctx.object(i);
  if (key.publicOnly) throw handleError(TPM_RC.KEY, i + 1);
  try {
    return { key, scheme: selectSignScheme(key.publicArea, inScheme) };
  } catch (e) {
    if (!(e instanceof TpmError)) throw e;
    if (e.rc === TPM_RC.KEY) throw handleError(TPM_RC.KEY, i + 1);
    throw paramError(e.rc, schemeParam);
  }
}

function obfuscated(key: TpmObject | null): boolean {
  if (!key) return false;
  return key.hierarchy !== TPM_RH.ENDORSEMENT && key.hierarchy !== TPM_RH.PLATFORM;
}

/** The header values an attested arm may repeat (GetTime's TPMS_TIME_ATTEST_INFO). */
export interface AttestHeader {
  /** TPMS_CLOCK_INFO as reported (obfuscated where required). */
  clockInfo: { clock: bigint; resetCount: number; restartCount: number; safe: number };
  /** firmwareVersion as reported. */
  firmwareVersion: bigint;
}

/**
 * Builds TPMS_ATTEST (magic, type, qualifiedSigner, extraData, clockInfo,
 * firmwareVersion, then the type's TPMU_ATTEST arm) and signs its digest
 * with the signer's scheme hash. Unsigned attestations carry a TPM_ALG_NULL
 * signature.
 */
export function attest(
  ctx: CommandContext,
  signer: Signer,
  type: number,
  qualifyingData: Uint8Array,
  attested: Uint8Array | ((h: AttestHeader) => Uint8Array),
): { attest: Uint8Array; signature: Signature } {
  const s = ctx.state;
  let resetCount = s.clock.resetCount;
  let restartCount = s.clock.restartCount;
  let fw = firmwareVersion;
  const signerName = signer.key ? signer.key.qualifiedName : new Uint8Array(0);
  if (obfuscated(signer.key)) {
    const k = kdfa(
      TPM_ALG.SHA256,
      s.hierarchies.get(TPM_RH.OWNER).proof,
      "OBFUSCATE",
      signerName,
      new Uint8Array(0),
      128,
    );
    fw = BigInt.asUintN(64, fw + bytesToBigInt(k.subarray(0, 8)));
    resetCount = (resetCount + Number(bytesToBigInt(k.subarray(8, 12)))) >>> 0;
    restartCount = (restartCount + Number(bytesToBigInt(k.subarray(12, 16)))) >>> 0;
  }
  const header: AttestHeader = {
    clockInfo: { clock: s.clock.clock(), resetCount, restartCount, safe: s.clock.safe },
    firmwareVersion: fw,
  };
  const w = new TpmWriter();
  w.u32(TPM_GENERATED_VALUE).u16(type);
  TPM2B_NAME.write(w, signerName);
  TPM2B_DATA.write(w, qualifyingData);
  TPMS_CLOCK_INFO.write(w, header.clockInfo);
  w.u64(fw).bytes(typeof attested === "function" ? attested(header) : attested);
  const bytes = w.finish();
  if (!signer.key || !signer.scheme) {
    const empty = new Uint8Array(0);
    return { attest: bytes, signature: { sigAlg: TPM_ALG.NULL, hash: 0, sig: empty, s: empty } };
  }
  const d = digest(signer.scheme.hashAlg, bytes);
  return { attest: bytes, signature: signDigest(signer.key, signer.scheme, d, s.rng) };
}
