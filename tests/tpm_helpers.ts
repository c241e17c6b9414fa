/**
 * Shared helpers for the tpm_* tests: a started TPM, hex commands, response
 * parsing.
 * @module
 */
import assert from "node:assert/strict";
import { createCipheriv, createHash, createHmac } from "node:crypto";
import { fromHex, toHex } from "../lib/common/hex.ts";
import { Tpm } from "../lib/tpm/mod.ts";

/** A manufactured, powered, started TPM with deterministic seeds; fails the test on internal errors. */
export async function startedTpm(seed = 1): Promise<Tpm> {
  const tpm = await Tpm.manufacture({
    seed: new Uint8Array(32).fill(seed),
    onInternalError: (c, e) => {
      throw new Error(`internal error in ${c}: ${e}`);
    },
  });
  tpm.powerOn();
  const rsp = await tpm.execute(fromHex("80010000000c000001440000"));
  assert.equal(toHex(rsp), "80010000000a00000000");
  return tpm;
}

/** Sends a hex command (spaces allowed), returns the response as hex. */
export async function send(tpm: Tpm, hex: string, locality = 0): Promise<string> {
  return toHex(await tpm.execute(fromHex(hex.replaceAll(/\s/g, "")), locality));
}

/** The response code of a response. */
export function rcOf(rsp: Uint8Array | string): number {
  const b = typeof rsp === "string" ? fromHex(rsp) : rsp;
  return new DataView(b.buffer, b.byteOffset).getUint32(6);
}

/** Builds a command: tag, size, code, then the body bytes. */
export function command(tag: number, code: number, ...body: Uint8Array[]): Uint8Array {
  const len = 10 + body.reduce((n, b) => n + b.length, 0);
  const out = new Uint8Array(len);
  const v = new DataView(out.buffer);
  v.setUint16(0, tag);
  v.setUint32(2, len);
  v.setUint32(6, code);
  let o = 10;
  for (const b of body) {
    out.set(b, o);
    o += b.length;
  }
  return out;
}

/** Big-endian u16/u32 and TPM2B helpers for building commands. */
export const u16 = (v: number): Uint8Array => new Uint8Array([v >> 8, v & 0xff]);
/** Big-endian u32. */
export const u32 = (v: number): Uint8Array =>
  new Uint8Array([v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff]);
/** TPM2B: u16 size then bytes. */
export const b2 = (b: Uint8Array): Uint8Array => {
  const out = new Uint8Array(2 + b.length);
  out.set(u16(b.length));
  out.set(b, 2);
  return out;
};
/** Concatenates bytes. */
export const cat = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};
/** An empty password session area for one authorization (TPM_RS_PW, continueSession). */
export const PW_SESSION: Uint8Array = fromHex("00000009400000090000010000");
/** A password session with the given password. */
export function pwSession(password: Uint8Array): Uint8Array {
  const entry = cat(u32(0x40000009), u16(0), new Uint8Array([1]), b2(password));
  return cat(u32(entry.length), entry);
}

/** SHA-256 of the concatenation (test-side, independent of lib/tpm/crypto). */
export function sha256(...parts: Uint8Array[]): Uint8Array {
  const h = createHash("sha256");
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

/** HMAC-SHA-256 (test-side). */
export function hmac256(key: Uint8Array, ...parts: Uint8Array[]): Uint8Array {
  const h = createHmac("sha256", key);
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

/** KDFa with SHA-256, written from Part 1 §11.4.10.2 for the tests. */
export function kdfa256(
  key: Uint8Array,
  label: string,
  u: Uint8Array,
  v: Uint8Array,
  bits: number,
): Uint8Array {
  const out: number[] = [];
  for (let i = 1; out.length * 8 < bits; i++) {
    const lab = new TextEncoder().encode(label + "\0");
    out.push(...hmac256(key, u32(i), lab, u, v, u32(bits)));
  }
  return new Uint8Array(out.slice(0, Math.ceil(bits / 8)));
}

/** AES-CFB128 built from ECB blocks (test-side). */
export function aesCfb(
  key: Uint8Array,
  iv: Uint8Array,
  data: Uint8Array,
  decrypt: boolean,
): Uint8Array {
  const out = new Uint8Array(data.length);
  let reg = iv;
  for (let o = 0; o < data.length; o += 16) {
    const c = createCipheriv(`aes-${key.length * 8}-ecb`, key, null).setAutoPadding(false);
    const ks = new Uint8Array(c.update(reg));
    const block = data.subarray(o, o + 16);
    const res = block.map((b, i) => b ^ ks[i]);
    out.set(res, o);
    const ct = decrypt ? block : res;
    reg = ct.length === 16 ? ct : reg;
  }
  return out;
}

/** A session as a caller sees it (test-side bookkeeping). */
export interface CallerSession {
  /** Session handle. */
  handle: number;
  /** Last nonceTPM. */
  nonceTPM: Uint8Array;
  /** The session key computed by the caller. */
  sessionKey: Uint8Array;
}

/** StartAuthSession(tpmKey NULL, bind, type, symmetric, SHA-256); returns the caller's view. */
export async function startSession(
  tpm: Tpm,
  opts: { bind?: number; bindAuth?: Uint8Array; type?: number; symmetric?: Uint8Array } = {},
): Promise<CallerSession> {
  const nonceCaller = new Uint8Array(32).fill(0x5c);
  const cmd = command(
    0x8001,
    0x176,
    u32(0x40000007),
    u32(opts.bind ?? 0x40000007),
    b2(nonceCaller),
    u16(0),
    new Uint8Array([opts.type ?? 0]),
    opts.symmetric ?? u16(0x0010),
    u16(0x000b),
  );
  const rsp = await tpm.execute(cmd);
  assert.equal(rcOf(rsp), 0, `StartAuthSession rc ${rcOf(rsp).toString(16)}`);
  const handle = new DataView(rsp.buffer).getUint32(10);
  const nonceTPM = rsp.slice(16, 16 + 32);
  const bindAuth = opts.bindAuth ?? new Uint8Array(0);
  const sessionKey = bindAuth.length
    ? kdfa256(bindAuth, "ATH", nonceTPM, nonceCaller, 256)
    : new Uint8Array(0);
  return { handle, nonceTPM, sessionKey };
}
