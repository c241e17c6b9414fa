import assert from "node:assert/strict";
import { createPrivateKey } from "node:crypto";
import { toHex } from "../lib/common/hex.ts";
import { Prng } from "../lib/common/prng.ts";
import {
  buildIdAuth,
  CertGuid,
  FirmwareStatus,
  GuestFieldSelect,
  GuestMessenger,
  ID_BLOCK,
  MSG_HEADER,
  MSG_KEY_REQ,
  MSG_KEY_RSP,
  MSG_REPORT_REQ,
  MSG_REPORT_RSP,
  MsgType,
  PageType,
  parseCertificate,
  parseCertTable,
  parseReport,
  sealMessage,
  SECRETS_PAGE,
  SecureProcessor,
  type SecureProcessorOptions,
  verifyReportSignature,
  writeCpuidPage,
} from "../lib/snp/firmware/mod.ts";
import { amdPublicKey, keyDigest } from "../lib/snp/firmware/id_block.ts";
import { SystemMemory } from "../lib/snp/memory.ts";
import { Rmp } from "../lib/snp/rmp.ts";
import { MemoryEncryption } from "../lib/snp/memory_encryption.ts";

const POLICY = 0x30000n;
const SECRET = new Uint8Array(32).fill(7);
const page = (fill: number) => new Uint8Array(4096).fill(fill);

/** Launches a guest with one NORMAL page of `fill`, a secrets page; returns its messenger. */
function launch(sp: SecureProcessor, fill = 1, asid = 1, finish = {}) {
  const { status, handle } = sp.launchStart({ asid, policy: POLICY });
  assert.equal(status, 0);
  assert.equal(
    sp.launchUpdate(handle!, { type: PageType.NORMAL, gpa: 0, data: page(fill) }).status,
    0,
  );
  const secrets = sp.launchUpdate(handle!, { type: PageType.SECRETS, gpa: 0x1000 });
  assert.equal(secrets.status, 0);
  assert.equal(sp.launchFinish(handle!, finish).status, 0);
  const vmpck0 = SECRETS_PAGE.get(secrets.page!, "vmpck0");
  return { handle: handle!, guest: new GuestMessenger(vmpck0, 0), secrets: secrets.page! };
}

function exchange(sp: SecureProcessor, h: number, g: GuestMessenger, type: number, p: Uint8Array) {
  const r = sp.guestRequest(h, g.request(type, p));
  assert.equal(r.status, 0, `firmware status ${r.status}`);
  return g.response(r.response!);
}

function getReport(sp: SecureProcessor, h: number, g: GuestMessenger, vmpl = 0, data = 0xab) {
  const req = MSG_REPORT_REQ.encode({ reportData: new Uint8Array(64).fill(data), vmpl });
  return MSG_REPORT_RSP.decode(exchange(sp, h, g, MsgType.REPORT_REQ, req));
}

function getKey(
  sp: SecureProcessor,
  h: number,
  g: GuestMessenger,
  fields: Partial<ReturnType<typeof MSG_KEY_REQ.decode>> = {},
) {
  const req = MSG_KEY_REQ.encode({ guestFieldSelect: GuestFieldSelect.MEASUREMENT, ...fields });
  return MSG_KEY_RSP.decode(exchange(sp, h, g, MsgType.KEY_REQ, req));
}

const opts = (o: SecureProcessorOptions = {}): SecureProcessorOptions => ({
  chipSecret: SECRET,
  ...o,
});

Deno.test("report: every field comes from the launch and the platform; VCEK signs it", () => {
  const sp = new SecureProcessor(opts({ product: "Genoa" }));
  const host = new Uint8Array(32).fill(0x11);
  const { handle, guest, secrets } = launch(sp, 1, 1, { hostData: host });
  assert.equal(SECRETS_PAGE.get(secrets, "version"), 3);
  assert.equal(SECRETS_PAGE.get(secrets, "fms"), 0x00a10f11);
  const rsp = getReport(sp, handle, guest, 2, 0x5a);
  assert.equal(rsp.status, 0);
  assert.equal(rsp.reportSize, 0x4a0);
  const r = parseReport(rsp.report);
  assert.equal(r.version, 3);
  assert.equal(r.vmpl, 2);
  assert.equal(r.policy, POLICY);
  assert.deepEqual(r.reportData, new Uint8Array(64).fill(0x5a));
  assert.deepEqual(r.measurement, sp.measurement(handle));
  assert.deepEqual(r.hostData, host);
  assert.deepEqual(r.chipId, sp.chipId);
  assert.deepEqual([r.cpuidFamId, r.cpuidModId, r.cpuidStep], [0x19, 0x11, 1]);
  assert.equal(r.reportedTcb, sp.tcb);
  assert.equal(r.currentTcb, sp.tcb);
  assert.equal(r.signatureAlgo, 1);
  assert.ok(r.reportIdMa.every((b) => b === 0xff));
  const vcek = parseCertificate(sp.certificates().vcek);
  assert.ok(verifyReportSignature(rsp.report, vcek.spki));
  const second = parseReport(getReport(sp, handle, guest).report);
  assert.deepEqual(second.reportId, r.reportId); // REPORT_ID is per guest, stable
});

Deno.test("report: version 5 is selectable; masked chip ID reports zeros", () => {
  const sp = new SecureProcessor(opts({ reportVersion: 5, maskChipId: true }));
  const { handle, guest } = launch(sp);
  const r = parseReport(getReport(sp, handle, guest).report);
  assert.equal(r.version, 5);
  assert.ok(r.chipId.every((b) => b === 0));
});

Deno.test("report request: VMPL above the requester's privilege or bad KEY_SEL get status codes", () => {
  const sp = new SecureProcessor(opts());
  const { handle, guest } = launch(sp);
  const bad = MSG_REPORT_REQ.encode({ reportData: new Uint8Array(64), vmpl: 4 });
  const r1 = MSG_REPORT_RSP.decode(exchange(sp, handle, guest, MsgType.REPORT_REQ, bad));
  assert.equal(r1.status, FirmwareStatus.INVALID_PARAM);
  const vlek = MSG_REPORT_REQ.encode({ reportData: new Uint8Array(64), vmpl: 0, flags: 2 });
  const r2 = MSG_REPORT_RSP.decode(exchange(sp, handle, guest, MsgType.REPORT_REQ, vlek));
  assert.equal(r2.status, FirmwareStatus.INVALID_KEY);
  // A VMPL1 requester (VMPCK1) cannot obtain a VMPL0 report.
  const sp2 = new SecureProcessor(opts());
  const l = launch(sp2);
  const g1 = new GuestMessenger(SECRETS_PAGE.get(l.secrets, "vmpck1"), 1);
  const req = MSG_REPORT_REQ.encode({ reportData: new Uint8Array(64), vmpl: 0 });
  const r3 = MSG_REPORT_RSP.decode(exchange(sp2, l.handle, g1, MsgType.REPORT_REQ, req));
  assert.equal(r3.status, FirmwareStatus.INVALID_PARAM);
});

Deno.test("firmware: replayed, reordered and forged requests are refused without a response", () => {
  const sp = new SecureProcessor(opts());
  const { handle, secrets } = launch(sp);
  const vmpck0 = SECRETS_PAGE.get(secrets, "vmpck0");
  const req = MSG_REPORT_REQ.encode({ reportData: new Uint8Array(64), vmpl: 0 });
  const seal = (seqno: bigint) =>
    sealMessage(vmpck0, { seqno, type: MsgType.REPORT_REQ, version: 1, vmpck: 0 }, req);
  const first = seal(1n);
  assert.equal(sp.guestRequest(handle, first).status, 0);
  const replay = sp.guestRequest(handle, first);
  assert.equal(replay.status, FirmwareStatus.INVALID_PARAM);
  assert.equal(replay.response, undefined);
  assert.equal(sp.guestRequest(handle, seal(5n)).status, FirmwareStatus.INVALID_PARAM); // skips ahead
  assert.equal(sp.guestRequest(handle, seal(2n)).status, FirmwareStatus.INVALID_PARAM); // response's number
  const forged = seal(3n);
  forged[0x60] ^= 1;
  assert.equal(sp.guestRequest(handle, forged).status, FirmwareStatus.INVALID_PARAM);
  const wrongKey = seal(3n);
  MSG_HEADER.set(wrongKey, "msgVmpck", 1); // AAD changes and VMPCK1 differs
  assert.equal(sp.guestRequest(handle, wrongKey).status, FirmwareStatus.INVALID_PARAM);
  assert.equal(sp.guestRequest(handle, seal(3n)).status, 0); // the honest next one still works
  const unknown = sealMessage(
    vmpck0,
    { seqno: 5n, type: MsgType.EXPORT_REQ, version: 1, vmpck: 0 },
    req,
  );
  assert.equal(sp.guestRequest(handle, unknown).status, FirmwareStatus.INVALID_PARAM);
  assert.equal(sp.guestRequest(handle, new Uint8Array(100)).status, FirmwareStatus.INVALID_LEN);
  assert.equal(sp.guestRequest(99, first).status, FirmwareStatus.INVALID_GUEST);
});

Deno.test("derived keys: same launch same key; different measurement different key", () => {
  const a = new SecureProcessor(opts());
  const ga = launch(a, 1);
  const k1 = getKey(a, ga.handle, ga.guest);
  const k2 = getKey(a, ga.handle, ga.guest);
  assert.equal(k1.status, 0);
  assert.deepEqual(k1.derivedKey, k2.derivedKey);
  assert.ok(k1.derivedKey.some((b) => b));
  // The same launch on the same chip, relaunched (new VMPCKs, new REPORT_ID): same key.
  const b = new SecureProcessor(opts());
  const gb = launch(b, 1);
  assert.deepEqual(getKey(b, gb.handle, gb.guest).derivedKey, k1.derivedKey);
  // A different page changes the measurement, and so the key.
  const gc = launch(b, 2, 2);
  assert.notDeepEqual(getKey(b, gc.handle, gc.guest).derivedKey, k1.derivedKey);
  // Unless the measurement is not selected.
  const sel = { guestFieldSelect: GuestFieldSelect.POLICY };
  assert.deepEqual(
    getKey(b, gc.handle, gc.guest, sel).derivedKey,
    getKey(b, gb.handle, gb.guest, sel).derivedKey,
  );
  // Another chip never derives the same key.
  const c = new SecureProcessor();
  const gd = launch(c, 1);
  assert.notDeepEqual(getKey(c, gd.handle, gd.guest).derivedKey, k1.derivedKey);
  // Each selectable field and the VMPL change the key.
  const base = getKey(a, ga.handle, ga.guest, { guestFieldSelect: 0n }).derivedKey;
  for (const [name, f] of Object.entries(GuestFieldSelect)) {
    const k = getKey(a, ga.handle, ga.guest, { guestFieldSelect: f }).derivedKey;
    assert.notDeepEqual(k, base, name);
  }
  assert.notDeepEqual(
    getKey(a, ga.handle, ga.guest, { guestFieldSelect: 0n, vmpl: 1 }).derivedKey,
    base,
  );
});

Deno.test("derived keys: newer SVN or TCB, VMRK root, lower VMPL are refused", () => {
  const sp = new SecureProcessor(opts());
  const { handle, guest } = launch(sp);
  const bad = [
    { guestSvn: 1 },
    { tcbVersion: sp.tcb + (1n << 48n) }, // SNP SPL + 1
    { rootKeySelect: 1 },
    { guestFieldSelect: 1n << 7n },
    { vmpl: 4 },
  ];
  for (const f of bad) {
    assert.equal(
      getKey(sp, handle, guest, f).status,
      FirmwareStatus.INVALID_PARAM,
      JSON.stringify(f, (_, v) => typeof v === "bigint" ? String(v) : v),
    );
  }
  assert.equal(getKey(sp, handle, guest, { tcbVersion: sp.tcb }).status, 0);
});

Deno.test("launch: guest policy checks return the spec status codes", () => {
  const sp = new SecureProcessor(opts({ smt: true, sockets: 2 }));
  const start = (policy: bigint, asid = 1) => sp.launchStart({ asid, policy }).status;
  assert.equal(start(0x10000n), FirmwareStatus.INVALID_PARAM); // bit 17 clear
  assert.equal(start(0x30000n | (1n << 30n)), FirmwareStatus.INVALID_PARAM); // reserved bit
  assert.equal(start(0x30000n | 0x0200n), FirmwareStatus.POLICY_FAILURE); // ABI 2.0 > 1.55
  assert.equal(start(0x30000n | 0x0138n), FirmwareStatus.POLICY_FAILURE); // ABI 1.56 > 1.55
  assert.equal(start(0x20000n), FirmwareStatus.POLICY_FAILURE); // SMT not allowed, SMT on
  assert.equal(start(0x30000n | (1n << 20n)), FirmwareStatus.POLICY_FAILURE); // single socket on 2
  // The model's platform reports RAPL enabled and no ciphertext hiding (PLATFORM_INFO bits 3
  // and 4 clear): a guest that demands either may not start on it.
  assert.equal(start(0x30000n | (1n << 23n)), FirmwareStatus.POLICY_FAILURE); // RAPL_DIS
  assert.equal(start(0x30000n | (1n << 24n)), FirmwareStatus.POLICY_FAILURE); // CIPHERTEXT_HIDING
  assert.equal(start(0x30000n | 0x0137n), FirmwareStatus.SUCCESS); // ABI 1.55 is fine
  assert.equal(start(0x30000n), FirmwareStatus.ASID_OWNED);
  assert.equal(start(0x30000n, 0), FirmwareStatus.INVALID_ASID);
  const noSmt = new SecureProcessor(opts({ smt: false }));
  assert.equal(noSmt.launchStart({ asid: 1, policy: 0x20000n }).status, 0);
});

Deno.test("launch: state machine refuses out-of-order commands", () => {
  const sp = new SecureProcessor(opts());
  const { handle } = sp.launchStart({ asid: 1, policy: POLICY });
  const req = new Uint8Array(4096);
  assert.equal(sp.guestRequest(handle!, req).status, FirmwareStatus.INVALID_GUEST_STATE);
  assert.equal(
    sp.launchUpdate(handle!, { type: PageType.NORMAL, gpa: 0 }).status,
    FirmwareStatus.INVALID_PARAM,
  );
  assert.equal(
    sp.launchUpdate(handle!, { type: PageType.ZERO, gpa: 5 }).status,
    FirmwareStatus.INVALID_ADDRESS,
  );
  assert.equal(
    sp.launchUpdate(handle!, { type: 9 as PageType, gpa: 0 }).status,
    FirmwareStatus.INVALID_PARAM,
  );
  assert.equal(sp.launchFinish(handle!).status, 0);
  assert.equal(sp.launchFinish(handle!).status, FirmwareStatus.INVALID_GUEST_STATE);
  assert.equal(
    sp.launchUpdate(handle!, { type: PageType.ZERO, gpa: 0 }).status,
    FirmwareStatus.INVALID_GUEST_STATE,
  );
  assert.equal(sp.decommission(handle!).status, 0);
  assert.equal(sp.launchStart({ asid: 1, policy: POLICY }).status, 0); // ASID free again
});

Deno.test("launch: CPUID page may hide but not invent features", () => {
  const real = {
    eaxIn: 1,
    ecxIn: 0,
    xcr0In: 0n,
    xssIn: 0n,
    eax: 0xa00f11,
    ebx: 0x800,
    ecx: 0x7ed8320b,
    edx: 0x178bfbff,
  };
  const sp = new SecureProcessor(opts({ cpuid: [real] }));
  const { handle } = sp.launchStart({ asid: 1, policy: POLICY });
  const hidden = writeCpuidPage([{ ...real, ecx: real.ecx & ~0x8 }]);
  assert.equal(sp.launchUpdate(handle!, { type: PageType.CPUID, gpa: 0, data: hidden }).status, 0);
  const invented = writeCpuidPage([{ ...real, ecx: real.ecx | 0x80000000 }]);
  const r = sp.launchUpdate(handle!, { type: PageType.CPUID, gpa: 0x1000, data: invented });
  assert.equal(r.status, FirmwareStatus.INVALID_PARAM);
  assert.deepEqual(r.page, writeCpuidPage([real]));
  const before = sp.measurement(handle!);
  assert.equal(
    sp.launchUpdate(handle!, { type: PageType.CPUID, gpa: 0x1000, data: r.page }).status,
    0,
  );
  assert.notDeepEqual(sp.measurement(handle!), before);
});

const idKey = createPrivateKey(
  Deno.readTextFileSync(new URL("./vectors/id-block/test_id_key.pem", import.meta.url)),
);
const authorKey = createPrivateKey(
  Deno.readTextFileSync(new URL("./vectors/id-block/test_auth_key.pem", import.meta.url)),
);

Deno.test("ID block vectors: key digests and block bytes as published by virtee/sev", () => {
  assert.equal(
    toHex(keyDigest(amdPublicKey(idKey))),
    "59fb2c686dfa4fef49f38339aa775c90051c28d57383ddc3baf3b5eb4b1496df3b0dbbdcbae5fe27677a644820773fe2",
  );
  assert.equal(
    toHex(keyDigest(amdPublicKey(authorKey))),
    "eed81169fb0cb5e0ec34794f128fd4e0c4a46f67c65a1adfa81fcb24bcc088c272369b7ffc3eb2b6af6a4284a1b36c5f",
  );
  const ld =
    "a14d638341e5674628fe1e02fbedebe5e5ab4faf1dd72d8966068e615bb99efd13d214b35c231715b38e263dc6059745";
  const block = ID_BLOCK.encode({
    ld: Uint8Array.from(ld.match(/../g)!, (h) => parseInt(h, 16)),
    version: 1,
    policy: 0x30000n,
  });
  const b64 =
    "oU1jg0HlZ0Yo/h4C++3r5eWrT68d1y2JZgaOYVu5nv0T0hSzXCMXFbOOJj3GBZdFAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAABAAAAAAAAAAAAAwAAAAAA";
  assert.equal(btoa(String.fromCharCode(...block)), b64);
});

Deno.test("ID block at LAUNCH_FINISH: digests reach the report; wrong LD, policy or signature fail", () => {
  const sp = new SecureProcessor(opts());
  const prepare = (asid: number) => {
    const { handle } = sp.launchStart({ asid, policy: POLICY });
    sp.launchUpdate(handle!, { type: PageType.NORMAL, gpa: 0, data: page(3) });
    const secrets = sp.launchUpdate(handle!, { type: PageType.SECRETS, gpa: 0x1000 }).page!;
    return { handle: handle!, secrets };
  };
  const block = (ld: Uint8Array, policy = POLICY) =>
    ID_BLOCK.encode({
      ld,
      familyId: new Uint8Array(16).fill(1),
      imageId: new Uint8Array(16).fill(2),
      version: 1,
      guestSvn: 4,
      policy,
    });
  const ok = prepare(1);
  const idBlock = block(sp.measurement(ok.handle)!);
  const idAuth = buildIdAuth(idBlock, idKey, authorKey);
  assert.equal(sp.launchFinish(ok.handle, { idBlock, idAuth, authorKeyEn: true }).status, 0);
  const g = new GuestMessenger(SECRETS_PAGE.get(ok.secrets, "vmpck0"), 0);
  const r = parseReport(getReport(sp, ok.handle, g).report);
  assert.deepEqual(r.idKeyDigest, keyDigest(amdPublicKey(idKey)));
  assert.deepEqual(r.authorKeyDigest, keyDigest(amdPublicKey(authorKey)));
  assert.equal(r.signerInfo & 1, 1); // AUTHOR_KEY_EN
  assert.equal(r.guestSvn, 4);
  assert.deepEqual(r.familyId, new Uint8Array(16).fill(1));
  assert.deepEqual(r.imageId, new Uint8Array(16).fill(2));

  const wrongLd = prepare(2);
  const b2 = block(new Uint8Array(48));
  assert.equal(
    sp.launchFinish(wrongLd.handle, { idBlock: b2, idAuth: buildIdAuth(b2, idKey) }).status,
    FirmwareStatus.BAD_MEASUREMENT,
  );
  const wrongPolicy = prepare(3);
  const b3 = block(sp.measurement(wrongPolicy.handle)!, 0xb0000n);
  assert.equal(
    sp.launchFinish(wrongPolicy.handle, { idBlock: b3, idAuth: buildIdAuth(b3, idKey) }).status,
    FirmwareStatus.POLICY_FAILURE,
  );
  const badSig = prepare(4);
  const b4 = block(sp.measurement(badSig.handle)!);
  const auth4 = buildIdAuth(b4, idKey, authorKey);
  auth4[0x40] ^= 1; // ID block signature R
  assert.equal(
    sp.launchFinish(badSig.handle, { idBlock: b4, idAuth: auth4 }).status,
    FirmwareStatus.BAD_SIGNATURE,
  );
  const auth5 = buildIdAuth(b4, idKey, authorKey);
  auth5[0x680] ^= 1; // author's signature over the ID key
  assert.equal(
    sp.launchFinish(badSig.handle, { idBlock: b4, idAuth: auth5, authorKeyEn: true }).status,
    FirmwareStatus.BAD_SIGNATURE,
  );
  assert.equal(
    sp.launchFinish(badSig.handle, { idBlock: b4 }).status,
    FirmwareStatus.INVALID_PARAM,
  );
});

Deno.test("EXT_GUEST_REQUEST: too small a buffer says how many pages; then the GUID table", () => {
  const sp = new SecureProcessor(opts());
  const { handle, guest } = launch(sp);
  const req = MSG_REPORT_REQ.encode({ reportData: new Uint8Array(64), vmpl: 0 });
  const request = guest.request(MsgType.REPORT_REQ, req);
  const small = sp.extGuestRequest(handle, request, 1);
  assert.equal(small.status, FirmwareStatus.INVALID_LEN);
  assert.equal(small.pagesNeeded, 2);
  assert.equal(small.response, undefined);
  // Nothing was consumed: the guest re-sends the very same page with enough room.
  const ok = sp.extGuestRequest(handle, request, small.pagesNeeded!);
  assert.equal(ok.status, 0);
  assert.equal(MSG_REPORT_RSP.decode(guest.response(ok.response!)).status, 0);
  const table = parseCertTable(ok.certs!);
  const c = sp.certificates();
  assert.deepEqual(table.get(CertGuid.VCEK), c.vcek);
  assert.deepEqual(table.get(CertGuid.ASK), c.ask);
  assert.deepEqual(table.get(CertGuid.ARK), c.ark);
  // A forged request still gets no certificates.
  const forged = sealMessage(new Uint8Array(32), { seqno: 3n, type: 5, version: 1, vmpck: 0 }, req);
  const bad = sp.extGuestRequest(handle, forged, 2);
  assert.equal(bad.status, FirmwareStatus.INVALID_PARAM);
  assert.equal(bad.certs, undefined);
});

Deno.test("with a machine: LAUNCH_UPDATE checks the RMP, encrypts, marks VALIDATED and VMSA", () => {
  const memory = new SystemMemory(2 * 1024 * 1024);
  const rmp = new Rmp(memory.pageCount);
  const encryption = new MemoryEncryption(memory);
  const sp = new SecureProcessor(
    opts({ machine: { rmp, encryption }, random: (o) => new Prng(1).fill(o) }),
  );
  const { handle } = sp.launchStart({ asid: 5, policy: POLICY | (1n << 19n) }); // DEBUG allowed
  const assign = (spa: number, gpa: number) =>
    assert.equal(rmp.rmpupdate(spa, { assigned: true, asid: 5, gpa, pageSize2M: false }), 0);
  const plain = page(0x42);
  encryption.hostWrite(0x10000, plain);
  // Not yet assigned to the guest: refused.
  assert.equal(
    sp.launchUpdate(handle!, { type: PageType.NORMAL, gpa: 0x0, spa: 0x10000 }).status,
    FirmwareStatus.INVALID_PAGE_OWNER,
  );
  assign(0x10000, 0x0);
  assert.equal(
    sp.launchUpdate(handle!, { type: PageType.NORMAL, gpa: 0x1000, spa: 0x10000 }).status,
    FirmwareStatus.INVALID_PAGE_OWNER,
  ); // GPA mismatch
  assert.equal(
    sp.launchUpdate(handle!, { type: PageType.NORMAL, gpa: 0x0, spa: 0x10000 }).status,
    0,
  );
  assert.ok(rmp.entry(0x10000).validated);
  assert.notDeepEqual(encryption.hostRead(0x10000, 4096), plain); // DRAM holds ciphertext
  assert.deepEqual(encryption.privateView(5, 0x10000), plain);
  assert.equal(
    sp.launchUpdate(handle!, { type: PageType.NORMAL, gpa: 0x0, spa: 0x10000 }).status,
    FirmwareStatus.INVALID_PAGE_STATE,
  );
  assign(0x11000, 0x1000);
  assert.equal(
    sp.launchUpdate(handle!, { type: PageType.SECRETS, gpa: 0x1000, spa: 0x11000 }).status,
    0,
  );
  assert.equal(SECRETS_PAGE.get(encryption.privateView(5, 0x11000), "version"), 3);
  assign(0x12000, 0x2000);
  encryption.hostWrite(0x12000, page(9));
  assert.equal(
    sp.launchUpdate(handle!, { type: PageType.VMSA, gpa: 0x2000, spa: 0x12000 }).status,
    0,
  );
  assert.ok(rmp.entry(0x12000).vmsa && rmp.entry(0x12000).validated);
  assert.equal(
    sp.launchUpdate(handle!, { type: PageType.ZERO, gpa: 0x3000 }).status,
    FirmwareStatus.INVALID_ADDRESS,
  );
  // The same bytes measured without a machine give the same digest.
  const pure = new SecureProcessor(opts());
  const p = pure.launchStart({ asid: 5, policy: POLICY | (1n << 19n) }).handle!;
  pure.launchUpdate(p, { type: PageType.NORMAL, gpa: 0, data: plain });
  pure.launchUpdate(p, { type: PageType.SECRETS, gpa: 0x1000 });
  pure.launchUpdate(p, { type: PageType.VMSA, gpa: 0x2000, data: page(9) });
  assert.deepEqual(pure.measurement(p), sp.measurement(handle!));
  assert.equal(sp.launchFinish(handle!).status, 0);
  assert.deepEqual(sp.debugDecrypt(handle!, 0x10000).page, plain);
  const nodebug = sp.launchStart({ asid: 6, policy: POLICY }).handle!;
  assert.equal(sp.debugDecrypt(nodebug, 0x10000).status, FirmwareStatus.POLICY_FAILURE);
});
