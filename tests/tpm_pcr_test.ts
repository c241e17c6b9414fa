import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { fromHex, toHex } from "../lib/common/hex.ts";
import { b2, cat, command, PW_SESSION, rcOf, send, startedTpm, u16, u32 } from "./tpm_helpers.ts";

const sha = (alg: string, ...parts: Uint8Array[]): Uint8Array => {
  const h = createHash(alg);
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
};

/** PCR_Read of one PCR in one bank: returns the digest hex. */
async function readPcr(tpm: Awaited<ReturnType<typeof startedTpm>>, alg: number, pcr: number) {
  const sel = new Uint8Array(3);
  sel[pcr >> 3] = 1 << (pcr & 7);
  const rsp = await tpm.execute(command(0x8001, 0x17e, u32(1), u16(alg), new Uint8Array([3]), sel));
  assert.equal(rcOf(rsp), 0);
  // header 10, counter 4, selection (4 + 2 + 1 + 3), count 4, size 2, digest
  const count = new DataView(rsp.buffer).getUint32(24);
  if (count === 0) return "";
  const size = new DataView(rsp.buffer).getUint16(28);
  return toHex(rsp.subarray(30, 30 + size));
}

Deno.test("tpm pcr: the swtpm benchmark PCR_Extend bytes (tpm-interop.md §6.1) give SHA-256(0…0 || ab…ab)", async () => {
  const tpm = await startedTpm();
  const ext = "8002 00000041 00000182 00000010 00000009 40000009 0000 00 0000 00000001 000b" +
    "ab".repeat(32);
  // Response: tag 8002, size 19, success, parameterSize 0, one password response (nonce 0, attrs 1, hmac 0).
  assert.equal(await send(tpm, ext), "80020000001300000000000000000000010000");
  const expect = sha("sha256", new Uint8Array(32), new Uint8Array(32).fill(0xab));
  assert.equal(await readPcr(tpm, 0x0b, 16), toHex(expect));
  // The SHA-1 bank was not named in the digest list, so it is untouched.
  assert.equal(await readPcr(tpm, 0x04, 16), "00".repeat(20));
  await send(tpm, ext);
  assert.equal(
    await readPcr(tpm, 0x0b, 16),
    toHex(sha("sha256", expect, new Uint8Array(32).fill(0xab))),
  );
});

Deno.test("tpm pcr: PCR_Event extends every allocated bank with the event's digests", async () => {
  const tpm = await startedTpm();
  const event = new TextEncoder().encode("boot event");
  const rsp = await tpm.execute(command(0x8002, 0x13c, u32(10), PW_SESSION, b2(event)));
  assert.equal(rcOf(rsp), 0);
  // parameterSize, then TPML_DIGEST_VALUES with SHA-1, -256, -384, -512 digests of the event.
  const list = toHex(rsp.subarray(14));
  assert.ok(list.startsWith("00000004" + "0004" + toHex(sha("sha1", event))));
  assert.ok(list.includes("000b" + toHex(sha("sha256", event))));
  assert.equal(
    await readPcr(tpm, 0x04, 10),
    toHex(sha("sha1", new Uint8Array(20), sha("sha1", event))),
  );
  assert.equal(
    await readPcr(tpm, 0x0b, 10),
    toHex(sha("sha256", new Uint8Array(32), sha("sha256", event))),
  );
});

Deno.test("tpm pcr: PCR_Reset follows the PC Client locality rules", async () => {
  const tpm = await startedTpm();
  const ext = (pcr: number) =>
    command(0x8002, 0x182, u32(pcr), PW_SESSION, u32(1), u16(0x0b), new Uint8Array(32).fill(1));
  assert.equal(rcOf(await tpm.execute(ext(23))), 0);
  assert.notEqual(await readPcr(tpm, 0x0b, 23), "00".repeat(32));
  assert.equal(rcOf(await tpm.execute(command(0x8002, 0x13d, u32(23), PW_SESSION))), 0);
  assert.equal(await readPcr(tpm, 0x0b, 23), "00".repeat(32));
  // PCR 0 cannot be reset and PCR 17 cannot be extended at locality 0: TPM_RC_LOCALITY.
  assert.equal(rcOf(await tpm.execute(command(0x8002, 0x13d, u32(0), PW_SESSION))), 0x907);
  assert.equal(rcOf(await tpm.execute(ext(17))), 0x907);
  assert.equal(rcOf(await tpm.execute(ext(17), 3)), 0);
  // DRTM PCRs start as all ones.
  assert.equal(await readPcr(tpm, 0x0b, 18), "ff".repeat(32));
  // PCR 24 does not exist: the handle is TPM_RC_VALUE for handle 1.
  assert.equal(rcOf(await tpm.execute(ext(24))), 0x184);
});

Deno.test("tpm pcr: PCR_Read returns at most 8 digests and says which in pcrSelectionOut", async () => {
  const tpm = await startedTpm();
  const rsp = await tpm.execute(
    command(
      0x8001,
      0x17e,
      u32(2),
      u16(0x0b),
      new Uint8Array([3, 0xff, 0xff, 0]),
      u16(0x04),
      fromHex("03ff0000"),
    ),
  );
  assert.equal(rcOf(rsp), 0);
  const hex = toHex(rsp);
  // counter 0; selectionOut: SHA-256 PCRs 0–7 only, SHA-1 none; 8 digests.
  assert.equal(hex.slice(20, 28), "00000000");
  assert.equal(hex.slice(28, 60), "00000002" + "000b03ff0000" + "000403000000");
  assert.equal(hex.slice(60, 68), "00000008");
});

Deno.test("tpm pcr: PCR_Allocate takes effect at the next TPM Reset; PCR_Read of an unallocated bank is empty", async () => {
  const tpm = await startedTpm();
  const alloc = command(
    0x8002,
    0x12b,
    u32(0x4000000c),
    PW_SESSION,
    cat(u32(2), u16(0x04), fromHex("03000000"), u16(0x0c), fromHex("03ffffff")),
  );
  const rsp = await tpm.execute(alloc);
  assert.equal(rcOf(rsp), 0);
  assert.equal(await readPcr(tpm, 0x04, 0), "00".repeat(20));
  assert.equal(await readPcr(tpm, 0x0c, 0), "");
  tpm.reset();
  assert.equal(await send(tpm, "8001 0000000c 00000144 0000"), "80010000000a00000000");
  assert.equal(await readPcr(tpm, 0x04, 0), "");
  assert.equal(await readPcr(tpm, 0x0c, 0), "00".repeat(48));
});
