import assert from "node:assert/strict";
import { fromHex, toHex } from "../lib/common/hex.ts";
import { Tpm } from "../lib/tpm/mod.ts";
import type { Tpm as TpmT } from "../lib/tpm/mod.ts";
import {
  b2,
  cat,
  command,
  hmac256,
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
const hex = (h: string): Uint8Array => fromHex(h.replaceAll(" ", ""));
/** CreatePrimary(owner, ECC P-256 signing), as the swtpm benchmark sends it (tpm-interop.md §6.1). */
const PRIMARY_ECC = hex(
  "8002 00000041 00000131 40000001 00000009 40000009 0000 00 0000 0004 0000 0000 0018 0023 000b" +
    " 00040072 0000 0010 0018 000b 0003 0010 0000 0000 0000 00000000",
);
/** CreatePrimary(owner, RSA-2048 storage) from the same table. */
const PRIMARY_RSA = hex(
  "8002 00000043 00000131 40000001 00000009 40000009 0000 00 0000 0004 0000 0000 001a 0001 000b" +
    " 00030072 0000 0006 0080 0043 0010 0800 00000000 0000 0000 00000000",
);
/** CreatePrimary(owner, KEYEDHASH HMAC-SHA-256 signing key). */
const PRIMARY_HMAC = command(
  0x8002,
  0x131,
  u32(OWNER),
  PW_SESSION,
  fromHex("000400000000"),
  b2(fromHex("0008000b0004007200000005000b0000")),
  u16(0),
  u32(0),
);

async function create(tpm: TpmT, cmd: Uint8Array): Promise<number> {
  const rsp = await tpm.execute(cmd);
  assert.equal(rcOf(rsp), 0, `CreatePrimary rc 0x${rcOf(rsp).toString(16)}`);
  return new DataView(rsp.buffer).getUint32(10);
}

async function readPublic(tpm: TpmT, h: number) {
  const rsp = await tpm.execute(command(0x8001, 0x173, u32(h)));
  assert.equal(rcOf(rsp), 0);
  const v = new DataView(rsp.buffer);
  const pubLen = v.getUint16(10);
  const pub = rsp.slice(12, 12 + pubLen);
  const nameLen = v.getUint16(12 + pubLen);
  return { pub, name: rsp.slice(14 + pubLen, 14 + pubLen + nameLen) };
}

Deno.test("tpm core objects: name = nameAlg || H(TPMT_PUBLIC); ContextSave/Flush/ContextLoad round trip", async () => {
  const tpm = await startedTpm();
  const h = await create(tpm, PRIMARY_ECC);
  assert.equal(h, 0x80000000);
  const { pub, name } = await readPublic(tpm, h);
  assert.equal(toHex(name), "000b" + toHex(sha256(pub)));
  const saved = await tpm.execute(command(0x8001, 0x162, u32(h)));
  assert.equal(rcOf(saved), 0);
  const ctx = saved.slice(10);
  assert.equal(toHex(ctx.subarray(8, 16)), "80000000" + "40000001");
  assert.equal(rcOf(await tpm.execute(command(0x8001, 0x165, u32(h)))), 0);
  assert.equal(rcOf(await tpm.execute(command(0x8001, 0x173, u32(h)))), 0x910);
  const bad = ctx.slice();
  bad[40] ^= 0x80;
  assert.equal(rcOf(await tpm.execute(command(0x8001, 0x161, bad))), 0x1df);
  const loaded = await tpm.execute(command(0x8001, 0x161, ctx));
  assert.equal(rcOf(loaded), 0);
  const h2 = new DataView(loaded.buffer).getUint32(10);
  assert.equal(toHex((await readPublic(tpm, h2)).name), toHex(name));
  // An object context may be loaded again (it is a copy), unlike a session's.
  assert.equal(rcOf(await tpm.execute(command(0x8001, 0x161, ctx))), 0);
  // Flushing an absent handle is TPM_RC_HANDLE for parameter 1.
  assert.equal(rcOf(await tpm.execute(command(0x8001, 0x165, u32(0x80000010)))), 0x1cb);
});

Deno.test("tpm core objects: an RSA-2048 context fits the advertised MAX_OBJECT_CONTEXT; Clear voids owner contexts", async () => {
  const tpm = await startedTpm();
  const h = await create(tpm, PRIMARY_RSA);
  const saved = await tpm.execute(command(0x8001, 0x162, u32(h)));
  const blobLen = new DataView(saved.buffer).getUint16(26);
  assert.ok(blobLen <= 2692, `context blob ${blobLen} bytes`);
  const clear = command(0x8002, 0x126, u32(0x4000000a), PW_SESSION);
  assert.equal(rcOf(await tpm.execute(clear)), 0);
  // The owner proof changed: the old blob no longer verifies.
  assert.equal(rcOf(await tpm.execute(command(0x8001, 0x161, saved.slice(10)))), 0x1df);
});

Deno.test("tpm core objects: transient slots run out with TPM_RC_OBJECT_MEMORY, after 32 objects", async () => {
  const tpm = await startedTpm();
  for (let i = 0; i < 32; i++) await create(tpm, PRIMARY_HMAC);
  assert.equal(rcOf(await tpm.execute(PRIMARY_HMAC)), 0x902);
  const list = await tpm.execute(command(0x8001, 0x17a, u32(1), u32(0x80000000), u32(100)));
  assert.equal(new DataView(list.buffer).getUint32(15), 32);
});

Deno.test("tpm core objects: EvictControl persists, survives saveState/loadState, and evicts", async () => {
  const tpm = await startedTpm();
  const h = await create(tpm, PRIMARY_ECC);
  const { name } = await readPublic(tpm, h);
  const evict = (obj: number, p: number) =>
    command(0x8002, 0x120, u32(OWNER), u32(obj), PW_SESSION, u32(p));
  assert.equal(rcOf(await tpm.execute(evict(h, 0x81800001))), 0x1cd); // platform range: RANGE
  assert.equal(rcOf(await tpm.execute(evict(h, 0x81000001))), 0);
  assert.equal(rcOf(await tpm.execute(evict(h, 0x81000001))), 0x14c); // NV_DEFINED
  assert.equal(toHex((await readPublic(tpm, 0x81000001)).name), toHex(name));
  const blob = tpm.saveState();
  const copy = await Tpm.loadState(blob);
  copy.powerOn();
  assert.equal(rcOf(await copy.execute(command(0x8001, 0x144, u16(0)))), 0);
  assert.equal(toHex((await readPublic(copy, 0x81000001)).name), toHex(name));
  const corrupt = blob.slice();
  corrupt[40] ^= 1;
  await assert.rejects(Tpm.loadState(corrupt));
  assert.equal(rcOf(await tpm.execute(evict(0x81000001, 0x81000001))), 0);
  assert.equal(rcOf(await tpm.execute(command(0x8001, 0x173, u32(0x81000001)))), 0x18b);
});

Deno.test("tpm core objects: HMAC one-shot equals the HMAC_Start sequence; hash sequence equals SHA-256", async () => {
  const tpm = await startedTpm();
  const key = await create(tpm, PRIMARY_HMAC);
  const data = new TextEncoder().encode("message for the hmac key");
  const one = await tpm.execute(command(0x8002, 0x155, u32(key), PW_SESSION, b2(data), u16(0x10)));
  assert.equal(rcOf(one), 0);
  const start = await tpm.execute(
    command(0x8002, 0x15b, u32(key), PW_SESSION, b2(new Uint8Array(0)), u16(0x10)),
  );
  assert.equal(rcOf(start), 0);
  const seq = new DataView(start.buffer).getUint32(10);
  const upd = command(0x8002, 0x15c, u32(seq), PW_SESSION, b2(data.subarray(0, 7)));
  assert.equal(rcOf(await tpm.execute(upd)), 0);
  const done = await tpm.execute(
    command(0x8002, 0x13e, u32(seq), PW_SESSION, b2(data.subarray(7)), u32(0x40000007)),
  );
  assert.equal(rcOf(done), 0);
  assert.equal(toHex(done.subarray(14, 48)), toHex(one.subarray(14, 48)));
  // Hash sequence over two updates, with an owner hashcheck ticket.
  const hs = await tpm.execute(command(0x8001, 0x186, b2(new Uint8Array(0)), u16(0x0b)));
  const hseq = new DataView(hs.buffer).getUint32(10);
  await tpm.execute(command(0x8002, 0x15c, u32(hseq), PW_SESSION, b2(data)));
  const hd = await tpm.execute(command(0x8002, 0x13e, u32(hseq), PW_SESSION, b2(data), u32(OWNER)));
  assert.equal(toHex(hd.subarray(16, 48)), toHex(sha256(data, data)));
  assert.equal(toHex(hd.subarray(48, 54)), "802440000001");
  // TPM2_Hash of data starting with TPM_GENERATED_VALUE gets a NULL ticket.
  const gen = cat(fromHex("ff544347"), data);
  const h = await tpm.execute(command(0x8001, 0x17d, b2(gen), u16(0x0b), u32(OWNER)));
  assert.equal(toHex(h.subarray(12, 44)), toHex(sha256(gen)));
  assert.equal(toHex(h.subarray(44)), "8024400000070000");
});

Deno.test("tpm core objects: an HMAC session authorizes SequenceUpdate with the sequence's auth and its empty Name (tpm2_hmac)", async () => {
  const tpm = await startedTpm();
  const key = await create(tpm, PRIMARY_HMAC);
  const seqAuth = new TextEncoder().encode("seq-auth");
  const start = await tpm.execute(
    command(0x8002, 0x15b, u32(key), PW_SESSION, b2(seqAuth), u16(0x0b)),
  );
  assert.equal(rcOf(start), 0);
  const seq = new DataView(start.buffer).getUint32(10);
  // ESYS (Esys_HMAC_Start_Finish) and the reference give a sequence the Empty Buffer as Name.
  const s = await startSession(tpm);
  const nonce = new Uint8Array(32).fill(0x3c);
  const params = b2(new TextEncoder().encode("data\n"));
  const update = (name: Uint8Array) => {
    const cp = sha256(u32(0x15c), name, params);
    const mac = hmac256(seqAuth, cp, nonce, s.nonceTPM, new Uint8Array([1]));
    const entry = cat(u32(s.handle), b2(nonce), new Uint8Array([1]), b2(mac));
    return command(0x8002, 0x15c, u32(seq), u32(entry.length), entry, params);
  };
  // The handle as Name (the old mistake) is a wrong HMAC: TPM_RC_BAD_AUTH, session 1.
  assert.equal(rcOf(await tpm.execute(update(u32(seq)))), 0x9a2);
  assert.equal(rcOf(await tpm.execute(update(new Uint8Array(0)))), 0);
  const done = await tpm.execute(
    command(0x8002, 0x13e, u32(seq), pwSession(seqAuth), b2(new Uint8Array(0)), u32(0x40000007)),
  );
  assert.equal(rcOf(done), 0);
  const sensitive = tpm.state.objects.getObject(key)!.sensitive;
  assert.equal(toHex(done.subarray(16, 48)), toHex(hmac256(sensitive, fromHex("646174610a"))));
  // The sequence is gone: nothing is left for `tpm2_flushcontext -t` to trip over.
  assert.equal(tpm.state.objects.get(seq), undefined);
});

Deno.test("tpm core objects: EventSequenceComplete extends PCR 16 in every bank", async () => {
  const tpm = await startedTpm();
  const hs = await tpm.execute(command(0x8001, 0x186, b2(new Uint8Array(0)), u16(0x10)));
  const seq = new DataView(hs.buffer).getUint32(10);
  const two = cat(
    u32(18),
    cat(u32(0x40000009), u16(0), new Uint8Array([1]), u16(0)),
    cat(u32(0x40000009), u16(0), new Uint8Array([1]), u16(0)),
  );
  const ev = new TextEncoder().encode("event");
  const rsp = await tpm.execute(command(0x8002, 0x185, u32(16), u32(seq), two, b2(ev)));
  assert.equal(rcOf(rsp), 0);
  const read = await tpm.execute(command(0x8001, 0x17e, u32(1), u16(0x0b), fromHex("03000001")));
  assert.equal(
    toHex(read.subarray(read.length - 32)),
    toHex(sha256(new Uint8Array(32), sha256(ev))),
  );
});
