/**
 * Shared helpers for the tpm_* tests: a started TPM, hex commands, response
 * parsing.
 * @module
 */
import assert from "node:assert/strict";
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
