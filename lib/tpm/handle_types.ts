/**
 * Handle interface types (TPMI_DH_*, TPMI_RH_*, TPMI_SH_*; Part 2 §9) as
 * data: each lists which handles it accepts. A handle outside its type is
 * TPM_RC_VALUE for that handle (the reference's handle unmarshalling).
 * @module
 */
import { LIMITS, TPM_HT, TPM_RH } from "./constants.ts";

/** A TPMI handle type. */
export interface HandleType {
  /** The Part 2 type name. */
  readonly name: string;
  /** True when `h` is a value of this type. */
  accepts(h: number): boolean;
}

const ht = (h: number): number => h >>> 24;

function of(name: string, pred: (h: number) => boolean): HandleType {
  return { name, accepts: pred };
}
function set(...hs: number[]): (h: number) => boolean {
  const s = new Set(hs);
  return (h) => s.has(h);
}
const isTransient = (h: number): boolean => ht(h) === TPM_HT.TRANSIENT;
const isPersistent = (h: number): boolean => ht(h) === TPM_HT.PERSISTENT;
const isNv = (h: number): boolean => ht(h) === TPM_HT.NV_INDEX;
const isPcr = (h: number): boolean => ht(h) === TPM_HT.PCR && h < LIMITS.PCR_COUNT;
const isHmacSession = (h: number): boolean => ht(h) === TPM_HT.HMAC_SESSION;
const isPolicySession = (h: number): boolean => ht(h) === TPM_HT.POLICY_SESSION;
const HIERARCHIES = [TPM_RH.OWNER, TPM_RH.ENDORSEMENT, TPM_RH.PLATFORM];
const isPermanentEntity = set(...HIERARCHIES, TPM_RH.LOCKOUT);
const isEntity = (h: number): boolean =>
  isTransient(h) || isPersistent(h) || isNv(h) || isPcr(h) || isPermanentEntity(h);

/** Names of the handle types in {@link HT}. */
export type HandleTypeName =
  | "OBJECT"
  | "OBJECT_NULL"
  | "PARENT"
  | "PERSISTENT"
  | "ENTITY"
  | "ENTITY_NULL"
  | "PCR"
  | "PCR_NULL"
  | "POLICY_SESSION"
  | "CONTEXT"
  | "HIERARCHY"
  | "HIERARCHY_NULL"
  | "ENABLES"
  | "HIERARCHY_AUTH"
  | "PLATFORM"
  | "ENDORSEMENT"
  | "PROVISION"
  | "CLEAR"
  | "NV_AUTH"
  | "LOCKOUT"
  | "NV_INDEX";

/** The handle types the command table uses. Part 2 §9.3–§9.26. */
export const HT: Readonly<Record<HandleTypeName, HandleType>> = {
  /** TPMI_DH_OBJECT. */
  OBJECT: of("TPMI_DH_OBJECT", (h) => isTransient(h) || isPersistent(h)),
  /** TPMI_DH_OBJECT+. */
  OBJECT_NULL: of("TPMI_DH_OBJECT+", (h) => isTransient(h) || isPersistent(h) || h === TPM_RH.NULL),
  /** TPMI_DH_PARENT (+): objects or a hierarchy. */
  PARENT: of(
    "TPMI_DH_PARENT",
    (h) => isTransient(h) || isPersistent(h) || set(...HIERARCHIES, TPM_RH.NULL)(h),
  ),
  /** TPMI_DH_PERSISTENT. */
  PERSISTENT: of("TPMI_DH_PERSISTENT", isPersistent),
  /** TPMI_DH_ENTITY: anything with an authValue (not TPM_RH_NULL, not TPM_RH_PLATFORM_NV). */
  ENTITY: of("TPMI_DH_ENTITY", isEntity),
  /** TPMI_DH_ENTITY+: an entity, or TPM_RH_NULL. */
  ENTITY_NULL: of("TPMI_DH_ENTITY+", (h) => isEntity(h) || h === TPM_RH.NULL),
  /** TPMI_DH_PCR (+). */
  PCR: of("TPMI_DH_PCR", isPcr),
  /** TPMI_DH_PCR+ (NULL allowed). */
  PCR_NULL: of("TPMI_DH_PCR+", (h) => isPcr(h) || h === TPM_RH.NULL),
  /** TPMI_SH_POLICY. */
  POLICY_SESSION: of("TPMI_SH_POLICY", isPolicySession),
  /** TPMI_DH_CONTEXT: sessions and objects. */
  CONTEXT: of(
    "TPMI_DH_CONTEXT",
    (h) => isHmacSession(h) || isPolicySession(h) || isTransient(h),
  ),
  /** TPMI_RH_HIERARCHY (+). */
  HIERARCHY: of("TPMI_RH_HIERARCHY", set(...HIERARCHIES)),
  /** TPMI_RH_HIERARCHY+ (NULL allowed). */
  HIERARCHY_NULL: of("TPMI_RH_HIERARCHY+", set(...HIERARCHIES, TPM_RH.NULL)),
  /** TPMI_RH_ENABLES. */
  ENABLES: of("TPMI_RH_ENABLES", set(...HIERARCHIES, TPM_RH.PLATFORM_NV)),
  /** TPMI_RH_HIERARCHY_AUTH. */
  HIERARCHY_AUTH: of("TPMI_RH_HIERARCHY_AUTH", set(...HIERARCHIES, TPM_RH.LOCKOUT)),
  /** TPMI_RH_PLATFORM. */
  PLATFORM: of("TPMI_RH_PLATFORM", set(TPM_RH.PLATFORM)),
  /** TPMI_RH_ENDORSEMENT. */
  ENDORSEMENT: of("TPMI_RH_ENDORSEMENT", set(TPM_RH.ENDORSEMENT)),
  /** TPMI_RH_PROVISION. */
  PROVISION: of("TPMI_RH_PROVISION", set(TPM_RH.OWNER, TPM_RH.PLATFORM)),
  /** TPMI_RH_CLEAR. */
  CLEAR: of("TPMI_RH_CLEAR", set(TPM_RH.LOCKOUT, TPM_RH.PLATFORM)),
  /** TPMI_RH_NV_AUTH. */
  NV_AUTH: of("TPMI_RH_NV_AUTH", (h) => isNv(h) || set(TPM_RH.OWNER, TPM_RH.PLATFORM)(h)),
  /** TPMI_RH_LOCKOUT. */
  LOCKOUT: of("TPMI_RH_LOCKOUT", set(TPM_RH.LOCKOUT)),
  /** TPMI_RH_NV_INDEX. */
  NV_INDEX: of("TPMI_RH_NV_INDEX", isNv),
};
