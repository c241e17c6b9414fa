/**
 * Everything one TPM instance owns (no globals): hierarchies and seeds, PCRs,
 * NV, objects, sessions, clock, DA state and the RNG, plus the entity lookups
 * the authorization code needs (Part 1 §15–§16: names, authValues, policies).
 * @module
 */
import { TPM_HT, TPM_RH } from "../constants.ts";
import { emptyPolicy, Hierarchies, type Policy } from "./hierarchy.ts";
import { nvName, NvStore } from "./nv.ts";
import { ObjectStore, u32Bytes } from "./objects.ts";
import { PcrBanks } from "./pcr.ts";
import { TpmRandom } from "./random.ts";
import { SessionTable } from "./sessions.ts";
import { type Now, TpmClock } from "./clock.ts";
import { Lockout } from "./lockout.ts";
import { TPMA_NV, TPMA_OBJECT } from "../constants.ts";

/** The empty authValue (zero length, so no caller can write to it). */
const NO_AUTH = new Uint8Array(0);

/**
 * Why the TPM is or is not accepting commands (Part 1 §12).
 *
 * @example
 * ```ts
 * import { type Phase, TpmState } from "./tpm_state.ts";
 * const state = new TpmState({ seed: new Uint8Array(32) });
 * const phase: Phase = state.phase; // "off" until power-on, then "init" until TPM2_Startup
 * if (phase === "init") console.log("anything but TPM2_Startup gets TPM_RC_INITIALIZE (0x100)");
 * ```
 */
export type Phase = "off" | "init" | "operational" | "failure";

/**
 * The state an orderly Shutdown(STATE) keeps for Startup(STATE) (Part 1 §12.3).
 *
 * @example
 * ```ts
 * import { type SavedState, TpmState } from "./tpm_state.ts";
 * const s = new TpmState({ seed: new Uint8Array(32) });
 * // TPM2_Shutdown(STATE): copy every bank, so later extends cannot reach the saved values.
 * const saved: SavedState = {
 *   pcrs: new Map([...s.pcrs.banks].map(([alg, regs]) => [alg, regs.map((r) => r.slice())])),
 *   pcrCounter: s.pcrs.updateCounter,
 * };
 * s.saved = saved;
 * ```
 */
export interface SavedState {
  /** PCR bank values at shutdown, by algorithm. */
  pcrs: Map<number, Uint8Array[]>;
  /** pcrUpdateCounter at shutdown. */
  pcrCounter: number;
}

/**
 * One TPM's whole state.
 *
 * @example
 * ```ts
 * import { TpmState } from "./tpm_state.ts";
 * const s = new TpmState({ seed: new Uint8Array(32) });
 * s.phase; // "off"
 * ```
 */
export class TpmState {
  /** Random source. */
  readonly rng: TpmRandom;
  /** Hierarchies, seeds, proofs, auths. */
  hierarchies: Hierarchies;
  /** PCR banks. */
  readonly pcrs: PcrBanks = new PcrBanks();
  /** NV indices. */
  readonly nv: NvStore = new NvStore();
  /** Transient and persistent objects. */
  readonly objects: ObjectStore = new ObjectStore();
  /** Sessions. */
  readonly sessions: SessionTable = new SessionTable();
  /** Clock. */
  readonly clock: TpmClock;
  /** DA lockout. */
  readonly lockout: Lockout = new Lockout();
  /** Lifecycle phase. */
  phase: Phase = "off";
  /** Startup type after the last _TPM_Init, or null before Startup. */
  startedWith: number | null = null;
  /** State from Shutdown(STATE), consumed by the next Startup. */
  saved: SavedState | null = null;
  /** True after an orderly Shutdown, until the next Startup (Part 1 §12). */
  orderly = true;
  /** Context sequence counter (contextCounter, Part 1 §30.2). */
  contextCounter = 1n;
  /** Handle of the exclusive audit session, or 0 (Part 1 §19.6.14). */
  exclusiveAudit = 0;
  /** TPM Restarts since the last TPM Reset (the reference's clearCount): voids stClear contexts. */
  clearCount = 0;
  /**
   * TPM Resets over the TPM's life (the reference's totalResetCount): binds
   * object contexts. Unlike resetCount, TPM2_Clear does not set it back, so
   * a context saved before a Clear cannot match again after as many Resets.
   */
  totalResetCount = 0;
  /** The last TPM_RC of SelfTest (GetTestResult). */
  testResult = 0;

  /** Manufactures fresh state; `seed` makes all randomness deterministic. */
  constructor(opts: { seed?: Uint8Array; now?: Now } = {}) {
    this.rng = new TpmRandom(opts.seed);
    this.hierarchies = new Hierarchies(this.rng);
    this.clock = new TpmClock(opts.now);
  }

  /** The name of an entity (Part 1 §16), or undefined when it does not exist. */
  nameOf(handle: number): Uint8Array | undefined {
    const ht = handle >>> 24;
    if (ht === TPM_HT.TRANSIENT || ht === TPM_HT.PERSISTENT) {
      const e = this.objects.get(handle);
      if (!e) return undefined;
      // A sequence object has no nameAlg, so its Name is the Empty Buffer (Part 1 §16;
      // reference AllocateSequenceSlot and EntityGetName); ESYS's HMAC_Start assumes so too.
      return e.kind === "object" ? e.name : new Uint8Array(0);
    }
    if (ht === TPM_HT.NV_INDEX) {
      const ix = this.nv.indices.get(handle);
      return ix ? nvName(ix.pub) : undefined;
    }
    return u32Bytes(handle);
  }

  /** authValue of an entity (Part 1 §15.2); empty if none. */
  authOf(handle: number): Uint8Array {
    const ht = handle >>> 24;
    if (ht === TPM_HT.PERMANENT) return this.hierarchies.authOf(handle);
    if (ht === TPM_HT.NV_INDEX) return this.nv.indices.get(handle)?.authValue ?? NO_AUTH;
    if (ht === TPM_HT.TRANSIENT || ht === TPM_HT.PERSISTENT) {
      return this.objects.get(handle)?.authValue ?? NO_AUTH;
    }
    return NO_AUTH;
  }

  /** authPolicy of an entity. */
  policyOf(handle: number): Policy {
    const ht = handle >>> 24;
    if (ht === TPM_HT.PERMANENT) return this.hierarchies.policyOf(handle);
    if (ht === TPM_HT.NV_INDEX) {
      const ix = this.nv.indices.get(handle);
      return ix ? { alg: ix.pub.nameAlg, digest: ix.pub.authPolicy } : emptyPolicy();
    }
    const o = this.objects.getObject(handle);
    return o ? { alg: o.publicArea.nameAlg, digest: o.publicArea.authPolicy } : emptyPolicy();
  }

  /** True when failed authorizations of `handle` count against DA (Part 1 §19.8.2). */
  isDaProtected(handle: number): boolean {
    const ht = handle >>> 24;
    if (ht === TPM_HT.PERMANENT) return handle === TPM_RH.LOCKOUT;
    if (ht === TPM_HT.NV_INDEX) {
      const ix = this.nv.indices.get(handle);
      return ix ? (ix.pub.attributes & TPMA_NV.NO_DA) === 0 : false;
    }
    if (ht === TPM_HT.TRANSIENT || ht === TPM_HT.PERSISTENT) {
      const o = this.objects.getObject(handle);
      return o ? (o.publicArea.objectAttributes & TPMA_OBJECT.noDA) === 0 : false;
    }
    return false;
  }
}
