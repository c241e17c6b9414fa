/**
 * TPM2_GetCapability (Part 3 §30.2): TPMS_CAPABILITY_DATA for each TPM_CAP,
 * starting at `property`, at most `propertyCount` entries, with moreData
 * telling the truth (tpm2-tools pages on it, tpm-interop.md §3.1).
 * @module
 */
import { LIMITS, TPM_ALG, TPM_CAP, TPM_CC, TPM_HT, TPM_PT_PCR, TPM_RH } from "../constants.ts";
import { type CommandContext, defineCommand } from "../dispatch.ts";
import { TpmWriter } from "../marshal/buffer.ts";
import { RAW, UINT32, UINT8 } from "../marshal/codec.ts";
import { HASH_ALGS } from "../marshal/types.ts";
import { paramError, TPM_RC } from "../response_code.ts";
import { ALGORITHMS, CURVES, fixedProperties, variableProperties } from "./capabilities.ts";

/** Entries that fit in MAX_CAP_BUFFER, per element size (Part 2 §6.13 MAX_CAP_*). */
const capMax = (elemSize: number): number => Math.floor((LIMITS.MAX_CAP_BUFFER - 8) / elemSize);

/** A page of a sorted list: entries ≥ start, at most `count`, and whether more remain. */
function page<T>(items: T[], key: (t: T) => number, start: number, count: number, max: number) {
  const from = items.filter((t) => key(t) >>> 0 >= start >>> 0);
  const n = Math.min(count, max);
  return { items: from.slice(0, n), more: from.length > n };
}

type Answer = { more: boolean; data: Uint8Array };

function algs(start: number, count: number): Answer {
  const p = page([...ALGORITHMS], (a) => a[0], start, count, capMax(6));
  const w = new TpmWriter().u32(p.items.length);
  for (const [alg, attrs] of p.items) w.u16(alg).u32(attrs);
  return { more: p.more, data: w.finish() };
}

function handles(ctx: CommandContext, start: number, count: number): Answer {
  const s = ctx.state;
  const ht = start >>> 24;
  let all: number[] = [];
  if (ht === TPM_HT.TRANSIENT) all = s.objects.transientHandles();
  else if (ht === TPM_HT.PERSISTENT) all = [...s.objects.persistent.keys()];
  else if (ht === TPM_HT.NV_INDEX) all = [...s.nv.indices.keys()];
  else if (ht === TPM_HT.HMAC_SESSION) {
    all = s.sessions.all().filter((x) => !x.saved).map((x) => x.handle);
  } else if (ht === TPM_HT.POLICY_SESSION) {
    all = s.sessions.all().filter((x) => x.saved).map((x) => x.handle);
  } else if (ht === TPM_HT.PERMANENT) {
    all = [
      TPM_RH.OWNER,
      TPM_RH.NULL,
      TPM_RH.PW,
      TPM_RH.LOCKOUT,
      TPM_RH.ENDORSEMENT,
      TPM_RH.PLATFORM,
      TPM_RH.PLATFORM_NV,
    ];
  } else if (ht === TPM_HT.PCR) all = Array.from({ length: LIMITS.PCR_COUNT }, (_, i) => i);
  // A handle type with no list: TPM_RC_HANDLE on property (reference GetCapability).
  else throw paramError(TPM_RC.HANDLE, 2);
  // Loaded (0x02) and saved (0x03) session lists hold both session types; order by slot.
  const isSession = ht === TPM_HT.HMAC_SESSION || ht === TPM_HT.POLICY_SESSION;
  const key = (h: number) => (isSession ? h & 0xffffff : h) >>> 0;
  all = all.filter((h) => isSession || h >>> 24 === ht).sort((a, b) => key(a) - key(b));
  const p = page(all, key, key(start), count, capMax(4));
  const w = new TpmWriter().u32(p.items.length);
  for (const h of p.items) w.u32(h);
  return { more: p.more, data: w.finish() };
}

function commands(ctx: CommandContext, start: number, count: number): Answer {
  const defs = [...ctx.table.values()].sort((a, b) => a.code - b.code);
  const p = page(defs, (d) => d.code, start, count, capMax(4));
  const w = new TpmWriter().u32(p.items.length);
  for (const d of p.items) {
    // TPMA_CC (Part 2 §8.9): commandIndex, cHandles, rHandle, flushed for FlushContext.
    const flushed = d.code === TPM_CC.FlushContext ? 1 << 24 : 0;
    w.u32((d.code | flushed | (d.handles.length << 25) | (d.responseHandle ? 1 << 28 : 0)) >>> 0);
  }
  return { more: p.more, data: w.finish() };
}

function pcrs(ctx: CommandContext): Answer {
  const w = new TpmWriter().u32(HASH_ALGS.length);
  for (const alg of HASH_ALGS) {
    const on = ctx.state.pcrs.banks.has(alg) ? 0xff : 0;
    w.u16(alg).u8(3).u8(on).u8(on).u8(on);
  }
  return { more: false, data: w.finish() };
}

function properties(ctx: CommandContext, start: number, count: number): Answer {
  // One group per answer, as swtpm does: PT_FIXED asked from 0x100 ends at its last entry
  // with moreData NO (tpm-interop.md §1.3 capture: 46 entries, moreData 00).
  const all = start >>> 0 < 0x200 ? fixedProperties(ctx.table.size) : variableProperties(ctx.state);
  const p = page(all, (e) => e[0], start, count, capMax(8));
  const w = new TpmWriter().u32(p.items.length);
  for (const [k, v] of p.items) w.u32(k).u32(v);
  return { more: p.more, data: w.finish() };
}

/** PCR attributes per PC Client: which PCRs save, reset or extend at which locality. */
function pcrProperties(start: number, count: number): Answer {
  const sel = (pcrs: number[]) => {
    const b = new Uint8Array(3);
    for (const i of pcrs) b[i >> 3] |= 1 << (i & 7);
    return b;
  };
  const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);
  const table: [number, Uint8Array][] = [
    [TPM_PT_PCR.SAVE, sel(range(0, 15))],
    [TPM_PT_PCR.EXTEND_L0, sel([...range(0, 16), 23])],
    [TPM_PT_PCR.RESET_L0, sel([16, 23])],
    [TPM_PT_PCR.EXTEND_L1, sel([...range(0, 16), 20, 23])],
    [TPM_PT_PCR.RESET_L1, sel([16, 23])],
    [TPM_PT_PCR.EXTEND_L2, sel(range(0, 23))],
    [TPM_PT_PCR.RESET_L2, sel([16, 20, 21, 22, 23])],
    [TPM_PT_PCR.EXTEND_L3, sel([...range(0, 20), 23])],
    [TPM_PT_PCR.RESET_L3, sel([16, 23])],
    [TPM_PT_PCR.EXTEND_L4, sel([...range(0, 20), 23])],
    [TPM_PT_PCR.RESET_L4, sel([...range(16, 20), 23])],
    [TPM_PT_PCR.NO_INCREMENT, sel([16, 23])],
    [TPM_PT_PCR.DRTM_RESET, sel(range(17, 22))],
    [TPM_PT_PCR.POLICY, sel([])],
    [TPM_PT_PCR.AUTH, sel([])],
  ];
  const p = page(table, (e) => e[0], start, count, capMax(8));
  const w = new TpmWriter().u32(p.items.length);
  for (const [tag, b] of p.items) w.u32(tag).u8(3).bytes(b);
  return { more: p.more, data: w.finish() };
}

function curves(start: number, count: number): Answer {
  const p = page([...CURVES], (c) => c, start, count, capMax(2));
  const w = new TpmWriter().u32(p.items.length);
  for (const c of p.items) w.u16(c);
  return { more: p.more, data: w.finish() };
}

const EMPTY_LIST: Answer = { more: false, data: new Uint8Array(4) };

// TPM_RH_ACT_0 … TPM_RH_ACT_F (Part 2 §7.4).
const ACT_FIRST = 0x40000110;
const ACT_LAST = 0x4000011f;

/** TPML_TAGGED_POLICY: each hierarchy's policy as a TPMT_HA (TPM_ALG_NULL when none), by handle. */
function authPolicies(ctx: CommandContext, start: number, count: number): Answer {
  const h = ctx.state.hierarchies;
  const list: [number, { alg: number; digest: Uint8Array }][] = [
    [TPM_RH.OWNER, h.get(TPM_RH.OWNER).policy],
    [TPM_RH.LOCKOUT, h.lockoutPolicy],
    [TPM_RH.ENDORSEMENT, h.get(TPM_RH.ENDORSEMENT).policy],
    [TPM_RH.PLATFORM, h.get(TPM_RH.PLATFORM).policy],
  ];
  const p = page(list, (e) => e[0], start, count, capMax(4 + 2 + 64));
  const w = new TpmWriter().u32(p.items.length);
  for (const [handle, policy] of p.items) {
    w.u32(handle).u16(policy.digest.length ? policy.alg : TPM_ALG.NULL).bytes(policy.digest);
  }
  return { more: p.more, data: w.finish() };
}

/** TPM2_GetCapability. */
export const GetCapability = defineCommand({
  code: TPM_CC.GetCapability,
  name: "GetCapability",
  handles: [],
  params: { capability: UINT32, property: UINT32, propertyCount: UINT32 },
  response: { moreData: UINT8, capability: UINT32, data: RAW },
  execute(ctx, { capability, property, propertyCount }) {
    const a = answer(ctx, capability, property, propertyCount);
    return { moreData: a.more ? 1 : 0, capability, data: a.data };
  },
});

function answer(ctx: CommandContext, cap: number, start: number, count: number): Answer {
  switch (cap) {
    case TPM_CAP.ALGS:
      // The reference casts property to a TPM_ALG_ID.
      return algs(start & 0xffff, count);
    case TPM_CAP.HANDLES:
      return handles(ctx, start, count);
    case TPM_CAP.COMMANDS:
      return commands(ctx, start, count);
    case TPM_CAP.PP_COMMANDS:
    case TPM_CAP.AUDIT_COMMANDS:
      return EMPTY_LIST;
    case TPM_CAP.AUTH_POLICIES:
      // property names a permanent handle (reference GetCapability).
      if (start >>> 24 !== TPM_HT.PERMANENT) throw paramError(TPM_RC.VALUE, 2);
      return authPolicies(ctx, start, count);
    case TPM_CAP.ACT:
      // No ACT is implemented: an empty list for an ACT handle, else TPM_RC_VALUE.
      if (start >>> 0 < ACT_FIRST || start >>> 0 > ACT_LAST) throw paramError(TPM_RC.VALUE, 2);
      return EMPTY_LIST;
    case TPM_CAP.PCRS:
      // property must be 0 (reference GetCapability).
      if (start !== 0) throw paramError(TPM_RC.VALUE, 2);
      return pcrs(ctx);
    case TPM_CAP.TPM_PROPERTIES:
      return properties(ctx, start, count);
    case TPM_CAP.PCR_PROPERTIES:
      return pcrProperties(start, count);
    case TPM_CAP.ECC_CURVES:
      return curves(start, count);
    default:
      throw paramError(TPM_RC.VALUE, 1);
  }
}
