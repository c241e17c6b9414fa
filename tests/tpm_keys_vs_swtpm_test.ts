import assert from "node:assert/strict";
import { createECDH, createHash } from "node:crypto";
import { toHex } from "../lib/common/hex.ts";
import { bigIntToBytes, generateRsaKey, SeededRandom } from "../lib/tpm/crypto/mod.ts";
import { encode } from "../lib/tpm/marshal/codec.ts";
import { TPM2B_PUBLIC, type TpmtPublic } from "../lib/tpm/marshal/types.ts";
import { onSwtpmAndOurs, rcRecorder, type Send } from "./support/swtpm.ts";
import {
  AES_KEY,
  b2,
  buildCommand,
  cat,
  createParams,
  ECC_AK,
  ECC_DECRYPT,
  ECC_SIGN,
  ECC_STORAGE,
  HMAC_KEY,
  RSA_DECRYPT,
  RSA_SIGN,
  RSA_STORAGE,
  SEALED,
  u16,
  u32,
} from "./tpm_keys_client.ts";

// Differential test: every step's response code from our TPM must equal
// swtpm's (Debian 0.7.1 / libtpms 0.9.2) for the same command bytes. Covers
// the key commands' error paths and the template checks of Create(Primary).

const rcOf = (r: Uint8Array) => new DataView(r.buffer, r.byteOffset).getUint32(6);
const handleOf = (r: Uint8Array) => new DataView(r.buffer, r.byteOffset).getUint32(10);
const NT = [0x80, 0x24, 0x40, 0, 0, 7, 0, 0];

/** The same command sequence for both TPMs; the response code of each step, by name. */
async function scenario(send: Send): Promise<Record<string, string>> {
  const { out, run } = rcRecorder(send);
  await send(Uint8Array.from([0x80, 1, 0, 0, 0, 12, 0, 0, 1, 0x44, 0, 0]));
  const srkR = await run(
    "cp srk",
    buildCommand(0x131, [0x40000001], createParams(RSA_STORAGE), [""]),
  );
  const srk = handleOf(srkR);
  const sk = handleOf(
    await run("cp ecc sign", buildCommand(0x131, [0x40000001], createParams(ECC_SIGN), [""])),
  );
  const ak = handleOf(
    await run("cp ak", buildCommand(0x131, [0x4000000b], createParams(ECC_AK), [""])),
  );
  await run(
    "sign ak null ticket",
    buildCommand(0x15d, [ak], cat(b2(new Uint8Array(32)), u16(0x10), NT), [""]),
  );
  await send(Uint8Array.from([0x80, 1, 0, 0, 0, 14, 0, 0, 1, 0x65, ...u32(ak)]));
  const cr = await run(
    "create sealed",
    buildCommand(0x153, [srk], createParams(SEALED, "", new Uint8Array([1, 2])), [""]),
  );
  // parse create response: tag, size, rc, paramSize, outPrivate, outPublic
  const v = new DataView(cr.buffer, cr.byteOffset);
  let o = 14;
  const privLen = v.getUint16(o);
  const priv = cr.slice(o + 2, o + 2 + privLen);
  o += 2 + privLen;
  const pubLen = v.getUint16(o);
  const pub = cr.slice(o, o + 2 + pubLen);
  const item = handleOf(
    await run("load sealed", buildCommand(0x157, [srk], cat(b2(priv), pub), [""])),
  );
  await run(
    "sign scheme mismatch",
    buildCommand(0x15d, [sk], cat(b2(new Uint8Array(32)), u16(0x18), u16(0xc), NT), [""]),
  );
  await run(
    "sign digest size",
    buildCommand(0x15d, [sk], cat(b2(new Uint8Array(20)), u16(0x10), NT), [""]),
  );
  await run(
    "sign with srk",
    buildCommand(0x15d, [srk], cat(b2(new Uint8Array(32)), u16(0x10), NT), [""]),
  );
  await run(
    "sign ticket bad tag",
    buildCommand(
      0x15d,
      [sk],
      cat(b2(new Uint8Array(32)), u16(0x10), [0x80, 0x21, 0x40, 0, 0, 7, 0, 0]),
      [""],
    ),
  );
  await run("unseal signer", buildCommand(0x15e, [sk], new Uint8Array(0), [""]));
  await run("unseal srk", buildCommand(0x15e, [srk], new Uint8Array(0), [""]));
  await run("unseal item", buildCommand(0x15e, [item], new Uint8Array(0), [""]));
  await run(
    "rsa_decrypt srk",
    buildCommand(0x159, [srk], cat(b2(new Uint8Array(256).fill(1)), u16(0x10), [0, 0]), [""]),
  );
  await run(
    "rsa_encrypt srk",
    buildCommand(0x174, [srk], cat(b2(new Uint8Array([1])), u16(0x10), [0, 0])),
  );
  await run(
    "rsa_encrypt signer",
    buildCommand(0x174, [sk], cat(b2(new Uint8Array([1])), u16(0x10), [0, 0])),
  );
  await run(
    "zgen signer",
    buildCommand(
      0x154,
      [sk],
      b2(cat(b2(new Uint8Array(32).fill(1)), b2(new Uint8Array(32).fill(2)))),
      [""],
    ),
  );
  await run("ecdh_keygen srk", buildCommand(0x163, [srk], new Uint8Array(0)));
  await run("quote srk", buildCommand(0x158, [srk], cat([0, 0], u16(0x10), u32(0)), [""]));
  await run(
    "quote signer null scheme",
    buildCommand(0x158, [sk], cat([0, 0], u16(0x10), u32(0)), [""]),
  );
  await run(
    "certify null signer",
    buildCommand(0x148, [srk, 0x40000007], cat([0, 0], u16(0x10)), ["", ""]),
  );
  await run("makecred signer", buildCommand(0x168, [sk], cat(b2("c"), b2(new Uint8Array(34)))));
  await run(
    "makecred srk short name",
    buildCommand(0x168, [srk], cat(b2("c"), b2(new Uint8Array(0)))),
  );
  await run(
    "encdec on srk",
    buildCommand(0x164, [srk], cat([0], u16(0x43), b2(new Uint8Array(16)), b2("x")), [""]),
  );
  await run(
    "verify bad sig",
    buildCommand(
      0x177,
      [sk],
      cat(
        b2(new Uint8Array(32)),
        u16(0x18),
        u16(0xb),
        b2(new Uint8Array(32).fill(1)),
        b2(new Uint8Array(32).fill(1)),
      ),
    ),
  );
  await run(
    "verify with srk",
    buildCommand(
      0x177,
      [srk],
      cat(b2(new Uint8Array(32)), u16(0x14), u16(0xb), b2(new Uint8Array(256))),
    ),
  );
  await run("change auth wrong parent", buildCommand(0x150, [item, sk], b2("x"), [""]));
  const flush = (h: number) =>
    send(Uint8Array.from([0x80, 1, 0, 0, 0, 14, 0, 0, 1, 0x65, ...u32(h)]));
  await run("change auth zeros", buildCommand(0x150, [item, srk], b2(new Uint8Array(40)), [""]));
  await run(
    "change auth long nonzero",
    buildCommand(0x150, [item, srk], b2(new Uint8Array(40).fill(1)), [""]),
  );
  await flush(item);
  const tampered = priv.slice();
  tampered[tampered.length - 1] ^= 1;
  await run("load tampered", buildCommand(0x157, [srk], cat(b2(tampered), pub), [""]));
  await run("load under signer", buildCommand(0x157, [sk], cat(b2(priv), pub), [""]));
  const tamperedHead = priv.slice();
  tamperedHead[3] ^= 1;
  await run("load tampered hmac", buildCommand(0x157, [srk], cat(b2(tamperedHead), pub), [""]));
  await run(
    "load truncated priv",
    buildCommand(0x157, [srk], cat(b2(priv.slice(0, 20)), pub), [""]),
  );
  await run("load empty priv", buildCommand(0x157, [srk], cat(b2(new Uint8Array(0)), pub), [""]));
  await flush(sk);
  const tpl = async (name: string, t: TpmtPublic, data?: Uint8Array, auth = "") => {
    const r = await run(name, buildCommand(0x131, [0x40000001], createParams(t, auth, data), [""]));
    if (rcOf(r) === 0) await flush(handleOf(r));
  };
  await tpl("tpl restricted ecc sign aes", {
    ...ECC_STORAGE,
    objectAttributes: 0x72 | (1 << 16) | (1 << 18),
  });
  await tpl("tpl rsa1024", { ...RSA_DECRYPT, keyBits: 1024 });
  await tpl("tpl rsa e=3", { ...RSA_DECRYPT, exponent: 3 });
  await tpl("tpl rsa e=4", { ...RSA_DECRYPT, exponent: 4 });
  await tpl("tpl rsa 4096", { ...RSA_DECRYPT, keyBits: 4096 });
  await tpl("tpl sealed with sdo", { ...SEALED, objectAttributes: 0x72 }, new Uint8Array([1]));
  await tpl("tpl sealed without data no sdo", SEALED);
  await tpl("tpl asym with data", ECC_SIGN, new Uint8Array([1]));
  await tpl("tpl no sdo asym", { ...ECC_SIGN, objectAttributes: 0x40052 });
  await tpl("tpl fixedTPM no fixedParent", { ...ECC_SIGN, objectAttributes: 0x40062 });
  await tpl("tpl sign+decrypt rsa scheme", {
    ...RSA_DECRYPT,
    objectAttributes: 0x60072,
    scheme: { scheme: 0x14, hashAlg: 0xb, extra: 0 },
  });
  await tpl("tpl sign+decrypt rsa null", { ...RSA_DECRYPT, objectAttributes: 0x60072 });
  await tpl("tpl decrypt rsa with sign scheme", {
    ...RSA_DECRYPT,
    scheme: { scheme: 0x14, hashAlg: 0xb, extra: 0 },
  });
  await tpl("tpl ecc sign ecdh scheme", {
    ...ECC_SIGN,
    scheme: { scheme: 0x19, hashAlg: 0xb, extra: 0 },
  });
  await tpl("tpl ecc kdf", { ...ECC_SIGN, kdf: { scheme: 0x20, hashAlg: 0xb, extra: 0 } });
  await tpl("tpl storage with scheme", {
    ...RSA_STORAGE,
    scheme: { scheme: 0x17, hashAlg: 0xb, extra: 0 },
  });
  await tpl("tpl storage null sym", {
    ...RSA_STORAGE,
    symmetric: { algorithm: 0x10, keyBits: 0, mode: 0 },
  });
  await tpl("tpl signer with sym", {
    ...ECC_SIGN,
    symmetric: { algorithm: 6, keyBits: 128, mode: 0x43 },
  });
  await tpl("tpl aes cbc", { ...AES_KEY, symmetric: { algorithm: 6, keyBits: 128, mode: 0x42 } });
  await tpl("tpl hmac null scheme", {
    ...HMAC_KEY,
    scheme: { scheme: 0x10, hashAlg: 0, extra: 0 },
  });
  await tpl("tpl hmac restricted null scheme", {
    ...HMAC_KEY,
    objectAttributes: HMAC_KEY.objectAttributes | (1 << 16),
    scheme: { scheme: 0x10, hashAlg: 0, extra: 0 },
  });
  await tpl("tpl policy wrong size", { ...ECC_SIGN, authPolicy: new Uint8Array(20) });
  await tpl("tpl long auth", ECC_SIGN, undefined, "x".repeat(33));
  await tpl("tpl reserved bit", { ...ECC_SIGN, objectAttributes: 0x40072 | 1 });
  await tpl("tpl ecdh decrypt", ECC_DECRYPT);
  await tpl("tpl restricted ecc decrypt no sym", {
    ...ECC_DECRYPT,
    objectAttributes: 0x20072 | (1 << 16),
  });
  return out;
}

const sha = (...b: Uint8Array[]) => {
  const h = createHash("sha256");
  for (const x of b) h.update(x);
  return new Uint8Array(h.digest());
};
const ext = (attrs: number) => attrs & ~0x12; // clear fixedTPM/fixedParent for LoadExternal with private
function sens(type: number, secret: Uint8Array, seed = new Uint8Array(0)) {
  return b2(cat(u16(type), b2(""), b2(seed), b2(secret)));
}

const aesKey = new Uint8Array(16).map((_, i) => i + 1);
const aesSeed = new Uint8Array(32).fill(7);
const hmacKey = new Uint8Array(32).map((_, i) => 255 - i);
const rsa = generateRsaKey(
  2048,
  0,
  new SeededRandom(0xb, new Uint8Array(32).fill(1), "t", new Uint8Array(0), new Uint8Array(0)),
);
const ecd = createECDH("prime256v1");
const dBytes = new Uint8Array(32).fill(3);
ecd.setPrivateKey(dBytes);
const Q = new Uint8Array(ecd.getPublicKey());

/**
 * Deterministic operations on externally loaded keys, compared byte for byte:
 * AES in every mode (data and ivOut), HMAC and RSASSA signatures, textbook
 * RSA, ECDH_ZGen, object Names; plus their error paths.
 */
async function outputs(send: Send): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const run = async (name: string, cmd: Uint8Array, withHandle = false) => {
    const r = await send(cmd);
    out[name] = rcOf(r) ? "rc " + rcOf(r).toString(16) : toHex(r.subarray(withHandle ? 14 : 10));
    return r;
  };
  await send(Uint8Array.from([0x80, 1, 0, 0, 0, 12, 0, 0, 1, 0x44, 0, 0]));
  const flush = (h: number) =>
    send(Uint8Array.from([0x80, 1, 0, 0, 0, 14, 0, 0, 1, 0x65, ...u32(h)]));
  // AES external key, every mode
  for (const mode of [0x43, 0x40, 0x41, 0x42, 0x44]) {
    const pub = {
      ...AES_KEY,
      objectAttributes: ext(AES_KEY.objectAttributes),
      symmetric: { algorithm: 6, keyBits: 128, mode },
      unique: sha(aesSeed, aesKey),
    };
    const h = handleOf(
      await run(
        `loadext aes mode ${mode.toString(16)}`,
        buildCommand(
          0x167,
          [],
          cat(sens(0x25, aesKey, aesSeed), encode(TPM2B_PUBLIC, pub), u32(0x40000007)),
        ),
        true,
      ),
    );
    for (const len of [16, 20, 37, 64]) {
      const iv = new Uint8Array(16).map((_, i) => i * 11);
      await run(
        `encrypt ${mode.toString(16)} len ${len}`,
        buildCommand(
          0x193,
          [h],
          cat(b2(new Uint8Array(len).map((_, i) => i)), [0], u16(0x10), b2(iv)),
          [""],
        ),
      );
      await run(
        `decrypt ${mode.toString(16)} len ${len}`,
        buildCommand(
          0x193,
          [h],
          cat(b2(new Uint8Array(len).map((_, i) => i * 3)), [1], u16(0x10), b2(iv)),
          [""],
        ),
      );
    }
    await run(
      `encrypt ${mode.toString(16)} short iv`,
      buildCommand(0x193, [h], cat(b2(new Uint8Array(16)), [0], u16(0x10), b2(new Uint8Array(8))), [
        "",
      ]),
    );
    await run(
      `encrypt ${mode.toString(16)} empty iv`,
      buildCommand(0x193, [h], cat(b2(new Uint8Array(16)), [0], u16(0x10), b2(new Uint8Array(0))), [
        "",
      ]),
    );
    await flush(h);
  }
  // null-mode key, mode from the caller
  {
    const pub = {
      ...AES_KEY,
      objectAttributes: ext(AES_KEY.objectAttributes),
      symmetric: { algorithm: 6, keyBits: 128, mode: 0x10 },
      unique: sha(aesSeed, aesKey),
    };
    const h = handleOf(
      await run(
        "loadext aes null mode",
        buildCommand(
          0x167,
          [],
          cat(sens(0x25, aesKey, aesSeed), encode(TPM2B_PUBLIC, pub), u32(0x40000007)),
        ),
        true,
      ),
    );
    await run(
      "encrypt null key mode ctr",
      buildCommand(
        0x193,
        [h],
        cat(b2(new Uint8Array(20)), [0], u16(0x40), b2(new Uint8Array(16))),
        [""],
      ),
    );
    await run(
      "encrypt null key mode null",
      buildCommand(
        0x193,
        [h],
        cat(b2(new Uint8Array(20)), [0], u16(0x10), b2(new Uint8Array(16))),
        [""],
      ),
    );
    await run(
      "encryptdecrypt v1 cfb",
      buildCommand(
        0x164,
        [h],
        cat([0], u16(0x43), b2(new Uint8Array(16).fill(1)), b2(new Uint8Array(33).fill(2))),
        [""],
      ),
    );
    await flush(h);
  }
  // HMAC external key: Sign with HMAC, VerifySignature
  {
    const pub = {
      ...HMAC_KEY,
      objectAttributes: ext(HMAC_KEY.objectAttributes),
      unique: sha(aesSeed, hmacKey),
    };
    const h = handleOf(
      await run(
        "loadext hmac",
        buildCommand(
          0x167,
          [],
          cat(sens(8, hmacKey, aesSeed), encode(TPM2B_PUBLIC, pub), u32(0x40000007)),
        ),
        true,
      ),
    );
    await run(
      "hmac sign",
      buildCommand(
        0x15d,
        [h],
        cat(b2(new Uint8Array(32).fill(5)), u16(0x10), [0x80, 0x24, 0x40, 0, 0, 7, 0, 0]),
        [""],
      ),
    );
    await flush(h);
  }
  // RSA external key pair: deterministic RSASSA signature, raw encrypt, decrypt
  {
    const pub = {
      ...RSA_SIGN,
      objectAttributes: ext(RSA_SIGN.objectAttributes) | (1 << 17),
      unique: bigIntToBytes(rsa.n, 256),
    };
    const h = handleOf(
      await run(
        "loadext rsa",
        buildCommand(
          0x167,
          [],
          cat(sens(1, bigIntToBytes(rsa.p, 128)), encode(TPM2B_PUBLIC, pub), u32(0x40000007)),
        ),
        true,
      ),
    );
    await run(
      "rsassa sign",
      buildCommand(
        0x15d,
        [h],
        cat(b2(new Uint8Array(32).fill(9)), u16(0x14), u16(0xb), [0x80, 0x24, 0x40, 0, 0, 7, 0, 0]),
        [""],
      ),
    );
    await run(
      "rsassa sha1",
      buildCommand(
        0x15d,
        [h],
        cat(b2(new Uint8Array(20).fill(9)), u16(0x14), u16(0x4), [0x80, 0x24, 0x40, 0, 0, 7, 0, 0]),
        [""],
      ),
    );
    await run(
      "rsa raw encrypt",
      buildCommand(0x174, [h], cat(b2(new Uint8Array([1, 2, 3])), u16(0x10), [0, 0])),
    );
    await run(
      "rsa raw decrypt",
      buildCommand(0x159, [h], cat(b2(new Uint8Array(256).fill(1)), u16(0x10), [0, 0]), [""]),
    );
    await run(
      "rsa decrypt too big",
      buildCommand(0x159, [h], cat(b2(new Uint8Array(256).fill(0xff)), u16(0x10), [0, 0]), [""]),
    );
    await run(
      "rsa oaep decrypt garbage",
      buildCommand(0x159, [h], cat(b2(new Uint8Array(256).fill(1)), u16(0x17), u16(0xb), [0, 0]), [
        "",
      ]),
    );
    await run(
      "rsa es decrypt garbage",
      buildCommand(0x159, [h], cat(b2(new Uint8Array(256).fill(1)), u16(0x15), [0, 0]), [""]),
    );
    await run(
      "rsa encrypt too long oaep",
      buildCommand(0x174, [h], cat(b2(new Uint8Array(200)), u16(0x17), u16(0xb), [0, 0])),
    );
    await run(
      "rsa encrypt label no null",
      buildCommand(0x174, [h], cat(b2(new Uint8Array(2)), u16(0x17), u16(0xb), b2("ab"))),
    );
    await flush(h);
    const wrongP = bigIntToBytes(rsa.p + 2n, 128);
    await run(
      "loadext rsa wrong prime",
      buildCommand(0x167, [], cat(sens(1, wrongP), encode(TPM2B_PUBLIC, pub), u32(0x40000007))),
      true,
    );
    await run(
      "loadext rsa public only",
      buildCommand(
        0x167,
        [],
        cat(
          [0, 0],
          encode(TPM2B_PUBLIC, { ...pub, objectAttributes: RSA_SIGN.objectAttributes }),
          u32(0x40000001),
        ),
      ),
      true,
    );
  }
  // ECC external key: ZGen with a fixed point
  {
    const pub = {
      ...ECC_DECRYPT,
      objectAttributes: ext(ECC_DECRYPT.objectAttributes),
      unique: Q.slice(1, 33),
      uniqueY: Q.slice(33),
    };
    const h = handleOf(
      await run(
        "loadext ecc",
        buildCommand(
          0x167,
          [],
          cat(sens(0x23, dBytes), encode(TPM2B_PUBLIC, pub), u32(0x40000007)),
        ),
        true,
      ),
    );
    const G = createECDH("prime256v1");
    G.setPrivateKey(new Uint8Array(32).fill(1));
    const P = new Uint8Array(G.getPublicKey());
    await run("zgen", buildCommand(0x154, [h], b2(cat(b2(P.slice(1, 33)), b2(P.slice(33)))), [""]));
    const bad = P.slice();
    bad[40] ^= 1;
    await run(
      "zgen off curve",
      buildCommand(0x154, [h], b2(cat(b2(bad.slice(1, 33)), b2(bad.slice(33)))), [""]),
    );
    await run(
      "zgen short x",
      buildCommand(0x154, [h], b2(cat(b2(P.slice(2, 33)), b2(P.slice(33)))), [""]),
    );
    await run("zgen empty", buildCommand(0x154, [h], b2(cat(b2(""), b2(""))), [""]));
    await flush(h);
    const wrong = Q.slice();
    wrong[10] ^= 1;
    await run(
      "loadext ecc wrong public",
      buildCommand(
        0x167,
        [],
        cat(
          sens(0x23, dBytes),
          encode(TPM2B_PUBLIC, { ...pub, unique: wrong.slice(1, 33) }),
          u32(0x40000007),
        ),
      ),
      true,
    );
    await run(
      "loadext ecc fixedTPM with private",
      buildCommand(
        0x167,
        [],
        cat(
          sens(0x23, dBytes),
          encode(TPM2B_PUBLIC, { ...pub, objectAttributes: ECC_DECRYPT.objectAttributes }),
          u32(0x40000007),
        ),
      ),
      true,
    );
    await run(
      "loadext ecc private in owner",
      buildCommand(0x167, [], cat(sens(0x23, dBytes), encode(TPM2B_PUBLIC, pub), u32(0x40000001))),
      true,
    );
    await run(
      "loadext sens type mismatch",
      buildCommand(0x167, [], cat(sens(0x01, dBytes), encode(TPM2B_PUBLIC, pub), u32(0x40000007))),
      true,
    );
  }
  return out;
}

const DUP_POLICY = new Uint8Array(
  createHash("sha256").update(new Uint8Array([...new Uint8Array(32), 0, 0, 1, 0x6c, 0, 0, 1, 0x4b]))
    .digest(),
);
const AES = [0, 6, 0, 128, 0, 0x43];

/** A TPM2B at `off` in a response, and the offset after it. */
function field(r: Uint8Array, off: number): [Uint8Array, number] {
  const v = new DataView(r.buffer, r.byteOffset);
  const n = v.getUint16(off);
  return [r.slice(off + 2, off + 2 + n), off + 2 + n];
}

/** Credentials, attestation, NV_Certify, signature checks, Duplicate/Import, public-only keys. */
async function protection(send: Send): Promise<Record<string, string>> {
  const { out, run } = rcRecorder(send);
  const flush = (h: number) =>
    send(Uint8Array.from([0x80, 1, 0, 0, 0, 14, 0, 0, 1, 0x65, ...u32(h)]));
  await send(Uint8Array.from([0x80, 1, 0, 0, 0, 12, 0, 0, 1, 0x44, 0, 0]));
  const srk = handleOf(
    await run("cp srk", buildCommand(0x131, [0x40000001], createParams({ ...RSA_STORAGE }), [""])),
  );
  const ak = handleOf(
    await run("cp ak", buildCommand(0x131, [0x40000001], createParams(ECC_AK), [""])),
  );
  // name of ak: readpublic
  const rp = await send(buildCommand(0x173, [ak], new Uint8Array(0)));
  const [, o] = field(rp, 10);
  const [akName] = field(rp, o);
  await run(
    "makecred long credential",
    buildCommand(0x168, [srk], cat(b2(new Uint8Array(33)), b2(akName))),
  );
  const mc = await run("makecred", buildCommand(0x168, [srk], cat(b2("secret"), b2(akName))));
  const [blob, o2] = field(mc, 10);
  const [secret] = field(mc, o2);
  await run("activate ok", buildCommand(0x147, [ak, srk], cat(b2(blob), b2(secret)), ["", ""]));
  const badBlob = blob.slice();
  badBlob[3] ^= 1;
  await run(
    "activate bad hmac",
    buildCommand(0x147, [ak, srk], cat(b2(badBlob), b2(secret)), ["", ""]),
  );
  const badSecret = secret.slice();
  badSecret[100] ^= 1;
  await run(
    "activate bad secret",
    buildCommand(0x147, [ak, srk], cat(b2(blob), b2(badSecret)), ["", ""]),
  );
  await run(
    "activate short secret",
    buildCommand(0x147, [ak, srk], cat(b2(blob), b2(secret.slice(1))), ["", ""]),
  );
  await run(
    "activate empty blob",
    buildCommand(0x147, [ak, srk], cat(b2(new Uint8Array(0)), b2(secret)), ["", ""]),
  );
  await run(
    "activate truncated blob",
    buildCommand(0x147, [ak, srk], cat(b2(blob.slice(0, 10)), b2(secret)), ["", ""]),
  );
  await run(
    "activate key not storage",
    buildCommand(0x147, [srk, ak], cat(b2(blob), b2(secret)), ["", ""]),
  );
  // quotes and attest
  await run(
    "quote sha384 bank",
    buildCommand(0x158, [ak], cat([0, 0], u16(0x10), u32(1), u16(0xc), [3, 1, 0, 0]), [""]),
  );
  await run(
    "quote select 4 bytes",
    buildCommand(0x158, [ak], cat([0, 0], u16(0x10), u32(1), u16(0xb), [4, 1, 0, 0, 0]), [""]),
  );
  await run(
    "quote 2 banks",
    buildCommand(
      0x158,
      [ak],
      cat([0, 0], u16(0x10), u32(2), u16(0xb), [3, 1, 0, 0], u16(0x4), [3, 2, 0, 0]),
      [""],
    ),
  );
  await run(
    "quote long qualifying",
    buildCommand(0x158, [ak], cat(b2(new Uint8Array(66)), u16(0x10), u32(0)), [""]),
  );
  await run(
    "gettime null signer",
    buildCommand(0x14c, [0x4000000b, 0x40000007], cat([0, 0], u16(0x10)), ["", ""]),
  );
  await run(
    "gettime srk signer",
    buildCommand(0x14c, [0x4000000b, srk], cat([0, 0], u16(0x10)), ["", ""]),
  );
  await run(
    "certifycreation null ticket",
    buildCommand(
      0x14a,
      [ak, srk],
      cat([0, 0], b2(new Uint8Array(32)), u16(0x10), [0x80, 0x21, 0x40, 0, 0, 7, 0, 0]),
      [""],
    ),
  );
  await run(
    "certifycreation wrong tag",
    buildCommand(
      0x14a,
      [ak, srk],
      cat([0, 0], b2(new Uint8Array(32)), u16(0x10), [0x80, 0x24, 0x40, 0, 0, 1, 0, 0]),
      [""],
    ),
  );
  await flush(ak);
  // NV certify
  const signer = handleOf(
    await run("cp signer", buildCommand(0x131, [0x40000001], createParams(ECC_SIGN), [""])),
  );
  await run(
    "nvdefine",
    buildCommand(
      0x12a,
      [0x40000001],
      cat(b2(""), b2(cat(u32(0x1500020), u16(0xb), u32(0x60006), b2(""), u16(16)))),
      [""],
    ),
  );
  await run(
    "nvcertify unwritten",
    buildCommand(0x184, [signer, 0x1500020, 0x1500020], cat([0, 0], u16(0x10), u16(8), u16(0)), [
      "",
      "",
    ]),
  );
  await run(
    "nvwrite",
    buildCommand(0x137, [0x1500020, 0x1500020], cat(b2(new Uint8Array(16).fill(4)), u16(0)), [""]),
  );
  await run(
    "nvcertify ok range",
    buildCommand(0x184, [signer, 0x1500020, 0x1500020], cat([0, 0], u16(0x10), u16(8), u16(8)), [
      "",
      "",
    ]),
  );
  await run(
    "nvcertify beyond",
    buildCommand(0x184, [signer, 0x1500020, 0x1500020], cat([0, 0], u16(0x10), u16(8), u16(9)), [
      "",
      "",
    ]),
  );
  await run(
    "nvcertify null signer",
    buildCommand(
      0x184,
      [0x40000007, 0x1500020, 0x1500020],
      cat([0, 0], u16(0x10), u16(8), u16(0)),
      ["", ""],
    ),
  );
  await run("nvundefine", buildCommand(0x122, [0x40000001, 0x1500020], new Uint8Array(0), [""]));
  // verify signature mismatches
  await run(
    "verify rsa sig on ecc key",
    buildCommand(
      0x177,
      [signer],
      cat(b2(new Uint8Array(32)), u16(0x14), u16(0xb), b2(new Uint8Array(256))),
    ),
  );
  await run(
    "verify hash mismatch size",
    buildCommand(
      0x177,
      [signer],
      cat(
        b2(new Uint8Array(20)),
        u16(0x18),
        u16(0xb),
        b2(new Uint8Array(32).fill(1)),
        b2(new Uint8Array(32).fill(1)),
      ),
    ),
  );
  await run(
    "verify r zero",
    buildCommand(
      0x177,
      [signer],
      cat(
        b2(new Uint8Array(32)),
        u16(0x18),
        u16(0xb),
        b2(new Uint8Array(0)),
        b2(new Uint8Array(32).fill(1)),
      ),
    ),
  );
  await flush(signer);
  // duplicate / import
  const dupTpl = { ...ECC_SIGN, objectAttributes: 0x40060, authPolicy: DUP_POLICY };
  const cr = await run("create dupable", buildCommand(0x153, [srk], createParams(dupTpl), [""]));
  const [priv, q] = field(cr, 14);
  const pubLen = new DataView(cr.buffer, cr.byteOffset).getUint16(q);
  const pub = cr.slice(q, q + 2 + pubLen);
  const key = handleOf(
    await run("load dupable", buildCommand(0x157, [srk], cat(b2(priv), pub), [""])),
  );
  const session = async () => {
    const s = await send(
      buildCommand(
        0x176,
        [0x40000007, 0x40000007],
        cat(b2(new Uint8Array(16).fill(1)), [0, 0], [1], u16(0x10), u16(0xb)),
      ),
    );
    const h = handleOf(s);
    await send(buildCommand(0x16c, [h], Uint8Array.from(u32(0x14b))));
    return h;
  };
  let s = await session();
  await run(
    "dup wrong inner key size",
    buildCommand(0x14b, [key, srk], cat(b2(new Uint8Array(5)), AES), [{ session: s }]),
  );
  s = await session();
  await run(
    "dup to signer parent",
    buildCommand(0x14b, [key, 0x40000007], cat([0, 0], u16(0x10)), [{ session: s }]),
  );
  s = await session();
  const d = await run(
    "dup outer only",
    buildCommand(0x14b, [key, srk], cat([0, 0], u16(0x10)), [{ session: s }]),
  );
  const [, d1] = field(d, 14);
  const [dup, d2] = field(d, d1);
  const [seed] = field(d, d2);
  await flush(key);
  await run(
    "import outer only",
    buildCommand(0x156, [srk], cat([0, 0], pub, b2(dup), b2(seed), u16(0x10)), [""]),
  );
  const tam = dup.slice();
  tam[tam.length - 1] ^= 1;
  await run(
    "import tampered",
    buildCommand(0x156, [srk], cat([0, 0], pub, b2(tam), b2(seed), u16(0x10)), [""]),
  );
  const badSeed = seed.slice();
  badSeed[50] ^= 1;
  await run(
    "import bad seed",
    buildCommand(0x156, [srk], cat([0, 0], pub, b2(dup), b2(badSeed), u16(0x10)), [""]),
  );
  await run(
    "import no seed but wrapped",
    buildCommand(0x156, [srk], cat([0, 0], pub, b2(dup), [0, 0], u16(0x10)), [""]),
  );
  await run(
    "import with inner missing key",
    buildCommand(0x156, [srk], cat([0, 0], pub, b2(dup), b2(seed), AES), [""]),
  );
  const fixedPub = cat(pub);
  fixedPub[2 + 4 + 3] |= 0x12; // attributes low byte: fixedTPM|fixedParent
  await run(
    "import fixed object",
    buildCommand(0x156, [srk], cat([0, 0], fixedPub, b2(dup), b2(seed), u16(0x10)), [""]),
  );
  await run(
    "import empty duplicate",
    buildCommand(0x156, [srk], cat([0, 0], pub, b2(new Uint8Array(0)), b2(seed), u16(0x10)), [""]),
  );
  // public-only objects
  const ecPub = cat(pub);
  const pk = handleOf(
    await run("loadext public", buildCommand(0x167, [], cat([0, 0], ecPub, u32(0x40000001)))),
  );
  await run(
    "sign with public only",
    buildCommand(0x15d, [pk], cat(b2(new Uint8Array(32)), u16(0x10), NT), [""]),
  );
  await run(
    "verify garbage with public only",
    buildCommand(
      0x177,
      [pk],
      cat(
        b2(new Uint8Array(32)),
        u16(0x18),
        u16(0xb),
        b2(new Uint8Array(32).fill(1)),
        b2(new Uint8Array(32).fill(1)),
      ),
    ),
  );
  await flush(pk);
  await flush(srk);
  return out;
}

/**
 * Runs `gather` on swtpm and on our TPM and compares every answer, except the
 * `deliberate` keys, where each side must give its own known answer.
 */
async function sameAsSwtpm(
  t: Deno.TestContext,
  gather: (send: Send) => Promise<Record<string, string>>,
  minCases: number,
  deliberate: Record<string, [theirs: string, ours: string]> = {},
): Promise<void> {
  const r = await onSwtpmAndOurs(gather);
  if (!r) {
    await t.step({ name: "swtpm unavailable", ignore: true, fn() {} });
    return;
  }
  for (const [k, [theirs, ours]] of Object.entries(deliberate)) {
    assert.equal(r.theirs[k], theirs, k);
    assert.equal(r.ours[k], ours, k);
    delete r.theirs[k];
    delete r.ours[k];
  }
  assert.deepEqual(r.ours, r.theirs);
  assert.ok(Object.keys(r.ours).length >= minCases);
}

Deno.test("key commands answer exactly as swtpm on 60 success and error cases", (t) =>
  sameAsSwtpm(t, scenario, 60));

// Where libtpms answers TPM_RC_FAILURE for an RSA padding or size error,
// Part 3 §14.2–14.3 and the reference implementation say TPM_RC_VALUE.
const DELIBERATE: Record<string, [string, string]> = {
  "rsa decrypt too big": ["rc 101", "rc 1c4"],
  "rsa oaep decrypt garbage": ["rc 101", "rc 1c4"],
  "rsa es decrypt garbage": ["rc 101", "rc 1c4"],
  "rsa encrypt too long oaep": ["rc 101", "rc 1c4"],
};

Deno.test("deterministic outputs (AES modes, HMAC, RSASSA, raw RSA, ZGen, Names) are byte-identical to swtpm", (t) =>
  sameAsSwtpm(t, outputs, 70, DELIBERATE));

// libtpms again answers TPM_RC_FAILURE where an OAEP-encrypted seed does not
// decrypt; Part 3 (ActivateCredential, Import) says TPM_RC_VALUE.
const DELIBERATE_SEEDS: Record<string, [string, string]> = {
  "activate bad secret": ["101", "2c4"],
  "import bad seed": ["101", "4c4"],
};

Deno.test("credentials, attestation, NV_Certify, Duplicate/Import: the same codes as swtpm", (t) =>
  sameAsSwtpm(t, protection, 40, DELIBERATE_SEEDS));
