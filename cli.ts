/**
 * The `svsm` command line: `deno task svsm <subcommand> [options]`.
 *
 * Subcommands live in `cli/<name>.ts` and are loaded on demand, so `svsm
 * measure` does not pay for the TPM. Exit codes follow `cli/common.ts`.
 *
 * @example
 * ```sh
 * deno task svsm --help
 * deno task svsm measure launch.json --steps
 * ```
 * @module
 */
import { EXIT_USAGE, printError, type Subcommand } from "./cli/common.ts";

/** The subcommands, each loaded only when used. */
const SUBCOMMANDS: Record<string, () => Promise<{ default: Subcommand }>> = {};

/** Registers subcommand modules; kept in one table so `--help` lists them all. */
function register(
  name: string,
  load: () => Promise<{ default: Subcommand }>,
): void {
  SUBCOMMANDS[name] = load;
}

register("measure", () => import("./cli/measure.ts"));
register("verify", () => import("./cli/verify.ts"));
register("report", () => import("./cli/report.ts"));
register("tpm-serve", () => import("./cli/tpm_serve.ts"));
register("boot", () => import("./cli/boot.ts"));

/**
 * Runs the CLI with `args` (without the program name) and resolves to the
 * process exit code.
 *
 * @example
 * ```ts
 * import { main } from "./cli.ts";
 * const code = await main(["--help"]);
 * ```
 */
export async function main(args: string[]): Promise<number> {
  const debug = args.includes("--debug");
  const rest = args.filter((a) => a !== "--debug");
  const [name, ...subArgs] = rest;
  if (name === undefined) {
    console.error(await topHelp()); // a usage error: stderr, like every other
    return EXIT_USAGE;
  }
  if (name === "--help" || name === "-h" || name === "help") {
    console.log(await topHelp());
    return 0;
  }
  const load = SUBCOMMANDS[name];
  if (!load) {
    printError(`unknown subcommand '${name}' (try --help)`);
    return EXIT_USAGE;
  }
  const sub = (await load()).default;
  if (subArgs.includes("--help") || subArgs.includes("-h")) {
    console.log(sub.help);
    return 0;
  }
  try {
    return await sub.run(subArgs);
  } catch (e) {
    if (debug) console.error(e);
    else printError(e instanceof Error ? e.message : String(e));
    return EXIT_USAGE;
  }
}

async function topHelp(): Promise<string> {
  const lines = ["usage: svsm <subcommand> [options] [--debug]", "", "subcommands:"];
  for (const [name, load] of Object.entries(SUBCOMMANDS)) {
    const sub = (await load()).default;
    lines.push(`  ${name.padEnd(10)} ${sub.summary}`);
  }
  lines.push("", "Run 'svsm <subcommand> --help' for its options.");
  return lines.join("\n");
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
