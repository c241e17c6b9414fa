import assert from "node:assert/strict";
import { fromHex, toHex } from "../lib/common/hex.ts";
import { Tpm } from "../lib/tpm/mod.ts";
import { rcOf, send, startedTpm } from "./tpm_helpers.ts";

Deno.test("tpm core: Startup before/after, commands before Startup get TPM_RC_INITIALIZE", async () => {
  const tpm = await Tpm.manufacture({ seed: new Uint8Array(32) });
  assert.equal(tpm.poweredOn, false);
  tpm.powerOn();
  assert.equal(await send(tpm, "8001 0000000c 0000017b 0008"), "80010000000a00000100");
  assert.equal(await send(tpm, "8001 0000000c 00000144 0000"), "80010000000a00000000");
  // A second Startup is TPM_RC_INITIALIZE, as swtpm answers (tpm-interop.md §3.4).
  assert.equal(await send(tpm, "8001 0000000c 00000144 0000"), "80010000000a00000100");
  // POWER_ON on a running TPM must not reset it (tpm-interop.md §1.3).
  tpm.powerOn();
  assert.equal(rcOf(await send(tpm, "8001 0000000c 0000017b 0008")), 0);
  tpm.reset();
  assert.equal(rcOf(await send(tpm, "8001 0000000c 0000017b 0008")), 0x100);
});

Deno.test("tpm core: the tpm2_getrandom wire exchange of tpm-interop.md §1.3", async () => {
  const tpm = await startedTpm();
  const cap = await send(tpm, "8001 00000016 0000017a 00000006 00000100 0000007f");
  // 8001, size 0x183 = 10 + 1 + 4 + 4 + 46 * 8, success, moreData NO, TPM_PROPERTIES, 46 entries.
  assert.equal(
    cap.slice(0, 2 * 27),
    "800100000183000000000000000006" + "0000002e" + "00000100322e3000",
  );
  const rnd = await send(tpm, "8001 0000000c 0000017b 0008");
  assert.equal(rnd.length, 2 * 20);
  assert.equal(rnd.slice(0, 24), "800100000014000000000008");
});

Deno.test("tpm core: Shutdown(STATE) then Startup(STATE) keeps PCR 0; Startup(STATE) without save is VALUE", async () => {
  const tpm = await startedTpm();
  const ext = "8002 00000041 00000182 00000000 00000009 40000009 0000 00 0000 00000001 000b" +
    "ab".repeat(32);
  assert.equal(rcOf(await send(tpm, ext)), 0);
  const read = "8001 00000014 0000017e 00000001 000b 03 010000";
  const before = await send(tpm, read);
  assert.equal(rcOf(await send(tpm, "8001 0000000c 00000145 0001")), 0);
  tpm.powerOff();
  tpm.powerOn();
  assert.equal(rcOf(await send(tpm, "8001 0000000c 00000144 0001")), 0);
  const after = await send(tpm, read);
  // PCR 0 survives a resume; PCRs 16-23 were reset, so pcrUpdateCounter moved on (as swtpm's,
  // 0x15 -> 0x19): a PolicyPCR session saved before must not match them.
  const counter = (hex: string) => parseInt(hex.slice(20, 28), 16);
  assert.equal(after.slice(28), before.slice(28));
  assert.ok(counter(after) > counter(before));
  tpm.powerOff();
  tpm.powerOn();
  // No orderly shutdown this time: Startup(STATE) is TPM_RC_VALUE for parameter 1.
  assert.equal(rcOf(await send(tpm, "8001 0000000c 00000144 0001")), 0x1c4);
});

Deno.test("tpm core: execute while powered off answers a well-formed failure", async () => {
  const tpm = await Tpm.manufacture();
  assert.equal(
    toHex(await tpm.execute(fromHex("80010000000c000001440000"))),
    "80010000000a00000101",
  );
});

Deno.test("tpm core: ReadClock: time restarts at _TPM_Init, clock stands still while off, resetCount counts", async () => {
  let now = 1000;
  const tpm = await Tpm.manufacture({ seed: new Uint8Array(32), now: () => now });
  tpm.powerOn();
  await send(tpm, "8001 0000000c 00000144 0000");
  now += 5000;
  const read = async () => {
    const r = fromHex(await send(tpm, "8001 0000000a 00000181"));
    const v = new DataView(r.buffer);
    return { time: v.getBigUint64(10), clock: v.getBigUint64(18), reset: v.getUint32(26) };
  };
  assert.deepEqual(await read(), { time: 5000n, clock: 5000n, reset: 1 });
  tpm.powerOff();
  now += 60_000;
  tpm.powerOn();
  await send(tpm, "8001 0000000c 00000144 0000");
  now += 10;
  assert.deepEqual(await read(), { time: 10n, clock: 5010n, reset: 2 });
});

Deno.test("tpm core: executeNow answers synchronously, byte for byte as execute, and copies the command", async () => {
  const a = await startedTpm(3);
  const b = await startedTpm(3);
  const hashCmd = fromHex(
    "8001 0000001c 0000017d 000a 30313233343536373839 000b 40000001".replaceAll(" ", ""),
  );
  const now = a.executeNow(hashCmd);
  assert.ok(now instanceof Uint8Array, "a synchronous answer, not a promise");
  assert.equal(toHex(now), toHex(await b.execute(hashCmd)));
  // The caller may reuse its buffer as soon as executeNow returns: a sequence started with an
  // auth value keeps that value even when the command bytes are overwritten afterwards.
  const start = fromHex("8001 00000010 00000186 0002 6869 000b".replaceAll(" ", ""));
  const rsp = a.executeNow(start) as Uint8Array;
  assert.equal(rcOf(rsp), 0);
  start.fill(0);
  const seq = new DataView(rsp.buffer, rsp.byteOffset).getUint32(10);
  assert.equal(toHex(a.state.objects.get(seq)!.authValue), "6869");
});
