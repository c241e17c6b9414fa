/**
 * Attacker tests from a review of NV access and policy-ticket rules: each
 * one opened something it should not before its fix.
 * @module
 */
import assert from "node:assert/strict";
import { fromHex } from "../lib/common/hex.ts";
import { Tpm } from "../lib/tpm/mod.ts";
import {
  b2,
  cat,
  command,
  PW_SESSION,
  pwSession,
  rcOf,
  sha256,
  startedTpm,
  startSession,
  u16,
  u32,
} from "./tpm_helpers.ts";

const OWNER = 0x40000001;
const NULL_RH = 0x40000007;
const A = 0x01500010;
const B = 0x01500011;
const AUTHWRITE = 0x4;
const AUTHREAD = 0x40000;
const OWNERWRITE = 0x2;
const text = (s: string) => new TextEncoder().encode(s);

async function define(tpm: Tpm, index: number, attrs: number, auth: string): Promise<void> {
  const pub = b2(cat(u32(index), u16(0x0b), u32(attrs), u16(0), u16(8)));
  const rsp = await tpm.execute(
    command(0x8002, 0x12a, u32(OWNER), PW_SESSION, b2(text(auth)), pub),
  );
  assert.equal(rcOf(rsp), 0);
}

const nvWrite = (auth: number, index: number, pw: string) =>
  command(0x8002, 0x137, u32(auth), u32(index), pwSession(text(pw)), b2(text("12345678")), u16(0));
const nvRead = (auth: number, index: number, pw: string) =>
  command(0x8002, 0x14e, u32(auth), u32(index), pwSession(text(pw)), u16(8), u16(0));

Deno.test("tpm review: one index's authValue never reads or writes another index", async () => {
  const tpm = await startedTpm();
  await define(tpm, A, AUTHWRITE | AUTHREAD, "a");
  await define(tpm, B, AUTHWRITE | AUTHREAD, "secret");
  assert.equal(rcOf(await tpm.execute(nvWrite(B, B, "secret"))), 0);
  // authHandle A with A's password, nvIndex B: TPM_RC_NV_AUTHORIZATION (0x149).
  assert.equal(rcOf(await tpm.execute(nvWrite(A, B, "a"))), 0x149);
  assert.equal(rcOf(await tpm.execute(nvRead(A, B, "a"))), 0x149);
  const readLock = command(0x8002, 0x14f, u32(A), u32(B), pwSession(text("a")));
  assert.notEqual(rcOf(await tpm.execute(readLock)), 0);
  assert.equal(rcOf(await tpm.execute(nvRead(B, B, "secret"))), 0);
});

Deno.test("tpm review: NV_Certify obeys the read rules (owner cannot certify an AUTHREAD-only index)", async () => {
  const tpm = await startedTpm();
  await define(tpm, B, AUTHWRITE | AUTHREAD | OWNERWRITE, "secret");
  assert.equal(rcOf(await tpm.execute(nvWrite(B, B, "secret"))), 0);
  const pw = fromHex("400000090000010000");
  const twoPw = cat(u32(pw.length * 2), pw, pw);
  const certify = (auth: number) =>
    command(
      0x8002,
      0x184,
      u32(NULL_RH),
      u32(auth),
      u32(B),
      twoPw,
      u16(0),
      u16(0x0010),
      u16(8),
      u16(0),
    );
  assert.equal(rcOf(await tpm.execute(certify(OWNER))), 0x149);
  // Another index's (empty) authValue does not open it either.
  await define(tpm, A, AUTHWRITE | AUTHREAD, "");
  assert.equal(rcOf(await tpm.execute(certify(A))), 0x149);
  // Past MAX_NV_BUFFER_SIZE and past the index: the range is checked first (reference, swtpm).
  const big = command(
    0x8002,
    0x184,
    u32(NULL_RH),
    u32(B),
    u32(B),
    cat(
      u32(9 + 9 + 6),
      pw,
      fromHex("40000009000001"),
      b2(text("secret")),
    ),
    u16(0),
    u16(0x0010),
    u16(1025),
    u16(0),
  );
  assert.equal(rcOf(await tpm.execute(big)), 0x146);
});

/** PolicySecret(owner) on `session`; returns the response parameters (timeout, ticket). */
async function policySecret(
  tpm: Tpm,
  session: number,
  cpHashA: Uint8Array,
  expiration: number,
): Promise<{ rc: number; timeout: Uint8Array; ticket: Uint8Array }> {
  const rsp = await tpm.execute(
    command(
      0x8002,
      0x151,
      u32(OWNER),
      u32(session),
      PW_SESSION,
      u16(0),
      b2(cpHashA),
      u16(0),
      u32(expiration >>> 0),
    ),
  );
  const rc = rcOf(rsp);
  if (rc !== 0) return { rc, timeout: new Uint8Array(0), ticket: new Uint8Array(0) };
  const params = rsp.subarray(14, 14 + new DataView(rsp.buffer).getUint32(10));
  return { rc, timeout: params.subarray(2, 10), ticket: params.subarray(10) };
}

Deno.test("tpm review: PolicyTicket cannot replace a session's cpHash, and a trial session takes no ticket", async () => {
  const tpm = await startedTpm();
  const s = await startSession(tpm, { type: 1 });
  const y = new Uint8Array(32).fill(0x22);
  const { rc, timeout, ticket } = await policySecret(tpm, s.handle, y, -60);
  assert.equal(rc, 0);
  const replay = (h: number) =>
    command(0x8001, 0x172, u32(h), b2(timeout), b2(y), u16(0), b2(u32(OWNER)), ticket);
  const t = await startSession(tpm, { type: 1 });
  const x = new Uint8Array(32).fill(0x11);
  assert.equal(rcOf(await tpm.execute(command(0x8001, 0x16e, u32(t.handle), b2(x)))), 0);
  // The session is limited to cpHash X; a ticket for Y is TPM_RC_CPHASH.
  assert.equal(rcOf(await tpm.execute(replay(t.handle))), 0x151);
  const trial = await startSession(tpm, { type: 3 });
  assert.equal(rcOf(await tpm.execute(replay(trial.handle))), 0x182); // ATTRIBUTES, handle 1
  const fresh = await startSession(tpm, { type: 1 });
  assert.equal(rcOf(await tpm.execute(replay(fresh.handle))), 0);
});

Deno.test("tpm review: PolicySecret without nonceTPM takes expiration as an absolute time", async () => {
  let ms = 0;
  const tpm = await Tpm.manufacture({ seed: new Uint8Array(32).fill(3), now: () => ms });
  tpm.powerOn();
  assert.equal(rcOf(await tpm.execute(fromHex("80010000000c000001440000"))), 0);
  ms = 100_000;
  const s = await startSession(tpm, { type: 1 });
  // Expires at second 10: already past at second 100 (TPM_RC_EXPIRED, parameter 4).
  assert.equal((await policySecret(tpm, s.handle, new Uint8Array(0), 10)).rc, 0x4e3);
  assert.equal((await policySecret(tpm, s.handle, new Uint8Array(0), -10)).rc, 0x4e3);
  const ok = await policySecret(tpm, s.handle, new Uint8Array(0), -200);
  assert.equal(ok.rc, 0);
  // The ticket is good until second 200, whenever it is replayed.
  assert.equal(new DataView(ok.timeout.buffer, ok.timeout.byteOffset).getBigUint64(0), 200_000n);
  ms = 250_000;
  const t = await startSession(tpm, { type: 1 });
  const replay = command(
    0x8001,
    0x172,
    u32(t.handle),
    b2(ok.timeout),
    u16(0),
    u16(0),
    b2(u32(OWNER)),
    ok.ticket,
  );
  assert.equal(rcOf(await tpm.execute(replay)), 0x1e3); // EXPIRED, parameter 1
  // The base is Time, which restarts at _TPM_Init, not Clock: 10 s after a power cycle,
  // "until second 50" holds though Clock is past 300 s.
  ms = 300_000;
  tpm.powerOff();
  tpm.powerOn();
  assert.equal(rcOf(await tpm.execute(fromHex("80010000000c000001440000"))), 0);
  ms = 310_000;
  const u = await startSession(tpm, { type: 1 });
  assert.equal((await policySecret(tpm, u.handle, new Uint8Array(0), 50)).rc, 0);
  assert.equal((await policySecret(tpm, u.handle, new Uint8Array(0), 5)).rc, 0x4e3);
});

Deno.test("tpm review: platform auth persists only platform objects, in the platform range", async () => {
  const tpm = await startedTpm();
  const PLATFORM = 0x4000000c;
  // An HMAC key (keyedhash, sign, HMAC-SHA256), as a primary.
  const hmacKey = b2(
    cat(u16(0x0008), u16(0x000b), u32(0x40072), u16(0), u16(0x0005), u16(0x000b), u16(0)),
  );
  const primary = async (hierarchy: number) => {
    const rsp = await tpm.execute(
      command(
        0x8002,
        0x131,
        u32(hierarchy),
        PW_SESSION,
        b2(cat(u16(0), u16(0))),
        hmacKey,
        u16(0),
        u32(0),
      ),
    );
    assert.equal(rcOf(rsp), 0);
    return new DataView(rsp.buffer).getUint32(10);
  };
  const evict = (obj: number, p: number) =>
    command(0x8002, 0x120, u32(PLATFORM), u32(obj), PW_SESSION, u32(p));
  const owned = await primary(OWNER);
  assert.equal(rcOf(await tpm.execute(evict(owned, 0x81800001))), 0x285); // HIERARCHY, handle 2
  const platform = await primary(PLATFORM);
  assert.equal(rcOf(await tpm.execute(evict(platform, 0x81000001))), 0x1cd); // RANGE, parameter 1
  assert.equal(rcOf(await tpm.execute(evict(platform, 0x81800001))), 0);
});

Deno.test("tpm review: object contexts do not survive a TPM Reset, stClear ones not a TPM Restart", async () => {
  const tpm = await startedTpm();
  const key = (attrs: number) =>
    b2(cat(u16(0x0008), u16(0x000b), u32(attrs), u16(0), u16(0x0005), u16(0x000b), u16(0)));
  const saveOf = async (attrs: number) => {
    const rsp = await tpm.execute(
      command(
        0x8002,
        0x131,
        u32(OWNER),
        PW_SESSION,
        b2(cat(u16(0), u16(0))),
        key(attrs),
        u16(0),
        u32(0),
      ),
    );
    assert.equal(rcOf(rsp), 0);
    const saved = await tpm.execute(command(0x8001, 0x162, rsp.subarray(10, 14)));
    assert.equal(rcOf(saved), 0);
    return saved.slice(10);
  };
  const plain = await saveOf(0x40072);
  const stClear = await saveOf(0x40072 | 0x4);
  const loadRc = async (ctx: Uint8Array) => rcOf(await tpm.execute(command(0x8001, 0x161, ctx)));
  const restart = async (shutdown: number | null, startup: number) => {
    if (shutdown !== null) {
      assert.equal(rcOf(await tpm.execute(command(0x8001, 0x145, u16(shutdown)))), 0);
    }
    tpm.powerOff();
    tpm.powerOn();
    assert.equal(rcOf(await tpm.execute(command(0x8001, 0x144, u16(startup)))), 0);
  };
  await restart(1, 1); // Shutdown(STATE), Startup(STATE): TPM Resume
  assert.equal(await loadRc(plain), 0);
  assert.equal(await loadRc(stClear), 0);
  await restart(1, 0); // Shutdown(STATE), Startup(CLEAR): TPM Restart
  assert.equal(await loadRc(plain), 0);
  assert.equal(await loadRc(stClear), 0x1df); // INTEGRITY, parameter 1
  await restart(null, 0); // TPM Reset
  assert.equal(await loadRc(plain), 0x1df);
});

Deno.test("tpm review: a restricted HMAC key refuses TPM2_HMAC and HMAC_Start (no forged TPM_GENERATED data)", async () => {
  const tpm = await startedTpm();
  const restricted = b2(
    cat(u16(0x0008), u16(0x000b), u32(0x50072), u16(0), u16(0x0005), u16(0x000b), u16(0)),
  );
  const rsp = await tpm.execute(
    command(
      0x8002,
      0x131,
      u32(OWNER),
      PW_SESSION,
      b2(cat(u16(0), u16(0))),
      restricted,
      u16(0),
      u32(0),
    ),
  );
  assert.equal(rcOf(rsp), 0);
  const key = rsp.subarray(10, 14);
  const forged = fromHex("ff54434780180022000b"); // TPM_GENERATED, TPM_ST_ATTEST_QUOTE, …
  const hmacCmd = command(0x8002, 0x155, key, PW_SESSION, b2(forged), u16(0x000b));
  assert.equal(rcOf(await tpm.execute(hmacCmd)), 0x182); // ATTRIBUTES, handle 1
  const start = command(0x8002, 0x15b, key, PW_SESSION, u16(0), u16(0x000b));
  assert.equal(rcOf(await tpm.execute(start)), 0x182);
});

Deno.test("tpm review: NV_WriteLock needs write permission to lock; a locked index is done for anyone (reference, swtpm)", async () => {
  const tpm = await startedTpm();
  const WRITEDEFINE = 0x2000;
  await define(tpm, B, AUTHWRITE | AUTHREAD | WRITEDEFINE, "secret");
  const lock = (auth: number, pw: string) =>
    command(0x8002, 0x138, u32(auth), u32(B), pwSession(text(pw)));
  assert.equal(rcOf(await tpm.execute(lock(OWNER, ""))), 0x149); // no OWNERWRITE
  assert.equal(rcOf(await tpm.execute(lock(B, "secret"))), 0);
  assert.equal(rcOf(await tpm.execute(lock(B, "secret"))), 0); // already locked: no error
  assert.equal(rcOf(await tpm.execute(lock(OWNER, ""))), 0); // WRITELOCKED wins over permission
});

Deno.test("tpm review: LoadExternal refuses a restricted key whose private part comes from outside", async () => {
  const tpm = await startedTpm();
  const seed = new Uint8Array(32).fill(7);
  const secret = new Uint8Array(32).fill(9);
  const pub = (attrs: number) =>
    b2(
      cat(
        u16(0x0008),
        u16(0x000b),
        u32(attrs),
        u16(0),
        u16(0x0005),
        u16(0x000b),
        b2(sha256(seed, secret)),
      ),
    );
  const sensitive = b2(cat(u16(0x0008), u16(0), b2(seed), b2(secret)));
  const load = (attrs: number) => command(0x8001, 0x167, sensitive, pub(attrs), u32(0x40000007));
  assert.equal(rcOf(await tpm.execute(load(0x40040))), 0); // an unrestricted HMAC key loads
  assert.equal(rcOf(await tpm.execute(load(0x50040))), 0x2c2); // restricted: ATTRIBUTES, parameter 2
});

Deno.test("tpm review: a saved PolicyPCR session does not match after a TPM Restart re-extended the PCRs", async () => {
  const tpm = await startedTpm();
  const IX = 0x01500020;
  const POLICYREAD = 0x80000;
  const pcr0 = cat(u32(1), u16(0x000b), new Uint8Array([3, 1, 0, 0]));
  const extend = (pcr: number, fill: number) =>
    command(
      0x8002,
      0x182,
      u32(pcr),
      PW_SESSION,
      u32(1),
      u16(0x000b),
      new Uint8Array(32).fill(fill),
    );
  // Two extends of PCR 1 (outside the policy) move pcrUpdateCounter to 2.
  assert.equal(rcOf(await tpm.execute(extend(1, 0xaa))), 0);
  assert.equal(rcOf(await tpm.execute(extend(1, 0xbb))), 0);
  const trial = await startSession(tpm, { type: 3 });
  assert.equal(rcOf(await tpm.execute(command(0x8001, 0x17f, u32(trial.handle), u16(0), pcr0))), 0);
  const digest = (await tpm.execute(command(0x8001, 0x189, u32(trial.handle)))).slice(12, 44);
  const pub = b2(cat(u32(IX), u16(0x0b), u32(POLICYREAD | AUTHWRITE), b2(digest), u16(8)));
  assert.equal(
    rcOf(await tpm.execute(command(0x8002, 0x12a, u32(OWNER), PW_SESSION, u16(0), pub))),
    0,
  );
  assert.equal(rcOf(await tpm.execute(nvWrite(IX, IX, ""))), 0);
  // A policy session satisfied now (PCR 0 untouched), saved across a TPM Restart.
  const s = await startSession(tpm, { type: 1 });
  assert.equal(rcOf(await tpm.execute(command(0x8001, 0x17f, u32(s.handle), u16(0), pcr0))), 0);
  const saved = await tpm.execute(command(0x8001, 0x162, u32(s.handle)));
  assert.equal(rcOf(saved), 0);
  assert.equal(rcOf(await tpm.execute(command(0x8001, 0x145, u16(1)))), 0);
  tpm.powerOff();
  tpm.powerOn();
  assert.equal(rcOf(await tpm.execute(command(0x8001, 0x144, u16(0)))), 0);
  // The attacker changes PCR 0 as often as the counter had moved before.
  assert.equal(rcOf(await tpm.execute(extend(0, 0x66))), 0);
  assert.equal(rcOf(await tpm.execute(extend(0, 0x77))), 0);
  assert.equal(rcOf(await tpm.execute(command(0x8001, 0x161, saved.slice(10)))), 0);
  const entry = cat(u32(s.handle), u16(0), new Uint8Array([1]), u16(0));
  const read = command(
    0x8002,
    0x14e,
    u32(IX),
    u32(IX),
    cat(u32(entry.length), entry),
    u16(8),
    u16(0),
  );
  assert.equal(rcOf(await tpm.execute(read)), 0x128); // PCR_CHANGED
});

Deno.test("tpm review: with lockoutRecovery 0 a wrong lockoutAuth locks it until the next Startup", async () => {
  const tpm = await startedTpm();
  const LOCKOUT = 0x4000000a;
  const params = command(0x8002, 0x13a, u32(LOCKOUT), PW_SESSION, u32(3), u32(1000), u32(0));
  assert.equal(rcOf(await tpm.execute(params)), 0);
  const reset = (pw: string) => command(0x8002, 0x139, u32(LOCKOUT), pwSession(text(pw)));
  assert.equal(rcOf(await tpm.execute(reset("guess"))), 0x98e); // AUTH_FAIL, session 1
  // Even the right (empty) lockoutAuth is refused now: no unlimited guessing.
  assert.equal(rcOf(await tpm.execute(reset(""))), 0x921); // LOCKOUT
  assert.equal(rcOf(await tpm.execute(command(0x8001, 0x145, u16(0)))), 0);
  tpm.powerOff();
  tpm.powerOn();
  assert.equal(rcOf(await tpm.execute(command(0x8001, 0x144, u16(0)))), 0);
  assert.equal(rcOf(await tpm.execute(reset(""))), 0);
});
