import assert from "node:assert/strict";
import { createECDH } from "node:crypto";
import { toHex } from "../lib/common/hex.ts";
import type { Tpm } from "../lib/tpm/mod.ts";
import {
  aesCfb,
  b2,
  type CallerSession,
  cat,
  command,
  hmac256,
  kdfa256,
  PW_SESSION,
  pwSession,
  rcOf,
  sha256,
  startedTpm,
  startSession,
  u16,
  u32,
} from "./tpm_helpers.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const OWNER = 0x40000001;
const NONCE = new Uint8Array(32).fill(0xa5);

/** One session entry of a command's authorization area. */
function entry(s: CallerSession, attrs: number, hmac: Uint8Array, nonce = NONCE): Uint8Array {
  return cat(u32(s.handle), b2(nonce), new Uint8Array([attrs]), b2(hmac));
}
const area = (...entries: Uint8Array[]) => {
  const body = cat(...entries);
  return cat(u32(body.length), body);
};

/** Parses a sessions response: parameters and the single session's nonce, attrs, hmac. */
function parseRsp(rsp: Uint8Array, handles = 0) {
  const v = new DataView(rsp.buffer, rsp.byteOffset);
  const p = 10 + 4 * handles;
  const psize = v.getUint32(p);
  const params = rsp.slice(p + 4, p + 4 + psize);
  let o = p + 4 + psize;
  const nsize = v.getUint16(o);
  const nonce = rsp.slice(o + 2, o + 2 + nsize);
  o += 2 + nsize;
  const attrs = rsp[o];
  const hsize = v.getUint16(o + 1);
  const hmac = rsp.slice(o + 3, o + 3 + hsize);
  return { params, nonce, attrs, hmac };
}

async function setOwnerAuth(tpm: Tpm, auth: Uint8Array): Promise<void> {
  const rsp = await tpm.execute(command(0x8002, 0x129, u32(OWNER), PW_SESSION, b2(auth)));
  assert.equal(rcOf(rsp), 0);
}

const NV_INDEX = 0x01500001;
/** TPM2B_NV_PUBLIC for a 16-byte ordinary index. */
function nvPublic(
  attrs: number,
  policy: Uint8Array = new Uint8Array(0),
  index = NV_INDEX,
  size = 16,
): Uint8Array {
  const body = cat(u32(index), u16(0x0b), u32(attrs), b2(policy), u16(size));
  return b2(body);
}
// OWNERWRITE | AUTHWRITE | OWNERREAD | AUTHREAD
const NV_OWNER_AUTH = 0x00060006;

Deno.test("tpm session: HMAC session command and response HMACs match Part 1 §19.6 computed here", async () => {
  const tpm = await startedTpm();
  const ownerAuth = enc("owner-secret");
  await setOwnerAuth(tpm, ownerAuth);
  const s = await startSession(tpm);
  const params = cat(b2(enc("nvpw")), nvPublic(NV_OWNER_AUTH));
  const cp = sha256(u32(0x12a), u32(OWNER), params);
  const good = hmac256(ownerAuth, cp, NONCE, s.nonceTPM, new Uint8Array([1]));
  const bad = good.slice();
  bad[0] ^= 1;
  // A wrong HMAC on a non-DA entity is TPM_RC_BAD_AUTH for session 1 and changes nothing.
  const badRsp = await tpm.execute(
    command(0x8002, 0x12a, u32(OWNER), area(entry(s, 1, bad)), params),
  );
  assert.equal(rcOf(badRsp), 0x9a2);
  const rsp = await tpm.execute(
    command(0x8002, 0x12a, u32(OWNER), area(entry(s, 1, good)), params),
  );
  assert.equal(rcOf(rsp), 0);
  const r = parseRsp(rsp);
  assert.equal(r.attrs, 1);
  const rp = sha256(u32(0), u32(0x12a), r.params);
  assert.equal(toHex(r.hmac), toHex(hmac256(ownerAuth, rp, r.nonce, NONCE, new Uint8Array([1]))));
  assert.notEqual(toHex(r.nonce), toHex(s.nonceTPM));
});

Deno.test("tpm session: a session bound to owner drops owner's authValue from the key, but not another entity's", async () => {
  const tpm = await startedTpm();
  const ownerAuth = enc("owner-secret");
  await setOwnerAuth(tpm, ownerAuth);
  const s = await startSession(tpm, { bind: OWNER, bindAuth: ownerAuth });
  const params = cat(b2(enc("nvpw")), nvPublic(NV_OWNER_AUTH));
  const cp = sha256(u32(0x12a), u32(OWNER), params);
  const mac = hmac256(s.sessionKey, cp, NONCE, s.nonceTPM, new Uint8Array([1]));
  const rsp = await tpm.execute(command(0x8002, 0x12a, u32(OWNER), area(entry(s, 1, mac)), params));
  assert.equal(rcOf(rsp), 0);
  const r1 = parseRsp(rsp);
  const rp1 = sha256(u32(0), u32(0x12a), r1.params);
  assert.equal(
    toHex(r1.hmac),
    toHex(hmac256(s.sessionKey, rp1, r1.nonce, NONCE, new Uint8Array([1]))),
  );
  // NV_Write authorized by the index itself: key = sessionKey || "nvpw".
  const nvName = await nvNameOf(tpm, NV_INDEX);
  const wparams = cat(b2(enc("hello")), u16(0));
  const cp2 = sha256(u32(0x137), nvName, nvName, wparams);
  const key2 = cat(s.sessionKey, enc("nvpw"));
  const mac2 = hmac256(key2, cp2, NONCE, r1.nonce, new Uint8Array([1]));
  const w = await tpm.execute(
    command(0x8002, 0x137, u32(NV_INDEX), u32(NV_INDEX), area(entry(s, 1, mac2)), wparams),
  );
  assert.equal(rcOf(w), 0);
});

async function nvNameOf(tpm: Tpm, index: number): Promise<Uint8Array> {
  const rsp = await tpm.execute(command(0x8001, 0x169, u32(index)));
  assert.equal(rcOf(rsp), 0);
  const v = new DataView(rsp.buffer);
  const pubSize = v.getUint16(10);
  const o = 12 + pubSize;
  return rsp.slice(o + 2, o + 2 + v.getUint16(o));
}

for (const mode of ["CFB", "XOR"] as const) {
  Deno.test(`tpm session: ${mode} parameter encryption both ways on TPM2_Hash`, async () => {
    const tpm = await startedTpm();
    const ownerAuth = enc("owner-secret");
    await setOwnerAuth(tpm, ownerAuth);
    const symmetric = mode === "CFB" ? cat(u16(6), u16(128), u16(0x43)) : cat(u16(0x0a), u16(0x0b));
    const s = await startSession(tpm, { bind: OWNER, bindAuth: ownerAuth, symmetric });
    const data = enc("the quick brown fox, parameter-encrypted");
    const crypt = (newer: Uint8Array, older: Uint8Array, d: Uint8Array, decrypt: boolean) => {
      if (mode === "XOR") {
        const mask = kdfa256(s.sessionKey, "XOR", newer, older, d.length * 8);
        return d.map((b, i) => b ^ mask[i]);
      }
      const kiv = kdfa256(s.sessionKey, "CFB", newer, older, 256);
      return aesCfb(kiv.subarray(0, 16), kiv.subarray(16), d, decrypt);
    };
    const params = cat(b2(crypt(NONCE, s.nonceTPM, data, false)), u16(0x0b), u32(OWNER));
    const cp = sha256(u32(0x17d), params);
    const attrs = 0x61; // continueSession | decrypt | encrypt
    const mac = hmac256(s.sessionKey, cp, NONCE, s.nonceTPM, new Uint8Array([attrs]));
    const rsp = await tpm.execute(command(0x8002, 0x17d, area(entry(s, attrs, mac)), params));
    assert.equal(rcOf(rsp), 0);
    const r = parseRsp(rsp);
    const rp = sha256(u32(0), u32(0x17d), r.params);
    assert.equal(
      toHex(r.hmac),
      toHex(hmac256(s.sessionKey, rp, r.nonce, NONCE, new Uint8Array([attrs]))),
    );
    const outHash = crypt(r.nonce, NONCE, r.params.subarray(2, 34), true);
    assert.equal(toHex(outHash), toHex(sha256(data)));
    assert.notEqual(toHex(r.params.subarray(2, 34)), toHex(sha256(data)));
  });
}

/** Runs a policy command on a session (no auth area). */
async function policy(tpm: Tpm, code: number, handle: number, ...params: Uint8Array[]) {
  const rsp = await tpm.execute(command(0x8001, code, u32(handle), ...params));
  return rcOf(rsp);
}
async function policyDigest(tpm: Tpm, handle: number): Promise<string> {
  const rsp = await tpm.execute(command(0x8001, 0x189, u32(handle)));
  assert.equal(rcOf(rsp), 0);
  return toHex(rsp.subarray(12));
}

Deno.test("tpm session: PolicyPCR + PolicyCommandCode digests match the Part 3 formulas; trial agrees", async () => {
  const tpm = await startedTpm();
  const sel = cat(u32(1), u16(0x0b), new Uint8Array([3, 0, 0, 1])); // PCR 16
  const pcrDigest = sha256(new Uint8Array(32)); // H(PCR16 = 0…0)
  let expect = sha256(new Uint8Array(32), u32(0x17f), sel, pcrDigest);
  expect = sha256(expect, u32(0x16c), u32(0x15e));
  for (const type of [1, 3]) {
    const s = await startSession(tpm, { type });
    assert.equal(s.handle >>> 24, 3);
    assert.equal(await policy(tpm, 0x17f, s.handle, b2(new Uint8Array(0)), sel), 0);
    assert.equal(await policy(tpm, 0x16c, s.handle, u32(0x15e)), 0);
    assert.equal(await policyDigest(tpm, s.handle), toHex(expect));
    // PolicyCommandCode with a different code after one was set is TPM_RC_VALUE, parameter 1.
    assert.equal(await policy(tpm, 0x16c, s.handle, u32(0x15d)), 0x1c4);
    assert.equal(await policy(tpm, 0x180, s.handle), 0);
    assert.equal(await policyDigest(tpm, s.handle), "00".repeat(32));
  }
  // A real policy session checks pcrDigest: a wrong one is TPM_RC_VALUE, parameter 1.
  const s = await startSession(tpm, { type: 1 });
  assert.equal(await policy(tpm, 0x17f, s.handle, b2(new Uint8Array(32).fill(1)), sel), 0x1c4);
});

Deno.test("tpm session: PolicyOR accepts only a listed digest and yields H(0 || CC || digests)", async () => {
  const tpm = await startedTpm();
  const s = await startSession(tpm, { type: 1 });
  assert.equal(await policy(tpm, 0x16b, s.handle), 0); // PolicyAuthValue
  const d1 = sha256(new Uint8Array(32), u32(0x16b));
  const d2 = new Uint8Array(32).fill(7);
  const list = (...ds: Uint8Array[]) => cat(u32(ds.length), ...ds.map(b2));
  assert.equal(await policy(tpm, 0x171, s.handle, list(d2, new Uint8Array(32).fill(8))), 0x1c4);
  assert.equal(await policy(tpm, 0x171, s.handle, list(d2, d1)), 0);
  assert.equal(
    await policyDigest(tpm, s.handle),
    toHex(sha256(new Uint8Array(32), u32(0x171), d2, d1)),
  );
});

Deno.test("tpm session: an NV index read through its policy; wrong command code is POLICY_CC, wrong policy POLICY_FAIL", async () => {
  const tpm = await startedTpm();
  // authPolicy = PolicyCommandCode(NV_Read); attributes OWNERWRITE | POLICYREAD | OWNERREAD.
  const authPolicy = sha256(new Uint8Array(32), u32(0x16c), u32(0x14e));
  const def = command(
    0x8002,
    0x12a,
    u32(OWNER),
    PW_SESSION,
    b2(new Uint8Array(0)),
    nvPublic(0x000a0002, authPolicy),
  );
  assert.equal(rcOf(await tpm.execute(def)), 0);
  const write = command(
    0x8002,
    0x137,
    u32(OWNER),
    u32(NV_INDEX),
    PW_SESSION,
    b2(enc("policy data 16 b")),
    u16(0),
  );
  assert.equal(rcOf(await tpm.execute(write)), 0);
  const s = await startSession(tpm, { type: 1 });
  const read = (sess: CallerSession) =>
    command(
      0x8002,
      0x14e,
      u32(NV_INDEX),
      u32(NV_INDEX),
      area(entry(sess, 1, new Uint8Array(0))),
      u16(16),
      u16(0),
    );
  // Empty policy: the digest does not match.
  assert.equal(rcOf(await tpm.execute(read(s))), 0x99d);
  assert.equal(await policy(tpm, 0x16c, s.handle, u32(0x14e)), 0);
  const rsp = await tpm.execute(read(s));
  assert.equal(rcOf(rsp), 0);
  assert.equal(new TextDecoder().decode(parseRsp(rsp).params.subarray(2)), "policy data 16 b");
  // Used with continueSession, the policy was reset: the same read fails again.
  assert.equal(rcOf(await tpm.execute(read(s))), 0x99d);
  assert.equal(await policy(tpm, 0x16c, s.handle, u32(0x137)), 0);
  const wr = command(
    0x8002,
    0x137,
    u32(NV_INDEX),
    u32(NV_INDEX),
    area(entry(s, 1, new Uint8Array(0))),
    b2(enc("x")),
    u16(0),
  );
  // No POLICYWRITE: TPM_RC_AUTH_UNAVAILABLE (format zero, so no session number).
  assert.equal(rcOf(await tpm.execute(wr)), 0x12f);
  // The policy digest is compared first: TPM_RC_POLICY_FAIL.
  assert.equal(rcOf(await tpm.execute(read(s))), 0x99d);
  // A matching digest used for another command: TPM_RC_POLICY_CC for session 1.
  assert.equal(await policy(tpm, 0x180, s.handle), 0);
  assert.equal(await policy(tpm, 0x16c, s.handle, u32(0x14e)), 0);
  const lock = command(
    0x8002,
    0x14f,
    u32(NV_INDEX),
    u32(NV_INDEX),
    area(entry(s, 1, new Uint8Array(0))),
  );
  assert.equal(rcOf(await tpm.execute(lock)), 0x9a4);
});

Deno.test("tpm session: ContextSave/ContextLoad of a policy session; replay and tampering are refused", async () => {
  const tpm = await startedTpm();
  const s = await startSession(tpm, { type: 1 });
  assert.equal(await policy(tpm, 0x16b, s.handle), 0);
  const before = await policyDigest(tpm, s.handle);
  const saved = await tpm.execute(command(0x8001, 0x162, u32(s.handle)));
  assert.equal(rcOf(saved), 0);
  const blob = saved.slice(10);
  // While saved, the session is not loaded: a policy command on it is TPM_RC_REFERENCE_H0.
  assert.equal(await policy(tpm, 0x16b, s.handle), 0x910);
  const handles = await tpm.execute(command(0x8001, 0x17a, u32(1), u32(0x03000000), u32(8)));
  assert.ok(toHex(handles).endsWith("00000001" + u32hex(s.handle)));
  const tampered = blob.slice();
  tampered[tampered.length - 1] ^= 1;
  assert.equal(rcOf(await tpm.execute(command(0x8001, 0x161, tampered))), 0x1df);
  const loaded = await tpm.execute(command(0x8001, 0x161, blob));
  assert.equal(rcOf(loaded), 0);
  assert.equal(new DataView(loaded.buffer).getUint32(10), s.handle);
  assert.equal(await policyDigest(tpm, s.handle), before);
  // The same blob again is a replay: TPM_RC_HANDLE for parameter 1.
  assert.equal(rcOf(await tpm.execute(command(0x8001, 0x161, blob))), 0x1cb);
  // After a TPM Reset the saved-session keys are gone too.
  const saved2 = (await tpm.execute(command(0x8001, 0x162, u32(s.handle)))).slice(10);
  tpm.reset();
  await tpm.execute(command(0x8001, 0x144, u16(0)));
  assert.notEqual(rcOf(await tpm.execute(command(0x8001, 0x161, saved2))), 0);
});

const u32hex = (v: number) => v.toString(16).padStart(8, "0");

Deno.test("tpm session: DA lockout after maxTries wrong passwords; lockout auth resets it", async () => {
  const tpm = await startedTpm();
  // An index with AUTHREAD and DA protection (no NO_DA).
  const def = command(
    0x8002,
    0x12a,
    u32(OWNER),
    PW_SESSION,
    b2(enc("right")),
    nvPublic(NV_OWNER_AUTH),
  );
  assert.equal(rcOf(await tpm.execute(def)), 0);
  const read = (pw: string) =>
    command(0x8002, 0x14e, u32(NV_INDEX), u32(NV_INDEX), pwSession(enc(pw)), u16(1), u16(0));
  for (let i = 0; i < 3; i++) assert.equal(rcOf(await tpm.execute(read("wrong"))), 0x98e);
  assert.equal(rcOf(await tpm.execute(read("right"))), 0x921);
  const reset = command(0x8002, 0x139, u32(0x4000000a), PW_SESSION);
  assert.equal(rcOf(await tpm.execute(reset)), 0);
  // Not written yet, but authorized: TPM_RC_NV_UNINITIALIZED.
  assert.equal(rcOf(await tpm.execute(read("right"))), 0x14a);
});

/** KDFe with SHA-256 (Part 1 §11.4.10.3), written here for the test. */
function kdfe256(z: Uint8Array, label: string, u: Uint8Array, v: Uint8Array): Uint8Array {
  return sha256(u32(1), z, new TextEncoder().encode(label + "\0"), u, v);
}

Deno.test("tpm session: ECC-salted session: salt via ECDH + KDFe, session key via KDFa, both checked here", async () => {
  const tpm = await startedTpm();
  // ECC P-256 storage primary: restricted decrypt, AES-128-CFB.
  const tmpl = cat(u16(0x23), u16(0x0b), u32(0x00030072), u16(0), u16(6), u16(128), u16(0x43));
  const pub = cat(tmpl, u16(0x10), u16(3), u16(0x10), u16(0), u16(0));
  const cp = command(
    0x8002,
    0x131,
    u32(OWNER),
    PW_SESSION,
    cat(u16(4), u16(0), u16(0)),
    b2(pub),
    u16(0),
    u32(0),
  );
  const rsp = await tpm.execute(cp);
  assert.equal(rcOf(rsp), 0);
  const key = new DataView(rsp.buffer).getUint32(10);
  const o = 42; // header 10, handle 4, parameterSize 4, size 2, then 22 bytes before unique.x
  const tpmX = rsp.slice(o + 2, o + 34);
  const tpmY = rsp.slice(o + 36, o + 68);
  const eph = createECDH("prime256v1");
  const ephPub = new Uint8Array(eph.generateKeys());
  const z = new Uint8Array(eph.computeSecret(cat(new Uint8Array([4]), tpmX, tpmY)));
  const ephX = ephPub.subarray(1, 33), ephY = ephPub.subarray(33);
  const salt = kdfe256(z, "SECRET", ephX, tpmX);
  const nonceCaller = new Uint8Array(32).fill(0x5c);
  const start = command(
    0x8001,
    0x176,
    u32(key),
    u32(0x40000007),
    b2(nonceCaller),
    b2(cat(b2(ephX), b2(ephY))),
    new Uint8Array([0]),
    cat(u16(6), u16(128), u16(0x43)),
    u16(0x0b),
  );
  const sr = await tpm.execute(start);
  assert.equal(rcOf(sr), 0);
  const s: CallerSession = {
    handle: new DataView(sr.buffer).getUint32(10),
    nonceTPM: sr.slice(16, 48),
    sessionKey: kdfa256(salt, "ATH", sr.slice(16, 48), nonceCaller, 256),
  };
  // Hash with decrypt + encrypt: only a correct sessionKey round-trips.
  const data = new TextEncoder().encode("salted and encrypted");
  const kiv = kdfa256(s.sessionKey, "CFB", NONCE, s.nonceTPM, 256);
  const params = cat(
    b2(aesCfb(kiv.subarray(0, 16), kiv.subarray(16), data, false)),
    u16(0x0b),
    u32(OWNER),
  );
  const mac = hmac256(
    s.sessionKey,
    sha256(u32(0x17d), params),
    NONCE,
    s.nonceTPM,
    new Uint8Array([0x61]),
  );
  const hr = await tpm.execute(command(0x8002, 0x17d, area(entry(s, 0x61, mac)), params));
  assert.equal(rcOf(hr), 0);
  const r = parseRsp(hr);
  const kiv2 = kdfa256(s.sessionKey, "CFB", r.nonce, NONCE, 256);
  const out = aesCfb(kiv2.subarray(0, 16), kiv2.subarray(16), r.params.subarray(2, 34), true);
  assert.equal(toHex(out), toHex(sha256(data)));
  // A salt encrypted to the wrong point (off the curve) is refused with parameter 2.
  const bad = command(
    0x8001,
    0x176,
    u32(key),
    u32(0x40000007),
    b2(nonceCaller),
    b2(cat(b2(ephX), b2(ephX))),
    new Uint8Array([0]),
    u16(0x10),
    u16(0x0b),
  );
  assert.equal(rcOf(await tpm.execute(bad)) & 0xf40, 0x240);
});

Deno.test("tpm session: audit session digest = H(H(0 || cp1 || rp1) || cp2 || rp2); exclusivity is tracked", async () => {
  const tpm = await startedTpm();
  const s = await startSession(tpm);
  const gr = (attrs: number) =>
    command(0x8002, 0x17b, area(entry(s, attrs, new Uint8Array(0), NONCE)), u16(8));
  let expect: Uint8Array = new Uint8Array(32);
  for (let i = 0; i < 2; i++) {
    const rsp = await tpm.execute(gr(0x81));
    assert.equal(rcOf(rsp), 0);
    const r = parseRsp(rsp);
    assert.equal(r.attrs, 0x83); // continueSession | audit, plus auditExclusive
    const cp = sha256(u32(0x17b), u16(8));
    expect = sha256(expect, cp, sha256(u32(0), u32(0x17b), r.params));
  }
  assert.equal(toHex(tpm.state.sessions.loaded(s.handle)!.auditDigest), toHex(expect));
  // Any command without the audit session ends exclusivity.
  assert.equal(rcOf(await tpm.execute(command(0x8001, 0x17b, u16(1)))), 0);
  assert.equal(rcOf(await tpm.execute(gr(0x81 | 0x02))), 0x121); // TPM_RC_EXCLUSIVE
  assert.equal(parseRsp(await tpm.execute(gr(0x81))).attrs, 0x81);
  // auditReset starts over and makes the session exclusive again.
  assert.equal(parseRsp(await tpm.execute(gr(0x85))).attrs, 0x87);
});

Deno.test("tpm session: PolicyPassword and PolicyAuthValue extend alike and differ in what they demand", async () => {
  const tpm = await startedTpm();
  const want = toHex(sha256(new Uint8Array(32), u32(0x16b))); // both extend TPM_CC_PolicyAuthValue
  for (const [cc, password] of [[0x18c, true], [0x16b, false]] as const) {
    const s = await startSession(tpm, { type: 1 });
    assert.equal(await policy(tpm, cc, s.handle), 0);
    assert.equal(await policyDigest(tpm, s.handle), want);
    const session = tpm.state.sessions.loaded(s.handle)!;
    assert.equal(session.isPasswordNeeded, password);
    assert.equal(session.isAuthValueNeeded, !password);
  }
});
