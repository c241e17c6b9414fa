import assert from "node:assert/strict";
import { createECDH } from "node:crypto";
import { encode } from "../lib/tpm/marshal/codec.ts";
import { TPM2B_PUBLIC, type TpmtPublic } from "../lib/tpm/marshal/types.ts";
import {
  b2,
  cat,
  createParams,
  ECC_SIGN,
  ECC_STORAGE,
  KeyTpm,
  type Rsp,
  SEALED,
  u16,
} from "./tpm_keys_client.ts";

// Second review: object attribute rules of Create / Load / Import, with the
// response codes swtpm 0.7.1 (libtpms 0.9.2) gives for the same bytes (each
// case was run against it) and the reference's CreateChecks /
// PublicAttributesValidation / SchemeChecks / Import order.

const OWNER = 0x40000001;
const CC = { CreatePrimary: 0x131, Create: 0x153, Load: 0x157, Import: 0x156 };
const FIXED_TPM = 1 << 1, FIXED_PARENT = 1 << 4, ENC_DUP = 1 << 11;
const DECRYPT = 1 << 17, SIGN = 1 << 18;
const rc = (r: Rsp) => r.rc.toString(16);
/** Our ECC P-256 key, for Imports of hand-made (unwrapped) duplicates. */
const ecdh = createECDH("prime256v1");
const D = new Uint8Array(32).fill(9);
ecdh.setPrivateKey(D);
const Q = new Uint8Array(ecdh.getPublicKey());

/** A started TPM with the SRK and, under it, a duplicable storage key (with `encDup` or not). */
async function setup(encDup = 0): Promise<{ k: KeyTpm; srk: number; dup: number }> {
  const k = await KeyTpm.start(3);
  const srk = (await k.run(CC.CreatePrimary, [OWNER], createParams(ECC_STORAGE), [""], true))
    .handle;
  const attrs = (ECC_STORAGE.objectAttributes & ~(FIXED_TPM | FIXED_PARENT)) | encDup;
  const made = await k.run(
    CC.Create,
    [srk],
    createParams({ ...ECC_STORAGE, objectAttributes: attrs }),
    [""],
  );
  assert.equal(made.rc, 0);
  const priv = made.params.bytes(made.params.u16());
  const pub = made.params.bytes(made.params.u16());
  const dup = (await k.run(CC.Load, [srk], cat(b2(priv), b2(pub)), [""], true)).handle;
  return { k, srk, dup };
}

const create = (k: KeyTpm, parent: number, t: TpmtPublic) =>
  k.run(CC.Create, [parent], createParams(t), [""]);

/** An external P-256 public area with the given attributes and symmetric definition. */
const external = (objectAttributes: number, storage = false): TpmtPublic => ({
  ...(storage ? ECC_STORAGE : ECC_SIGN),
  objectAttributes,
  unique: Q.slice(1, 33),
  uniqueY: Q.slice(33),
});

/** Import of an unwrapped duplicate (no inner or outer wrapper) of our P-256 key. */
function importPlain(k: KeyTpm, parent: number, pub: TpmtPublic, seed = new Uint8Array(0)) {
  const sensitive = b2(cat(u16(0x23), b2(""), b2(seed), b2(D)));
  return k.run(
    CC.Import,
    [parent],
    cat(b2(""), encode(TPM2B_PUBLIC, pub), b2(sensitive), b2(""), u16(0x10)),
    [""],
  );
}

/** Loads an Import's outPrivate with its public area. */
function loadImported(k: KeyTpm, parent: number, imported: Rsp, pub: TpmtPublic) {
  const priv = imported.params.bytes(imported.params.u16());
  return k.run(CC.Load, [parent], cat(b2(priv), encode(TPM2B_PUBLIC, pub)), [""], true);
}

Deno.test("Create: fixedTPM and fixedParent agree under a fixedTPM parent; a duplicable parent's children keep its encryptedDuplication", async () => {
  const { k, srk, dup } = await setup();
  const base = ECC_STORAGE.objectAttributes & ~(FIXED_TPM | FIXED_PARENT);
  // fixedParent without fixedTPM under the SRK: it could never leave, yet says it could.
  assert.equal(
    rc(await create(k, srk, { ...ECC_STORAGE, objectAttributes: base | FIXED_PARENT })),
    "2c2",
  );
  // encryptedDuplication on a child of a parent without it.
  assert.equal(
    rc(await create(k, dup, { ...ECC_STORAGE, objectAttributes: base | ENC_DUP })),
    "2c2",
  );
  assert.equal(rc(await create(k, dup, { ...ECC_STORAGE, objectAttributes: base })), "0");
  const withEncDup = await setup(ENC_DUP);
  // ...and a child (even fixedParent) of an encryptedDuplication parent without it.
  const child = { ...ECC_STORAGE, objectAttributes: base | FIXED_PARENT };
  assert.equal(rc(await create(withEncDup.k, withEncDup.dup, child)), "2c2");
  const childEnc = { ...child, objectAttributes: child.objectAttributes | ENC_DUP };
  assert.equal(rc(await create(withEncDup.k, withEncDup.dup, childEnc)), "0");
});

Deno.test("Create/CreatePrimary: an asymmetric key that neither signs nor decrypts is TPM_RC_ATTRIBUTES", async () => {
  const { k, srk } = await setup();
  const none = { ...ECC_SIGN, objectAttributes: ECC_SIGN.objectAttributes & ~(SIGN | DECRYPT) };
  assert.equal(rc(await k.run(CC.CreatePrimary, [OWNER], createParams(none), [""])), "2c2");
  assert.equal(rc(await create(k, srk, none)), "2c2");
});

Deno.test("Create: a non-duplicable storage child uses its parent's nameAlg and symmetric definition", async () => {
  const { k, srk } = await setup();
  const aes256 = { algorithm: 6, keyBits: 256, mode: 0x43 };
  assert.equal(rc(await create(k, srk, { ...ECC_STORAGE, symmetric: aes256 })), "2d6");
  assert.equal(rc(await create(k, srk, { ...ECC_STORAGE, nameAlg: 0x0c })), "2c3");
  // A duplicable storage child may choose its own.
  const free = ECC_STORAGE.objectAttributes & ~(FIXED_TPM | FIXED_PARENT);
  assert.equal(
    rc(await create(k, srk, { ...ECC_STORAGE, objectAttributes: free, symmetric: aes256 })),
    "0",
  );
});

Deno.test("Create: check order as the reference (attributes before sizes, scheme before symmetric)", async () => {
  const { k, srk } = await setup();
  // A restricted decrypter with a signing scheme and no symmetric: the scheme is named.
  const t = {
    ...ECC_STORAGE,
    scheme: ECC_SIGN.scheme,
    symmetric: { algorithm: 0x10, keyBits: 0, mode: 0 },
  };
  assert.equal(rc(await create(k, srk, t)), "2d2");
  // An AES key with sensitiveDataOrigin CLEAR but no data: attributes (inPublic), not size (inSensitive).
  const aes = {
    ...ECC_STORAGE,
    type: 0x25,
    objectAttributes: (1 << 6) | FIXED_TPM | FIXED_PARENT | DECRYPT | SIGN,
    symmetric: { algorithm: 6, keyBits: 128, mode: 0x43 },
  };
  assert.equal(rc(await create(k, srk, aes)), "2c2");
  // An authValue longer than the digest only by trailing zeros is accepted (AdjustAuthSize), and loads.
  const made = await k.run(CC.Create, [srk], createParams(ECC_SIGN, "a".repeat(32) + "\0\0"), [""]);
  assert.equal(rc(made), "0");
  const priv = made.params.bytes(made.params.u16());
  const pub = made.params.bytes(made.params.u16());
  assert.equal(rc(await k.run(CC.Load, [srk], cat(b2(priv), b2(pub)), [""], true)), "0");
});

Deno.test("Import: encryptedDuplication without an inner wrapper names encryptionKey; inconsistent objects are refused under a fixedTPM parent", async () => {
  const { k, srk } = await setup();
  const free = ECC_SIGN.objectAttributes & ~(FIXED_TPM | FIXED_PARENT);
  assert.equal(rc(await importPlain(k, srk, external(free | ENC_DUP))), "1c2");
  assert.equal(rc(await importPlain(k, srk, external(free & ~SIGN))), "2c2");
  const ok = await importPlain(k, srk, external(free));
  assert.equal(rc(ok), "0");
  assert.equal(rc(await loadImported(k, srk, ok, external(free))), "0");
});

Deno.test("Import + Load under a duplicable parent: Load validates the object against that parent", async () => {
  const { k, dup } = await setup();
  const free = ECC_SIGN.objectAttributes & ~(FIXED_TPM | FIXED_PARENT);
  const neither = external(free & ~SIGN);
  const imported = await importPlain(k, dup, neither);
  assert.equal(rc(imported), "0"); // the reference defers the checks to Load here
  assert.equal(rc(await loadImported(k, dup, imported, neither)), "2c2");
  const signer = external(free);
  const ok = await importPlain(k, dup, signer);
  assert.equal(rc(await loadImported(k, dup, ok, signer)), "0");
});

Deno.test("Import/Load: a storage parent's seedValue must be a full nameAlg digest (an empty seed would protect its children with a known key)", async () => {
  const { k, srk, dup } = await setup();
  const free = ECC_STORAGE.objectAttributes & ~(FIXED_TPM | FIXED_PARENT);
  const pub = external(free, true);
  assert.equal(rc(await importPlain(k, srk, pub)), "3d5");
  assert.equal(rc(await importPlain(k, srk, pub, new Uint8Array(32).fill(1))), "0");
  // Under a duplicable parent the reference checks at Load, blaming inPrivate.
  const imported = await importPlain(k, dup, pub);
  assert.equal(rc(imported), "0");
  assert.equal(rc(await loadImported(k, dup, imported, pub)), "1d5");
});

// NV_DefineSpace and the NV access checks, in the reference's order (swtpm gives the same codes).
const IX = 0x01000010;
const NV = { OWNERWRITE: 1 << 1, AUTHWRITE: 1 << 2, OWNERREAD: 1 << 17, AUTHREAD: 1 << 18 };
const RW = NV.OWNERWRITE | NV.AUTHWRITE | NV.OWNERREAD | NV.AUTHREAD;
const WRITEALL = 1 << 12, WRITEDEFINE = 1 << 13, WRITE_STCLEAR = 1 << 14;
const CLEAR_STCLEAR = 1 << 27, READ_STCLEAR = 1 << 31;
const nt = (t: number) => t << 4;

function defineNv(k: KeyTpm, attrs: number, size: number, auth: Uint8Array | string = "pw") {
  const pub = cat([IX >>> 24, (IX >> 16) & 255, (IX >> 8) & 255, IX & 255], u16(0x0b));
  const a = attrs >>> 0;
  const body = cat(pub, [a >>> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255], b2(""), u16(size));
  return k.run(0x12a, [OWNER], cat(b2(auth), b2(body)), [""]);
}

Deno.test("NV_DefineSpace: sizes before attributes, CLEAR_STCLEAR rules, WRITEALL beyond one write", async () => {
  const k = await KeyTpm.start(4);
  // An extend index of the wrong size with no read bit: the size is named first.
  assert.equal(rc(await defineNv(k, nt(4) | NV.OWNERWRITE, 8)), "2d5");
  // An unknown type of a size no index may have: the size (an unmarshalling check) first.
  assert.equal(rc(await defineNv(k, nt(3) | RW, 4096)), "2d5");
  // Only a counter may not be cleared at Startup; a bit field may.
  assert.equal(rc(await defineNv(k, nt(1) | RW | CLEAR_STCLEAR, 8)), "2c2");
  assert.equal(rc(await defineNv(k, nt(2) | RW | CLEAR_STCLEAR, 8)), "0");
  await k.run(0x122, [OWNER, IX], new Uint8Array(0), [""]);
  // Erased at every Startup yet locked for life: refused.
  assert.equal(rc(await defineNv(k, RW | CLEAR_STCLEAR | WRITEDEFINE, 8)), "2c2");
  // WRITEALL on an index larger than one NV_Write can carry could never be written.
  assert.equal(rc(await defineNv(k, RW | WRITEALL, 1025)), "2d5");
  // An authValue longer than the digest only by trailing zeros is accepted.
  const auth = cat(new Uint8Array(32).fill(7), [0, 0]);
  assert.equal(rc(await defineNv(k, RW, 8, auth)), "0");
  const write = await k.run(0x137, [IX, IX], cat(b2("12345678"), u16(0)), [auth.subarray(0, 32)]);
  assert.equal(rc(write), "0");
});

Deno.test("NV access: a lock is reported before the authorization; lock commands check authorization before lockability", async () => {
  const k = await KeyTpm.start(5);
  const own = NV.AUTHWRITE | NV.AUTHREAD; // owner may neither read nor write
  assert.equal(rc(await defineNv(k, own | WRITE_STCLEAR | READ_STCLEAR, 8)), "0");
  assert.equal(rc(await k.run(0x137, [IX, IX], cat(b2("12345678"), u16(0)), ["pw"])), "0");
  assert.equal(rc(await k.run(0x138, [IX, IX], new Uint8Array(0), ["pw"])), "0");
  assert.equal(rc(await k.run(0x14f, [IX, IX], new Uint8Array(0), ["pw"])), "0");
  assert.equal(rc(await k.run(0x137, [OWNER, IX], cat(b2("x"), u16(0)), [""])), "148");
  assert.equal(rc(await k.run(0x14e, [OWNER, IX], cat(u16(8), u16(0)), [""])), "148");
  await k.run(0x122, [OWNER, IX], new Uint8Array(0), [""]);
  // Not lockable, and the owner may not touch it: NV_AUTHORIZATION, not ATTRIBUTES.
  assert.equal(rc(await defineNv(k, own, 8)), "0");
  assert.equal(rc(await k.run(0x138, [OWNER, IX], new Uint8Array(0), [""])), "149");
  assert.equal(rc(await k.run(0x14f, [OWNER, IX], new Uint8Array(0), [""])), "149");
  assert.equal(rc(await k.run(0x138, [IX, IX], new Uint8Array(0), ["pw"])), "282");
  assert.equal(rc(await k.run(0x14f, [IX, IX], new Uint8Array(0), ["pw"])), "282");
});

Deno.test("EvictControl: the reference's order of checks (attributes, handle, hierarchy, range)", async () => {
  const k = await KeyTpm.start(6);
  const PLATFORM = 0x4000000c, NULL = 0x40000007;
  const evict = (auth: number, h: number, p: number) =>
    k.run(0x120, [auth, h], Uint8Array.from([p >>> 24, (p >> 16) & 255, (p >> 8) & 255, p & 255]), [
      "",
    ]);
  const primary = async (hier: number, t: TpmtPublic) =>
    (await k.run(CC.CreatePrimary, [hier], createParams(t), [""], true)).handle;
  // A NULL-hierarchy (temporary) object never persists: ATTRIBUTES on objectHandle, whatever the range.
  const temp = await primary(NULL, ECC_SIGN);
  assert.equal(rc(await evict(OWNER, temp, 0x81800001)), "282");
  assert.equal(rc(await evict(PLATFORM, temp, 0x81000001)), "282");
  // A platform object under owner auth: HIERARCHY before the range.
  const plat = await primary(PLATFORM, ECC_SIGN);
  assert.equal(rc(await evict(OWNER, plat, 0x81800001)), "285");
  // A persistent object named with another persistent handle: HANDLE on objectHandle.
  const srk = await primary(OWNER, ECC_STORAGE);
  assert.equal(rc(await evict(OWNER, srk, 0x81000001)), "0");
  assert.equal(rc(await evict(OWNER, 0x81000001, 0x81000002)), "28b");
  assert.equal(rc(await evict(OWNER, 0x81000001, 0x81800000)), "28b");
  assert.equal(rc(await evict(OWNER, 0x81000001, 0x81000001)), "0");
});

Deno.test("NV_DefineSpace: with phEnableNV CLEAR the platform defines no index (TPM_RC_HIERARCHY on authHandle)", async () => {
  const k = await KeyTpm.start(7);
  const PLATFORM = 0x4000000c, PLATFORM_NV = 0x4000000d;
  const PP = 1 | (1 << 16) | (1 << 30); // PPWRITE | PPREAD | PLATFORMCREATE
  const define = () => {
    const body = cat(
      [1, 0, 0, 0x20],
      u16(0x0b),
      [PP >>> 24, (PP >> 16) & 255, 0, 1],
      b2(""),
      u16(8),
    );
    return k.run(0x12a, [PLATFORM], cat(b2(""), b2(body)), [""]);
  };
  const control = (on: number) =>
    k.run(0x121, [PLATFORM], cat([0x40, 0, 0, PLATFORM_NV & 255], [on]), [""]);
  assert.equal(rc(await control(0)), "0");
  assert.equal(rc(await define()), "185");
  assert.equal(rc(await control(1)), "0");
  assert.equal(rc(await define()), "0");
});

Deno.test("ContextLoad: unmarshalling values (TPM_RC_VALUE), then integrity, then the entity's state", async () => {
  const k = await KeyTpm.start(8);
  const srk = (await k.run(CC.CreatePrimary, [OWNER], createParams(ECC_STORAGE), [""], true))
    .handle;
  const saved = await k.run(0x162, [srk], new Uint8Array(0));
  const blob = saved.raw.slice(10);
  const load = (b: Uint8Array) => k.run(0x161, [], b, [], true);
  const tamper = (b: Uint8Array, i: number, x: number) => {
    const t = b.slice();
    t[i] ^= x;
    return t;
  };
  assert.equal(rc(await load(tamper(blob, 9, 1))), "1c4"); // savedHandle 0x80010000: no TPMI_DH_SAVED
  assert.equal(rc(await load(tamper(blob, 15, 0x0b))), "1c4"); // hierarchy TPM_RH_LOCKOUT
  assert.equal(rc(await load(tamper(blob, 11, 1))), "1df"); // 0x80000001 is valid: integrity fails
  assert.equal(rc(await load(tamper(blob, 7, 1))), "1df"); // sequence
  const start = await k.run(
    0x176,
    [0x40000007, 0x40000007],
    cat(b2(new Uint8Array(32).fill(1)), b2(""), [0], u16(0x10), u16(0xb)),
    [],
    true,
  );
  const s = await k.run(0x162, [start.handle], new Uint8Array(0));
  const sblob = s.raw.slice(10);
  assert.equal(rc(await load(tamper(sblob, 15, 0x06))), "1df"); // session claimed by the owner
  assert.equal(rc(await load(tamper(sblob, 7, 1))), "1df"); // session sequence
  assert.equal(rc(await load(sblob)), "0");
  assert.equal(rc(await load(sblob)), "1cb"); // replayed: the session is no longer saved
});

/** TPM Reset (Startup CLEAR after no Shutdown(STATE)), or Resume (Shutdown STATE, Startup STATE). */
async function reboot(k: KeyTpm, resume = false): Promise<void> {
  if (resume) assert.equal(rc(await k.run(0x145, [], Uint8Array.from([0, 1]))), "0");
  k.tpm.reset();
  assert.equal(rc(await k.run(0x144, [], Uint8Array.from([0, resume ? 1 : 0]))), "0");
}

Deno.test("NV at Startup(CLEAR): a written WRITEDEFINE index stays write-locked even with WRITE_STCLEAR; a global lock ends", async () => {
  const k = await KeyTpm.start(9);
  const write = (data: string) => k.run(0x137, [IX, IX], cat(b2(data), u16(0)), ["pw"]);
  // WRITEDEFINE | WRITE_STCLEAR: NV_WriteLock after a write locks it for the index's life.
  assert.equal(
    rc(await defineNv(k, NV.AUTHWRITE | NV.AUTHREAD | WRITEDEFINE | WRITE_STCLEAR, 8)),
    "0",
  );
  assert.equal(rc(await write("12345678")), "0");
  assert.equal(rc(await k.run(0x138, [IX, IX], new Uint8Array(0), ["pw"])), "0");
  await reboot(k);
  assert.equal(rc(await write("attacker")), "148"); // was writable again after a reboot
  await k.run(0x122, [OWNER, IX], new Uint8Array(0), [""]);
  // GLOBALLOCK: NV_GlobalWriteLock locks it until the next TPM Reset or Restart, not for ever.
  assert.equal(rc(await defineNv(k, NV.AUTHWRITE | NV.AUTHREAD | (1 << 15), 8)), "0");
  assert.equal(rc(await k.run(0x132, [OWNER], new Uint8Array(0), [""])), "0");
  assert.equal(rc(await write("12345678")), "148");
  await reboot(k, true); // a Resume keeps it
  assert.equal(rc(await write("12345678")), "148");
  await reboot(k);
  assert.equal(rc(await write("12345678")), "0");
});

Deno.test("ClearControl: lockoutAuth may not re-enable TPM2_Clear: a bare TPM_RC_AUTH_FAIL (no session is at fault)", async () => {
  const k = await KeyTpm.start(10);
  const LOCKOUT = 0x4000000a, PLATFORM = 0x4000000c;
  assert.equal(rc(await k.run(0x127, [LOCKOUT], Uint8Array.from([1]), [""])), "0");
  assert.equal(rc(await k.run(0x127, [LOCKOUT], Uint8Array.from([0]), [""])), "8e");
  assert.equal(rc(await k.run(0x127, [PLATFORM], Uint8Array.from([0]), [""])), "0");
});

Deno.test("LoadExternal: a key pair's attributes and a public key's scheme are checked as for any loaded object", async () => {
  const k = await KeyTpm.start(11);
  const NULL = 0x40000007;
  const sensitive = b2(cat(u16(0x23), b2(""), b2(""), b2(D)));
  const loadExt = (pub: TpmtPublic, withPrivate: boolean) =>
    k.run(
      0x167,
      [],
      cat(withPrivate ? sensitive : u16(0), encode(TPM2B_PUBLIC, pub), [0x40, 0, 0, NULL & 255]),
      [],
      true,
    );
  const free = ECC_SIGN.objectAttributes & ~(FIXED_TPM | FIXED_PARENT);
  // With its private part: an ECC key that neither signs nor decrypts.
  assert.equal(rc(await loadExt(external(free & ~SIGN), true)), "2c2");
  // Public only: a decrypt key carrying a signing scheme, a signer carrying a symmetric cipher.
  assert.equal(rc(await loadExt(external((free & ~SIGN) | DECRYPT), false)), "2d2");
  const withSym = { ...external(free), symmetric: ECC_STORAGE.symmetric };
  assert.equal(rc(await loadExt(withSym, false)), "2d6");
  assert.equal(rc(await loadExt(external(free), false)), "0");
  assert.equal(rc(await loadExt(external(free), true)), "0");
});

Deno.test("Scheme selectors answer with Part 2's own codes: RSA, RSA-decrypt and keyed-hash schemes TPM_RC_VALUE, KDFs TPM_RC_KDF", async () => {
  const k = await KeyTpm.start(12);
  const primary = (t: TpmtPublic) => k.run(CC.CreatePrimary, [OWNER], createParams(t), [""]);
  const ecdsa = { scheme: 0x18, hashAlg: 0x0b, extra: 0 };
  const rsaTpl = { ...ECC_SIGN, type: 1, keyBits: 2048, curveID: 0, kdf: ecdsa };
  assert.equal(rc(await primary({ ...rsaTpl, scheme: ecdsa })), "2c4"); // TPMI_ALG_RSA_SCHEME
  const hmacKey = { ...ECC_SIGN, type: 8, scheme: { scheme: 0x14, hashAlg: 0x0b, extra: 0 } };
  assert.equal(rc(await primary(hmacKey)), "2c4"); // TPMI_ALG_KEYEDHASH_SCHEME
  const xor = { ...hmacKey, scheme: { scheme: 0x0a, hashAlg: 0x0b, extra: 0 } };
  assert.equal(rc(await primary(xor)), "2cc"); // XOR's TPMI_ALG_KDF
  assert.equal(rc(await primary({ ...ECC_SIGN, kdf: ecdsa })), "2cc"); // TPMT_KDF_SCHEME
  const key = await k.run(CC.CreatePrimary, [OWNER], createParams(ECC_SIGN), [""], true);
  const decrypt = cat(b2(new Uint8Array(32)), u16(0x14), u16(0x0b), u16(0));
  assert.equal(rc(await k.run(0x159, [key.handle], decrypt, [""])), "2c4"); // TPMI_ALG_RSA_DECRYPT
});

Deno.test("Sized structures: a sealed secret holds at most MAX_SYM_DATA (128) bytes; a TPM2B size smaller than its structure is TPM_RC_SIZE", async () => {
  const k = await KeyTpm.start(13);
  const seal = (n: number) =>
    k.run(
      CC.CreatePrimary,
      [OWNER],
      createParams(SEALED, "", new Uint8Array(n).fill(1)),
      [""],
      true,
    );
  assert.equal(rc(await seal(128)), "0");
  assert.equal(rc(await seal(129)), "1d5");
  // inSensitive's size says 2 bytes, its two (empty) TPM2Bs take 4: SIZE, not INSUFFICIENT.
  const p = createParams(ECC_SIGN);
  p[1] = 2;
  assert.equal(rc(await k.run(CC.CreatePrimary, [OWNER], p, [""])), "1d5");
});

Deno.test("GetCapability: property checks per capability and the hierarchies' policies (TPM_CAP_AUTH_POLICIES), as the reference", async () => {
  const k = await KeyTpm.start(14);
  const u32b = (v: number) => [v >>> 24, (v >> 16) & 255, (v >> 8) & 255, v & 255];
  const cap = (c: number, p: number, n = 8) => k.run(0x17a, [], cat(u32b(c), u32b(p), u32b(n)));
  assert.equal(rc(await cap(1, 0x7f000000)), "2cb"); // HANDLES of no handle type
  assert.equal(rc(await cap(5, 1)), "2c4"); // PCRS: property must be 0
  assert.equal(rc(await cap(9, 0)), "2c4"); // AUTH_POLICIES: a permanent handle
  assert.equal(rc(await cap(10, 0)), "2c4"); // ACT: an ACT handle
  assert.equal(rc(await cap(10, 0x40000110)), "0");
  assert.equal(rc(await cap(0, 0x10006)), "0"); // ALGS: property cast to a TPM_ALG_ID
  const policy = new Uint8Array(32).fill(7);
  assert.equal(rc(await k.run(0x12e, [0x4000000b], cat(b2(policy), u16(0x0b)), [""])), "0");
  const r = await cap(9, 0x40000000);
  assert.equal(rc(r), "0");
  const expected = cat(
    u32b(0x40000001),
    u16(0x10),
    u32b(0x4000000a),
    u16(0x10),
    u32b(0x4000000b),
    u16(0x0b),
    policy,
    u32b(0x4000000c),
    u16(0x10),
  );
  assert.deepEqual(r.raw.subarray(11), cat(u32b(9), u32b(4), expected));
});

Deno.test("NV_DefineSpace: reserved TPMA_NV bits (8-9, 20-24) are TPM_RC_RESERVED_BITS", async () => {
  const k = await KeyTpm.start(15);
  for (const bit of [8, 9, 20, 24]) {
    assert.equal(rc(await defineNv(k, RW | (1 << bit), 8)), "2e1", `bit ${bit}`);
  }
  assert.equal(rc(await defineNv(k, RW, 8)), "0");
});

Deno.test("Tickets: a tag that is no TPM_ST or a hierarchy outside TPMI_RH_HIERARCHY+ is TPM_RC_VALUE (Sign's validation)", async () => {
  const k = await KeyTpm.start(16);
  const free = ECC_SIGN.objectAttributes & ~(FIXED_TPM | FIXED_PARENT);
  const sensitive = b2(cat(u16(0x23), b2(""), b2(""), b2(D)));
  const key = await k.run(
    0x167,
    [],
    cat(sensitive, encode(TPM2B_PUBLIC, external(free)), [0x40, 0, 0, 7]),
    [],
    true,
  );
  const sign = (ticket: number[]) =>
    k.run(0x15d, [key.handle], cat(b2(new Uint8Array(32)), u16(0x18), u16(0x0b), ticket), [""]);
  assert.equal(rc(await sign([0x80, 0x24, 0x40, 0, 1, 7, 0, 0])), "3c4"); // hierarchy 0x40000107
  assert.equal(rc(await sign([0x81, 0x24, 0x40, 0, 0, 7, 0, 0])), "3c4"); // tag 0x8124
  assert.equal(rc(await sign([0x80, 0x21, 0x40, 0, 0, 7, 0, 0])), "3d7"); // CREATION: wrong tag
  assert.equal(rc(await sign([0x80, 0x24, 0x40, 0, 0, 7, 0, 0])), "0");
});

Deno.test("TPMS_PCR_SELECTION: sizeofSelect below PCR_SELECT_MIN (3) is TPM_RC_VALUE (PCR_Read)", async () => {
  const k = await KeyTpm.start(17);
  const read = (size: number) =>
    k.run(0x17e, [], cat([0, 0, 0, 1], u16(0x0b), [size], new Uint8Array(size).fill(1)));
  assert.equal(rc(await read(0)), "1c4");
  assert.equal(rc(await read(2)), "1c4");
  assert.equal(rc(await read(3)), "0");
});

Deno.test("TPM2_Clear sets Clock, resetCount and restartCount to zero; a context saved before it stays dead after as many Resets", async () => {
  const k = await KeyTpm.start(18);
  const PLATFORM = 0x4000000c, LOCKOUT = 0x4000000a;
  const clockInfo = async () => {
    const r = await k.run(0x181, [], new Uint8Array(0));
    const v = new DataView(r.raw.buffer, r.raw.byteOffset);
    return {
      clock: v.getBigUint64(18),
      resetCount: v.getUint32(26),
      restartCount: v.getUint32(30),
    };
  };
  await reboot(k);
  const before = (await clockInfo()).resetCount;
  assert.ok(before > 0);
  const key = await k.run(CC.CreatePrimary, [PLATFORM], createParams(ECC_SIGN), [""], true);
  const saved = (await k.run(0x162, [key.handle], new Uint8Array(0))).raw.slice(10);
  assert.equal(rc(await k.run(0x126, [LOCKOUT], new Uint8Array(0), [""])), "0");
  const after = await clockInfo();
  assert.equal(after.resetCount, 0);
  assert.equal(after.restartCount, 0);
  assert.ok(after.clock < 1000n);
  for (let i = 0; i < before; i++) await reboot(k);
  assert.equal((await clockInfo()).resetCount, before);
  assert.equal(rc(await k.run(0x161, [], saved)), "1df"); // the platform proof is unchanged, yet
});
