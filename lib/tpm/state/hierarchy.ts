/**
 * Hierarchies (Part 1 §13–§14): primary seeds, proofs, authValues,
 * authPolicies and enables. Seeds belong to one TPM instance alone.
 * @module
 */
import { TPM_ALG, TPM_RH } from "../constants.ts";
import type { TpmRandom } from "./random.ts";

/**
 * Size of a primary seed and a proof value (PRIMARY_SEED_SIZE, Part 2 Annex).
 *
 * @example
 * ```ts
 * import { Hierarchies, SEED_SIZE } from "./hierarchy.ts";
 * import { TpmRandom } from "./random.ts";
 * import { TPM_RH } from "../constants.ts";
 * const h = new Hierarchies(new TpmRandom(new Uint8Array(1)));
 * h.get(TPM_RH.ENDORSEMENT).proof.length === SEED_SIZE; // true: 32 bytes
 * ```
 */
export const SEED_SIZE = 32;

/**
 * An authPolicy with its hash algorithm.
 *
 * @example
 * ```ts
 * import { Hierarchies, type Policy } from "./hierarchy.ts";
 * import { TpmRandom } from "./random.ts";
 * import { TPM_ALG, TPM_RH } from "../constants.ts";
 * import { EK_POLICY_A_SHA256 as policyDigest } from "../ek.ts"; // PolicySecret(TPM_RH_ENDORSEMENT)
 * const hierarchies = new Hierarchies(new TpmRandom(new Uint8Array(1)));
 * // What TPM2_SetPrimaryPolicy(TPM_RH_OWNER) stores.
 * const policy: Policy = { alg: TPM_ALG.SHA256, digest: policyDigest };
 * hierarchies.get(TPM_RH.OWNER).policy = policy;
 * ```
 */
export interface Policy {
  /** Hash algorithm of the policy (TPM_ALG_NULL when empty). */
  alg: number;
  /** Policy digest (empty = no policy). */
  digest: Uint8Array;
}

/**
 * Per-hierarchy secrets and settings.
 *
 * @example
 * ```ts
 * import { type Hierarchy, Hierarchies } from "./hierarchy.ts";
 * import { TpmRandom } from "./random.ts";
 * import { TPM_RH } from "../constants.ts";
 * const hierarchies = new Hierarchies(new TpmRandom(new Uint8Array(1)));
 * const owner: Hierarchy = hierarchies.get(TPM_RH.OWNER);
 * owner.auth = new TextEncoder().encode("owner secret"); // as TPM2_HierarchyChangeAuth
 * ```
 */
export interface Hierarchy {
  /** Primary seed (EPS, SPS, PPS or the null seed). */
  seed: Uint8Array;
  /** Proof value keying tickets and context blobs (Part 1 §14.4). */
  proof: Uint8Array;
  /** authValue. */
  auth: Uint8Array;
  /** authPolicy. */
  policy: Policy;
}

const EMPTY_POLICY: Policy = { alg: TPM_ALG.NULL, digest: new Uint8Array(0) };

/**
 * The four hierarchies plus lockout auth and the enables.
 *
 * @example
 * ```ts
 * import { Hierarchies } from "./hierarchy.ts";
 * import { TpmRandom } from "./random.ts";
 * const h = new Hierarchies(new TpmRandom(new Uint8Array(1)));
 * h.get(0x40000001).seed.length; // 32
 * ```
 */
export class Hierarchies {
  /** Owner (storage), endorsement, platform, null; keyed by TPM_RH. */
  readonly map: Map<number, Hierarchy> = new Map();
  /** lockoutAuth and lockoutPolicy. */
  lockoutAuth: Uint8Array = new Uint8Array(0);
  /** lockoutPolicy. */
  lockoutPolicy: Policy = EMPTY_POLICY;
  /** TPMA_STARTUP_CLEAR enables (Part 2 §8.7). */
  shEnable = true;
  /** endorsement hierarchy enable. */
  ehEnable = true;
  /** platform hierarchy enable. */
  phEnable = true;
  /** platform NV enable. */
  phEnableNV = true;
  /** TPMA_PERMANENT.disableClear (Part 3 §24.7). */
  disableClear = false;

  /** Creates fresh seeds for every hierarchy (TPM manufacture). */
  constructor(rng: TpmRandom) {
    for (const h of [TPM_RH.OWNER, TPM_RH.ENDORSEMENT, TPM_RH.PLATFORM, TPM_RH.NULL]) {
      this.map.set(h, fresh(rng));
    }
  }

  /** The hierarchy for a TPM_RH value; throws a RangeError for others (internal misuse). */
  get(handle: number): Hierarchy {
    const h = this.map.get(handle);
    if (!h) throw new RangeError(`not a hierarchy: 0x${handle.toString(16)}`);
    return h;
  }

  /** Replaces a hierarchy's seed, proof, auth and policy (Clear, ChangeEPS, TPM Reset for NULL). */
  regenerate(handle: number, rng: TpmRandom): void {
    this.map.set(handle, fresh(rng));
  }

  /** True when the hierarchy is enabled (NULL always is). Part 1 §13.2. */
  enabled(handle: number): boolean {
    if (handle === TPM_RH.OWNER) return this.shEnable;
    if (handle === TPM_RH.ENDORSEMENT) return this.ehEnable;
    if (handle === TPM_RH.PLATFORM) return this.phEnable;
    return true;
  }

  /** authValue of a permanent handle. */
  authOf(handle: number): Uint8Array {
    if (handle === TPM_RH.LOCKOUT) return this.lockoutAuth;
    return this.map.get(handle)?.auth ?? new Uint8Array(0);
  }

  /** authPolicy of a permanent handle. */
  policyOf(handle: number): Policy {
    if (handle === TPM_RH.LOCKOUT) return this.lockoutPolicy;
    return this.map.get(handle)?.policy ?? EMPTY_POLICY;
  }
}

function fresh(rng: TpmRandom): Hierarchy {
  return {
    seed: rng.bytes(SEED_SIZE),
    proof: rng.bytes(SEED_SIZE),
    auth: new Uint8Array(0),
    policy: EMPTY_POLICY,
  };
}

/** The empty policy value. */
export function emptyPolicy(): Policy {
  return { alg: TPM_ALG.NULL, digest: new Uint8Array(0) };
}
