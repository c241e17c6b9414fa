import assert from "node:assert/strict";
import { toHex } from "../lib/common/hex.ts";
import type { Tpm } from "../lib/tpm/mod.ts";
import {
  b2,
  type CallerSession,
  cat,
  command,
  PW_SESSION,
  rcOf,
  sha256,
  startedTpm,
  startSession,
  u16,
  u32,
} from "./tpm_helpers.ts";

const OWNER = 0x40000001;
const IX = 0x01500002;
const zero = () => new Uint8Array(32);

async function policy(tpm: Tpm, code: number, handle: number, ...params: Uint8Array[]) {
  return rcOf(await tpm.execute(command(0x8001, code, u32(handle), ...params)));
}
async function digestOf(tpm: Tpm, h: number): Promise<string> {
  const rsp = await tpm.execute(command(0x8001, 0x189, u32(h)));
  return toHex(rsp.subarray(12));
}
/** A policy session entry with an empty HMAC (no authValue in the policy). */
const policyArea = (s: CallerSession) => {
  const e = cat(u32(s.handle), b2(new Uint8Array(32).fill(1)), new Uint8Array([1]), u16(0));
  return cat(u32(e.length), e);
};
const nvPub = (attrs: number, pol: Uint8Array) =>
  b2(cat(u32(IX), u16(0x0b), u32(attrs), b2(pol), u16(8)));

Deno.test("tpm policy: PolicyCpHash, PolicyNameHash, PolicyNvWritten, PolicyLocality digests", async () => {
  const tpm = await startedTpm();
  const s = await startSession(tpm, { type: 3 });
  const cp = new Uint8Array(32).fill(9);
  assert.equal(await policy(tpm, 0x16e, s.handle, b2(cp)), 0);
  // A second, different cpHash is TPM_RC_CPHASH (format zero); so is a nameHash after a cpHash.
  assert.equal(await policy(tpm, 0x16e, s.handle, b2(new Uint8Array(32))), 0x151);
  assert.equal(await policy(tpm, 0x170, s.handle, b2(cp)), 0x151);
  let d = sha256(zero(), u32(0x16e), cp);
  assert.equal(await digestOf(tpm, s.handle), toHex(d));
  assert.equal(await policy(tpm, 0x18f, s.handle, new Uint8Array([1])), 0);
  d = sha256(d, u32(0x18f), new Uint8Array([1]));
  assert.equal(await policy(tpm, 0x16f, s.handle, new Uint8Array([0x01])), 0);
  d = sha256(d, u32(0x16f), new Uint8Array([1]));
  assert.equal(await digestOf(tpm, s.handle), toHex(d));
  assert.equal(await policy(tpm, 0x18f, s.handle, new Uint8Array([0])), 0x1c4);
});

Deno.test("tpm policy: PolicyLocality and PolicyNvWritten are enforced when the session authorizes", async () => {
  const tpm = await startedTpm();
  // authPolicy = PolicyNvWritten(NO) then PolicyLocality(3: localities 0 and 1).
  let pol = sha256(zero(), u32(0x18f), new Uint8Array([0]));
  pol = sha256(pol, u32(0x16f), new Uint8Array([3]));
  // OWNERREAD | OWNERWRITE | POLICYWRITE.
  const def = command(
    0x8002,
    0x12a,
    u32(OWNER),
    PW_SESSION,
    b2(new Uint8Array(0)),
    nvPub(0x0002000a, pol),
  );
  assert.equal(rcOf(await tpm.execute(def)), 0);
  const write = (s: CallerSession) =>
    command(0x8002, 0x137, u32(IX), u32(IX), policyArea(s), b2(new Uint8Array(8).fill(7)), u16(0));
  const s = await startSession(tpm, { type: 1 });
  const arm = async () => {
    assert.equal(await policy(tpm, 0x18f, s.handle, new Uint8Array([0])), 0);
    assert.equal(await policy(tpm, 0x16f, s.handle, new Uint8Array([3])), 0);
  };
  await arm();
  assert.equal(rcOf(await tpm.execute(write(s), 2)), 0x907); // wrong locality
  assert.equal(rcOf(await tpm.execute(write(s), 1)), 0);
  // Now written: PolicyNvWritten(NO) no longer holds.
  await arm();
  assert.equal(rcOf(await tpm.execute(write(s))), 0x99d);
});

Deno.test("tpm policy: NV_ChangeAuth needs an ADMIN policy with the command code; the new auth then works", async () => {
  const tpm = await startedTpm();
  const pol = sha256(zero(), u32(0x16c), u32(0x13b));
  // OWNERWRITE | AUTHWRITE | OWNERREAD | AUTHREAD.
  const def = command(
    0x8002,
    0x12a,
    u32(OWNER),
    PW_SESSION,
    b2(new TextEncoder().encode("old")),
    nvPub(0x00060006, pol),
  );
  assert.equal(rcOf(await tpm.execute(def)), 0);
  const change = (area: Uint8Array) =>
    command(0x8002, 0x13b, u32(IX), area, b2(new TextEncoder().encode("new")));
  // A password for the ADMIN role of an NV index: TPM_RC_AUTH_TYPE (format zero).
  assert.equal(rcOf(await tpm.execute(change(PW_SESSION))), 0x124);
  const s = await startSession(tpm, { type: 1 });
  assert.equal(await policy(tpm, 0x16c, s.handle, u32(0x13b)), 0);
  assert.equal(rcOf(await tpm.execute(change(policyArea(s)))), 0);
  const pw = (p: string) => {
    const e = cat(u32(0x40000009), u16(0), new Uint8Array([1]), b2(new TextEncoder().encode(p)));
    return cat(u32(e.length), e);
  };
  const write = (p: string) =>
    command(0x8002, 0x137, u32(IX), u32(IX), pw(p), b2(new Uint8Array(8)), u16(0));
  assert.equal(rcOf(await tpm.execute(write("old"))), 0x98e);
  assert.equal(rcOf(await tpm.execute(write("new"))), 0);
});

Deno.test("tpm policy: PolicySecret with negative expiration gives a ticket that PolicyTicket replays", async () => {
  const tpm = await startedTpm();
  const s = await startSession(tpm, { type: 1 });
  const secret = command(
    0x8002,
    0x151,
    u32(OWNER),
    u32(s.handle),
    PW_SESSION,
    u16(0),
    u16(0),
    u16(0),
    u32(-60 >>> 0),
  );
  const rsp = await tpm.execute(secret);
  assert.equal(rcOf(rsp), 0);
  const after = await digestOf(tpm, s.handle);
  // PolicyUpdate: H(H(0 || CC_PolicySecret || ownerName) || policyRef="").
  assert.equal(after, toHex(sha256(sha256(zero(), u32(0x151), u32(OWNER)))));
  // Response params: parameterSize, timeout (2 + 8), ticket (tag, hierarchy, digest).
  const params = rsp.subarray(14, 14 + new DataView(rsp.buffer).getUint32(10));
  const timeout = params.subarray(2, 10);
  const ticket = params.subarray(10);
  assert.equal(toHex(ticket.subarray(0, 6)), "802340000001");
  const t = await startSession(tpm, { type: 1 });
  const replay = (tk: Uint8Array) =>
    command(0x8001, 0x172, u32(t.handle), b2(timeout), u16(0), u16(0), b2(u32(OWNER)), tk);
  const forged = ticket.slice();
  forged[forged.length - 1] ^= 1;
  assert.equal(rcOf(await tpm.execute(replay(forged))), 0x5e0); // TICKET, parameter 5
  assert.equal(rcOf(await tpm.execute(replay(ticket))), 0);
  assert.equal(await digestOf(tpm, t.handle), after);
});

Deno.test("tpm policy: SetPrimaryPolicy lets a policy session authorize owner", async () => {
  const tpm = await startedTpm();
  const pol = sha256(zero(), u32(0x16c), u32(0x129)); // PolicyCommandCode(HierarchyChangeAuth)
  const set = command(0x8002, 0x12e, u32(OWNER), PW_SESSION, b2(pol), u16(0x0b));
  assert.equal(rcOf(await tpm.execute(set)), 0);
  const s = await startSession(tpm, { type: 1 });
  assert.equal(await policy(tpm, 0x16c, s.handle, u32(0x129)), 0);
  const change = command(0x8002, 0x129, u32(OWNER), policyArea(s), b2(new Uint8Array([1, 2])));
  assert.equal(rcOf(await tpm.execute(change)), 0);
  // Clearing: an empty digest removes the policy.
  const clear = command(
    0x8002,
    0x12e,
    u32(OWNER),
    (() => {
      const e = cat(u32(0x40000009), u16(0), new Uint8Array([1]), b2(new Uint8Array([1, 2])));
      return cat(u32(e.length), e);
    })(),
    u16(0),
    u16(0x0b),
  );
  assert.equal(rcOf(await tpm.execute(clear)), 0);
});
