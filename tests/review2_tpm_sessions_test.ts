import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { createECDH, createPrivateKey, sign as cryptoSign } from "node:crypto";
import { toHex } from "../lib/common/hex.ts";
import { Tpm } from "../lib/tpm/tpm.ts";
import {
  aesCfb,
  b2,
  cat,
  command,
  hmac256,
  kdfa256,
  rcOf,
  sha256,
  u16,
  u32,
} from "./tpm_helpers.ts";
import { createParams, ECC_DECRYPT, ECC_SIGN } from "./tpm_keys_client.ts";
import { onSwtpmAndOurs, rcRecorder, type Send } from "./support/swtpm.ts";

// Second review of sessions and policies: the same command bytes sent to
// swtpm (libtpms) and to our TPM must give the same response codes, and the
// same policy digests where those are deterministic.

const OWNER = 0x40000001;
const NULL = 0x40000007;
const PW = 0x40000009;
const ST_NO = 0x8001;
const ST_S = 0x8002;
const u8 = (v: number) => new Uint8Array([v]);
const zeros = (n: number) => new Uint8Array(n);

/** One TPMS_AUTH_COMMAND. */
function entry(handle: number, nonce: Uint8Array, attrs: number, hmac: Uint8Array): Uint8Array {
  return cat(u32(handle), b2(nonce), u8(attrs), b2(hmac));
}
const area = (...entries: Uint8Array[]) => {
  const body = cat(...entries);
  return cat(u32(body.length), body);
};
const PWE = entry(PW, zeros(0), 1, zeros(0));
const NULL_VERIFIED = cat(u16(0x8022), u32(0x40000007), u16(0));

/** StartAuthSession bytes. */
function sas(
  opts: {
    key?: number;
    bind?: number;
    nonce?: Uint8Array;
    salt?: Uint8Array;
    type?: number;
    sym?: Uint8Array;
    hash?: number;
  } = {},
): Uint8Array {
  return command(
    ST_NO,
    0x176,
    u32(opts.key ?? NULL),
    u32(opts.bind ?? NULL),
    b2(opts.nonce ?? zeros(16).fill(7)),
    b2(opts.salt ?? zeros(0)),
    u8(opts.type ?? 1),
    opts.sym ?? u16(0x10),
    u16(opts.hash ?? 0x0b),
  );
}
const XOR256 = cat(u16(0xa), u16(0xb));

/** The scenario, run against either TPM: each step's rc (and digests) by name. */
async function scenario(send: Send): Promise<Record<string, string>> {
  const { out, run } = rcRecorder(send);
  const handleOf = (r: Uint8Array) => new DataView(r.buffer, r.byteOffset).getUint32(10);
  const start = async (name: string, c: Uint8Array) => {
    const r = await run(name, c);
    return rcOf(r) === 0 ? handleOf(r) : 0;
  };
  const flush = (h: number) => send(command(ST_NO, 0x165, u32(h)));
  const digestOf = async (name: string, s: number) => {
    const r = await run(name, command(ST_NO, 0x189, u32(s)));
    if (rcOf(r) === 0) out[name] = toHex(r.subarray(10));
  };
  await send(command(ST_NO, 0x144, u16(0)));
  const trySas = async (name: string, c: Uint8Array) => {
    const h = await start(name, c);
    if (h) await flush(h);
  };

  // StartAuthSession parameter checks.
  await trySas("sas nonce 15", sas({ nonce: zeros(15) }));
  await trySas("sas nonce 33", sas({ nonce: zeros(33) }));
  await trySas("sas salt without key", sas({ salt: zeros(4) }));
  await trySas("sas aes ecb", sas({ sym: cat(u16(6), u16(128), u16(0x44)) }));
  await trySas("sas aes 192", sas({ sym: cat(u16(6), u16(192), u16(0x43)) }));
  await trySas("sas type 2", sas({ type: 2 }));
  await trySas("sas hash null", sas({ hash: 0x10 }));
  await trySas("sas bind missing", sas({ bind: 0x80000001 }));
  await trySas("sas bind pcr", sas({ bind: 0 }));
  await trySas("sas bind platform nv", sas({ bind: 0x4000000d }));
  await trySas("sas bind platform nv bad nonce", sas({ bind: 0x4000000d, nonce: zeros(3) }));
  await trySas("sas key missing", sas({ key: 0x80000001 }));
  await trySas("sas key owner", sas({ key: OWNER }));
  await trySas("sas sha1 nonce 20", sas({ hash: 0x04, nonce: zeros(20) }));
  await trySas("sas sha1 nonce 32", sas({ hash: 0x04, nonce: zeros(32) }));

  // Session areas with an unbound, unsalted HMAC session (key empty).
  const hs = await start("sas hmac", sas({ type: 0 }));
  const hs2 = await start("sas hmac xor", sas({ type: 0, sym: XOR256 }));
  const getRandom = (a: Uint8Array) => command(ST_S, 0x17b, a, u16(8));
  const readClock = (a: Uint8Array) => command(ST_S, 0x181, a);
  await run("hmac audit-only getrandom", getRandom(area(entry(hs, zeros(16), 0x81, zeros(0)))));
  await run("hmac no purpose", getRandom(area(entry(hs, zeros(16), 1, zeros(0)))));
  await run("hmac encrypt sym null", getRandom(area(entry(hs, zeros(16), 0x41, zeros(0)))));
  await run("xor encrypt getrandom", getRandom(area(entry(hs2, zeros(16), 0x41, zeros(0)))));
  await run("xor decrypt getrandom", getRandom(area(entry(hs2, zeros(16), 0x21, zeros(0)))));
  await run("xor encrypt readclock", readClock(area(entry(hs2, zeros(16), 0x41, zeros(0)))));
  await run("xor nonce 8", getRandom(area(entry(hs2, zeros(8), 0x41, zeros(0)))));
  await run("xor nonce 0", getRandom(area(entry(hs2, zeros(0), 0x41, zeros(0)))));
  await run("xor nonce 40", getRandom(area(entry(hs2, zeros(40), 0x41, zeros(0)))));
  await run("auditReset alone", getRandom(area(entry(hs, zeros(16), 0x05, zeros(0)))));
  await run("auditExclusive alone", getRandom(area(entry(hs, zeros(16), 0x03, zeros(0)))));
  await run("reserved bit", getRandom(area(entry(hs2, zeros(16), 0x49, zeros(0)))));
  await run(
    "same session twice",
    getRandom(area(entry(hs2, zeros(16), 0x41, zeros(0)), entry(hs2, zeros(16), 0x05, zeros(0)))),
  );

  // An HMAC session authorizing owner (empty auth): empty and real HMACs.
  const changeOwner = (a: Uint8Array) => command(ST_S, 0x129, u32(OWNER), a, b2(zeros(0)));
  await run("hmac empty key empty hmac", changeOwner(area(entry(hs, zeros(16), 1, zeros(0)))));
  await run("hmac wrong hmac", changeOwner(area(entry(hs, zeros(16), 1, zeros(32).fill(1)))));
  await run("hmac short hmac", changeOwner(area(entry(hs, zeros(16), 1, zeros(5)))));

  // Policy commands on a policy session.
  await flush(hs2);
  const pol = (code: number, s: number, ...p: Uint8Array[]) => command(ST_NO, code, u32(s), ...p);
  const d32 = zeros(32).fill(0x11);
  const list = (...ds: Uint8Array[]) => cat(u32(ds.length), ...ds.map(b2));
  for (const [type, n] of [[1, "policy"], [3, "trial"]] as const) {
    const s = await start(`sas ${n}`, sas({ type }));
    await run(`${n} or one`, pol(0x171, s, list(d32)));
    await run(`${n} or nine`, pol(0x171, s, list(...Array(9).fill(d32))));
    await run(`${n} or miss`, pol(0x171, s, list(d32, d32)));
    await run(`${n} or short digests`, pol(0x171, s, list(zeros(32), zeros(20))));
    await digestOf(`${n} digest after or`, s);
    await run(`${n} cc unknown`, pol(0x16c, s, u32(0x1ff)));
    await run(`${n} cc sign`, pol(0x16c, s, u32(0x15d)));
    await run(`${n} cc other`, pol(0x16c, s, u32(0x15e)));
    await run(`${n} cc same`, pol(0x16c, s, u32(0x15d)));
    await run(`${n} cphash short`, pol(0x16e, s, b2(zeros(20))));
    await run(`${n} namehash`, pol(0x170, s, b2(d32)));
    await run(`${n} cphash after namehash`, pol(0x16e, s, b2(d32)));
    await run(`${n} locality 0`, pol(0x16f, s, u8(0)));
    await run(`${n} locality 0x20`, pol(0x16f, s, u8(0x20)));
    await run(`${n} locality 3`, pol(0x16f, s, u8(3)));
    await run(`${n} locality 4`, pol(0x16f, s, u8(4)));
    await run(`${n} locality 0x40`, pol(0x16f, s, u8(0x40)));
    await run(`${n} nvwritten 2`, pol(0x18f, s, u8(2)));
    await run(`${n} nvwritten yes`, pol(0x18f, s, u8(1)));
    await run(`${n} nvwritten no`, pol(0x18f, s, u8(0)));
    await digestOf(`${n} digest mid`, s);
    await run(`${n} restart`, pol(0x180, s));
    await run(`${n} pcr empty`, pol(0x17f, s, b2(zeros(0)), u32(0)));
    await run(
      `${n} pcr wrong digest`,
      pol(0x17f, s, b2(d32), cat(u32(1), u16(0xb), u8(3), u8(1), u8(0), u8(0))),
    );
    await run(
      `${n} pcr select 5`,
      pol(0x17f, s, b2(zeros(0)), cat(u32(1), u16(0xb), u8(5), zeros(5))),
    );
    await run(
      `${n} pcr sha1 bank`,
      pol(0x17f, s, b2(zeros(0)), cat(u32(1), u16(0x4), u8(3), u8(3), u8(0), u8(0))),
    );
    await run(
      `${n} pcr two banks`,
      pol(
        0x17f,
        s,
        b2(zeros(0)),
        cat(u32(2), u16(0x4), u8(3), u8(1), u8(0), u8(0), u16(0xb), u8(3), u8(1), u8(0), u8(0)),
      ),
    );
    await digestOf(`${n} digest pcr`, s);
    await run(`${n} restart 2`, pol(0x180, s));
    // PolicyAuthorize on s: approvedPolicy, an empty policyRef, keySign, checkTicket.
    const authorize = (approved: Uint8Array, keySign: Uint8Array, ticket = NULL_VERIFIED) =>
      pol(0x16a, s, b2(approved), b2(zeros(0)), b2(keySign), ticket);
    const sha256Name = cat(u16(0xb), d32);
    await run(`${n} authorize bad name`, authorize(d32, zeros(10)));
    await run(`${n} authorize short name`, authorize(zeros(32), cat(u16(0xb), zeros(20))));
    await run(`${n} authorize sha1 name`, authorize(zeros(32), cat(u16(4), zeros(20))));
    await run(`${n} authorize mismatch`, authorize(d32, sha256Name));
    await run(`${n} authorize null ticket`, authorize(zeros(32), sha256Name));
    await run(
      `${n} authorize wrong tag`,
      authorize(zeros(32), sha256Name, cat(u16(0x8021), u32(NULL), u16(0))),
    );
    await digestOf(`${n} digest authorize`, s);
    await run(`${n} restart 3`, pol(0x180, s));
    await run(`${n} password`, pol(0x18c, s));
    await run(`${n} authvalue`, pol(0x16b, s));
    await digestOf(`${n} digest pw`, s);
    await run(`${n} countertimer big offset`, pol(0x16d, s, b2(zeros(8)), u16(30), u16(0)));
    await run(`${n} countertimer op 12`, pol(0x16d, s, b2(zeros(8)), u16(0), u16(12)));
    await run(`${n} countertimer eq`, pol(0x16d, s, b2(zeros(1)), u16(0), u16(0)));
    await run(`${n} countertimer safe`, pol(0x16d, s, b2(u8(1)), u16(24), u16(0)));
    await digestOf(`${n} digest ct`, s);
    await run(`${n} restart 4`, pol(0x180, s));
    // PolicySecret(owner) on s: nonceTPM, cpHashA, policyRef, expiration.
    const secret = (nonce: Uint8Array, cp: Uint8Array, ref: Uint8Array, exp: number) =>
      command(ST_S, 0x151, u32(OWNER), u32(s), area(PWE), b2(nonce), b2(cp), b2(ref), u32(exp));
    await run(`${n} secret wrong nonce`, secret(zeros(16), zeros(0), zeros(0), 0));
    await run(`${n} secret cphash short`, secret(zeros(0), zeros(4), zeros(0), 0));
    await run(`${n} secret policyref 33`, secret(zeros(0), zeros(0), zeros(33), 0));
    await run(`${n} secret expired abs`, secret(zeros(0), zeros(0), zeros(0), 0xfffffffe));
    await run(`${n} secret ok`, secret(zeros(0), d32, u8(1), 0));
    await run(`${n} secret cphash other`, secret(zeros(0), zeros(32), u8(1), 0));
    await digestOf(`${n} digest secret`, s);
    await run(`${n} restart 5`, pol(0x180, s));
    await run(
      `${n} dupselect`,
      pol(0x188, s, b2(cat(u16(0xb), d32)), b2(cat(u16(0xb), d32)), u8(0)),
    );
    await run(`${n} dupselect cc`, pol(0x16c, s, u32(0x14b)));
    await run(
      `${n} dupselect again`,
      pol(0x188, s, b2(cat(u16(0xb), d32)), b2(cat(u16(0xb), d32)), u8(1)),
    );
    await digestOf(`${n} digest dup`, s);
    await run(`${n} restart 6`, pol(0x180, s));
    await flush(s);
  }
  const ps = await start("sas policy 2", sas({ type: 1 }));
  const ts = await start("sas trial 2", sas({ type: 3 }));

  await run("hmac session as policy", pol(0x189, hs));
  await run("policy restart hmac", pol(0x180, hs));
  await run("trial authorizes", changeOwner(area(entry(ts, zeros(16), 1, zeros(0)))));
  await run("policy audit", getRandom(area(entry(ps, zeros(16), 0x81, zeros(0)))));
  // A policy session with an empty policy authorizing owner (owner's policy is empty).
  await run("policy for owner", changeOwner(area(entry(ps, zeros(16), 1, zeros(0)))));

  // Flushed and reused session handles.
  for (const s of [ps, ts]) await flush(s);
  await run("flushed session", getRandom(area(entry(hs2, zeros(16), 0x41, zeros(0)))));
  await run("flush twice", command(ST_NO, 0x165, u32(hs2)));
  await run("flush no continue", getRandom(area(entry(hs, zeros(16), 0x80, zeros(0)))));
  await run("used after no continue", getRandom(area(entry(hs, zeros(16), 0x81, zeros(0)))));

  // HMAC sessions with real keys: bound to owner after giving owner a password.
  const ownerAuth = new TextEncoder().encode("owner");
  await run("set owner auth", command(ST_S, 0x129, u32(OWNER), area(PWE), b2(ownerAuth)));
  await trySas("sas bound", sas({ type: 0, bind: OWNER }));

  // Decrypt sessions on a malformed first parameter (TPM2_Hash's data).
  const xs = await start("sas xor 2", sas({ type: 0, sym: XOR256 }));
  const hashCmd = (a: Uint8Array, data: Uint8Array) => command(ST_S, 0x17d, a, data);
  const dec = area(entry(xs, zeros(16), 0x21, zeros(0)));
  await run("decrypt size beyond", hashCmd(dec, cat(u16(40), zeros(8), u16(0xb), u32(NULL))));
  await run("decrypt one byte", hashCmd(dec, u8(0)));
  await run("decrypt no params", hashCmd(dec, zeros(0)));
  await run("decrypt ok", hashCmd(dec, cat(b2(zeros(8)), u16(0xb), u32(NULL))));

  // Saved sessions: their handles stay taken; flushing one by handle; replays.
  const save = (h: number) => send(command(ST_NO, 0x162, u32(h)));
  const load = (blob: Uint8Array) => send(command(ST_NO, 0x161, blob));
  const saved = await save(xs);
  out["save"] = rcOf(saved).toString(16);
  const blob = saved.slice(10);
  const other = await start("sas while saved", sas({ type: 0 }));
  out["new handle differs"] = String(other !== xs);
  await run("use saved", hashCmd(dec, cat(b2(zeros(8)), u16(0xb), u32(NULL))));
  await run("load saved", command(ST_NO, 0x161, blob));
  await run("load twice", command(ST_NO, 0x161, blob));
  await run("save again", command(ST_NO, 0x162, u32(xs)));
  await run("flush saved by handle", command(ST_NO, 0x165, u32(xs)));
  const blob2 = (await save(other)).slice(10);
  await run("flush saved other", command(ST_NO, 0x165, u32(other)));
  out["load flushed"] = rcOf(await load(blob2)).toString(16);

  // Salted sessions: tpmKey must be a loaded decryption key; the salt must decrypt.
  const key = async (name: string, tpl: Parameters<typeof createParams>[0]) => {
    const pw = area(entry(PW, zeros(0), 1, ownerAuth));
    const r = await run(name, command(ST_S, 0x131, u32(OWNER), pw, createParams(tpl)));
    return rcOf(r) === 0 ? new DataView(r.buffer, r.byteOffset).getUint32(10) : 0;
  };
  const signKey = await key("cp sign", ECC_SIGN);
  await trySas("salt sign key", sas({ key: signKey, salt: b2(zeros(0)) }));
  await trySas("salt sign key empty", sas({ key: signKey }));
  await send(command(ST_NO, 0x165, u32(signKey)));
  const decKey = await key("cp decrypt", ECC_DECRYPT);
  await trySas("salt empty", sas({ key: decKey }));
  await trySas(
    "salt garbage point",
    sas({ key: decKey, salt: cat(b2(zeros(32).fill(1)), b2(zeros(32).fill(2))) }),
  );
  await trySas("salt short", sas({ key: decKey, salt: u8(1) }));
  await trySas("salt short nonce", sas({ key: decKey, salt: u8(1), nonce: zeros(8) }));
  await trySas("salt empty short nonce", sas({ key: decKey, nonce: zeros(8) }));
  // The same key loaded as a public part only.
  const rp = await send(command(ST_NO, 0x173, u32(decKey)));
  const pubLen = new DataView(rp.buffer, rp.byteOffset).getUint16(10);
  const ext = await run(
    "loadexternal",
    command(ST_NO, 0x167, u16(0), rp.slice(10, 12 + pubLen), u32(NULL)),
  );
  const pubOnly = new DataView(ext.buffer, ext.byteOffset).getUint32(10);
  await trySas(
    "salt public only",
    sas({ key: pubOnly, salt: cat(b2(zeros(32).fill(1)), b2(zeros(32).fill(2))) }),
  );
  await trySas("bind public only", sas({ bind: pubOnly }));
  await trySas(
    "bind public only bad mode",
    sas({ bind: pubOnly, sym: cat(u16(6), u16(128), u16(0x44)) }),
  );
  await send(command(ST_NO, 0x165, u32(pubOnly)));
  await send(command(ST_NO, 0x165, u32(decKey)));
  return out;
}

/** A session as the caller tracks it. */
interface Cs {
  handle: number;
  nonceTPM: Uint8Array;
  key: Uint8Array;
}
const NONCE_CALLER = zeros(16).fill(7);
const enc = (t: string) => new TextEncoder().encode(t);

/** Splits a response with sessions: parameters and the session entries. */
function splitRsp(r: Uint8Array, handles: number) {
  const v = new DataView(r.buffer, r.byteOffset);
  let o = 10 + 4 * handles;
  const psize = v.getUint32(o);
  const params = r.slice(o + 4, o + 4 + psize);
  o += 4 + psize;
  const sessions: { nonce: Uint8Array; attrs: number; hmac: Uint8Array }[] = [];
  while (o < r.length) {
    const n = v.getUint16(o);
    const nonce = r.slice(o + 2, o + 2 + n);
    o += 2 + n;
    const attrs = r[o];
    const h = v.getUint16(o + 1);
    sessions.push({ nonce, attrs, hmac: r.slice(o + 3, o + 3 + h) });
    o += 3 + h;
  }
  return { params, sessions };
}

/**
 * Bound, policy and parameter-encrypting sessions, each computed here from
 * Part 1 §19.6 and §21: the outcome of each step (which key the TPM expects,
 * which key it answers with, whether a decrypted parameter took effect).
 */
async function keyedScenario(send: Send): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  await send(command(ST_NO, 0x144, u16(0)));
  const clear = () => send(command(ST_S, 0x126, u32(0x4000000c), area(PWE)));
  const pw = (auth: Uint8Array) => area(entry(PW, zeros(0), 1, auth));
  const start = async (
    name: string,
    type: number,
    bind = NULL,
    bindAuth = zeros(0),
    sym = u16(0x10),
  ) => {
    const r = await send(sas({ type, bind, sym }));
    out[name] = rcOf(r).toString(16);
    const nonceTPM = r.slice(16, 48);
    const key = bindAuth.length ? kdfa256(bindAuth, "ATH", nonceTPM, NONCE_CALLER, 256) : zeros(0);
    return { handle: new DataView(r.buffer, r.byteOffset).getUint32(10), nonceTPM, key };
  };
  /**
   * Sends `code` on one handle authorized by `cs` (HMAC keyed with `hmacAuth`),
   * the first parameter (a TPM2B) encrypted with `encAuth` when that is given.
   * Records the rc and which candidate key the response HMAC used.
   */
  const call = async (
    name: string,
    cs: Cs,
    code: number,
    handle: number,
    first: Uint8Array,
    rest: Uint8Array,
    hmacAuth: Uint8Array,
    encAuth?: Uint8Array,
    candidates: Record<string, Uint8Array> = {},
  ) => {
    let attrs = 1;
    let data = first;
    if (encAuth) {
      attrs |= 0x20;
      const kiv = kdfa256(cat(cs.key, encAuth), "CFB", NONCE_CALLER, cs.nonceTPM, 256);
      data = aesCfb(kiv.subarray(0, 16), kiv.subarray(16), first, false);
    }
    const params = cat(b2(data), rest);
    const cp = sha256(u32(code), u32(handle), params);
    const key = cat(cs.key, hmacAuth);
    const hmac = key.length ? hmac256(key, cp, NONCE_CALLER, cs.nonceTPM, u8(attrs)) : zeros(0);
    const r = await send(
      command(ST_S, code, u32(handle), area(entry(cs.handle, NONCE_CALLER, attrs, hmac)), params),
    );
    out[name] = rcOf(r).toString(16);
    if (rcOf(r) !== 0) return;
    const { params: rp, sessions } = splitRsp(r, 0);
    const a = sessions[0];
    cs.nonceTPM = a.nonce;
    const rpHash = sha256(u32(0), u32(code), rp);
    const match = Object.entries(candidates).find(([, k]) =>
      toHex(hmac256(k, rpHash, a.nonce, NONCE_CALLER, u8(a.attrs))) === toHex(a.hmac)
    );
    out[`${name} response`] = `${match?.[0] ?? "none"} hmac ${a.hmac.length} attrs ${a.attrs}`;
  };
  const changeAuth = 0x129;
  const ownerPw = enc("owner");
  const tryOwner = async (name: string, auth: Uint8Array) => {
    const r = await send(command(ST_S, changeAuth, u32(OWNER), pw(auth), b2(auth)));
    out[name] = rcOf(r).toString(16);
  };

  // HMAC session bound to owner: owner's own authorization leaves the authValue out.
  await send(command(ST_S, changeAuth, u32(OWNER), pw(zeros(0)), b2(ownerPw)));
  const b = await start("bound start", 0, OWNER, ownerPw, cat(u16(6), u16(128), u16(0x43)));
  await call("bound owner", b, changeAuth, OWNER, ownerPw, zeros(0), zeros(0), undefined, {
    session: b.key,
    withAuth: cat(b.key, ownerPw),
  });
  await call("bound owner with auth", b, changeAuth, OWNER, ownerPw, zeros(0), ownerPw);
  await call(
    "bound endorsement",
    b,
    changeAuth,
    0x4000000b,
    zeros(0),
    zeros(0),
    zeros(0),
    undefined,
    {
      session: b.key,
    },
  );
  // Changing the bind entity's authValue through the bound session: the answer's key.
  const o2 = enc("o2");
  await call("bound owner change", b, changeAuth, OWNER, o2, zeros(0), zeros(0), undefined, {
    session: b.key,
    newAuth: cat(b.key, o2),
    oldAuth: cat(b.key, ownerPw),
  });
  await tryOwner("owner is o2", o2);
  // Now the session no longer matches its bind entity: the authValue is needed.
  await call("unbound by change", b, changeAuth, OWNER, o2, zeros(0), zeros(0));
  await call("unbound by change with auth", b, changeAuth, OWNER, o2, zeros(0), o2);
  // Decrypting owner's new authValue on a bound session: key with or without the authValue?
  const o3 = enc("o3-secret");
  await tryOwner("owner back", ownerPw).then(() =>
    send(command(ST_S, changeAuth, u32(OWNER), pw(o2), b2(ownerPw)))
  );
  const b2s = await start("bound start 2", 0, OWNER, ownerPw, cat(u16(6), u16(128), u16(0x43)));
  await call("bound decrypt", b2s, changeAuth, OWNER, o3, zeros(0), zeros(0), zeros(0));
  await tryOwner("decrypt without auth took", o3);
  await send(command(ST_NO, 0x165, u32(b2s.handle)));
  await send(command(ST_NO, 0x165, u32(b.handle)));
  await clear();

  // A policy session (no PolicyAuthValue) authorizing owner via its policy, with decrypt.
  const pcc = sha256(zeros(32), u32(0x16c), u32(changeAuth));
  await send(command(ST_S, 0x12e, u32(OWNER), pw(zeros(0)), b2(pcc), u16(0xb)));
  await send(command(ST_S, changeAuth, u32(OWNER), pw(zeros(0)), b2(ownerPw)));
  for (const [n, withEnc] of [["plain", false], ["decrypt", true]] as const) {
    const p = await start(`policy ${n} start`, 1, NULL, zeros(0), cat(u16(6), u16(128), u16(0x43)));
    out[`policy ${n} cc`] = rcOf(await send(command(ST_NO, 0x16c, u32(p.handle), u32(changeAuth))))
      .toString(16);
    // An empty session key: the HMAC is empty (no authValue needed).
    await call(
      `policy ${n} change`,
      p,
      changeAuth,
      OWNER,
      ownerPw,
      zeros(0),
      zeros(0),
      withEnc ? zeros(0) : undefined,
    );
    await tryOwner(`policy ${n} owner unchanged`, ownerPw);
    await send(command(ST_NO, 0x165, u32(p.handle)));
  }
  // The same with the authValue in the policy (PolicyAuthValue): HMAC and key with authValue.
  const pav2 = sha256(sha256(zeros(32), u32(0x16b)), u32(0x16c), u32(changeAuth));
  await clear();
  await send(command(ST_S, changeAuth, u32(OWNER), pw(zeros(0)), b2(ownerPw)));
  out["set av policy"] = rcOf(
    await send(command(ST_S, 0x12e, u32(OWNER), pw(ownerPw), b2(pav2), u16(0xb))),
  ).toString(16);
  for (const [n, withEnc] of [["av plain", false], ["av decrypt", true]] as const) {
    const p = await start(`policy ${n} start`, 1, NULL, zeros(0), cat(u16(6), u16(128), u16(0x43)));
    out[`policy ${n} av`] = rcOf(await send(command(ST_NO, 0x16b, u32(p.handle)))).toString(16);
    out[`policy ${n} cc`] = rcOf(await send(command(ST_NO, 0x16c, u32(p.handle), u32(changeAuth))))
      .toString(16);
    await call(
      `policy ${n} change`,
      p,
      changeAuth,
      OWNER,
      enc("o4"),
      zeros(0),
      ownerPw,
      withEnc ? ownerPw : undefined,
      {
        session: p.key,
        newAuth: enc("o4"),
        oldAuth: ownerPw,
      },
    );
    await tryOwner(`policy ${n} owner o4`, enc("o4"));
    await send(command(ST_NO, 0x165, u32(p.handle)));
  }
  await clear();

  // Audit sessions: the attributes and HMAC of the answer.
  const a = await start("audit start", 0);
  for (
    const [n, attrs] of [
      ["reset without audit", 0x05],
      ["audit", 0x81],
      ["auditReset", 0x85],
      ["exclusive", 0x83],
      ["again", 0x81],
    ] as const
  ) {
    const r = await send(
      command(ST_S, 0x17b, area(entry(a.handle, NONCE_CALLER, attrs, zeros(0))), u16(4)),
    );
    out[`${n} rc`] = rcOf(r).toString(16);
    if (rcOf(r) !== 0) continue;
    const { sessions } = splitRsp(r, 0);
    a.nonceTPM = new Uint8Array(sessions[0].nonce);
    out[`${n} answer`] = `nonce ${sessions[0].nonce.length} attrs ${sessions[0].attrs} hmac ${
      sessions[0].hmac.length
    }`;
  }
  // The same with an HMAC computed over the empty key: the answer carries one too.
  const cpGet = sha256(u32(0x17b), u16(4));
  const keyed = hmac256(zeros(0), cpGet, NONCE_CALLER, a.nonceTPM, u8(0x81));
  const r0 = await send(
    command(ST_S, 0x17b, area(entry(a.handle, NONCE_CALLER, 0x81, keyed)), u16(4)),
  );
  out["keyed audit"] = rcOf(r0).toString(16);
  if (rcOf(r0) === 0) out["keyed audit hmac"] = String(splitRsp(r0, 0).sessions[0].hmac.length);
  // Another command in between ends exclusivity.
  await send(command(ST_NO, 0x17b, u16(4)));
  const r = await send(
    command(ST_S, 0x17b, area(entry(a.handle, NONCE_CALLER, 0x83, zeros(0))), u16(4)),
  );
  out["exclusive after other"] = rcOf(r).toString(16);
  // Session 0 audits, session 1 encrypts: is nonceEncrypt in session 0's HMAC when session 0
  // authorizes nothing? Try both forms and record which one the TPM takes.
  const x = await start("xor start", 0, NULL, zeros(0), cat(u16(0xa), u16(0xb)));
  const a2 = await start("audit 2 start", 0);
  for (
    const [n, extra] of [["without nonceEncrypt", false], ["with nonceEncrypt", true]] as const
  ) {
    const parts = [sha256(u32(0x17b), u16(4)), NONCE_CALLER, a2.nonceTPM];
    if (extra) parts.push(x.nonceTPM);
    const mac = hmac256(zeros(0), ...parts, u8(0x81));
    const r = await send(command(
      ST_S,
      0x17b,
      area(
        entry(a2.handle, NONCE_CALLER, 0x81, mac),
        entry(x.handle, NONCE_CALLER, 0x41, zeros(0)),
      ),
      u16(4),
    ));
    out[`audit+encrypt ${n}`] = rcOf(r).toString(16);
    if (rcOf(r) !== 0) continue;
    x.nonceTPM = new Uint8Array(splitRsp(r, 0).sessions[1].nonce);
    break;
  }
  // Session 0 authorizes owner (empty authValue), session 1 decrypts: nonceDecrypt is in.
  await send(command(ST_NO, 0x165, u32(a.handle)));
  await send(command(ST_NO, 0x165, u32(a2.handle)));
  const h0 = await start("hmac 0 start", 0);
  await clear();
  for (
    const [n, extra] of [["without nonceDecrypt", false], ["with nonceDecrypt", true]] as const
  ) {
    const params = b2(zeros(0));
    const parts = [sha256(u32(changeAuth), u32(OWNER), params), NONCE_CALLER, h0.nonceTPM];
    if (extra) parts.push(x.nonceTPM);
    const mac = hmac256(zeros(0), ...parts, u8(0x01));
    const r = await send(command(
      ST_S,
      changeAuth,
      u32(OWNER),
      area(
        entry(h0.handle, NONCE_CALLER, 0x01, mac),
        entry(x.handle, NONCE_CALLER, 0x21, zeros(0)),
      ),
      params,
    ));
    out[`auth+decrypt ${n}`] = rcOf(r).toString(16);
    if (rcOf(r) === 0) break;
  }
  return out;
}

/** PolicyNV, PolicyAuthorizeNV and PolicySigned error paths. */
async function nvSignedScenario(send: Send): Promise<Record<string, string>> {
  const { out, run } = rcRecorder(send);
  await send(command(ST_NO, 0x144, u16(0)));
  const IX = 0x01500010;
  const nvPub = b2(cat(u32(IX), u16(0xb), u32(0x00060006), b2(zeros(0)), u16(8)));
  await run("nv define", command(ST_S, 0x12a, u32(OWNER), area(PWE), b2(zeros(0)), nvPub));
  const ps = new DataView((await run("sas", sas({ type: 1 }))).buffer).getUint32(10);
  const ts = new DataView((await run("sas trial", sas({ type: 3 }))).buffer).getUint32(10);
  const policyNv = (s: number, operand: Uint8Array, offset: number, op: number) =>
    command(ST_S, 0x149, u32(IX), u32(IX), u32(s), area(PWE), b2(operand), u16(offset), u16(op));
  await run("nv unwritten", policyNv(ps, u8(1), 0, 0));
  await run("nv unwritten trial", policyNv(ts, u8(1), 0, 0));
  const data = Uint8Array.from([1, 2, 3, 4, 0x85, 6, 7, 8]);
  await run("nv write", command(ST_S, 0x137, u32(IX), u32(IX), area(PWE), b2(data), u16(0)));
  for (const [s, n] of [[ps, "policy"], [ts, "trial"]] as const) {
    await run(`${n} nv offset 9`, policyNv(s, zeros(0), 9, 0));
    await run(`${n} nv offset 8 empty`, policyNv(s, zeros(0), 8, 0));
    await run(`${n} nv too long`, policyNv(s, zeros(5), 4, 0));
    await run(`${n} nv eq`, policyNv(s, Uint8Array.from([3, 4]), 2, 0));
    await run(`${n} nv ne fails`, policyNv(s, Uint8Array.from([3, 4]), 2, 1));
    await run(`${n} nv signed gt`, policyNv(s, Uint8Array.from([0x05]), 4, 2));
    await run(`${n} nv unsigned gt`, policyNv(s, Uint8Array.from([0x05]), 4, 3));
    await run(`${n} nv signed lt`, policyNv(s, Uint8Array.from([0x05]), 4, 4));
    await run(`${n} nv bitset`, policyNv(s, Uint8Array.from([0x81]), 4, 10));
    await run(`${n} nv bitclear`, policyNv(s, Uint8Array.from([0x02]), 4, 11));
    await run(`${n} nv op 12`, policyNv(s, u8(1), 0, 12));
    await run(`${n} authorizenv`, command(ST_S, 0x192, u32(IX), u32(IX), u32(s), area(PWE)));
    await run(`${n} restart`, command(ST_NO, 0x180, u32(s)));
  }
  // PolicyAuthorizeNV reads a TPMT_HA from the index.
  const IX2 = 0x01500011;
  const nvPub2 = b2(cat(u32(IX2), u16(0xb), u32(0x00060006), b2(zeros(0)), u16(34)));
  await run("nv2 define", command(ST_S, 0x12a, u32(OWNER), area(PWE), b2(zeros(0)), nvPub2));
  const authorizeNv = (name: string, s: number, ix: number, contents: Uint8Array) =>
    send(command(ST_S, 0x137, u32(ix), u32(ix), area(PWE), b2(contents), u16(0))).then(() =>
      run(name, command(ST_S, 0x192, u32(ix), u32(ix), u32(s), area(PWE)))
    );
  await authorizeNv("authorizenv short sha256", ps, IX, cat(u16(0xb), zeros(6)));
  await authorizeNv("authorizenv short sha1", ps, IX, cat(u16(0x4), zeros(6)));
  await authorizeNv("authorizenv sha1", ps, IX2, cat(u16(0x4), zeros(32)));
  await authorizeNv("authorizenv null alg", ps, IX2, cat(u16(0x10), zeros(32)));
  await authorizeNv("authorizenv sha256 other", ps, IX2, cat(u16(0xb), zeros(32).fill(9)));
  await authorizeNv("authorizenv sha256 match", ps, IX2, cat(u16(0xb), zeros(32)));
  await run("restart after authorizenv", command(ST_NO, 0x180, u32(ps)));

  // PolicySigned with a key that cannot sign, a bad signature, a wrong scheme.
  const sk = new DataView(
    (await run("cp sign", command(ST_S, 0x131, u32(OWNER), area(PWE), createParams(ECC_SIGN))))
      .buffer,
  ).getUint32(10);
  const dk = new DataView(
    (await run(
      "cp decrypt",
      command(ST_S, 0x131, u32(OWNER), area(PWE), createParams(ECC_DECRYPT)),
    ))
      .buffer,
  ).getUint32(10);
  const ecdsa = (r: Uint8Array) => cat(u16(0x18), u16(0xb), b2(r), b2(zeros(32).fill(1)));
  const signed = (key: number, s: number, sig: Uint8Array, cp = zeros(0), exp = 0) =>
    command(ST_NO, 0x160, u32(key), u32(s), b2(zeros(0)), b2(cp), b2(zeros(0)), u32(exp), sig);
  for (const [s, n] of [[ps, "policy"], [ts, "trial"]] as const) {
    await run(`${n} signed decrypt key`, signed(dk, s, ecdsa(zeros(32).fill(2))));
    await run(`${n} signed bad sig`, signed(sk, s, ecdsa(zeros(32).fill(2))));
    await run(`${n} signed zero r`, signed(sk, s, ecdsa(zeros(32))));
    await run(`${n} signed rsassa`, signed(sk, s, cat(u16(0x14), u16(0xb), b2(zeros(32)))));
    await run(`${n} signed null`, signed(sk, s, u16(0x10)));
    await run(
      `${n} signed sha1`,
      signed(sk, s, cat(u16(0x18), u16(0x4), b2(zeros(32).fill(2)), b2(zeros(32).fill(1)))),
    );
    await run(`${n} signed bad cphash`, signed(sk, s, ecdsa(zeros(32).fill(2)), zeros(5)));
    await run(`${n} signed hmac`, signed(sk, s, cat(u16(0x5), u16(0xb), zeros(32))));
    for (const hash of [0x10, 0x12, 0x0c, 0x0d, 0x07]) {
      const sig = cat(u16(0x18), u16(hash), b2(zeros(32).fill(2)), b2(zeros(32).fill(1)));
      await run(`${n} signed hash ${hash}`, signed(sk, s, sig));
    }
  }
  return out;
}

/**
 * Sessions bound to a DA-protected entity are subject to DA however they are used (the
 * reference's isDaBound): otherwise a bound session's HMAC would be an unlimited oracle
 * for the bound entity's authValue.
 */
async function daScenario(send: Send): Promise<Record<string, string>> {
  const { out, run } = rcRecorder(send);
  const LOCKOUT = 0x4000000a;
  const failedTries = async (name: string) => {
    const r = await send(command(ST_NO, 0x17a, u32(6), u32(0x20e), u32(1)));
    out[name] = String(new DataView(r.buffer, r.byteOffset).getUint32(r.length - 4));
  };
  await send(command(ST_NO, 0x144, u16(0)));
  // maxTries 3, recoveryTime 1000 s, lockoutRecovery 1000 s.
  await run(
    "da params",
    command(ST_S, 0x13a, u32(LOCKOUT), area(PWE), u32(3), u32(1000), u32(1000)),
  );
  const auth = enc("k");
  const cp = await run(
    "cp k",
    command(ST_S, 0x131, u32(OWNER), area(PWE), createParams(ECC_SIGN, "k")),
  );
  const k = new DataView(cp.buffer, cp.byteOffset).getUint32(10);
  const bound = async (name: string, bind: number, bindAuth: Uint8Array) => {
    const r = await run(name, sas({ type: 0, bind }));
    const nonceTPM = r.slice(16, 32);
    const key = kdfa256(bindAuth, "ATH", nonceTPM, NONCE_CALLER, 256);
    return { handle: new DataView(r.buffer, r.byteOffset).getUint32(10), nonceTPM, key };
  };
  const changeOwner = (cs: Cs, good: boolean) => {
    const params = b2(zeros(0));
    const cpHash = sha256(u32(0x129), u32(OWNER), params);
    const hmac = good
      ? hmac256(cs.key, cpHash, NONCE_CALLER, cs.nonceTPM, u8(1))
      : zeros(32).fill(0x55);
    return command(ST_S, 0x129, u32(OWNER), area(entry(cs.handle, NONCE_CALLER, 1, hmac)), params);
  };
  /** Sends changeOwner on `cs`, following its nonceTPM. */
  const use = async (name: string, cs: Cs, good: boolean) => {
    const r = await run(name, changeOwner(cs, good));
    if (rcOf(r) === 0) cs.nonceTPM = splitRsp(r, 0).sessions[0].nonce;
  };
  const b = await bound("sas bound k", k, auth);
  await failedTries("tries before");
  await use("bound k wrong hmac for owner", b, false);
  await failedTries("tries after owner");
  await run(
    "bound k wrong hmac audit",
    command(ST_S, 0x17b, area(entry(b.handle, NONCE_CALLER, 0x81, zeros(32).fill(1))), u16(4)),
  );
  await failedTries("tries after audit");
  await use("bound k wrong hmac 3", b, false);
  await failedTries("tries in lockout");
  const b2s = await bound("sas bound k 2", k, auth);
  await use("bound k good hmac in lockout", b2s, true);
  await run("unbound owner in lockout", command(ST_S, 0x129, u32(OWNER), area(PWE), b2(zeros(0))));
  await run("reset", command(ST_S, 0x139, u32(LOCKOUT), area(PWE)));
  await use("bound k good hmac after reset", b2s, true);
  // The binding survives ContextSave / ContextLoad.
  const blob = (await run("save bound", command(ST_NO, 0x162, u32(b2s.handle)))).slice(10);
  await run("load bound", command(ST_NO, 0x161, blob));
  await use("loaded bound wrong hmac", b2s, false);
  await failedTries("tries after loaded");
  await run("reset 2", command(ST_S, 0x139, u32(LOCKOUT), area(PWE)));
  // A policy session on an object with no authPolicy, and on lockout with no lockoutPolicy.
  const ps = new DataView((await run("sas policy", sas({ type: 1 }))).buffer).getUint32(10);
  const noPolicy = area(entry(ps, zeros(0), 1, zeros(0)));
  const sig = cat(b2(zeros(32)), u16(0x18), u16(0xb), cat(u16(0x8024), u32(NULL), u16(0)));
  await run("policy on key without policy", command(ST_S, 0x15d, u32(k), noPolicy, sig));
  await run("policy on lockout", command(ST_S, 0x139, u32(LOCKOUT), noPolicy));
  await send(command(ST_NO, 0x165, u32(ps)));
  // Bound to lockoutAuth: a failure disables lockoutAuth.
  const l = await bound("sas bound lockout", LOCKOUT, zeros(0));
  await use("bound lockout wrong hmac", l, false);
  await run("lockout after", command(ST_S, 0x139, u32(LOCKOUT), area(PWE)));
  return out;
}

/** PolicySecret tickets: which hierarchy each kind of entity's ticket names, and their replay. */
async function ticketScenario(send: Send): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  await send(command(ST_NO, 0x144, u16(0)));
  const IX = 0x01500020;
  // OWNERWRITE | AUTHWRITE | OWNERREAD | AUTHREAD, then with PLATFORMCREATE under platform.
  const nvPub = (ix: number, attrs: number) =>
    b2(cat(u32(ix), u16(0xb), u32(attrs), b2(zeros(0)), u16(8)));
  await send(command(ST_S, 0x12a, u32(OWNER), area(PWE), b2(zeros(0)), nvPub(IX, 0x00060006)));
  await send(
    command(ST_S, 0x12a, u32(0x4000000c), area(PWE), b2(zeros(0)), nvPub(IX + 1, 0x40060006)),
  );
  const entities: [string, number][] = [
    ["owner", OWNER],
    ["endorsement", 0x4000000b],
    ["platform", 0x4000000c],
    ["lockout", 0x4000000a],
    ["null", NULL],
    ["platform nv", 0x4000000d],
    ["pcr 0", 0],
    ["nv owner", IX],
    ["nv platform", IX + 1],
  ];
  for (const [n, h] of entities) {
    const r = await send(sas({ type: 1 }));
    const s = new DataView(r.buffer, r.byteOffset).getUint32(10);
    const cp = zeros(32).fill(3);
    const ref = u8(7);
    const rs = await send(
      command(ST_S, 0x151, u32(h), u32(s), area(PWE), b2(zeros(0)), b2(cp), b2(ref), u32(-10)),
    );
    out[`${n} secret`] = rcOf(rs).toString(16);
    if (rcOf(rs) === 0) {
      const { params } = splitRsp(rs, 0);
      const tl = (params[0] << 8) | params[1];
      const timeout = params.slice(2, 2 + tl);
      const tk = params.slice(2 + tl);
      // Tag and hierarchy; the HMAC's algorithm is the TPM's choice (libtpms: SHA-512).
      out[`${n} ticket`] = toHex(tk.slice(0, 6));
      // Replay on a fresh session: the entity's Name is the authName.
      const r2 = await send(sas({ type: 1 }));
      const s2 = new DataView(r2.buffer, r2.byteOffset).getUint32(10);
      const name = h >>> 24 === 1 ? (await send(command(ST_NO, 0x169, u32(h)))).slice(10) : u32(h);
      const nameField = h >>> 24 === 1 ? name.slice(2 + ((name[0] << 8) | name[1])) : b2(u32(h));
      const pt = await send(
        command(ST_NO, 0x172, u32(s2), b2(timeout), b2(cp), b2(ref), nameField, tk),
      );
      out[`${n} replay`] = rcOf(pt).toString(16);
      await send(command(ST_NO, 0x165, u32(s2)));
    }
    await send(command(ST_NO, 0x165, u32(s)));
  }
  return out;
}

/** A fixed P-256 key outside the TPM: its TPMT_PUBLIC and an ECDSA signer (r || s). */
function outsideKey() {
  const ecdh = createECDH("prime256v1");
  ecdh.setPrivateKey(zeros(32).fill(0x42));
  const pub = new Uint8Array(ecdh.getPublicKey());
  const x = pub.slice(1, 33), y = pub.slice(33);
  const b64 = (b: Uint8Array) => Buffer.from(b).toString("base64url");
  const key = createPrivateKey({
    key: { kty: "EC", crv: "P-256", d: b64(zeros(32).fill(0x42)), x: b64(x), y: b64(y) },
    format: "jwk",
  });
  const tpmtPublic = cat(
    u16(0x23),
    u16(0xb),
    u32(0x40040),
    b2(zeros(0)),
    u16(0x10),
    u16(0x18),
    u16(0xb),
    u16(3),
    u16(0x10),
    b2(x),
    b2(y),
  );
  /** ECDSA-SHA256 over `message`: a signature of the digest SHA-256(message). */
  const sign = (message: Uint8Array) => {
    const sig = new Uint8Array(cryptoSign("sha256", message, { key, dsaEncoding: "ieee-p1363" }));
    return cat(u16(0x18), u16(0xb), b2(sig.slice(0, 32)), b2(sig.slice(32)));
  };
  return { tpmtPublic, sign };
}

/** PolicySigned and PolicyAuthorize on their success paths, with tickets, as swtpm. */
async function signedScenario(send: Send): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  await send(command(ST_NO, 0x144, u16(0)));
  const k = outsideKey();
  for (const [n, hierarchy] of [["owner", OWNER], ["null", NULL]] as const) {
    const le = await send(command(ST_NO, 0x167, u16(0), b2(k.tpmtPublic), u32(hierarchy)));
    out[`${n} load`] = rcOf(le).toString(16);
    const key = new DataView(le.buffer, le.byteOffset).getUint32(10);
    const name = le.slice(14);
    const start = async () => {
      const r = await send(sas({ type: 1 }));
      return { s: new DataView(r.buffer, r.byteOffset).getUint32(10), nonce: r.slice(16, 32) };
    };
    const { s, nonce } = await start();
    const ref = enc("ref");
    const exp = -100;
    const aHash = cat(nonce, u32(exp), ref); // signed as SHA-256 of these bytes
    const signed = (sig: Uint8Array, e = exp) =>
      command(ST_NO, 0x160, u32(key), u32(s), b2(nonce), b2(zeros(0)), b2(ref), u32(e), sig);
    const r = await send(signed(k.sign(aHash)));
    out[`${n} signed`] = rcOf(r).toString(16);
    out[`${n} signed expiration mismatch`] = rcOf(await send(signed(k.sign(aHash), -99)))
      .toString(16);
    if (rcOf(r) === 0) {
      const p = r.slice(10);
      const tl = (p[0] << 8) | p[1];
      const tk = p.slice(2 + tl);
      out[`${n} ticket`] = `timeout ${tl} ${toHex(tk.slice(0, 6))}`;
      const d = await send(command(ST_NO, 0x189, u32(s)));
      out[`${n} digest`] = toHex(d.slice(10));
      const fresh = await start();
      const pt = command(
        ST_NO,
        0x172,
        u32(fresh.s),
        p.slice(0, 2 + tl),
        b2(zeros(0)),
        b2(ref),
        name,
        tk,
      );
      out[`${n} ticket replay`] = rcOf(await send(pt)).toString(16);
      await send(command(ST_NO, 0x165, u32(fresh.s)));
    }
    // PolicyAuthorize: approve the current digest with the key, via VerifySignature.
    const approved = (await send(command(ST_NO, 0x189, u32(s)))).slice(12);
    const vs = await send(
      command(ST_NO, 0x177, u32(key), b2(sha256(approved, ref)), k.sign(cat(approved, ref))),
    );
    out[`${n} verify`] = rcOf(vs).toString(16);
    const ticket = vs.slice(10);
    out[`${n} verify ticket`] = toHex(ticket.slice(0, 6));
    const pa = (approvedPolicy: Uint8Array) =>
      command(ST_NO, 0x16a, u32(s), b2(approvedPolicy), b2(ref), name, ticket);
    out[`${n} authorize other`] = rcOf(await send(pa(zeros(32).fill(1)))).toString(16);
    out[`${n} authorize`] = rcOf(await send(pa(approved))).toString(16);
    const d2 = await send(command(ST_NO, 0x189, u32(s)));
    out[`${n} authorized digest`] = toHex(d2.slice(10));
    await send(command(ST_NO, 0x165, u32(s)));
    await send(command(ST_NO, 0x165, u32(key)));
  }
  return out;
}

/** Runs a scenario on swtpm and on our TPM; the steps whose outcomes differ. */
async function differences(
  t: Deno.TestContext,
  scenario: (send: Send) => Promise<Record<string, string>>,
): Promise<void> {
  const r = await onSwtpmAndOurs(scenario, new Uint8Array(32).fill(3));
  if (!r) {
    await t.step({ name: "swtpm unavailable", ignore: true, fn() {} });
    return;
  }
  const { theirs, ours } = r;
  const diff: string[] = [];
  for (const k of Object.keys(theirs)) {
    if (theirs[k] !== ours[k]) diff.push(`${k}: swtpm ${theirs[k]} ours ${ours[k]}`);
  }
  assert.deepEqual(diff, []);
}

Deno.test("review2 sessions: session and policy commands answer as swtpm", (t) =>
  differences(t, scenario));

Deno.test("review2 sessions: PolicyNV, PolicyAuthorizeNV and PolicySigned errors as swtpm", (t) =>
  differences(t, nvSignedScenario));

Deno.test("review2 sessions: a session bound to a DA-protected entity is under DA like swtpm", (t) =>
  differences(t, daScenario));

Deno.test("review2 sessions: PolicySecret tickets name the hierarchy swtpm names and replay alike", (t) =>
  differences(t, ticketScenario));

Deno.test("review2 sessions: PolicySigned and PolicyAuthorize succeed and ticket as swtpm", (t) =>
  differences(t, signedScenario));

Deno.test("review2 sessions: bound, policy and encrypting sessions key as swtpm does", (t) =>
  differences(t, keyedScenario));

/** Owner's policy set to the digest a trial session computes from `steps`; returns a runner. */
async function ownerPolicyTpm(steps: (s: number) => Uint8Array[]) {
  const tpm = await Tpm.manufacture({ seed: new Uint8Array(32).fill(4) });
  tpm.powerOn();
  const send = (c: Uint8Array, locality = 0) => tpm.execute(c, locality);
  await send(command(ST_NO, 0x144, u16(0)));
  const startPolicy = async (type: number) =>
    new DataView((await send(sas({ type }))).buffer).getUint32(10);
  const trial = await startPolicy(3);
  for (const c of steps(trial)) assert.equal(rcOf(await send(c)), 0);
  const d = (await send(command(ST_NO, 0x189, u32(trial)))).slice(12, 44);
  await send(command(ST_NO, 0x165, u32(trial)));
  assert.equal(rcOf(await send(command(ST_S, 0x12e, u32(OWNER), area(PWE), b2(d), u16(0xb)))), 0);
  /** Runs the policy on a fresh policy session, then HierarchyChangeAuth(owner) at `locality`. */
  return async (locality: number) => {
    const s = await startPolicy(1);
    for (const c of steps(s)) assert.equal(rcOf(await send(c, locality)), 0);
    const auth = area(entry(s, zeros(16), 0, zeros(0)));
    const rc = rcOf(await send(command(ST_S, 0x129, u32(OWNER), auth, b2(zeros(0))), locality));
    await send(command(ST_NO, 0x165, u32(s)));
    return rc;
  };
}

Deno.test("review2 sessions: PolicyLocality of an extended locality never admits localities 0-4 or 5-31", async () => {
  // Part 3 §23.12 / the reference's CheckPolicyAuthSession: a command at locality 0-4 passes
  // only a bit mask (<= 31); localities 5-31 do not exist and never pass.
  const cc = (s: number) => command(ST_NO, 0x16c, u32(s), u32(0x129));
  const extended = await ownerPolicyTpm((s) => [command(ST_NO, 0x16f, u32(s), u8(33)), cc(s)]);
  assert.equal(await extended(33), 0);
  assert.equal(await extended(0), 0x907); // 33 has bit 0 set, but it names locality 33
  assert.equal(await extended(32), 0x907);
  const mask = await ownerPolicyTpm((s) => [command(ST_NO, 0x16f, u32(s), u8(0x07)), cc(s)]);
  assert.equal(await mask(2), 0);
  assert.equal(await mask(3), 0x907);
  assert.equal(await mask(7), 0x907); // the mask's value, not a locality
});

Deno.test("review2 sessions: PolicySecret checks nonceTPM, then expiration, then cpHashA", async () => {
  // Part 3 §23.3-§23.4 (the reference's PolicyParameterChecks): an expired authorization is
  // EXPIRED on expiration (parameter 4) even when cpHashA is also malformed.
  let ms = 0;
  const tpm = await Tpm.manufacture({ seed: new Uint8Array(32).fill(5), now: () => ms });
  tpm.powerOn();
  await tpm.execute(command(ST_NO, 0x144, u16(0)));
  const r = await tpm.execute(sas({ type: 1 }));
  const s = new DataView(r.buffer).getUint32(10);
  const nonceTPM = r.slice(16, 48);
  ms = 5000;
  const secret = (nonce: Uint8Array, cp: Uint8Array, exp: number) =>
    tpm.execute(
      command(
        ST_S,
        0x151,
        u32(OWNER),
        u32(s),
        area(PWE),
        b2(nonce),
        b2(cp),
        b2(zeros(0)),
        u32(exp),
      ),
    );
  assert.equal(rcOf(await secret(zeros(32), zeros(5), 1)), 0x1cf); // NONCE, parameter 1
  assert.equal(rcOf(await secret(nonceTPM, zeros(5), 1)), 0x4e3); // EXPIRED, parameter 4
  assert.equal(rcOf(await secret(nonceTPM, zeros(5), 10)), 0x2d5); // SIZE, parameter 2
});

Deno.test("review2 sessions: at authorization the locality is checked before cpHash", async () => {
  // The reference's CheckPolicyAuthSession: command code, locality, then cpHash / nameHash.
  const run = await ownerPolicyTpm((s) => [
    command(ST_NO, 0x16f, u32(s), u8(0x01)),
    command(ST_NO, 0x16e, u32(s), b2(zeros(32).fill(6))),
  ]);
  assert.equal(await run(1), 0x907); // LOCALITY, though the cpHash does not match either
  assert.equal(await run(0), 0x99d); // POLICY_FAIL, session 1: the cpHash
});

Deno.test("review2 sessions: TPMI_DH_ENTITY refuses NULL and PLATFORM_NV; ENTITY+ admits NULL", async (t) => {
  const r = await onSwtpmAndOurs(async (send) => {
    const { out, run } = rcRecorder(send);
    await send(command(ST_NO, 0x144, u16(0)));
    const handleOf = (rsp: Uint8Array) => new DataView(rsp.buffer, rsp.byteOffset).getUint32(10);
    const s = handleOf(await run("policy session", sas({ type: 1 })));
    for (const [name, h] of [["null", NULL], ["platform nv", 0x4000000d], ["owner", OWNER]]) {
      const secret = command(
        ST_S,
        0x151,
        u32(h as number),
        u32(s),
        area(PWE),
        ...[zeros(0), zeros(0), zeros(0)].map(b2),
        u32(0),
      );
      await run(`secret ${name}`, secret);
    }
    await run("bind null", sas({ bind: NULL }));
    await run("bind platform nv", sas({ bind: 0x4000000d }));
    return out;
  });
  if (!r) return void await t.step({ name: "swtpm unavailable", ignore: true, fn() {} });
  assert.deepEqual(r.ours, r.theirs);
  assert.equal(r.ours["secret null"], "184"); // TPM_RC_VALUE, handle 1
  assert.equal(r.ours["bind platform nv"], "284"); // TPM_RC_VALUE, handle 2
  assert.equal(r.ours["bind null"], "0");
});
