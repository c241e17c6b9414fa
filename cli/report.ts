/**
 * `svsm report REPORT.bin [--json]`: prints every field of an attestation
 * report (versions 2..5) in words, or as JSON. It checks nothing; see
 * `svsm verify` for that.
 * @module
 */
import { parseArgs } from "node:util";
import { parseReport, ReportFormatError } from "../lib/snp/firmware/mod.ts";
import { describeReport, reportToJson } from "../lib/verify/mod.ts";
import { EXIT_OK, readInputFile, type Subcommand, UsageError } from "./common.ts";

const HELP = `usage: svsm report REPORT.bin [--json]

Prints every field of a SEV-SNP attestation report (0x4A0 bytes, version 2..5):
TCBs split into components, policy and platform bits named. Verifies nothing.`;

const report: Subcommand = {
  summary: "dump an attestation report human-readably (or --json)",
  help: HELP,
  async run(args: string[]): Promise<number> {
    let parsed;
    try {
      parsed = parseArgs({ args, allowPositionals: true, options: { json: { type: "boolean" } } });
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    if (parsed.positionals.length !== 1) {
      throw new UsageError("expected one REPORT.bin (see --help)");
    }
    const path = parsed.positionals[0];
    let r;
    try {
      r = parseReport(await readInputFile(path));
    } catch (e) {
      if (e instanceof ReportFormatError) throw new UsageError(`${path}: ${e.message}`);
      throw e;
    }
    if (parsed.values.json) console.log(JSON.stringify(reportToJson(r), null, 2));
    else for (const f of describeReport(r)) console.log(`${f.name.padEnd(18)} ${f.value}`);
    return EXIT_OK;
  },
};

export default report;
