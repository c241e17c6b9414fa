import assert from "node:assert/strict";
import { SvsmVtpm } from "../lib/svsm/vtpm/mod.ts";
import { createPrimaryEkCommand, EK_RSA2048_TEMPLATE } from "../lib/tpm/ek.ts";

const STARTUP_CLEAR = new Uint8Array([0x80, 1, 0, 0, 0, 12, 0, 0, 1, 0x44, 0, 0]);

Deno.test("vTPM: the manifest EK exists before Startup and equals what CreatePrimary returns after it", async () => {
  const seed = new Uint8Array(32).fill(3);
  const vtpm = await SvsmVtpm.create({ seed });
  assert.ok(vtpm.poweredOn);
  const early = await vtpm.ekPublic();
  // TPMT_PUBLIC: type RSA, nameAlg SHA-256, attributes 0x000300B2 (EK profile L-1).
  assert.deepEqual([...early.subarray(0, 8)], [0, 1, 0, 0x0b, 0, 3, 0, 0xb2]);
  const rsp = await vtpm.execute(STARTUP_CLEAR, 0);
  assert.equal(new DataView(rsp.buffer).getUint32(6), 0, "Startup succeeded");
  const cp = await vtpm.execute(createPrimaryEkCommand(EK_RSA2048_TEMPLATE), 0);
  const dv = new DataView(cp.buffer, cp.byteOffset);
  assert.equal(dv.getUint32(6), 0, "CreatePrimary succeeded");
  const size = dv.getUint16(18);
  assert.deepEqual(early, cp.slice(20, 20 + size));
  assert.equal(await vtpm.ekPublic(), early, "cached");
  const other = await SvsmVtpm.create({ seed: new Uint8Array(32).fill(4) });
  assert.notDeepEqual(await other.ekPublic(), early, "another TPM, another EK");
});
