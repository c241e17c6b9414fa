/**
 * What every `svsm` subcommand shares: the exit-code contract and one-line
 * error reporting.
 *
 * Exit codes: 0 success, 1 a negative verdict (for example an invalid
 * report), 2 usage or input errors. Errors go to stderr as one line; a stack
 * trace only with `--debug`.
 * @module
 */

/** Exit code for success. */
export const EXIT_OK = 0;
/** Exit code for a negative verdict. */
export const EXIT_NEGATIVE = 1;
/** Exit code for bad usage or unreadable input. */
export const EXIT_USAGE = 2;

/** A usage or input error: the CLI prints its message and exits 2. */
export class UsageError extends Error {
  /** Error name, for logs. */
  override name: string = "UsageError";
}

/** One subcommand of the `svsm` CLI. */
export interface Subcommand {
  /** One line for the top-level help. */
  readonly summary: string;
  /** Full `--help` text. */
  readonly help: string;
  /** Runs with the arguments after the subcommand name; resolves to the exit code. */
  run(args: string[]): Promise<number>;
}

/** Writes a line to stderr (a multi-line message, such as some parseArgs errors, is joined). */
export function printError(message: string): void {
  console.error(`svsm: ${message.trim().replace(/\s*\n\s*/g, " ")}`);
}

/**
 * The most the CLI reads from one input file (64 MiB): far above any report, certificate,
 * launch description or TPM state, far below what `/dev/zero` would make of memory.
 */
export const MAX_INPUT_BYTES: number = 64 << 20;

/**
 * Reads a file given on the command line, turning a missing or unreadable
 * file into a {@link UsageError} with the path in the message.
 */
export async function readInputFile(path: string): Promise<Uint8Array> {
  try {
    return await readBounded(path);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    const why = e instanceof Deno.errors.NotFound ? "no such file" : (e as Error).message;
    throw new UsageError(`cannot read ${path}: ${why}`);
  }
}

/**
 * Reads at most {@link MAX_INPUT_BYTES} of `path`; a longer file (or an endless one, such as
 * `/dev/zero`) is a {@link UsageError}. Other failures are the runtime's errors.
 */
export async function readBounded(path: string): Promise<Uint8Array> {
  using file = await Deno.open(path);
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const chunk = new Uint8Array(Math.min(1 << 20, MAX_INPUT_BYTES + 1 - total));
    const n = await file.read(chunk);
    if (n === null) break;
    chunks.push(chunk.subarray(0, n));
    total += n;
    if (total > MAX_INPUT_BYTES) {
      throw new UsageError(`${path} is larger than ${MAX_INPUT_BYTES >> 20} MiB`);
    }
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) out.set(c, at), at += c.length;
  return out;
}
