/**
 * `svsm measure LAUNCH.json [--steps]`: prints the launch digest (the
 * MEASUREMENT a report must carry) of a described launch; with `--steps`,
 * the digest after every update, one per line.
 * @module
 */
import { parseArgs } from "node:util";
import { toHex } from "../lib/common/hex.ts";
import { measureLaunch } from "../lib/snp/firmware/launch_digest.ts";
import { LAUNCH_DIGEST_SIZE } from "../lib/snp/firmware/page_info.ts";
import {
  LaunchDescriptionError,
  parseLaunchDescription,
} from "../lib/snp/firmware/launch_description.ts";
import { EXIT_OK, readInputFile, type Subcommand, UsageError } from "./common.ts";

const HELP = `usage: svsm measure LAUNCH.json [--steps]

Computes the SEV-SNP launch digest (SHA-384 chain over PAGE_INFO records).

LAUNCH.json: {"seed"?: "<96 hex>", "updates": [{"type": "NORMAL"|"VMSA"|"ZERO"|
  "UNMEASURED"|"SECRETS"|"CPUID", "gpa": "0x...", "data"?: "<8192 hex: the page>",
  "contents"?: "<96 hex: the PAGE_INFO contents field>"}]}

Prints the 96-hex MEASUREMENT; with --steps, the digest after every update.`;

const measure: Subcommand = {
  summary: "launch digest (MEASUREMENT) of a JSON launch description",
  help: HELP,
  async run(args: string[]): Promise<number> {
    const { values, positionals } = parse(args);
    if (positionals.length !== 1) throw new UsageError("expected one LAUNCH.json (see --help)");
    const path = positionals[0];
    const text = new TextDecoder().decode(await readInputFile(path));
    let description;
    try {
      description = parseLaunchDescription(JSON.parse(text));
    } catch (e) {
      if (e instanceof SyntaxError || e instanceof LaunchDescriptionError) {
        throw new UsageError(`${path}: ${e.message}`);
      }
      throw e;
    }
    const steps = measureLaunch(description.updates, description.seed);
    const final = steps.at(-1) ?? description.seed ?? new Uint8Array(LAUNCH_DIGEST_SIZE);
    const lines = values.steps ? steps : [final];
    // One line per digest: an empty launch has no steps, so --steps prints nothing.
    if (lines.length > 0) console.log(lines.map(toHex).join("\n"));
    return EXIT_OK;
  },
};

function parse(args: string[]) {
  try {
    return parseArgs({ args, options: { steps: { type: "boolean" } }, allowPositionals: true });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

export default measure;
