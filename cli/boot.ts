/**
 * `svsm boot [--vcpus N] [--mem MiB] [--seed N] [--trace FILE] [--json] [--quiet]`: boots the
 * default confidential VM (the SVSM with its vTPM, the guest at VMPL2), attests it and verifies
 * it, as `examples/boot.ts` tells it. `--trace FILE` writes the machine trace in the Chrome
 * Trace Event Format (open it in ui.perfetto.dev).
 * Exit 0 booted and verified, 1 a check failed, 2 usage or an unwritable FILE.
 * @module
 */
import { parseArgs } from "node:util";
import { chromeTraceJson } from "../lib/snp/chrome_trace.ts";
import { boot, bootSucceeded, summaryLines } from "../examples/boot.ts";
import { type BootPhase, checkOptions, printPhase, ttyProgress } from "../examples/story.ts";
import { EXIT_NEGATIVE, EXIT_OK, type Subcommand, UsageError } from "./common.ts";

const HELP = `usage: svsm boot [--vcpus N] [--mem MiB] [--seed N] [--trace FILE] [--json] [--quiet]

Boots the default confidential VM on the SEV-SNP machine model: the firmware measures
the SVSM image, the SVSM boots at VMPL0 and starts the APs, the guest (VMPL2) validates
its memory through the SVSM, reads the vTPM's EK, gets an attestation report, and a
verifier checks the report, the EK it binds and a quote by an AK bound to that EK.

  --vcpus N       vCPUs, 1..64 (default 4)
  --mem MiB       VM memory, even, 8..4096 (default 256)
  --seed N        scheduler, firmware and vTPM seed (default 1): same seed, same run
  --trace FILE    write the machine trace as Chrome Trace Event JSON (Perfetto)
  --json          print the result as JSON
  --quiet         print only the summary

Exit status: 0 booted and verified, 1 a check failed, 2 usage or unwritable FILE.`;

/** The `boot` subcommand. */
const bootCommand: Subcommand = {
  summary: "boot, attest and verify the default confidential VM (--trace for Perfetto)",
  help: HELP,
  async run(args: string[]): Promise<number> {
    let values;
    try {
      values = parseArgs({
        args,
        options: {
          vcpus: { type: "string", default: "4" },
          mem: { type: "string", default: "256" },
          seed: { type: "string", default: "1" },
          trace: { type: "string" },
          json: { type: "boolean", default: false },
          quiet: { type: "boolean", default: false },
        },
      }).values;
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    const options = checkOptions(values);
    if (typeof options === "string") throw new UsageError(options);
    // Refused before booting: an empty FILE (an unset shell variable) cannot be written.
    if (values.trace === "") throw new UsageError("--trace needs a file name, not ''");
    const { summary, machine } = await boot(
      {
        ...options,
        quiet: values.quiet,
        trace: values.trace !== undefined,
        progress: values.quiet ? undefined : ttyProgress(),
      },
      phaseOutput(values.json, values.quiet),
    );
    if (values.trace !== undefined) {
      const json = chromeTraceJson(machine.trace.events, { vcpus: options.vcpus });
      try {
        await Deno.writeTextFile(values.trace, json);
      } catch (e) {
        throw new UsageError(`cannot write ${values.trace}: ${(e as Error).message}`);
      }
    }
    if (values.json) console.log(JSON.stringify(summary, null, 2));
    else console.log(summaryLines(summary).join("\n"));
    if (values.trace !== undefined && !values.json) {
      const dropped = machine.trace.dropped ? ` (${machine.trace.dropped} dropped)` : "";
      console.log(`trace: ${machine.trace.events.length} events${dropped} → ${values.trace}`);
    }
    return bootSucceeded(summary) ? EXIT_OK : EXIT_NEGATIVE;
  },
};

/** Phases on stdout (narration), or as progress on a terminal's stderr with --json. */
function phaseOutput(json: boolean, quiet: boolean): ((p: BootPhase) => void) | undefined {
  if (quiet) return undefined;
  if (!json) return printPhase;
  if (!Deno.stderr.isTerminal()) return undefined;
  return (p) => console.error(`[${p.ms.toFixed(1).padStart(7)} ms] ${p.step} ${p.title}`);
}

export default bootCommand;
