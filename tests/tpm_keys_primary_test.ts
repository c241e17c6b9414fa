import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { fromHex, toHex } from "../lib/common/hex.ts";
import { TPM_RH } from "../lib/tpm/constants.ts";
import {
  createPrimaryEkCommand,
  EK_ECC_P256_TEMPLATE,
  EK_RSA2048_TEMPLATE,
} from "../lib/tpm/ek.ts";
import { encode } from "../lib/tpm/marshal/codec.ts";
import { TPM2B_PUBLIC, TPMT_PUBLIC } from "../lib/tpm/marshal/types.ts";
import {
  createParams,
  createPrimary,
  ECC_STORAGE,
  KeyTpm,
  RSA_STORAGE,
} from "./tpm_keys_client.ts";

// Command bytes captured against swtpm (tpm-interop.md §6.1): CreatePrimary
// under OWNER with an empty password session, ECC P-256 signing and RSA-2048 storage.
const CP_ECC =
  "8002 00000041 00000131 40000001 00000009 40000009 0000 00 0000 0004 0000 0000 0018 " +
  "0023 000b 00040072 0000 0010 0018 000b 0003 0010 0000 0000 0000 00000000";
const CP_RSA =
  "8002 00000043 00000131 40000001 00000009 40000009 0000 00 0000 0004 0000 0000 001a " +
  "0001 000b 00030072 0000 0006 0080 0043 0010 0800 00000000 0000 0000 00000000";
const bytes = (s: string) => fromHex(s.replaceAll(" ", ""));

Deno.test("CreatePrimary from swtpm-captured bytes: ECC P-256 and RSA-2048 succeed", async () => {
  const k = await KeyTpm.start();
  const ecc = await k.raw(bytes(CP_ECC), true);
  assert.equal(ecc.rc, 0);
  assert.equal(ecc.handle >>> 24, 0x80);
  const rsa = await k.raw(bytes(CP_RSA), true);
  assert.equal(rsa.rc, 0);
  // outPublic: TPM2B size, then TPMT_PUBLIC; the RSA modulus is the last 256 bytes.
  const size = rsa.params.u16();
  const pub = rsa.params.bytes(size);
  const n = pub.subarray(pub.length - 256);
  assert.equal(n[0] >> 7, 1, "a full 2048-bit modulus");
  assert.equal(new DataView(pub.buffer, pub.byteOffset).getUint16(pub.length - 258), 256);
});

Deno.test("primary keys are derived from the seed: same inputs ⇒ same key, any change ⇒ new key", async () => {
  const a = await KeyTpm.start(7);
  const first = await createPrimary(a, RSA_STORAGE);
  const again = await createPrimary(a, RSA_STORAGE);
  assert.deepEqual(again.pub.unique, first.pub.unique, "same template, same hierarchy");
  assert.notEqual(again.handle, first.handle);
  // Another TPM manufactured from the same seed derives the same key (no caching across TPMs).
  const twin = await KeyTpm.start(7);
  assert.deepEqual((await createPrimary(twin, RSA_STORAGE)).pub.unique, first.pub.unique);
  const other = await KeyTpm.start(8);
  assert.notDeepEqual((await createPrimary(other, RSA_STORAGE)).pub.unique, first.pub.unique);
  const endorsement = await createPrimary(a, RSA_STORAGE, TPM_RH.ENDORSEMENT);
  assert.notDeepEqual(endorsement.pub.unique, first.pub.unique, "another hierarchy");
  const salted = await createPrimary(a, { ...RSA_STORAGE, unique: new Uint8Array([1]) });
  assert.notDeepEqual(salted.pub.unique, first.pub.unique, "another unique");
  const e1 = await createPrimary(a, ECC_STORAGE);
  const e2 = await createPrimary(a, ECC_STORAGE);
  assert.deepEqual([e1.pub.unique, e1.pub.uniqueY], [e2.pub.unique, e2.pub.uniqueY]);
  assert.equal(e1.pub.unique.length, 32);
  // The authValue is not a derivation input.
  const withAuth = await createPrimary(a, RSA_STORAGE, TPM_RH.OWNER, "pw");
  assert.deepEqual(withAuth.pub.unique, first.pub.unique);
});

Deno.test("EK templates: 314-byte RSA L-1 and ECC L-2, policy A = PolicySecret(ENDORSEMENT)", async () => {
  assert.equal(encode(TPMT_PUBLIC, EK_RSA2048_TEMPLATE).length, 314);
  // Policy A, computed here from Part 3 PolicySecret: H(H(0³² ‖ CC ‖ name(EH)) ‖ policyRef="").
  const sha = (b: Uint8Array) => new Uint8Array(createHash("sha256").update(b).digest());
  const step = sha(new Uint8Array([...new Uint8Array(32), 0, 0, 1, 0x51, 0x40, 0, 0, 0x0b]));
  assert.equal(
    toHex(sha(step)),
    "837197674484b3f81a90cc8d46a5d724fd52d76e06520b64f2a1da1b331469aa",
  );
  assert.deepEqual(EK_RSA2048_TEMPLATE.authPolicy, sha(step));
  const k = await KeyTpm.start();
  for (const t of [EK_RSA2048_TEMPLATE, EK_ECC_P256_TEMPLATE]) {
    const cmd = createPrimaryEkCommand(t);
    // The template inside the command is the marshalled template, after the empty inSensitive.
    const tplBytes = encode(TPM2B_PUBLIC, t);
    assert.equal(toHex(cmd).indexOf(toHex(tplBytes)), 2 * (10 + 4 + 4 + 9 + 6));
    const r = await k.raw(cmd, true);
    assert.equal(r.rc, 0);
    const again = await k.raw(cmd, true);
    assert.deepEqual(again.raw.subarray(14, 400), r.raw.subarray(14, 400), "EK is stable");
  }
});

Deno.test("template errors answer swtpm's codes: restricted ECC signer with AES is 0x2D6; keyed-hash decrypt is 0x2D2", async () => {
  const k = await KeyTpm.start();
  // As tpm2_createprimary -G ecc256:ecdsa-sha256 sends it, keeping the default AES symmetric.
  const restrictedEccSign = {
    ...ECC_STORAGE,
    objectAttributes: 0x72 | (1 << 16) | (1 << 18),
    scheme: { scheme: 0x0018, hashAlg: 0x000b, extra: 0 },
  };
  let r = await k.run(0x131, [TPM_RH.OWNER], createParams(restrictedEccSign), [""], true);
  assert.equal(r.rc, 0x2d6);
  // Without a scheme the scheme is the first complaint (swtpm answers the same).
  const noScheme = { ...restrictedEccSign, scheme: { scheme: 0x0010, hashAlg: 0, extra: 0 } };
  r = await k.run(0x131, [TPM_RH.OWNER], createParams(noScheme), [""], true);
  assert.equal(r.rc, 0x2d2);
  const keyedHashDecrypt = {
    ...RSA_STORAGE,
    type: 0x0008,
    symmetric: { algorithm: 0x10, keyBits: 0, mode: 0 },
    keyBits: 0,
  };
  r = await k.run(
    0x131,
    [TPM_RH.OWNER],
    createParams(keyedHashDecrypt),
    [""],
    true,
  );
  assert.equal(r.rc, 0x2d2);
  const noNameAlg = { ...RSA_STORAGE, nameAlg: 0x0010 };
  r = await k.run(
    0x131,
    [TPM_RH.OWNER],
    createParams(noNameAlg),
    [""],
    true,
  );
  assert.equal(r.rc, 0x2c3, "TPM_RC_HASH on parameter 2");
});
