import assert from "node:assert/strict";
import { fromHex } from "../lib/common/hex.ts";
import { TPM_ALG } from "../lib/tpm/constants.ts";
import { decode, encode } from "../lib/tpm/marshal/codec.ts";
import {
  TPM2B_PUBLIC,
  TPMT_SIGNATURE,
  TPMT_TK,
  type TpmtPublic,
} from "../lib/tpm/marshal/types.ts";
import {
  b2,
  cat,
  create,
  createPrimary,
  ECC_AK,
  ECC_SIGN,
  KeyTpm,
  load,
  RSA_SIGN,
  RSA_STORAGE,
  u16,
  u32,
} from "./tpm_keys_client.ts";

const bytes = (s: string) => fromHex(s.replaceAll(" ", ""));
const NULL_TICKET = [0x80, 0x24, 0x40, 0, 0, 7, 0, 0];

function b64url(b: Uint8Array): string {
  return btoa(String.fromCharCode(...b)).replaceAll("+", "-").replaceAll("/", "_").replace(
    /=+$/,
    "",
  );
}

async function webKey(pub: TpmtPublic, alg: RsaHashedImportParams | EcKeyImportParams) {
  const jwk: JsonWebKey = pub.type === TPM_ALG.ECC
    ? { kty: "EC", crv: "P-256", x: b64url(pub.unique), y: b64url(pub.uniqueY) }
    : { kty: "RSA", n: b64url(pub.unique), e: "AQAB" };
  return await crypto.subtle.importKey("jwk", jwk, alg, true, ["verify"]);
}

function derInt(b: Uint8Array): number[] {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  const v = [...b.subarray(i)];
  if (v[0] & 0x80) v.unshift(0);
  return [0x02, v.length, ...v];
}

async function opensslVerifyDigest(
  spki: ArrayBuffer,
  digest: Uint8Array,
  r: Uint8Array,
  s: Uint8Array,
): Promise<boolean | undefined> {
  const dir = await Deno.makeTempDir();
  try {
    const body = [...derInt(r), ...derInt(s)];
    const pem = `-----BEGIN PUBLIC KEY-----\n${
      btoa(String.fromCharCode(...new Uint8Array(spki)))
    }\n-----END PUBLIC KEY-----\n`;
    await Deno.writeTextFile(`${dir}/pub.pem`, pem);
    await Deno.writeFile(`${dir}/dgst`, digest);
    await Deno.writeFile(`${dir}/sig`, Uint8Array.from([0x30, body.length, ...body]));
    const out = await new Deno.Command("openssl", {
      args: [
        "pkeyutl",
        "-verify",
        "-pubin",
        "-inkey",
        `${dir}/pub.pem`,
        "-in",
        `${dir}/dgst`,
        "-sigfile",
        `${dir}/sig`,
      ],
      stdout: "null",
      stderr: "null",
    }).output();
    return out.success;
  } catch {
    return undefined;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("Sign from swtpm-captured bytes: the ECDSA signature over the raw digest verifies in openssl", async (t) => {
  const k = await KeyTpm.start();
  const cp = await k.raw(
    bytes(
      "8002 00000041 00000131 40000001 00000009 40000009 0000 00 0000 0004 0000 0000 0018 0023 000b 00040072 0000 0010 0018 000b 0003 0010 0000 0000 0000 00000000",
    ),
    true,
  );
  assert.equal(cp.rc, 0);
  assert.equal(cp.handle, 0x80000000, "the captured Sign command names the first transient");
  const size = cp.params.u16();
  const pub = decode(TPM2B_PUBLIC, cat(u16(size), cp.params.bytes(size)))!;
  const sign = await k.raw(
    bytes(
      "8002 00000047 0000015d 80000000 00000009 40000009 0000 00 0000 0020" +
        "11".repeat(32) + "0010 8024 40000007 0000",
    ),
  );
  assert.equal(sign.rc, 0);
  const sig = TPMT_SIGNATURE.read(sign.params);
  assert.equal(sig.sigAlg, TPM_ALG.ECDSA);
  assert.equal(sig.hash, TPM_ALG.SHA256);
  const key = await webKey(pub, { name: "ECDSA", namedCurve: "P-256" });
  const spki = await crypto.subtle.exportKey("spki", key);
  const ok = await opensslVerifyDigest(spki, new Uint8Array(32).fill(0x11), sig.sig, sig.s);
  if (ok === undefined) {
    await t.step({ name: "openssl unavailable", ignore: true, fn() {} });
    return;
  }
  assert.equal(ok, true);
  const bad = await opensslVerifyDigest(spki, new Uint8Array(32).fill(0x12), sig.sig, sig.s);
  assert.equal(bad, false, "openssl rejects it for another digest");
});

async function signMessage(
  k: KeyTpm,
  handle: number,
  msg: Uint8Array<ArrayBuffer>,
  scheme: number[],
): Promise<{ rc: number; sig?: ReturnType<typeof TPMT_SIGNATURE.read> }> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", msg));
  const r = await k.run(0x15d, [handle], cat(b2(digest), scheme, NULL_TICKET), [""]);
  return r.rc === 0 ? { rc: 0, sig: TPMT_SIGNATURE.read(r.params) } : { rc: r.rc };
}

Deno.test("Create+Load signing keys under an RSA SRK: ECDSA, RSASSA and RSA-PSS verify in WebCrypto", async () => {
  const k = await KeyTpm.start();
  const srk = await createPrimary(k, RSA_STORAGE);
  const msg = new TextEncoder().encode("quote me");
  const ecc = await load(k, srk.handle, await create(k, srk.handle, ECC_SIGN, "key"));
  const e = await k.run(
    0x15d,
    [ecc.handle],
    cat(b2(new Uint8Array(await crypto.subtle.digest("SHA-256", msg))), u16(0x10), NULL_TICKET),
    ["key"],
  );
  assert.equal(e.rc, 0);
  const es = TPMT_SIGNATURE.read(e.params);
  const ek = await webKey(ecc.pub, { name: "ECDSA", namedCurve: "P-256" });
  assert.ok(
    await crypto.subtle.verify(
      { name: "ECDSA", hash: "SHA-256" },
      ek,
      cat(es.sig, es.s),
      msg,
    ),
  );
  const wrongPw = await k.run(
    0x15d,
    [ecc.handle],
    cat(b2(new Uint8Array(32)), u16(0x10), NULL_TICKET),
    ["nope"],
  );
  assert.notEqual(wrongPw.rc, 0, "a wrong password does not sign");

  const rsa = await load(k, srk.handle, await create(k, srk.handle, RSA_SIGN));
  for (
    const [scheme, name, params] of [
      [TPM_ALG.RSASSA, "RSASSA-PKCS1-v1_5", { name: "RSASSA-PKCS1-v1_5" }],
      [TPM_ALG.RSAPSS, "RSA-PSS", { name: "RSA-PSS", saltLength: 32 }],
    ] as const
  ) {
    const r = await signMessage(k, rsa.handle, msg, [...u16(scheme), ...u16(TPM_ALG.SHA256)]);
    assert.equal(r.rc, 0);
    const key = await webKey(rsa.pub, { name, hash: "SHA-256" });
    assert.ok(await crypto.subtle.verify(params, key, new Uint8Array(r.sig!.sig), msg), name);
  }
  // A key without a scheme needs one from the caller.
  assert.equal((await signMessage(k, rsa.handle, msg, u16(0x10))).rc, 0x2d2);
  // A key with ECDSA-SHA256 refuses another hash.
  const other = await signMessage(k, ecc.handle, msg, [...u16(TPM_ALG.ECDSA), ...u16(0x0c)]);
  assert.notEqual(other.rc, 0);
});

Deno.test("VerifySignature returns a VERIFIED ticket; a tampered signature is TPM_RC_SIGNATURE", async () => {
  const k = await KeyTpm.start();
  const key = await createPrimary(k, ECC_SIGN);
  const digest = new Uint8Array(32).fill(3);
  const s = await k.run(0x15d, [key.handle], cat(b2(digest), u16(0x10), NULL_TICKET), [""]);
  assert.equal(s.rc, 0);
  const sig = TPMT_SIGNATURE.read(s.params);
  const ok = await k.run(0x177, [key.handle], cat(b2(digest), encode(TPMT_SIGNATURE, sig)));
  assert.equal(ok.rc, 0);
  const tk = TPMT_TK.read(ok.params);
  assert.equal(tk.tag, 0x8022);
  assert.equal(tk.digest.length, 32);
  const bad = { ...sig, s: sig.s.map((b, i) => i === 5 ? b ^ 1 : b) };
  const r = await k.run(0x177, [key.handle], cat(b2(digest), encode(TPMT_SIGNATURE, bad)));
  assert.equal(r.rc, 0x2db);
  const other = await k.run(
    0x177,
    [key.handle],
    cat(b2(digest.map((b) => b ^ 1)), encode(TPMT_SIGNATURE, sig)),
  );
  assert.equal(other.rc, 0x2db);
});

Deno.test("a restricted key signs only TPM-hashed digests: a NULL ticket is TPM_RC_TICKET", async () => {
  const k = await KeyTpm.start();
  const ak = await createPrimary(k, ECC_AK);
  const r = await k.run(0x15d, [ak.handle], cat(b2(new Uint8Array(32)), u16(0x10), NULL_TICKET), [
    "",
  ]);
  assert.equal(r.rc, 0x3e0);
  // A hashcheck ticket from TPM2_Hash in the owner hierarchy makes it signable.
  const data = new TextEncoder().encode("not TPM-generated");
  const h = await k.run(0x17d, [], cat(b2(data), u16(TPM_ALG.SHA256), u32(0x40000001)));
  assert.equal(h.rc, 0);
  const digest = h.params.bytes(h.params.u16());
  const ticket = encode(TPMT_TK, TPMT_TK.read(h.params));
  const ok = await k.run(0x15d, [ak.handle], cat(b2(digest), u16(0x10), ticket), [""]);
  assert.equal(ok.rc, 0);
  const forged = ticket.slice();
  forged[forged.length - 1] ^= 1;
  const no = await k.run(0x15d, [ak.handle], cat(b2(digest), u16(0x10), forged), [""]);
  assert.equal(no.rc, 0x3e0);
});
