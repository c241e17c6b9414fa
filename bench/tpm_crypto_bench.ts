/**
 * vTPM crypto through `Tpm.execute`, with the command bytes of the swtpm
 * baseline (tpm-interop.md §6.1): ECDSA P-256 Sign, RSA-2048 CreatePrimary
 * + FlushContext with a fixed template (served from the per-TPM memo) and
 * with a new `unique` each time (a full seed derivation: two 1024-bit primes
 * found by sieve and Miller–Rabin). Compare with swtpm's 1,300–1,500 Sign/s
 * and 20–37 RSA / 1,200–1,700 ECC CreatePrimary/s; the server benchmark measures both
 * over TCP.
 *
 *   deno bench -P=bench bench/tpm_crypto_bench.ts
 */
import { fromHex } from "../lib/common/hex.ts";
import { Tpm } from "../lib/tpm/tpm.ts";

const hex = (s: string) => fromHex(s.replaceAll(" ", ""));
const STARTUP = hex("8001 0000000c 00000144 0000");
const CP_ECC = hex(
  "8002 00000041 00000131 40000001 00000009 40000009 0000 00 0000 0004 0000 0000 0018 0023 000b 00040072 0000 0010 0018 000b 0003 0010 0000 0000 0000 00000000",
);
const CP_RSA = hex(
  "8002 00000043 00000131 40000001 00000009 40000009 0000 00 0000 0004 0000 0000 001a 0001 000b 00030072 0000 0006 0080 0043 0010 0800 00000000 0000 0000 00000000",
);
const SIGN = hex(
  "8002 00000047 0000015d 80000000 00000009 40000009 0000 00 0000 0020" + "11".repeat(32) +
    "0010 8024 40000007 0000",
);
const FLUSH_SECOND = hex("8001 0000000e 00000165 80000001");

function rc(rsp: Uint8Array): number {
  return new DataView(rsp.buffer, rsp.byteOffset).getUint32(6);
}

async function started(): Promise<Tpm> {
  const tpm = await Tpm.manufacture();
  tpm.powerOn();
  if (rc(await tpm.execute(STARTUP)) !== 0) throw new Error("Startup failed");
  return tpm;
}

async function expectOk(p: Promise<Uint8Array>): Promise<void> {
  const r = rc(await p);
  if (r !== 0) throw new Error(`TPM_RC 0x${r.toString(16)}`);
}

const signer = await started();
await expectOk(signer.execute(CP_ECC));

Deno.bench("vTPM Sign (ECDSA P-256, 32-byte digest)", { group: "sign" }, async () => {
  await expectOk(signer.execute(SIGN));
});

const fixed = await started();
await expectOk(fixed.execute(CP_ECC)); // occupies 0x80000000 so the RSA key lands on 0x80000001

Deno.bench(
  "vTPM CreatePrimary RSA-2048 storage + FlushContext, fixed template (memoised)",
  { group: "createprimary" },
  async () => {
    await expectOk(fixed.execute(CP_RSA));
    await expectOk(fixed.execute(FLUSH_SECOND));
  },
);

const fresh = await started();
await expectOk(fresh.execute(CP_ECC));
let counter = 0;

Deno.bench(
  "vTPM CreatePrimary RSA-2048 storage + FlushContext, new unique each time (full derivation)",
  { group: "createprimary", n: 40, warmup: 2 },
  async () => {
    // Same size as CP_RSA: the 4-byte empty unique becomes a 2-byte-long one.
    const cmd = hex(
      "8002 00000045 00000131 40000001 00000009 40000009 0000 00 0000 0004 0000 0000 001c 0001 000b 00030072 0000 0006 0080 0043 0010 0800 00000000 0002",
    );
    const c = counter++;
    const full = new Uint8Array(cmd.length + 2 + 6);
    full.set(cmd);
    full.set([c >> 8, c & 0xff], cmd.length);
    full.set(hex("0000 00000000"), cmd.length + 2);
    await expectOk(fresh.execute(full));
    await expectOk(fresh.execute(FLUSH_SECOND));
  },
);

const eccFresh = await started();
await expectOk(eccFresh.execute(CP_ECC));
let eccCounter = 0;

Deno.bench(
  "vTPM CreatePrimary ECC P-256 signing + FlushContext, new unique each time",
  { group: "createprimary-ecc" },
  async () => {
    // CP_ECC with a 2-byte unique.x: sizes grow by 2 (command, TPM2B_PUBLIC).
    const c = eccCounter++ & 0xffff;
    const cmd = hex(
      "8002 00000043 00000131 40000001 00000009 40000009 0000 00 0000 0004 0000 0000 001a 0023 000b 00040072 0000 0010 0018 000b 0003 0010 0002 0000 0000 0000 00000000",
    );
    cmd.set([c >> 8, c & 0xff], 57); // the two unique.x bytes
    await expectOk(eccFresh.execute(cmd));
    await expectOk(eccFresh.execute(FLUSH_SECOND));
  },
);
