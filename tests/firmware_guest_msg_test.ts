import assert from "node:assert/strict";
import { fromHex, toHex } from "../lib/common/hex.ts";
import {
  GuestMessenger,
  MSG_HEADER,
  MSG_REPORT_REQ,
  MSG_REPORT_RSP,
  MsgType,
  openMessage,
  sealMessage,
} from "../lib/snp/firmware/mod.ts";
import { messageIv } from "../lib/snp/firmware/guest_message.ts";

const vec = (p: string) => new URL(`./vectors/${p}`, import.meta.url);
const V = JSON.parse(Deno.readTextFileSync(vec("guest-msg/guest_msg_vectors.json")));
const reqPage = Deno.readFileSync(vec("guest-msg/req_msg_page.bin"));
const rspPage = Deno.readFileSync(vec("guest-msg/rsp_msg_page.bin"));
const report = Deno.readFileSync(vec("snp/milan-v2-virtee/report.bin"));
const key = fromHex(V.vmpck);

const reqPayload = () =>
  MSG_REPORT_REQ.encode({
    reportData: Uint8Array.from({ length: 64 }, (_, i) => i),
    vmpl: 0,
    flags: 0,
  });
const rspPayload = () => MSG_REPORT_RSP.encode({ status: 0, reportSize: 0x4a0, report });

Deno.test("message header: offsets of snp-abi.md §2.1", () => {
  const f = MSG_HEADER.fields;
  assert.equal(MSG_HEADER.size, 0x60);
  assert.deepEqual(
    [f.authtag, f.msgSeqno, f.algo, f.hdrVersion, f.hdrSz, f.msgType, f.msgVersion, f.msgSz]
      .map((x) => x.offset),
    [0x00, 0x20, 0x30, 0x31, 0x32, 0x34, 0x35, 0x36],
  );
  assert.equal(f.msgVmpck.offset, 0x3c);
  assert.equal(toHex(messageIv(2n)), V.response.iv);
});

Deno.test("guest-msg vectors: request and response pages are reproduced byte for byte", () => {
  assert.equal(toHex(reqPayload()), V.request.plaintext);
  const req = sealMessage(
    key,
    { seqno: 1n, type: MsgType.REPORT_REQ, version: 1, vmpck: 0 },
    reqPayload(),
  );
  assert.deepEqual(req, reqPage);
  assert.equal(toHex(req.subarray(0x30, 0x60)), V.request.aad);
  assert.equal(toHex(req.subarray(0, 16)), V.request.tag);
  assert.equal(toHex(req.subarray(0x60, 0x60 + 0x60)), V.request.ciphertext);
  const rsp = sealMessage(
    key,
    { seqno: 2n, type: MsgType.REPORT_RSP, version: 1, vmpck: 0 },
    rspPayload(),
  );
  assert.deepEqual(rsp, rspPage);
  assert.equal(toHex(rsp.subarray(0, 16)), V.response.tag);
});

Deno.test("guest-msg vectors: opening recovers the plaintext", () => {
  const { fields, payload } = openMessage(key, rspPage);
  assert.deepEqual(fields, { seqno: 2n, type: 6, version: 1, vmpck: 0 });
  assert.deepEqual(MSG_REPORT_RSP.decode(payload).report, report);
});

Deno.test("openMessage: any flipped header, AAD, ciphertext or tag byte is refused", () => {
  for (const pos of [0, 15, 0x20, 0x30, 0x34, 0x36, 0x3c, 0x5f, 0x60, 0x60 + 0x5f]) {
    const p = reqPage.slice();
    p[pos] ^= 1;
    assert.throws(
      () => openMessage(key, p),
      { name: "GuestMessageError" },
      `byte 0x${pos.toString(16)}`,
    );
  }
  const other = key.slice();
  other[0] ^= 1;
  assert.throws(() => openMessage(other, reqPage), /tag mismatch/);
  const big = reqPage.slice();
  new DataView(big.buffer).setUint16(0x36, 0xfff0, true);
  assert.throws(() => openMessage(key, big), /exceeds the page/);
});

Deno.test("GuestMessenger: request n+1, accepts response n+2, counter advances by 2", () => {
  const g = new GuestMessenger(key, 0);
  assert.deepEqual(g.request(MsgType.REPORT_REQ, reqPayload()), reqPage);
  const payload = g.response(rspPage);
  assert.deepEqual(MSG_REPORT_RSP.decode(payload).report, report);
  assert.equal(g.seqno, 2n);
  const next = g.request(MsgType.REPORT_REQ, reqPayload());
  assert.equal(MSG_HEADER.get(next, "msgSeqno"), 3n);
});

Deno.test("GuestMessenger: a replayed, reordered or forged response wipes the VMPCK", () => {
  const cases: [string, (p: Uint8Array) => Uint8Array][] = [
    ["forged tag", (p) => {
      const q = p.slice();
      q[3] ^= 0x40;
      return q;
    }],
    ["replayed request page as response", () => reqPage],
    [
      "wrong type",
      () =>
        sealMessage(key, { seqno: 2n, type: MsgType.KEY_RSP, version: 1, vmpck: 0 }, rspPayload()),
    ],
    [
      "reordered seqno",
      () =>
        sealMessage(
          key,
          { seqno: 4n, type: MsgType.REPORT_RSP, version: 1, vmpck: 0 },
          rspPayload(),
        ),
    ],
  ];
  for (const [name, make] of cases) {
    const g = new GuestMessenger(key, 0);
    g.request(MsgType.REPORT_REQ, reqPayload());
    assert.throws(() => g.response(make(rspPage)), { name: "GuestMessageError" }, name);
    assert.ok(g.wiped, name);
    assert.throws(() => g.request(MsgType.REPORT_REQ, reqPayload()), /wiped/, name);
  }
  // A response replayed into a later exchange is stale: refused too.
  const g = new GuestMessenger(key, 0);
  g.request(MsgType.REPORT_REQ, reqPayload());
  g.response(rspPage);
  g.request(MsgType.REPORT_REQ, reqPayload());
  assert.throws(() => g.response(rspPage), /seqno 2, expected 4/);
  assert.ok(g.wiped);
});
