/**
 * Our TPM against swtpm (Debian 0.7.1 / libtpms 0.9.2), side by side in one
 * run, over the same swtpm TCP data protocol with the same raw persistent
 * client and the same command bytes (tpm-interop.md §6.1): GetRandom(32),
 * PCR_Extend(SHA-256), Hash(1 KiB), ECDSA P-256 Sign, RSA-2048
 * CreatePrimary (+ FlushContext). Prints ops/s, p50 and ours/swtpm ratios.
 *
 * Our server runs on a Worker thread by default, as swtpm runs in its own
 * process; `--in-process` shares the client's thread instead.
 *
 * @example
 * ```sh
 * deno run -P=bench bench/tpm_vs_swtpm.ts --seconds 2 --runs 5 [--in-process]
 * ```
 * @module
 */
import { parseArgs } from "node:util";
import { fromHex } from "../lib/common/hex.ts";
import { Tpm } from "../lib/tpm/tpm.ts";
import { be32, putBe32, serveSwtpm, TpmTcpClient } from "../lib/tpm/server/mod.ts";

/** Command bytes of tpm-interop.md §6.1. */
const CMD = {
  startup: "80010000000c000001440000",
  getRandom32: "80010000000c0000017b0020",
  pcrExtend: "80020000004100000182000000100000000940000009000000000000000001000b" +
    "ab".repeat(32),
  hash1k: "8001000004120000017d0400" + "5a".repeat(1024) + "000b40000001",
  sign: "8002 00000047 0000015d 80000000 00000009 40000009 0000 00 0000 0020" + " 11".repeat(32) +
    "0010 8024 40000007 0000",
  primaryEcc: "8002 00000041 00000131 40000001 00000009 40000009 0000 00 0000 0004 0000 0000" +
    "0018 0023 000b 00040072 0000 0010 0018 000b 0003 0010 0000 0000 0000 00000000",
  primaryRsa: "8002 00000043 00000131 40000001 00000009 40000009 0000 00 0000 0004 0000 0000" +
    "001a 0001 000b 00030072 0000 0006 0080 0043 0010 0800 00000000 0000 0000 00000000",
  /** The RSA template with a 4-byte `unique`, so each key is new (tpm-interop.md §6.1, last row). */
  primaryRsaUnique:
    "8002 00000047 00000131 40000001 00000009 40000009 0000 00 0000 0004 0000 0000" +
    "001e 0001 000b 00030072 0000 0006 0080 0043 0010 0800 00000000 0004 00000000 0000 00000000",
  flush: "80010000000e0000016580000000",
};

const TPM_RC_RETRY = 0x922;

/** Hex with spaces (grouped as in tpm-interop.md) to bytes. */
function hexBytes(hex: string): Uint8Array {
  return fromHex(hex.replace(/\s+/g, ""));
}

interface Peer {
  name: string;
  client: TpmTcpClient;
  signKey: number;
  stop(): Promise<void>;
}

/** Sends `cmd`, resending on TPM_RC_RETRY as ESYS does (tpm-interop.md §3.2). */
async function send(client: TpmTcpClient, cmd: Uint8Array, what: string): Promise<Uint8Array> {
  for (let i = 0; i < 5; i++) {
    const rsp = await client.command(cmd);
    const rc = be32(rsp, 6);
    if (rc === TPM_RC_RETRY) continue;
    if (rc !== 0) throw new Error(`${what}: TPM rc 0x${rc.toString(16)}`);
    return rsp;
  }
  throw new Error(`${what}: TPM_RC_RETRY five times`);
}

/** Makes the ECC signing primary and returns its handle. */
async function prepare(client: TpmTcpClient): Promise<number> {
  const rsp = await send(client, hexBytes(CMD.primaryEcc), "CreatePrimary ECC");
  return be32(rsp, 10);
}

async function startSwtpm(dir: string): Promise<Peer> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = 20000 + Math.floor(Math.random() * 40000);
    const child = new Deno.Command("swtpm", {
      args: [
        ...["socket", "--tpm2", "--server", `type=tcp,port=${port}`],
        ...["--ctrl", `type=tcp,port=${port + 1}`, "--tpmstate", `dir=${dir}`],
        ...["--flags", "not-need-init,startup-clear"],
      ],
      stdout: "null",
      stderr: "null",
    }).spawn();
    for (let i = 0; i < 100; i++) {
      try {
        const client = await TpmTcpClient.connect(port, "raw");
        return {
          name: "swtpm 0.7.1",
          client,
          signKey: await prepare(client),
          stop: async () => {
            client.close();
            child.kill();
            await child.status;
          },
        };
      } catch {
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    try {
      child.kill();
    } catch {
      // swtpm already exited (port taken): try another port
    }
    await child.status;
  }
  throw new Error("swtpm did not start");
}

/** Our TPM and server in this process, sharing the client's event loop. */
async function startOursInProcess(): Promise<Peer> {
  const tpm = await Tpm.manufacture();
  tpm.powerOn();
  const server = serveSwtpm(tpm, { port: 0 });
  return await ourPeer(server.port, "ours (in-process)", () => server.close());
}

async function ourPeer(port: number, name: string, stop: () => Promise<void>): Promise<Peer> {
  const client = await TpmTcpClient.connect(port, "raw");
  await send(client, hexBytes(CMD.startup), "Startup");
  return {
    name,
    client,
    signKey: await prepare(client),
    stop: async () => {
      client.close();
      await stop();
    },
  };
}

/** Our TPM and server on a Worker thread; the client stays on this thread. */
async function startOurs(): Promise<Peer> {
  const worker = new Worker(new URL("./tpm_serve_worker.ts", import.meta.url), { type: "module" });
  const port = await new Promise<number>((resolve) => {
    worker.onmessage = (e: MessageEvent) => resolve(e.data.port);
  });
  return await ourPeer(port, "ours (worker)", async () => {
    const stopped = new Promise((resolve) => worker.onmessage = resolve);
    worker.postMessage("stop");
    await stopped;
    worker.terminate();
  });
}

/** One benchmarked operation: the commands of one op, built for a peer. */
interface Op {
  name: string;
  run(peer: Peer): Promise<void>;
}

function fixed(name: string, hex: string): Op {
  const cmd = hexBytes(hex);
  return { name, run: async (p) => void await send(p.client, cmd, name) };
}

const OPS: Op[] = [
  fixed("GetRandom(32)", CMD.getRandom32),
  fixed("PCR_Extend(16, SHA-256)", CMD.pcrExtend),
  fixed("Hash(1 KiB, SHA-256)", CMD.hash1k),
  {
    name: "Sign(ECDSA P-256)",
    run: async (p) => {
      const cmd = hexBytes(CMD.sign);
      putBe32(cmd, 10, p.signKey);
      await send(p.client, cmd, "Sign");
    },
  },
  {
    // Our TPM answers a repeated primary template from its cache of recent primaries; swtpm
    // derives the key again. This row measures that cache, not RSA derivation (next row).
    name: "CreatePrimary(RSA-2048, fixed template: ours cached)+Flush",
    run: async (p) => {
      const rsp = await send(p.client, hexBytes(CMD.primaryRsa), "CreatePrimary RSA");
      const flush = hexBytes(CMD.flush);
      putBe32(flush, 10, be32(rsp, 10));
      await send(p.client, flush, "FlushContext");
    },
  },
  {
    name: "CreatePrimary(RSA-2048, new unique: derivation)+Flush",
    run: async (p) => {
      const cmd = hexBytes(CMD.primaryRsaUnique);
      putBe32(cmd, RSA_UNIQUE_OFFSET, ++uniqueCounter);
      const rsp = await send(p.client, cmd, "CreatePrimary RSA (unique)");
      const flush = hexBytes(CMD.flush);
      putBe32(flush, 10, be32(rsp, 10));
      await send(p.client, flush, "FlushContext");
    },
  },
];

/** Header 10, auth handle 4, auth area 4 + 9, inSensitive 6, public size 2 + 24, unique size 2. */
const RSA_UNIQUE_OFFSET = 61;
let uniqueCounter = 0;

/** Runs `op` for `seconds`; resolves to ops/s and per-op latencies (ms). */
async function measure(op: Op, peer: Peer, seconds: number) {
  const lat: number[] = [];
  const end = performance.now() + seconds * 1000;
  const t0 = performance.now();
  while (performance.now() < end || lat.length < 3) {
    const s = performance.now();
    await op.run(peer);
    lat.push(performance.now() - s);
  }
  return { opsPerSec: lat.length / ((performance.now() - t0) / 1000), lat };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};

function fmtLatency(ms: number): string {
  return ms < 1 ? `${(ms * 1000).toFixed(0)} µs` : `${ms.toFixed(2)} ms`;
}

async function main(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      seconds: { type: "string", default: "1" },
      runs: { type: "string", default: "5" },
      warmup: { type: "string", default: "5" },
      "in-process": { type: "boolean" },
    },
  });
  const seconds = Number(values.seconds);
  const runs = Number(values.runs);
  const warmup = Number(values.warmup);
  const dir = await Deno.makeTempDir({ prefix: "swtpm_bench_" });
  const ours = values["in-process"] ? await startOursInProcess() : await startOurs();
  const peers = [ours, await startSwtpm(dir)];
  console.log(
    `TPM benchmark: raw persistent swtpm-protocol client, one command in flight; ` +
      `${runs} runs × ${seconds} s per op and peer, median run; ${ours.name} vs swtpm 0.7.1`,
  );
  console.log(
    "| Operation | ours ops/s | swtpm ops/s | ours/swtpm | ours p50 | swtpm p50 |\n|---|---|---|---|---|---|",
  );
  try {
    for (const op of OPS) {
      const results = new Map<string, { ops: number[]; lat: number[] }>();
      for (const p of peers) {
        for (let i = 0; i < warmup; i++) await op.run(p);
        results.set(p.name, { ops: [], lat: [] });
      }
      for (let r = 0; r < runs; r++) {
        for (const p of r % 2 ? [...peers].reverse() : peers) { // alternate who goes first
          const m = await measure(op, p, seconds);
          results.get(p.name)!.ops.push(m.opsPerSec);
          results.get(p.name)!.lat.push(...m.lat);
        }
      }
      const [ours, sw] = peers.map((p) => results.get(p.name)!);
      const o = median(ours.ops);
      const s = median(sw.ops);
      console.log(
        `| ${op.name} | ${o.toFixed(o < 100 ? 1 : 0)} | ${s.toFixed(s < 100 ? 1 : 0)} | ` +
          `${(o / s).toFixed(2)}× | ${fmtLatency(median(ours.lat))} | ${
            fmtLatency(median(sw.lat))
          } |`,
      );
    }
  } finally {
    for (const p of peers) await p.stop();
    await Deno.remove(dir, { recursive: true });
  }
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
