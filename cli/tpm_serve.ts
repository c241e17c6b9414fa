/**
 * `svsm tpm-serve`: our TPM 2.0 behind swtpm's or the Microsoft
 * simulator's socket protocol on loopback, so unmodified tpm2-tools,
 * tpm2-tss and IBM TSS clients drive it as they drive swtpm.
 *
 * @example
 * ```sh
 * deno task svsm tpm-serve --port 2321 --protocol swtpm --state ./tpmstate
 * TPM2TOOLS_TCTI=swtpm:host=127.0.0.1,port=2321 tpm2 getrandom --hex 8
 * ```
 * @module
 */
import { parseArgs } from "node:util";
import { EXIT_OK, readBounded, type Subcommand, UsageError } from "./common.ts";
import { Tpm } from "../lib/tpm/tpm.ts";
import { serveTpm, type TpmProtocol, type TpmServer } from "../lib/tpm/server/mod.ts";

/** The state blob's name inside `--state DIR`. */
export const STATE_FILE = "tpm-state.bin";
const DEFAULT_PORT = 2321; // the mssim and tpm2-tss default (tpm-interop.md §1.1, §2.2)

const HELP = `usage: svsm tpm-serve [--port N] [--protocol swtpm|mssim] [--state DIR] [--fresh]

Serves the TPM 2.0 on 127.0.0.1 (loopback only) until a client stops it or
the process gets SIGINT, SIGTERM or SIGHUP.

  --port N           command port N, control/platform port N+1 (default ${DEFAULT_PORT})
  --protocol P       swtpm: raw commands on N, swtpm control channel on N+1 (default)
                     mssim: Microsoft simulator commands on N, platform signals on N+1
  --state DIR        load DIR/${STATE_FILE} if present (else manufacture a new TPM) and
                     save it atomically after each command that changes NV (as swtpm
                     does), after TPM2_Shutdown, on a client's stop or store request,
                     and on exit; one server per DIR (it is locked while served)
  --fresh            manufacture a new TPM, ignoring any saved state (the default
                     without --state; with --state the new TPM replaces the saved one)
  --max-connections  live connections per port; more wait to be accepted (default 8)

Clients:
  TPM2TOOLS_TCTI=swtpm:host=127.0.0.1,port=N   (with --protocol swtpm)
  TPM2TOOLS_TCTI=mssim:host=127.0.0.1,port=N   (with --protocol mssim)

Exit codes: 0 stopped normally, 2 bad usage, unreadable state, or port in use.`;

/** Parsed `tpm-serve` options. */
export interface TpmServeOptions {
  /** Command port N. */
  readonly port: number;
  /** Wire protocol. */
  readonly protocol: TpmProtocol;
  /** State directory, if any. */
  readonly stateDir?: string;
  /** Manufacture a new TPM even if state exists. */
  readonly fresh: boolean;
  /** Live connections per port. */
  readonly maxConnections: number;
}

/** Parses the arguments after `tpm-serve`; throws {@link UsageError}. */
export function parseTpmServeArgs(args: string[]): TpmServeOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: "string" },
        protocol: { type: "string" },
        state: { type: "string" },
        fresh: { type: "boolean" },
        "max-connections": { type: "string" },
      },
    }));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const protocol = values.protocol ?? "swtpm";
  if (protocol !== "swtpm" && protocol !== "mssim") {
    throw new UsageError(`--protocol must be swtpm or mssim, not '${protocol}'`);
  }
  // An empty DIR (an unset shell variable) would otherwise mean "never saved".
  if (values.state === "") throw new UsageError("--state needs a directory, not ''");
  return {
    port: intOption("--port", values.port, DEFAULT_PORT, 1, 65534),
    protocol,
    stateDir: values.state,
    fresh: values.fresh ?? false,
    maxConnections: intOption("--max-connections", values["max-connections"], 8, 1, 1024),
  };
}

function intOption(name: string, text: string | undefined, dflt: number, lo: number, hi: number) {
  if (text === undefined) return dflt;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < lo || n > hi) {
    throw new UsageError(`${name} must be an integer in ${lo}..${hi}, not '${text}'`);
  }
  return n;
}

/**
 * Loads the TPM from `DIR/tpm-state.bin`, or manufactures a new one; the
 * result is powered on and waits for TPM2_Startup.
 */
export async function openTpm(options: TpmServeOptions): Promise<Tpm> {
  const saved = options.stateDir && !options.fresh
    ? await readState(`${options.stateDir}/${STATE_FILE}`)
    : null;
  let tpm: Tpm;
  try {
    tpm = saved ? await Tpm.loadState(saved) : await Tpm.manufacture();
  } catch (e) {
    throw new UsageError(`cannot load TPM state: ${(e as Error).message}`);
  }
  if (!tpm.poweredOn) tpm.powerOn();
  return tpm;
}

async function readState(path: string): Promise<Uint8Array | null> {
  try {
    return await readBounded(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    if (e instanceof UsageError) throw e;
    throw new UsageError(`cannot read ${path}: ${(e as Error).message}`);
  }
}

/** Writes the state blob atomically: a temporary file in DIR, then rename. */
export async function saveState(tpm: Tpm, dir: string): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  const tmp = `${dir}/.${STATE_FILE}.${Deno.pid}.tmp`;
  await Deno.writeFile(tmp, tpm.saveState(), { mode: 0o600 });
  await Deno.rename(tmp, `${dir}/${STATE_FILE}`);
}

/** Starts the server for parsed options; resolves once it is listening. */
export async function startTpmServe(
  options: TpmServeOptions,
): Promise<{ server: TpmServer; tpm: Tpm; save: () => Promise<void> }> {
  const lock = options.stateDir ? await lockStateDir(options.stateDir) : undefined;
  try {
    const started = await serveFrom(options);
    void started.server.finished.then(() => lock?.close());
    return started;
  } catch (e) {
    lock?.close();
    throw e;
  }
}

/**
 * An exclusive lock on DIR while a server uses it, as swtpm locks its state directory: two
 * servers saving to one DIR would each overwrite the other's TPM. Undefined when DIR cannot
 * be opened as a directory (then reading or saving the state says why).
 */
async function lockStateDir(dir: string): Promise<Deno.FsFile | undefined> {
  let handle: Deno.FsFile;
  try {
    await Deno.mkdir(dir, { recursive: true });
    handle = await Deno.open(dir, { read: true });
  } catch {
    return undefined;
  }
  if (await handle.tryLock(true)) return handle;
  handle.close();
  throw new UsageError(`${dir} is in use by another tpm-serve`);
}

async function serveFrom(
  options: TpmServeOptions,
): Promise<{ server: TpmServer; tpm: Tpm; save: () => Promise<void> }> {
  const tpm = await openTpm(options);
  const dir = options.stateDir;
  const save = dir ? serialized(() => saveState(tpm, dir)) : () => Promise.resolve();
  let server: TpmServer;
  try {
    server = serveTpm(tpm, options.protocol, {
      port: options.port,
      maxConnections: options.maxConnections,
      onPersist: save,
    });
  } catch (e) {
    throw new UsageError(`cannot listen on 127.0.0.1:${options.port}: ${(e as Error).message}`);
  }
  // Only once listening: a start that fails must not replace DIR's state (with --fresh).
  try {
    await save(); // the state directory is usable before a client relies on it
  } catch (e) {
    await server.close();
    throw new UsageError(`cannot save TPM state in ${dir}: ${(e as Error).message}`);
  }
  return { server, tpm, save };
}

/** Runs `save` calls one after another, each snapshot taken in its turn: the last one wins. */
function serialized(save: () => Promise<void>): () => Promise<void> {
  let tail = Promise.resolve();
  return () => {
    const run = tail.then(save);
    tail = run.catch(() => {});
    return run;
  };
}

// SIGHUP too: a closed terminal ends `tpm-serve &`, and an exit saves the state.
const SIGNALS: Deno.Signal[] = ["SIGINT", "SIGTERM", "SIGHUP"];

/** The `tpm-serve` subcommand, registered in `cli.ts`. */
const tpmServe: Subcommand = {
  summary: "serve the TPM over swtpm or mssim sockets on loopback",
  help: HELP,
  async run(args: string[]): Promise<number> {
    const options = parseTpmServeArgs(args);
    const { server, save } = await startTpmServe(options);
    const { port, auxPort, protocol } = server;
    console.log(
      `tpm-serve: ${protocol} on 127.0.0.1:${port} and ${auxPort}` +
        (options.stateDir ? `, state in ${options.stateDir}` : ", fresh state (not saved)"),
    );
    console.log(`  TPM2TOOLS_TCTI=${protocol}:host=127.0.0.1,port=${port}`);
    const onSignal = () => void server.close();
    for (const s of SIGNALS) Deno.addSignalListener(s, onSignal);
    try {
      await server.finished;
    } finally {
      for (const s of SIGNALS) Deno.removeSignalListener(s, onSignal);
    }
    await save(); // the server is closed: no command is running
    return EXIT_OK;
  },
};
export default tpmServe;
