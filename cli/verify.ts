/**
 * `svsm verify REPORT.bin --vcek FILE --ask FILE --ark FILE [--now ISO-8601]
 * [--json]`: checks an attestation report against its certificate chain.
 * Exit 0 valid, 1 invalid (every reason listed), 2 usage or unreadable input.
 * @module
 */
import { parseArgs } from "node:util";
import { fromHex } from "../lib/common/hex.ts";
import {
  type Certificate,
  readCertificates,
  REPORT_SIZE,
  type TcbParts,
} from "../lib/snp/firmware/mod.ts";
import { reportToJson, type VerifyOptions, verifyReport } from "../lib/verify/mod.ts";
import { EXIT_NEGATIVE, EXIT_OK, readInputFile, type Subcommand, UsageError } from "./common.ts";

const HELP = `usage: svsm verify REPORT.bin --vcek FILE --ask FILE --ark FILE [options]

Verifies a SEV-SNP attestation report (versions 2, 3, 5): format, the chain
ARK -> ASK/ASVK -> VCEK/VLEK (RSA-PSS), the report signature (ECDSA P-384),
certificate TCB = REPORTED_TCB, hwID = CHIP_ID.

  --vcek FILE              VCEK or VLEK certificate (PEM or DER)
  --ask FILE               ASK or ASVK certificate (PEM or DER)
  --ark FILE               ARK certificate (PEM or DER)
  --now ISO-8601           time the certificates must be valid at (default: now)
  --json                   machine-readable output
  --measurement HEX        expected MEASUREMENT (96 hex)
  --report-data HEX        expected REPORT_DATA (128 hex)
  --host-data HEX          expected HOST_DATA (64 hex)
  --min-tcb LIST           minimum REPORTED_TCB, e.g. bl=3,tee=0,snp=8,ucode=115[,fmc=0]
  --vmpl N                 expected VMPL (0..3)
  --no-debug               reject a policy that allows debugging
  --committed-is-current   reject provisional firmware (committed != current)
  --amd-root               require AMD's genuine ARK for the product (pinned key)

Exit status: 0 valid, 1 invalid (every reason listed), 2 usage or unreadable input.`;

const verify: Subcommand = {
  summary: "verify an attestation report against its certificate chain",
  help: HELP,
  async run(args: string[]): Promise<number> {
    const { values, positionals } = parse(args);
    if (positionals.length !== 1) throw new UsageError("expected one REPORT.bin (see --help)");
    for (const k of ["vcek", "ask", "ark"] as const) {
      if (!values[k]) throw new UsageError(`--${k} FILE is required (see --help)`);
    }
    const raw = await readInputFile(positionals[0]);
    if (raw.length !== REPORT_SIZE) {
      throw new UsageError(
        `${
          positionals[0]
        }: an attestation report is ${REPORT_SIZE} bytes, this file has ${raw.length}`,
      );
    }
    const chain = {
      leaf: await readCert(values.vcek!),
      intermediate: await readCert(values.ask!),
      root: await readCert(values.ark!),
    };
    const result = verifyReport(raw, chain, options(values));
    if (values.json) {
      const { report, ...rest } = result;
      console.log(JSON.stringify({ ...rest, report: reportToJson(report) }, null, 2));
    } else {
      const r = result.report;
      console.log(
        `report ${positionals[0]}: version ${r.version}, product ${result.product ?? "?"}`,
      );
      for (const c of result.checks) {
        console.log(`  ${c.ok ? "ok  " : "FAIL"}  ${c.check.padEnd(24)} ${c.detail}`);
      }
      console.log(
        result.valid
          ? "VALID"
          : `INVALID (${result.reasons.length} reason${
            result.reasons.length === 1 ? "" : "s"
          }):\n  ${result.reasons.join("\n  ")}`,
      );
    }
    return result.valid ? EXIT_OK : EXIT_NEGATIVE;
  },
};

type Values = ReturnType<typeof parse>["values"];

function parse(args: string[]) {
  try {
    return parseArgs({
      args,
      allowPositionals: true,
      options: {
        vcek: { type: "string" },
        ask: { type: "string" },
        ark: { type: "string" },
        now: { type: "string" },
        json: { type: "boolean" },
        measurement: { type: "string" },
        "report-data": { type: "string" },
        "host-data": { type: "string" },
        "min-tcb": { type: "string" },
        vmpl: { type: "string" },
        "no-debug": { type: "boolean" },
        "committed-is-current": { type: "boolean" },
        "amd-root": { type: "boolean" },
      },
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

async function readCert(path: string): Promise<Certificate> {
  const bytes = await readInputFile(path);
  let certs: Certificate[];
  try {
    certs = readCertificates(bytes);
  } catch (e) {
    throw new UsageError(`${path}: ${(e as Error).message}`);
  }
  if (certs.length !== 1) {
    throw new UsageError(`${path}: expected one certificate, found ${certs.length}`);
  }
  return certs[0];
}

function options(v: Values): VerifyOptions {
  const o: VerifyOptions = {};
  if (v.now !== undefined) o.now = isoTime(v.now);
  o.measurement = hexOption(v.measurement, 48, "--measurement");
  o.reportData = hexOption(v["report-data"], 64, "--report-data");
  o.hostData = hexOption(v["host-data"], 32, "--host-data");
  if (v["min-tcb"] !== undefined) o.minTcb = tcbOption(v["min-tcb"]);
  if (v.vmpl !== undefined) {
    if (!/^[0-3]$/.test(v.vmpl)) throw new UsageError(`--vmpl must be 0..3, got '${v.vmpl}'`);
    o.vmpl = Number(v.vmpl);
  }
  o.noDebug = v["no-debug"];
  o.committedIsCurrent = v["committed-is-current"];
  o.amdRoot = v["amd-root"];
  return o;
}

/** A date (UTC midnight) or a date-time with a zone; anything else would be guessed at. */
const ISO_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2}))?$/;

function isoTime(text: string): Date {
  const m = ISO_TIME.exec(text);
  const t = new Date(text);
  // Date() rolls 2025-02-30 over to March 2 and reads a zoneless time in the local zone.
  const [y, mo, d, h = "0", mi = "0", s = "0"] = m?.slice(1) ?? [];
  const day = new Date(Date.UTC(+y, +mo - 1, +d));
  if (
    !m || isNaN(t.getTime()) || day.getUTCFullYear() !== +y || day.getUTCMonth() !== +mo - 1 ||
    day.getUTCDate() !== +d || +h > 23 || +mi > 59 || +s > 59
  ) {
    throw new UsageError(
      `--now '${text}' is not an ISO-8601 time (YYYY-MM-DD, or YYYY-MM-DDThh:mm[:ss]Z or ±hh:mm)`,
    );
  }
  return t;
}

function hexOption(v: string | undefined, size: number, name: string): Uint8Array | undefined {
  if (v === undefined) return undefined;
  if (v.length !== 2 * size) throw new UsageError(`${name} needs ${2 * size} hex characters`);
  try {
    return fromHex(v);
  } catch (e) {
    throw new UsageError(`${name}: ${(e as Error).message}`);
  }
}

const TCB_KEYS: Record<string, keyof TcbParts> = {
  fmc: "fmc",
  bl: "bootloader",
  tee: "tee",
  snp: "snp",
  ucode: "microcode",
};

function tcbOption(text: string): TcbParts {
  const parts: TcbParts = { bootloader: 0, tee: 0, snp: 0, microcode: 0 };
  for (const item of text.split(",")) {
    const m = /^(\w+)=(\d{1,3})$/.exec(item.trim());
    const key = m ? TCB_KEYS[m[1]] : undefined;
    if (!m || !key || Number(m[2]) > 255) {
      throw new UsageError(`--min-tcb: '${item}' is not one of fmc/bl/tee/snp/ucode=0..255`);
    }
    parts[key] = Number(m[2]);
  }
  return parts;
}

export default verify;
