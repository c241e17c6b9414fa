import assert from "node:assert/strict";
import { guidFromBytes, guidToBytes, toHex } from "../lib/common/mod.ts";
import {
  ATTEST_SERVICES_OP,
  ATTEST_SINGLE_SERVICE_OP,
  buildServicesManifest,
  CALLING_AREA,
  callName,
  decodePvalidateEntry,
  encodePvalidateEntry,
  maxPvalidateEntries,
  resultName,
  SERVICES_MANIFEST_GUID,
  SvsmResultCode,
  VTPM_SERVICE_GUID,
} from "../lib/svsm/abi/mod.ts";

Deno.test("guid: the manifest table GUID is stored mixed-endian exactly as the reference shows", () => {
  assert.equal(
    toHex(guidToBytes(SERVICES_MANIFEST_GUID)),
    "bb9e8463923d7046a1ff58f9c94b87bb",
  );
  assert.equal(guidFromBytes(guidToBytes(VTPM_SERVICE_GUID)), VTPM_SERVICE_GUID);
  assert.throws(() => guidToBytes("not-a-guid"), /not a GUID/);
});

Deno.test("services manifest: header, entries with offsets from the table start, blobs in order", () => {
  const empty = buildServicesManifest([]);
  assert.equal(empty.length, 24);
  assert.equal(new DataView(empty.buffer).getUint32(0x10, true), 24);
  const ek = new Uint8Array([1, 2, 3]);
  const m = buildServicesManifest([{ guid: VTPM_SERVICE_GUID, data: ek }]);
  const dv = new DataView(m.buffer);
  assert.equal(dv.getUint32(0x10, true), 24 + 24 + 3); // total length
  assert.equal(dv.getUint32(0x14, true), 1); // count
  assert.equal(guidFromBytes(m.slice(0x18, 0x28)), VTPM_SERVICE_GUID);
  assert.equal(dv.getUint32(0x28, true), 48); // offset of the blob
  assert.equal(dv.getUint32(0x2c, true), 3);
  assert.deepEqual(m.slice(48), ek);
});

Deno.test("attestation ops: offsets match svsm-abi.md §8", () => {
  const want: Record<string, [number, number]> = {
    reportGpa: [0x00, 8],
    reportSize: [0x08, 4],
    reserved1: [0x0c, 4],
    nonceGpa: [0x10, 8],
    nonceSize: [0x18, 2],
    reserved2: [0x1a, 6],
    manifestGpa: [0x20, 8],
    manifestSize: [0x28, 4],
    reserved3: [0x2c, 4],
    certificateGpa: [0x30, 8],
    certificateSize: [0x38, 4],
    reserved4: [0x3c, 4],
  };
  for (const [k, [off, size]] of Object.entries(want)) {
    const f = ATTEST_SERVICES_OP.fields[k as keyof typeof ATTEST_SERVICES_OP.fields];
    assert.deepEqual([f.offset, f.size], [off, size], k);
  }
  assert.equal(ATTEST_SERVICES_OP.size, 0x40);
  assert.equal(ATTEST_SINGLE_SERVICE_OP.size, 0x58);
  assert.equal(ATTEST_SINGLE_SERVICE_OP.fields.serviceGuid.offset, 0x40);
  assert.equal(ATTEST_SINGLE_SERVICE_OP.fields.manifestVersion.offset, 0x50);
  assert.equal(CALLING_AREA.size, 8);
});

Deno.test("pvalidate list: entry bits and the per-page entry limit", () => {
  const e = encodePvalidateEntry({
    gpa: 0x1_2340_0000,
    pageSize: 1,
    validate: true,
    ignoreCf: true,
  });
  assert.equal(e, 0x1_2340_000dn);
  const d = decodePvalidateEntry(Number(e & 0xffffffffn), Number(e >> 32n));
  assert.deepEqual(d, {
    pageSize: 1,
    validate: true,
    ignoreCf: true,
    reserved: 0,
    gpa: 0x1_2340_0000,
  });
  assert.equal(decodePvalidateEntry(0x0000_0ff0, 0).reserved, 0xff);
  assert.equal(maxPvalidateEntries(0x5008), 510); // Linux: list at CA offset 8
  assert.equal(maxPvalidateEntries(0x5000), 511);
  assert.equal(maxPvalidateEntries(0x5ff8), 0);
});

Deno.test("result codes and call names are readable", () => {
  assert.equal(resultName(SvsmResultCode.INVALID_ADDRESS), "INVALID_ADDRESS");
  assert.equal(resultName(0x80001006), "PROTOCOL_BASE+0x6");
  assert.equal(callName(0, 6), "core/QUERY_PROTOCOL");
  assert.equal(callName(9, 1), "protocol9/1");
});
