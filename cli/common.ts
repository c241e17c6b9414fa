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
 * Reads a file given on the command line, turning a missing or unreadable
 * file into a {@link UsageError} with the path in the message.
 */
export async function readInputFile(path: string): Promise<Uint8Array> {
  try {
    return await Deno.readFile(path);
  } catch (e) {
    const why = e instanceof Deno.errors.NotFound ? "no such file" : (e as Error).message;
    throw new UsageError(`cannot read ${path}: ${why}`);
  }
}
