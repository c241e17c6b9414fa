/**
 * SEV-SNP machine core benchmarks: `deno bench -P=bench bench/snp_bench.ts`.
 *
 * - guest u32/u64/4 KiB reads and writes through the full access checks;
 * - PVALIDATE + zeroing of 256 MiB, as 65536 4K pages and as 128 2M pages;
 * - host-view encryption (AES-128-XTS) MB/s beside `openssl speed -evp aes-128-xts`
 *   on the same machine, printed as a ratio before the bench table.
 */
import { createCipheriv } from "node:crypto";
import {
  GuestMemoryAccess,
  HostMemoryAccess,
  MemoryEncryption,
  Npt,
  PAGE_SIZE,
  PAGE_SIZE_2M,
  pvalidate,
  Rmp,
  SystemMemory,
} from "../lib/snp/core.ts";

const MIB = 1024 * 1024;

function machine(bytes: number) {
  const memory = new SystemMemory(bytes);
  const rmp = new Rmp(memory.pageCount);
  const enc = new MemoryEncryption(memory);
  enc.installKey(1);
  const npt = new Npt();
  npt.mapRange(0, 0, bytes);
  const ctx = { asid: 1, vmpl: 0, npt, rmp };
  return {
    memory,
    rmp,
    enc,
    npt,
    ctx,
    guest: new GuestMemoryAccess(memory, rmp, enc),
    host: new HostMemoryAccess(rmp, enc),
  };
}

function assignAll(m: ReturnType<typeof machine>, pages: number, size2M: boolean): void {
  const step = size2M ? PAGE_SIZE_2M : PAGE_SIZE;
  for (let a = 0; a < pages * PAGE_SIZE; a += step) {
    if (m.rmp.rmpupdate(a, { assigned: true, asid: 1, gpa: a, pageSize2M: size2M }) !== 0) {
      throw new Error("rmpupdate");
    }
  }
}

function validateAll(
  m: ReturnType<typeof machine>,
  pages: number,
  size2M: boolean,
  on: boolean,
): void {
  const step = size2M ? PAGE_SIZE_2M : PAGE_SIZE;
  for (let a = 0; a < pages * PAGE_SIZE; a += step) {
    if (pvalidate(m.ctx, a, size2M, on).rc !== 0) throw new Error("pvalidate");
  }
}

// ---- guest access throughput -------------------------------------------------------------
const small = machine(4 * MIB);
assignAll(small, 16, false);
validateAll(small, 16, false, true);
const ACCESSES = 1 << 16; // per bench iteration
const page4k = new Uint8Array(PAGE_SIZE);
let sink = 0;

Deno.bench({
  name: `guest readU32 x${ACCESSES} (checked, private)`,
  group: "guest access",
  baseline: true,
}, () => {
  const { guest, ctx } = small;
  let s = 0;
  for (let i = 0; i < ACCESSES; i++) s += guest.readU32(ctx, (i & 0x3FFF) << 2, true);
  sink += s;
});

Deno.bench({ name: `guest writeU32 x${ACCESSES}`, group: "guest access" }, () => {
  const { guest, ctx } = small;
  for (let i = 0; i < ACCESSES; i++) guest.writeU32(ctx, (i & 0x3FFF) << 2, i, true);
});

Deno.bench({ name: `guest readU64 x${ACCESSES}`, group: "guest access" }, () => {
  const { guest, ctx } = small;
  let s = 0n;
  for (let i = 0; i < ACCESSES; i++) s ^= guest.readU64(ctx, (i & 0x1FFF) << 3, true);
  sink += Number(s & 1n);
});

Deno.bench({ name: `guest writeU64 x${ACCESSES}`, group: "guest access" }, () => {
  const { guest, ctx } = small;
  for (let i = 0; i < ACCESSES; i++) guest.writeU64(ctx, (i & 0x1FFF) << 3, 0x1234n, true);
});

Deno.bench(
  { name: `plain Uint32Array read x${ACCESSES} (reference)`, group: "guest access" },
  () => {
    const w = small.memory.words;
    let s = 0;
    for (let i = 0; i < ACCESSES; i++) s += w[i & 0x3FFF];
    sink += s;
  },
);

Deno.bench({ name: "guest read 4 KiB x256 (1 MiB)", group: "guest 4k" }, () => {
  const { guest, ctx } = small;
  for (let i = 0; i < 256; i++) sink += guest.read(ctx, (i & 15) * PAGE_SIZE, PAGE_SIZE, true)[0];
});

Deno.bench({ name: "guest write 4 KiB x256 (1 MiB)", group: "guest 4k" }, () => {
  const { guest, ctx } = small;
  for (let i = 0; i < 256; i++) guest.write(ctx, (i & 15) * PAGE_SIZE, page4k, true);
});

// ---- PVALIDATE + zeroing of 256 MiB --------------------------------------------------------
const BIG_PAGES = 65536;
const big = machine(256 * MIB);

// Pages nothing ever wrote still hold their first zeroes, and the model skips storing zeroes
// over them (as an OS never backs untouched memory); `dirty` writes every page first, so the
// zeroing is real.
for (const [size2M, dirty] of [[false, false], [true, false], [false, true], [true, true]]) {
  Deno.bench({
    name: `PVALIDATE + zero 256 MiB (${size2M ? "128 x 2M" : "65536 x 4K"}${
      dirty ? ", written before" : ", never written"
    })`,
    group: "pvalidate",
  }, (b) => {
    const m = big;
    if (dirty) {
      for (let a = 0; a < BIG_PAGES * PAGE_SIZE; a += PAGE_SIZE) m.enc.privateView(1, a)[0] = 1;
    }
    // Host side, untimed: (re)assign every page; RMPUPDATE also clears VALIDATED.
    for (let a = 0; a < BIG_PAGES * PAGE_SIZE; a += PAGE_SIZE) {
      const was2M = m.rmp.entry(a).pageSize2M;
      if (!was2M || a % PAGE_SIZE_2M === 0) {
        m.rmp.rmpupdate(a, { assigned: false, asid: 0, gpa: 0, pageSize2M: was2M });
      }
    }
    assignAll(m, BIG_PAGES, size2M);
    b.start();
    validateAll(m, BIG_PAGES, size2M, true);
    for (let a = 0; a < BIG_PAGES * PAGE_SIZE; a += PAGE_SIZE) m.guest.zeroPage(m.ctx, a, true);
    b.end();
  });
}

// ---- host-view encryption beside openssl ---------------------------------------------------
const ENC_BYTES = 16 * MIB;
const encm = machine(ENC_BYTES);
assignAll(encm, ENC_BYTES / PAGE_SIZE, false);

/** Puts every page in the guest's plaintext view (no crypto), then the host reads it all (encrypts). */
function hostViewEncrypt(): void {
  for (let a = 0; a < ENC_BYTES; a += PAGE_SIZE) encm.enc.overwriteView(1, a);
  sink += encm.host.read(0, ENC_BYTES)[0];
}

validateAll(encm, ENC_BYTES / PAGE_SIZE, false, true);

/** The host dumps all guest memory (encrypts), then the guest touches every page (decrypt-ahead). */
function hostDumpThenGuest(): void {
  sink += encm.host.read(0, ENC_BYTES)[0];
  for (let a = 0; a < ENC_BYTES; a += PAGE_SIZE) {
    sink += encm.guest.page(encm.ctx, a, "read", true)[0];
  }
}

Deno.bench(
  { name: "host-view encryption, 16 MiB (XTS, batched ECB)", group: "xts" },
  hostViewEncrypt,
);

function mbPerSec(fn: () => void, bytes: number, rounds: number): number {
  for (let i = 0; i < 3; i++) fn(); // let the JIT settle
  const t0 = performance.now();
  for (let i = 0; i < rounds; i++) fn();
  return (bytes * rounds) / MIB / ((performance.now() - t0) / 1000);
}

async function opensslXtsMbPerSec(): Promise<{ mbs: number; line: string } | string> {
  try {
    const out = await new Deno.Command("openssl", {
      args: ["speed", "-seconds", "1", "-evp", "aes-128-xts"],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stdout);
    const line = text.split("\n").find((l) => /^aes-128-xts/i.test(l.trim()));
    if (!out.success || !line) {
      return `openssl speed failed: ${new TextDecoder().decode(out.stderr).trim()}`;
    }
    // Columns are 1000s of bytes per second for block sizes 16, 64, 256, 1024, 8192, 16384.
    const cols = line.trim().split(/\s+/).slice(1).map((c) => parseFloat(c.replace(/k$/, "")));
    return { mbs: (cols[cols.length - 1] * 1000) / MIB, line: line.trim() };
  } catch (e) {
    return `openssl not runnable: ${e}`;
  }
}

/** The ceiling: raw node:crypto AES-128-ECB over the same 256 KiB runs the engine uses. */
function rawEcb(): void {
  const c = createCipheriv("aes-128-ecb", new Uint8Array(16).fill(7), null);
  c.setAutoPadding(false);
  for (let off = 0; off < ENC_BYTES; off += 64 * PAGE_SIZE) {
    sink += c.update(encm.memory.bytes.subarray(off, off + 64 * PAGE_SIZE))[0];
  }
}

const ours = mbPerSec(hostViewEncrypt, ENC_BYTES, 8);
const ceiling = mbPerSec(rawEcb, ENC_BYTES, 8);
const roundTrip = mbPerSec(hostDumpThenGuest, ENC_BYTES, 4);
const peer = await opensslXtsMbPerSec();
console.log(
  `host-view XTS encryption: ${ours.toFixed(0)} MB/s (16 MiB runs, ${PAGE_SIZE}-byte data units)`,
);
console.log(
  `raw node:crypto aes-128-ecb over the same runs (the ceiling): ${ceiling.toFixed(0)} MB/s`,
);
console.log(
  `host dump, then the guest touches every page (encrypt + decrypt-ahead): ${
    roundTrip.toFixed(0)
  } MB/s`,
);
if (typeof peer === "string") {
  console.log(`openssl comparison skipped: ${peer}`);
} else {
  console.log(`openssl speed -evp aes-128-xts (16 KiB blocks): ${peer.mbs.toFixed(0)} MB/s`);
  console.log(
    `ratio ours/openssl: ${(ours / peer.mbs).toFixed(2)}x (ceiling/openssl: ${
      (ceiling / peer.mbs).toFixed(2)
    }x)`,
  );
}
addEventListener("unload", () => sink === 0.5 && console.log(sink));
