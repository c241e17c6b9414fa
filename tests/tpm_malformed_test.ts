/**
 * The attacker's view: malformed, truncated and mutated commands each get a
 * well-formed response with the Part 2 code (format one with its handle,
 * parameter or session number where the spec gives one), never an
 * exception, and the TPM keeps working.
 */
import assert from "node:assert/strict";
import { fromHex, toHex } from "../lib/common/hex.ts";
import { Prng } from "../lib/common/prng.ts";
import type { Tpm } from "../lib/tpm/mod.ts";
import { b2, cat, command, PW_SESSION, rcOf, send, startedTpm, u16, u32 } from "./tpm_helpers.ts";

/** Mutation rounds per run; raise for a long fuzz (e.g. `FUZZ_ROUNDS=100000` in a task). */
const FUZZ_ROUNDS = 100_000;

const EXTEND = fromHex(
  "80020000004100000182000000100000000940000009000000000000000001000b" + "ab".repeat(32),
);
const SEEDS: Uint8Array[] = [
  EXTEND,
  fromHex("80010000000c0000017b0020"),
  fromHex("8001000000160000017a000000060000010000000080"),
  fromHex("80010000001400" + "00017e00000001000b03ff0000"),
  cat(
    fromHex("80010000041200" + "00017d0400"),
    new Uint8Array(1024).fill(0x5a),
    fromHex("000b40000001"),
  ),
  fromHex(
    "80020000004100000131400000010000000940000009000000000000040000000000180023000b00040072000000100018000b00030010000000000000",
  ),
];

function wellFormed(rsp: Uint8Array): void {
  assert.ok(rsp.length >= 10, `short response ${toHex(rsp)}`);
  const v = new DataView(rsp.buffer, rsp.byteOffset);
  assert.ok([0x8001, 0x8002, 0x00c4].includes(v.getUint16(0)), `tag ${toHex(rsp.subarray(0, 2))}`);
  assert.equal(v.getUint32(2), rsp.length);
  if (v.getUint32(6) !== 0) assert.equal(rsp.length, 10);
}

async function rc(tpm: Tpm, cmd: Uint8Array): Promise<number> {
  const rsp = await tpm.execute(cmd);
  wellFormed(rsp);
  return rcOf(rsp);
}

Deno.test("tpm malformed: header errors (Part 3 §5.2): tag, size, command code", async () => {
  const tpm = await startedTpm();
  assert.equal(await send(tpm, ""), "80010000000a00000142");
  assert.equal(await send(tpm, "80"), "80010000000a00000142");
  // A TPM 1.2 tag gets TPM_RC_BAD_TAG in a TPM 1.2-style response (tag 0x00C4).
  assert.equal(await send(tpm, "00c1 0000000a 00000099"), "00c40000000a0000001e");
  assert.equal(await send(tpm, "8001 0000000b 0000017b 0008"), "80010000000a00000142");
  assert.equal(await send(tpm, "8001 0000000c 000001ff 0008"), "80010000000a00000143");
  const big = new Uint8Array(4097);
  big.set(fromHex("800100001001000017b0"));
  assert.equal(rcOf(await tpm.execute(big)), 0x142);
});

Deno.test("tpm malformed: parameters: truncation is INSUFFICIENT, leftovers SIZE, oversized TPM2B SIZE", async () => {
  const tpm = await startedTpm();
  assert.equal(await send(tpm, "8001 0000000b 0000017b 00"), "80010000000a000001da");
  assert.equal(await send(tpm, "8001 0000000d 0000017b 0008 00"), "80010000000a00000095");
  const hash = command(0x8001, 0x17d, u16(1025), new Uint8Array(1025), u16(0x0b), u32(0x40000001));
  assert.equal(await rc(tpm, hash), 0x1d5);
  // Unknown hash algorithm: TPM_RC_HASH for parameter 2.
  assert.equal(
    await rc(tpm, command(0x8001, 0x17d, b2(new Uint8Array(1)), u16(0x0099), u32(0x40000001))),
    0x2c3,
  );
  // GetCapability with an unknown capability: VALUE, parameter 1.
  assert.equal(await rc(tpm, command(0x8001, 0x17a, u32(0x77), u32(0), u32(1))), 0x1c4);
});

Deno.test("tpm malformed: handles: wrong type is VALUE, absent transient REFERENCE_H0, absent NV HANDLE", async () => {
  const tpm = await startedTpm();
  const ext = (h: number) => command(0x8002, 0x182, u32(h), PW_SESSION, u32(0));
  assert.equal(await rc(tpm, ext(0x80000000)), 0x184);
  assert.equal(await rc(tpm, command(0x8001, 0x173, u32(0x80000005))), 0x910);
  assert.equal(await rc(tpm, command(0x8001, 0x173, u32(0x81000005))), 0x18b);
  assert.equal(await rc(tpm, command(0x8001, 0x169, u32(0x01000005))), 0x18b);
  assert.equal(await rc(tpm, command(0x8001, 0x173, u16(0x8000))), 0x19a); // truncated handle
});

Deno.test("tpm malformed: sessions: missing, sizes, unknown handles, password rules, too many", async () => {
  const tpm = await startedTpm();
  const digests = cat(u32(1), u16(0x0b), new Uint8Array(32));
  const ext = (area: Uint8Array) => command(0x8002, 0x182, u32(16), area, digests);
  assert.equal(await rc(tpm, command(0x8001, 0x182, u32(16), digests)), 0x125); // AUTH_MISSING
  assert.equal(await rc(tpm, ext(u32(0))), 0x144); // AUTHSIZE
  assert.equal(await rc(tpm, ext(u32(200))), 0x144);
  const one = (h: number, nonce: Uint8Array, attrs: number) =>
    cat(u32(h), b2(nonce), new Uint8Array([attrs]), b2(new Uint8Array(0)));
  const area = (...e: Uint8Array[]) => cat(u32(cat(...e).length), ...e);
  assert.equal(await rc(tpm, ext(area(one(0x40000001, new Uint8Array(0), 1)))), 0x984); // not a session
  assert.equal(await rc(tpm, ext(area(one(0x02000007, new Uint8Array(0), 1)))), 0x918); // not loaded
  assert.equal(await rc(tpm, ext(area(one(0x40000009, new Uint8Array(1), 1)))), 0x98f); // PW nonce
  assert.equal(await rc(tpm, ext(area(one(0x40000009, new Uint8Array(0), 0x40)))), 0x982); // PW encrypt
  const pw = one(0x40000009, new Uint8Array(0), 1);
  assert.equal(await rc(tpm, ext(area(pw, pw, pw, pw))), 0xc95); // 4th session: SIZE, session 4
  // A second password session with no handle to authorize: TPM_RC_HANDLE, session 2.
  assert.equal(await rc(tpm, ext(area(pw, pw))), 0xa8b);
  // Truncated session entry: INSUFFICIENT for session 1.
  assert.equal(
    await rc(tpm, ext(area(u32(0x40000009), u16(0), new Uint8Array([1]), u16(5)))),
    0x99a,
  );
  // Wrong password for the owner (not DA-protected): BAD_AUTH, session 1.
  const clear = (pass: Uint8Array) =>
    command(
      0x8002,
      0x126,
      u32(0x4000000c),
      area(cat(u32(0x40000009), u16(0), new Uint8Array([1]), b2(pass))),
    );
  assert.equal(await rc(tpm, clear(new Uint8Array([1]))), 0x9a2);
  // Sessions on a command that allows none: TPM_RC_AUTH_CONTEXT.
  assert.equal(await rc(tpm, command(0x8002, 0x165, area(pw), u32(0x80000000))), 0x145);
  assert.equal(await rc(tpm, fromHex("80010000000c0000017b0008")), 0);
});

Deno.test("tpm malformed: every truncation of valid commands is answered, never thrown", async () => {
  const tpm = await startedTpm();
  for (const seed of SEEDS) {
    for (let n = 0; n < seed.length; n++) {
      const cut = seed.slice(0, n);
      if (n >= 6) new DataView(cut.buffer).setUint32(2, n);
      const r = await rc(tpm, cut);
      assert.notEqual(r, 0, `prefix ${n} of ${toHex(seed.subarray(0, 10))} succeeded`);
      assert.notEqual(r, 0x101, `prefix ${n} gave TPM_RC_FAILURE`);
    }
  }
  assert.equal(tpm.internalErrors.length, 0);
});

/** A TPM with an ECC primary (0x80000000), a policy session, an NV index and a saved context. */
async function fuzzTarget(seed: number): Promise<{ tpm: Tpm; seeds: Uint8Array[] }> {
  const tpm = await startedTpm(seed);
  const h = (x: string) => fromHex(x.replaceAll(" ", ""));
  const pw = "00000009 40000009 0000 01 0000";
  const primary = h(
    "8002 00000041 00000131 40000001 00000009 40000009 0000 00 0000 0004 0000 0000 0018 0023 000b" +
      " 00040072 0000 0010 0018 000b 0003 0010 0000 0000 0000 00000000",
  );
  assert.equal(await rc(tpm, primary), 0);
  const sess = await tpm.execute(
    h("8001 0000003b 00000176 40000007 40000007 0020" + "55".repeat(32) + "0000 01 0010 000b"),
  );
  const sh = toHex(sess.subarray(10, 14));
  const saved = await tpm.execute(h("8001 0000000e 00000162 80000000"));
  const seeds = [
    ...SEEDS,
    primary,
    h(
      "8001 0000003b 00000176 40000007 40000007 0020" + "55".repeat(32) +
        "0000 00 0006 0080 0043 000b",
    ),
    h("8001 0000003b 00000176 80000000 40000001 0020" + "55".repeat(32) + "0000 01 000a 000b 000b"),
    h(`8002 0000002d 0000012a 40000001 ${pw} 0000 000e 01500001 000b 00060006 0000 0010`),
    h(`8002 00000023 00000137 40000001 01500001 ${pw} 0004 41424344 0000`),
    h(`8002 0000001f 0000014e 40000001 01500001 ${pw} 0004 0000`),
    h(`8001 0000001a 0000017f ${sh} 0000 00000001 000b 03 000001`),
    h(`8001 00000012 0000016c ${sh} 0000015e`),
    h(`8001 0000000e 00000189 ${sh}`),
    cat(h("8001 00000000 00000161"), saved.subarray(10)),
    h("8001 0000000e 00000173 80000000"),
    h(`8002 0000001b 0000015d 80000000 ${pw} 0020` + "11".repeat(32) + "0010 8024 40000007 0000"),
    h("8001 00000010 00000186 0000 000b"),
    h(`8002 00000023 00000120 40000001 80000000 ${pw} 81000001`),
    h(`8002 00000023 00000151 40000001 ${sh} ${pw} 0000 0000 0000 00000000`),
    h(`8002 0000001b 0000013c 00000010 ${pw} 0003 616263`),
  ];
  for (const c of seeds) new DataView(c.buffer, c.byteOffset).setUint32(2, c.length);
  // The seeds are valid commands: the saved context loads back.
  assert.equal(await rc(tpm, seeds[seeds.length - 7]), 0);
  return { tpm, seeds };
}

Deno.test(`tpm malformed: ${FUZZ_ROUNDS} mutated commands: well-formed answers, no internal errors, TPM still works`, async () => {
  const rng = new Prng(0x7e57);
  const BLOCK = 10_000;
  for (let block = 0; block * BLOCK < FUZZ_ROUNDS; block++) {
    const { tpm, seeds } = await fuzzTarget(block + 1);
    for (let i = 0; i < BLOCK; i++) wellFormed(await tpm.execute(mutate(rng, seeds)));
    assert.deepEqual(tpm.internalErrors.map((e) => e.command), []);
    // Still operational (a mutated Startup may have been refused; recover as a platform would).
    if (rcOf(await tpm.execute(fromHex("80010000000c0000017b0008"))) === 0x100) {
      await tpm.execute(fromHex("80010000000c000001440000"));
    }
    assert.equal(rcOf(await tpm.execute(fromHex("80010000000c0000017b0008"))), 0);
    assert.equal(rcOf(await tpm.execute(EXTEND)), 0);
  }
});

/** One hostile command: random bytes, or a seed with a few bytes changed (header kept half the time). */
function mutate(rng: Prng, seeds: Uint8Array[]): Uint8Array {
  if (rng.below(10) === 0) {
    const cmd = new Uint8Array(rng.below(64));
    for (let j = 0; j < cmd.length; j++) cmd[j] = rng.below(256);
    return cmd;
  }
  const cmd = seeds[rng.below(seeds.length)].slice();
  const keepHeader = rng.below(2) === 0;
  const flips = 1 + rng.below(4);
  for (let j = 0; j < flips; j++) {
    const at = keepHeader ? 10 + rng.below(Math.max(1, cmd.length - 10)) : rng.below(cmd.length);
    if (at < cmd.length) cmd[at] = rng.below(256);
  }
  if (rng.below(8) === 0) return cmd.slice(0, rng.below(cmd.length));
  return cmd;
}
