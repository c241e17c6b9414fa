/**
 * The persistent-state blob (what a real TPM keeps in NV, Part 1 §37):
 * hierarchies and seeds, lockout settings, NV indices, persistent objects,
 * PCR allocation, clock and counters, and a Shutdown(STATE) save. Format:
 * "TSVTPM01" || u32 length || JSON || SHA-256(magic || JSON). The digest
 * catches corruption; secrecy of the blob is the host's job (the SVSM keeps
 * it inside the CVM).
 * @module
 */
import { createHash } from "node:crypto";
import { fromHex, toHex } from "../../common/hex.ts";
import { decode } from "../marshal/codec.ts";
import { TPMT_PUBLIC } from "../marshal/types.ts";
import { makeObject } from "./objects.ts";
import type { TpmState } from "./tpm_state.ts";

const MAGIC = new TextEncoder().encode("TSVTPM01");

type Json = Record<string, unknown>;

function pack(s: TpmState): Json {
  const h = s.hierarchies;
  return {
    hierarchies: [...h.map].map(([k, v]) => ({
      handle: k,
      seed: toHex(v.seed),
      proof: toHex(v.proof),
      auth: toHex(v.auth),
      policyAlg: v.policy.alg,
      policy: toHex(v.policy.digest),
    })),
    lockoutAuth: toHex(h.lockoutAuth),
    lockoutPolicyAlg: h.lockoutPolicy.alg,
    lockoutPolicy: toHex(h.lockoutPolicy.digest),
    disableClear: h.disableClear,
    shEnable: h.shEnable,
    ehEnable: h.ehEnable,
    da: {
      failedTries: s.lockout.failedTries,
      maxTries: s.lockout.maxTries,
      recoveryTime: s.lockout.recoveryTime,
      lockoutRecovery: s.lockout.lockoutRecovery,
    },
    nv: [...s.nv.indices].map(([k, ix]) => ({
      handle: k,
      nameAlg: ix.pub.nameAlg,
      attributes: ix.pub.attributes >>> 0,
      authPolicy: toHex(ix.pub.authPolicy),
      dataSize: ix.pub.dataSize,
      auth: toHex(ix.authValue),
      data: toHex(ix.data),
    })),
    maxCounter: s.nv.maxCounter.toString(),
    persistent: [...s.objects.persistent].map(([k, o]) => ({
      handle: k,
      public: toHex(o.publicBytes),
      auth: toHex(o.authValue),
      seed: toHex(o.seedValue),
      sensitive: toHex(o.sensitive),
      hierarchy: o.hierarchy,
      qn: toHex(o.qualifiedName),
    })),
    pcrAllocation: s.pcrs.pendingAllocation,
    clock: s.clock.clock().toString(),
    resetCount: s.clock.resetCount,
    restartCount: s.clock.restartCount,
    clearCount: s.clearCount,
    totalResetCount: s.totalResetCount,
    orderly: s.orderly,
    saved: s.saved
      ? {
        pcrs: [...s.saved.pcrs].map(([alg, regs]) => ({ alg, regs: regs.map(toHex) })),
        pcrCounter: s.saved.pcrCounter,
      }
      : null,
  };
}

/** Serializes the persistent part of `s`. */
export function savePersistentState(s: TpmState): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(pack(s)));
  const tag = createHash("sha256").update(MAGIC).update(json).digest();
  const out = new Uint8Array(MAGIC.length + 4 + json.length + 32);
  out.set(MAGIC);
  new DataView(out.buffer).setUint32(MAGIC.length, json.length);
  out.set(json, MAGIC.length + 4);
  out.set(tag, MAGIC.length + 4 + json.length);
  return out;
}

/** Restores `s` from a blob; throws a `RangeError` if it is not intact. */
export function loadPersistentState(s: TpmState, blob: Uint8Array): void {
  const head = MAGIC.length + 4;
  if (blob.length < head + 32 || !MAGIC.every((b, i) => blob[i] === b)) {
    throw new RangeError("TPM state: not a state blob");
  }
  const len = new DataView(blob.buffer, blob.byteOffset).getUint32(MAGIC.length);
  if (head + len + 32 !== blob.length) throw new RangeError("TPM state: bad length");
  const json = blob.subarray(head, head + len);
  const tag = createHash("sha256").update(MAGIC).update(json).digest();
  if (!tag.equals(blob.subarray(head + len))) {
    throw new RangeError("TPM state: integrity check failed");
  }
  unpack(s, JSON.parse(new TextDecoder().decode(json)));
}

// deno-lint-ignore no-explicit-any
function unpack(s: TpmState, j: any): void {
  const h = s.hierarchies;
  for (const x of j.hierarchies) {
    h.map.set(x.handle, {
      seed: fromHex(x.seed),
      proof: fromHex(x.proof),
      auth: fromHex(x.auth),
      policy: { alg: x.policyAlg, digest: fromHex(x.policy) },
    });
  }
  h.lockoutAuth = fromHex(j.lockoutAuth);
  h.lockoutPolicy = { alg: j.lockoutPolicyAlg, digest: fromHex(j.lockoutPolicy) };
  h.disableClear = j.disableClear;
  h.shEnable = j.shEnable;
  h.ehEnable = j.ehEnable;
  Object.assign(s.lockout, j.da);
  for (const x of j.nv) {
    s.nv.indices.set(x.handle, {
      pub: {
        nvIndex: x.handle,
        nameAlg: x.nameAlg,
        attributes: x.attributes,
        authPolicy: fromHex(x.authPolicy),
        dataSize: x.dataSize,
      },
      authValue: fromHex(x.auth),
      data: fromHex(x.data),
    });
  }
  s.nv.maxCounter = BigInt(j.maxCounter);
  for (const x of j.persistent) {
    const obj = makeObject({
      publicArea: decode(TPMT_PUBLIC, fromHex(x.public)),
      authValue: fromHex(x.auth),
      seedValue: fromHex(x.seed),
      sensitive: fromHex(x.sensitive),
      hierarchy: x.hierarchy,
    });
    s.objects.persistent.set(x.handle, {
      ...obj,
      qualifiedName: fromHex(x.qn),
      evictHandle: x.handle,
    });
  }
  s.pcrs.pendingAllocation = j.pcrAllocation;
  s.pcrs.resetAll();
  s.clock.setClock(BigInt(j.clock));
  s.clock.resetCount = j.resetCount;
  s.clock.restartCount = j.restartCount;
  s.clearCount = j.clearCount ?? 0;
  s.totalResetCount = j.totalResetCount ?? j.resetCount;
  s.orderly = j.orderly;
  s.saved = j.saved
    ? {
      pcrs: new Map(
        j.saved.pcrs.map((b: { alg: number; regs: string[] }) => [b.alg, b.regs.map(fromHex)]),
      ),
      pcrCounter: j.saved.pcrCounter,
    }
    : null;
}
