import assert from "node:assert/strict";
import { toHex } from "../lib/common/hex.ts";
import type { Tpm } from "../lib/tpm/mod.ts";
import { command, rcOf, startedTpm, u32 } from "./tpm_helpers.ts";

async function getCap(tpm: Tpm, cap: number, prop: number, count: number) {
  const rsp = await tpm.execute(command(0x8001, 0x17a, u32(cap), u32(prop), u32(count)));
  assert.equal(rcOf(rsp), 0);
  const v = new DataView(rsp.buffer);
  return {
    more: rsp[10],
    cap: v.getUint32(11),
    count: v.getUint32(15),
    body: rsp.subarray(19),
    view: v,
  };
}

/** TPML_TAGGED_TPM_PROPERTY as a map. */
async function props(tpm: Tpm, start: number, count: number) {
  const r = await getCap(tpm, 6, start, count);
  const m = new Map<number, number>();
  for (let i = 0; i < r.count; i++) {
    m.set(r.view.getUint32(19 + 8 * i), r.view.getUint32(23 + 8 * i));
  }
  return { more: r.more, map: m };
}

Deno.test("tpm capability: PT_FIXED holds the 46 properties tpm2-tools and the TSS read", async () => {
  const tpm = await startedTpm();
  const { more, map } = await props(tpm, 0x100, 127);
  assert.equal(more, 0);
  assert.equal(map.size, 46);
  assert.equal(map.get(0x100), 0x322e3000); // "2.0"
  assert.equal(map.get(0x120), 64); // MAX_DIGEST: tpm2_getrandom aborts without it
  assert.equal(map.get(0x11e), 4096);
  assert.equal(map.get(0x11f), 4096);
  assert.equal(map.get(0x112), 24);
  assert.ok(map.get(0x10e)! >= 3); // HR_TRANSIENT_MIN
  assert.equal(map.get(0x111), 64); // ACTIVE_SESSIONS_MAX
  assert.equal(map.get(0x12c), 1024); // NV_BUFFER_MAX
  assert.ok(map.has(0x106)); // VENDOR_STRING_1
  assert.ok(!map.has(0x115));
  // TOTAL_COMMANDS matches the COMMANDS list.
  const cmds = await getCap(tpm, 2, 0x11f, 256);
  assert.equal(cmds.count, map.get(0x129));
});

Deno.test("tpm capability: paging with moreData is truthful and resumes at property + 1", async () => {
  const tpm = await startedTpm();
  const first = await props(tpm, 0x100, 10);
  assert.equal(first.more, 1);
  assert.equal(first.map.size, 10);
  const last = Math.max(...first.map.keys());
  const rest = await props(tpm, last + 1, 127);
  assert.equal(rest.more, 0);
  assert.equal(first.map.size + rest.map.size, 46);
  // PT_VAR group.
  const v = await props(tpm, 0x200, 127);
  assert.equal(v.more, 0);
  assert.equal(v.map.get(0x20f), 3); // MAX_AUTH_FAIL
  assert.equal((v.map.get(0x201)! >>> 0) & 0xf, 0xf); // all hierarchies enabled
});

Deno.test("tpm capability: algorithms, PCR banks, curves, command attributes, handles", async () => {
  const tpm = await startedTpm();
  const algs = await getCap(tpm, 0, 0, 127);
  const ids: number[] = [];
  for (let i = 0; i < algs.count; i++) ids.push(algs.view.getUint16(19 + 6 * i));
  for (const want of [0x01, 0x04, 0x0b, 0x0c, 0x0d, 0x06, 0x23, 0x43, 0x14, 0x18, 0x17]) {
    assert.ok(ids.includes(want), `alg 0x${want.toString(16)} missing`);
  }
  assert.deepEqual(ids, [...ids].sort((a, b) => a - b));
  const one = await getCap(tpm, 0, 0x0b, 1);
  assert.equal(one.more, 1);
  assert.equal(toHex(one.body.subarray(0, 6)), "000b00000004"); // SHA-256: hash
  const pcrs = await getCap(tpm, 5, 0, 1);
  assert.equal(
    toHex(pcrs.body),
    "0004" + "03ffffff" + "000b03ffffff" + "000c03000000" + "000d03000000",
  );
  const curves = await getCap(tpm, 8, 0, 10);
  assert.equal(toHex(curves.body), "00030004");
  // TPMA_CC of PCR_Extend: index 0x182, one handle (cHandles = 1 << 25).
  const cc = await getCap(tpm, 2, 0x182, 1);
  assert.equal(toHex(cc.body), "02000182");
  // Permanent handles, and an empty transient list.
  const perm = await getCap(tpm, 1, 0x40000000, 3);
  assert.equal(toHex(perm.body), "400000014000000740000009");
  assert.equal(perm.more, 1);
  const trans = await getCap(tpm, 1, 0x80000000, 10);
  assert.equal(trans.count, 0);
  assert.equal(trans.more, 0);
});
