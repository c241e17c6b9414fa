/**
 * Loaded objects (Part 1 §24–§26): transient slots and persistent (evicted)
 * objects, plus hash/HMAC/event sequence objects, which share the transient
 * slots (Part 1 §32.4). Names follow Part 1 §16: nameAlg || H(TPMT_PUBLIC).
 * @module
 */
import type { Hash, Hmac } from "node:crypto";
import { LIMITS, TPM_ALG, TPM_HR } from "../constants.ts";
import { encode } from "../marshal/codec.ts";
import { TPMT_PUBLIC, type TpmtPublic } from "../marshal/types.ts";
import { TPM_RC, TpmError } from "../response_code.ts";
import { digest } from "../crypto/hash.ts";

/**
 * A key or data object (Part 1 §24.2).
 *
 * @example
 * ```ts
 * import { makeObject, ObjectStore, type TpmObject } from "./objects.ts";
 * import { TPM_RH, TPMA_OBJECT } from "../constants.ts";
 * import { EK_ECC_P256_TEMPLATE } from "../ek.ts";
 * const objects = new ObjectStore();
 * objects.add(makeObject({ publicArea: EK_ECC_P256_TEMPLATE, hierarchy: TPM_RH.ENDORSEMENT }));
 * const key: TpmObject | undefined = objects.getObject(0x80000000);
 * const canSign = key !== undefined && !key.publicOnly &&
 *   (key.publicArea.objectAttributes & TPMA_OBJECT.sign) !== 0; // false: an EK decrypts
 * ```
 */
export interface TpmObject {
  /** Discriminator against {@link HashSequence}. */
  readonly kind: "object";
  /** Decoded public area. */
  readonly publicArea: TpmtPublic;
  /** The marshalled TPMT_PUBLIC, exactly as hashed into the name. */
  readonly publicBytes: Uint8Array;
  /** nameAlg || H(publicBytes) (Part 1 §16). */
  readonly name: Uint8Array;
  /** authValue (TPM2B_AUTH, trailing zeros kept as given). */
  authValue: Uint8Array;
  /** seedValue (obfuscation / symmetric seed of storage keys; may be empty). */
  readonly seedValue: Uint8Array;
  /**
   * TPMU_SENSITIVE_COMPOSITE: RSA prime p, ECC private d, HMAC/symmetric key
   * or sealed data. Empty for a public-only object (LoadExternal without
   * sensitive).
   */
  readonly sensitive: Uint8Array;
  /** True when only the public part is loaded. */
  readonly publicOnly: boolean;
  /** The hierarchy the object belongs to (TPM_RH_OWNER/ENDORSEMENT/PLATFORM/NULL). */
  readonly hierarchy: number;
  /** Qualified name (Part 1 §16.6); equals `name` for primaries' parents. */
  readonly qualifiedName: Uint8Array;
  /** Handle of the persistent copy, when this object came from EvictControl. */
  evictHandle?: number;
  /** Crypto-side cache (e.g. a `KeyObject`); never serialized. */
  cache?: unknown;
}

/**
 * A hash, HMAC or event sequence object (Part 1 §32.4, Part 3 §17).
 *
 * @example
 * ```ts
 * import { createHash } from "node:crypto";
 * import { type HashSequence, ObjectStore } from "./objects.ts";
 * import { TPM_ALG } from "../constants.ts";
 * // What TPM2_HashSequenceStart(SHA-256) loads.
 * const seq: HashSequence = {
 *   kind: "sequence",
 *   type: "hash",
 *   hashAlg: TPM_ALG.SHA256,
 *   states: new Map([[TPM_ALG.SHA256, createHash("sha256")]]),
 *   authValue: new Uint8Array(0),
 *   firstBytes: new Uint8Array(0),
 *   length: 0,
 * };
 * new ObjectStore().add(seq); // 0x80000000, the first transient handle
 * ```
 */
export interface HashSequence {
  /** Discriminator against {@link TpmObject}. */
  readonly kind: "sequence";
  /** "hash", "hmac" or "event" (one hash per implemented bank). */
  readonly type: "hash" | "hmac" | "event";
  /** Hash algorithm (TPM_ALG_NULL for event sequences). */
  readonly hashAlg: number;
  /** Running state: one entry, or one per bank for events (keyed by alg). */
  readonly states: Map<number, Hash | Hmac>;
  /** The sequence's authValue. */
  authValue: Uint8Array;
  /** Ticket bookkeeping: first 4 bytes of hashed data (Part 3 §17.5: TPM_GENERATED). */
  firstBytes: Uint8Array;
  /** Total bytes hashed (for the TPM_GENERATED check on short inputs). */
  length: number;
}

/**
 * Anything that occupies a transient slot.
 *
 * @example
 * ```ts
 * import { createHash } from "node:crypto";
 * import { type LoadedEntity, ObjectStore } from "./objects.ts";
 * import { TPM_ALG } from "../constants.ts";
 * const objects = new ObjectStore();
 * const handle = objects.add({
 *   kind: "sequence",
 *   type: "hash",
 *   hashAlg: TPM_ALG.SHA256,
 *   states: new Map([[TPM_ALG.SHA256, createHash("sha256")]]),
 *   authValue: new Uint8Array(0),
 *   firstBytes: new Uint8Array(0),
 *   length: 0,
 * });
 * const entity: LoadedEntity | undefined = objects.get(handle);
 * // TPM2_SequenceUpdate takes only a sequence; a key there is TPM_RC_MODE.
 * if (entity?.kind === "sequence") entity.states.forEach((h) => h.update(new Uint8Array([1])));
 * ```
 */
export type LoadedEntity = TpmObject | HashSequence;

/**
 * Computes an object's name: nameAlg || H(TPMT_PUBLIC), or just the handle's
 * 4 bytes for nameAlg NULL (Part 1 §16).
 */
export function objectName(pub: TpmtPublic, publicBytes: Uint8Array): Uint8Array {
  if (pub.nameAlg === TPM_ALG.NULL) return new Uint8Array(0);
  const h = digest(pub.nameAlg, publicBytes);
  const out = new Uint8Array(2 + h.length);
  out[0] = pub.nameAlg >> 8;
  out[1] = pub.nameAlg & 0xff;
  out.set(h, 2);
  return out;
}

/**
 * What {@link makeObject} needs; the rest is derived.
 *
 * @example
 * ```ts
 * import { makeObject, type ObjectInit } from "./objects.ts";
 * import type { TpmtPublic } from "../marshal/types.ts";
 * import { TPM_ALG, TPM_RH, TPMA_OBJECT } from "../constants.ts";
 * import { EK_ECC_P256_TEMPLATE } from "../ek.ts";
 * const parent = makeObject({ publicArea: EK_ECC_P256_TEMPLATE, hierarchy: TPM_RH.ENDORSEMENT });
 * // An unrestricted P-256 signing key (its unique left zero here).
 * const publicArea: TpmtPublic = {
 *   ...EK_ECC_P256_TEMPLATE,
 *   objectAttributes: TPMA_OBJECT.sign | TPMA_OBJECT.userWithAuth | TPMA_OBJECT.sensitiveDataOrigin,
 *   authPolicy: new Uint8Array(0),
 *   symmetric: { algorithm: TPM_ALG.NULL, keyBits: 0, mode: 0 },
 * };
 * // A child key loaded under `parent`: its QN chains from the parent's.
 * const init: ObjectInit = {
 *   publicArea,
 *   authValue: new TextEncoder().encode("key auth"),
 *   hierarchy: TPM_RH.ENDORSEMENT,
 *   parentQualifiedName: parent.qualifiedName,
 * };
 * const child = makeObject(init);
 * ```
 */
export interface ObjectInit {
  /** Decoded public area. */
  publicArea: TpmtPublic;
  /** authValue. */
  authValue?: Uint8Array;
  /** seedValue. */
  seedValue?: Uint8Array;
  /** Sensitive composite (empty for public-only). */
  sensitive?: Uint8Array;
  /** Hierarchy. */
  hierarchy: number;
  /** True for LoadExternal of a public part only. */
  publicOnly?: boolean;
  /** Parent's qualified name; omitted for primaries (the hierarchy handle is used). */
  parentQualifiedName?: Uint8Array;
  /** Crypto cache. */
  cache?: unknown;
}

/**
 * Builds a {@link TpmObject}, marshalling the public area once and computing
 * its name and qualified name (QN = H(parentQN || name), Part 1 §16.6).
 *
 * @example
 * ```ts
 * import { makeObject } from "./objects.ts";
 * import { EK_ECC_P256_TEMPLATE } from "../ek.ts";
 * const obj = makeObject({ publicArea: EK_ECC_P256_TEMPLATE, hierarchy: 0x4000000b });
 * obj.name.length; // 34: nameAlg (0x000b) then SHA-256 of the TPMT_PUBLIC
 * ```
 */
export function makeObject(init: ObjectInit): TpmObject {
  const publicBytes = encode(TPMT_PUBLIC, init.publicArea);
  const name = objectName(init.publicArea, publicBytes);
  const parentQN = init.parentQualifiedName ?? u32Bytes(init.hierarchy);
  const qualifiedName = init.publicArea.nameAlg === TPM_ALG.NULL
    ? name
    : concatName(init.publicArea.nameAlg, digest(init.publicArea.nameAlg, parentQN, name));
  return {
    kind: "object",
    publicArea: init.publicArea,
    publicBytes,
    name,
    authValue: init.authValue ?? new Uint8Array(0),
    seedValue: init.seedValue ?? new Uint8Array(0),
    sensitive: init.sensitive ?? new Uint8Array(0),
    publicOnly: init.publicOnly ?? false,
    hierarchy: init.hierarchy,
    qualifiedName,
    cache: init.cache,
  };
}

function concatName(alg: number, h: Uint8Array): Uint8Array {
  const out = new Uint8Array(2 + h.length);
  out[0] = alg >> 8;
  out[1] = alg & 0xff;
  out.set(h, 2);
  return out;
}

/** A handle as its 4 big-endian bytes (the name of a permanent/PCR/session entity). */
export function u32Bytes(v: number): Uint8Array {
  return new Uint8Array([v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff]);
}

/**
 * Transient slots and persistent objects. Transient handles are allocated
 * from 0x80000000 upward, reusing the lowest free one; a full table is
 * TPM_RC_OBJECT_MEMORY (Part 3 §12.2).
 *
 * @example
 * ```ts
 * import { ObjectStore } from "./objects.ts";
 * const store = new ObjectStore();
 * store.transientCount; // 0
 * ```
 */
export class ObjectStore {
  readonly #transient = new Map<number, LoadedEntity>();
  /** Evicted objects by persistent handle (0x81xxxxxx); part of NV. */
  readonly persistent: Map<number, TpmObject> = new Map();

  /** Number of occupied transient slots. */
  get transientCount(): number {
    return this.#transient.size;
  }
  /** Free transient slots. */
  get transientFree(): number {
    return LIMITS.TRANSIENT_SLOTS - this.#transient.size;
  }
  /** Occupied transient handles, ascending. */
  transientHandles(): number[] {
    return [...this.#transient.keys()].sort((a, b) => a - b);
  }

  /** Loads `entity` into a free slot and returns its handle. */
  add(entity: LoadedEntity): number {
    if (this.#transient.size >= LIMITS.TRANSIENT_SLOTS) throw new TpmError(TPM_RC.OBJECT_MEMORY);
    let h = TPM_HR.TRANSIENT_FIRST;
    while (this.#transient.has(h)) h++;
    this.#transient.set(h, entity);
    return h;
  }

  /** The entity at a transient or persistent handle, if present. */
  get(handle: number): LoadedEntity | undefined {
    return this.#transient.get(handle) ?? this.persistent.get(handle);
  }

  /** The key/data object at `handle` (not a sequence), if present. */
  getObject(handle: number): TpmObject | undefined {
    const e = this.get(handle);
    return e?.kind === "object" ? e : undefined;
  }

  /** Removes a transient entity; false if none was there. */
  flush(handle: number): boolean {
    return this.#transient.delete(handle);
  }

  /** Drops every transient entity (TPM Reset/Restart, Part 1 §12). */
  flushAll(): void {
    this.#transient.clear();
  }

  /** Drops transient entities matching `pred` (e.g. a hierarchy's objects). */
  flushWhere(pred: (e: LoadedEntity) => boolean): void {
    for (const [h, e] of this.#transient) if (pred(e)) this.#transient.delete(h);
  }
}
