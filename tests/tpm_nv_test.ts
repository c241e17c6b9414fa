import assert from "node:assert/strict";
import { toHex } from "../lib/common/hex.ts";
import type { Tpm } from "../lib/tpm/mod.ts";
import {
  b2,
  cat,
  command,
  PW_SESSION,
  pwSession,
  rcOf,
  sha256,
  startedTpm,
  u16,
  u32,
} from "./tpm_helpers.ts";

const OWNER = 0x40000001;
const enc = (s: string) => new TextEncoder().encode(s);
const IX = 0x01800010;

function pub(index: number, attrs: number, size: number): Uint8Array {
  return b2(cat(u32(index), u16(0x0b), u32(attrs), b2(new Uint8Array(0)), u16(size)));
}
async function define(
  tpm: Tpm,
  index: number,
  attrs: number,
  size: number,
  auth = new Uint8Array(0),
) {
  return rcOf(
    await tpm.execute(
      command(0x8002, 0x12a, u32(OWNER), PW_SESSION, b2(auth), pub(index, attrs, size)),
    ),
  );
}
/** Owner-authorized NV command on `index`. */
const ownerNv = (code: number, index: number, ...params: Uint8Array[]) =>
  command(0x8002, code, u32(OWNER), u32(index), PW_SESSION, ...params);
async function read(tpm: Tpm, index: number, size: number, offset = 0) {
  const rsp = await tpm.execute(ownerNv(0x14e, index, u16(size), u16(offset)));
  return { rc: rcOf(rsp), data: toHex(rsp.subarray(16, 16 + size)) };
}

// OWNERWRITE | OWNERREAD (ordinary); TPM_NT in bits 4–7.
const ORD = 0x00020002;
const nt = (t: number) => t << 4;

Deno.test("tpm nv: define, write, read back, read public name = nameAlg || H(TPMS_NV_PUBLIC with WRITTEN)", async () => {
  const tpm = await startedTpm();
  assert.equal(await define(tpm, IX, ORD, 32), 0);
  assert.equal(await define(tpm, IX, ORD, 32), 0x14c); // TPM_RC_NV_DEFINED
  assert.equal((await read(tpm, IX, 4)).rc, 0x14a); // NV_UNINITIALIZED
  assert.equal(rcOf(await tpm.execute(ownerNv(0x137, IX, b2(enc("hello nv")), u16(4)))), 0);
  const r = await read(tpm, IX, 12);
  assert.equal(r.rc, 0);
  assert.equal(r.data, "ffffffff" + toHex(enc("hello nv")));
  assert.equal((await read(tpm, IX, 8, 30)).rc, 0x146); // NV_RANGE
  const rp = await tpm.execute(command(0x8001, 0x169, u32(IX)));
  assert.equal(rcOf(rp), 0);
  const written = cat(u32(IX), u16(0x0b), u32(ORD | 0x20000000), u16(0), u16(32));
  assert.equal(toHex(rp.subarray(10, 12 + written.length)), toHex(b2(written)));
  const name = rp.subarray(14 + written.length);
  assert.equal(toHex(name), "000b" + toHex(sha256(written)));
  assert.equal(rcOf(await tpm.execute(command(0x8002, 0x122, u32(OWNER), u32(IX), PW_SESSION))), 0);
  assert.equal(rcOf(await tpm.execute(command(0x8001, 0x169, u32(IX)))), 0x18b);
});

Deno.test("tpm nv: a fresh counter starts at 1 and counts; extend and set-bits follow Part 3", async () => {
  const tpm = await startedTpm();
  assert.equal(await define(tpm, IX, ORD | nt(1), 8), 0);
  for (let i = 0; i < 3; i++) assert.equal(rcOf(await tpm.execute(ownerNv(0x134, IX))), 0);
  assert.equal((await read(tpm, IX, 8)).data, "0000000000000003");
  // Counters may not be written with NV_Write: a bare TPM_RC_ATTRIBUTES (reference, swtpm).
  assert.equal(rcOf(await tpm.execute(ownerNv(0x137, IX, b2(new Uint8Array(8)), u16(0)))), 0x082);
  const EX = IX + 1;
  assert.equal(await define(tpm, EX, ORD | nt(4), 32), 0);
  assert.equal(rcOf(await tpm.execute(ownerNv(0x136, EX, b2(enc("m1"))))), 0);
  assert.equal((await read(tpm, EX, 32)).data, toHex(sha256(new Uint8Array(32), enc("m1"))));
  assert.equal(await define(tpm, EX + 1, ORD | nt(4), 16), 0x2d5); // wrong size: SIZE, parameter 2
  const BITS = IX + 2;
  assert.equal(await define(tpm, BITS, ORD | nt(2), 8), 0);
  await tpm.execute(ownerNv(0x135, BITS, new Uint8Array([0, 0, 0, 0, 0, 0, 0, 0x05])));
  await tpm.execute(ownerNv(0x135, BITS, new Uint8Array([0x80, 0, 0, 0, 0, 0, 0, 0x02])));
  assert.equal((await read(tpm, BITS, 8)).data, "8000000000000007");
  // A second counter starts above the highest value seen (Part 1 §37.2.2).
  assert.equal(rcOf(await tpm.execute(command(0x8002, 0x122, u32(OWNER), u32(IX), PW_SESSION))), 0);
  assert.equal(await define(tpm, IX, ORD | nt(1), 8), 0);
  await tpm.execute(ownerNv(0x134, IX));
  assert.equal((await read(tpm, IX, 8)).data, "0000000000000004");
});

Deno.test("tpm nv: authorization attributes, write lock and read lock", async () => {
  const tpm = await startedTpm();
  // AUTHWRITE | AUTHREAD | WRITE_STCLEAR | READ_STCLEAR, owner cannot read or write.
  const attrs = 0x00040004 | 0x4000 | 0x80000000;
  assert.equal(await define(tpm, IX, attrs, 8, enc("ixpw")), 0);
  assert.equal(rcOf(await tpm.execute(ownerNv(0x137, IX, b2(enc("x")), u16(0)))), 0x149);
  const self = (code: number, pw: string, ...p: Uint8Array[]) =>
    command(0x8002, code, u32(IX), u32(IX), pwSession(enc(pw)), ...p);
  assert.equal(rcOf(await tpm.execute(self(0x137, "ixpw", b2(enc("12345678")), u16(0)))), 0);
  assert.equal(rcOf(await tpm.execute(self(0x138, "ixpw"))), 0); // NV_WriteLock
  assert.equal(rcOf(await tpm.execute(self(0x137, "ixpw", b2(enc("x")), u16(0)))), 0x148);
  assert.equal(rcOf(await tpm.execute(self(0x14f, "ixpw"))), 0); // NV_ReadLock
  assert.equal(rcOf(await tpm.execute(self(0x14e, "ixpw", u16(8), u16(0)))), 0x148);
  // Both locks end at the next TPM Reset.
  tpm.reset();
  assert.equal(rcOf(await tpm.execute(command(0x8001, 0x144, u16(0)))), 0);
  const rd = await tpm.execute(self(0x14e, "ixpw", u16(8), u16(0)));
  assert.equal(rcOf(rd), 0);
  assert.equal(new TextDecoder().decode(rd.subarray(16, 24)), "12345678");
  assert.equal(rcOf(await tpm.execute(self(0x137, "ixpw", b2(enc("y")), u16(0)))), 0);
});

Deno.test("tpm nv: DefineSpace rejects inconsistent attributes and platform bits under owner", async () => {
  const tpm = await startedTpm();
  assert.equal(await define(tpm, IX, 0x00000002, 8), 0x2c2); // no read bit: ATTRIBUTES, parameter 2
  assert.equal(await define(tpm, IX, ORD | 0x40000000, 8), 0x182); // PLATFORMCREATE under owner: authHandle
  assert.equal(await define(tpm, IX, ORD | 0x20000000, 8), 0x2c2); // WRITTEN set by caller
  assert.equal(await define(tpm, 0x81000000, ORD, 8), 0x2c4); // not an NV handle: VALUE
  assert.equal(await define(tpm, IX, ORD, 4096), 0x2d5); // too big
});
