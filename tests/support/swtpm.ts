/**
 * swtpm (Debian's, libtpms) as the reference peer in tests: started on a free loopback port pair
 * (data N, control N+1) with its own state directory, and a differential runner that sends the
 * same command bytes to swtpm and to our TPM (tpm-interop.md §6).
 */
import assert from "node:assert/strict";
import { TpmTcpClient } from "../../lib/tpm/server/mod.ts";
import { Tpm } from "../../lib/tpm/tpm.ts";

/** A running swtpm. */
export interface Swtpm {
  /** Its data port (control is port + 1). */
  readonly port: number;
  /** Stops it and removes the state directory it was given or made. */
  stop(): Promise<void>;
}

/** Sends one command, returns the response bytes. */
export type Send = (command: Uint8Array) => Promise<Uint8Array>;

const TPM_RC_RETRY = 0x922;

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/**
 * Starts swtpm with fresh state in `dir` (a new temporary directory when omitted, removed by
 * `stop`); undefined when swtpm is not installed. `flags` is swtpm's `--flags` value. A port
 * pair taken meanwhile makes swtpm exit at once: then it retries on another pair.
 */
export async function startSwtpm(
  opts: { dir?: string; flags?: string } = {},
): Promise<Swtpm | undefined> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = freePort();
    const dir = opts.dir ?? await Deno.makeTempDir({ prefix: "swtpm_" });
    const cleanup = () => opts.dir ? Promise.resolve() : Deno.remove(dir, { recursive: true });
    let child: Deno.ChildProcess;
    try {
      child = new Deno.Command("swtpm", {
        args: [
          ...["socket", "--tpm2", "--server", `type=tcp,port=${port}`],
          ...["--ctrl", `type=tcp,port=${port + 1}`, "--tpmstate", `dir=${dir}`],
          ...["--flags", opts.flags ?? "not-need-init"],
        ],
        stdout: "null",
        stderr: "null",
      }).spawn();
    } catch {
      await cleanup();
      return undefined; // no swtpm here
    }
    let exited = false;
    const status = child.status.then(() => exited = true);
    const stop = async () => {
      if (!exited) child.kill();
      await status;
      await cleanup();
    };
    for (let i = 0; i < 100 && !exited; i++) {
      try {
        (await Deno.connect({ hostname: "127.0.0.1", port })).close();
        return { port, stop };
      } catch {
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    await stop();
  }
  throw new Error("swtpm did not start");
}

/**
 * Runs `scenario` on a fresh swtpm (resending on TPM_RC_RETRY, as ESYS does) and on a fresh
 * TPM of ours made from `seed`; undefined when swtpm is not installed. Our TPM must log no
 * internal error.
 */
export async function onSwtpmAndOurs<T>(
  scenario: (send: Send) => Promise<T>,
  seed?: Uint8Array,
): Promise<{ theirs: T; ours: T } | undefined> {
  const sw = await startSwtpm();
  if (!sw) return undefined;
  let theirs: T;
  try {
    const client = await TpmTcpClient.connect(sw.port, "raw");
    try {
      theirs = await scenario(async (c) => {
        for (;;) {
          const r = await client.command(c);
          if (new DataView(r.buffer, r.byteOffset).getUint32(6) !== TPM_RC_RETRY) return r;
        }
      });
    } finally {
      client.close();
    }
  } finally {
    await sw.stop();
  }
  const tpm = await Tpm.manufacture(seed ? { seed } : undefined);
  tpm.powerOn();
  const ours = await scenario((c) => tpm.execute(c));
  assert.deepEqual(tpm.internalErrors, []);
  return { theirs, ours };
}

/**
 * A scenario's record: `run` sends a named step and keeps its response code (hex) in `out`,
 * the map the two TPMs' runs are compared by.
 */
export function rcRecorder(send: Send): {
  out: Record<string, string>;
  run: (name: string, command: Uint8Array) => Promise<Uint8Array>;
} {
  const out: Record<string, string> = {};
  const run = async (name: string, command: Uint8Array) => {
    const r = await send(command);
    out[name] = new DataView(r.buffer, r.byteOffset).getUint32(6).toString(16);
    return r;
  };
  return { out, run };
}
