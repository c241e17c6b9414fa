/**
 * Fuzzing the TPM (issue 6: at least 100,000 random, mutated and truncated
 * commands in CI): in-process against the engine, and a shorter run through
 * the mssim server over TCP. Mutations start from real tpm2-tools commands
 * (tests/vectors/tpm_fuzz/corpus.hex). Longer runs: `tools/tpm_fuzz.ts
 * --iterations N --seed S`.
 */
import assert from "node:assert/strict";
import { Tpm } from "../lib/tpm/tpm.ts";
import {
  errorResponse,
  serveMssim,
  serveSwtpm,
  TPM_BUFFER_MAX,
  TPM_HEADER_SIZE,
  TPM_RC_COMMAND_SIZE,
  type TpmDevice,
  TpmTcpClient,
} from "../lib/tpm/server/mod.ts";
import {
  checkResponse,
  fuzzTpm,
  isClean,
  parseCorpus,
  sanityCheck,
  STARTUP_CLEAR,
} from "../tools/tpm_fuzz.ts";

/** The CI count: issue 6 asks for at least 100,000 (about 2-4 s here). */
const FUZZ_ITERATIONS = 100_000;
/** Through TCP, one command in flight: bounded to keep the suite fast. */
const WIRE_ITERATIONS = 5_000;

const corpus = parseCorpus(
  await Deno.readTextFile(new URL("./vectors/tpm_fuzz/corpus.hex", import.meta.url)),
);

async function startedTpm(seed: number, errors: unknown[]): Promise<Tpm> {
  const tpm = await Tpm.manufacture({
    seed: new Uint8Array(32).fill(seed),
    onInternalError: (cc, e) => errors.push([cc, e]),
  });
  tpm.powerOn();
  assert.equal(checkResponse(await tpm.execute(STARTUP_CLEAR)), null);
  return tpm;
}

function describe(report: Awaited<ReturnType<typeof fuzzTpm>>): string {
  return JSON.stringify({
    escapes: report.escapes,
    internalErrors: report.internalErrors,
    malformed: report.malformed,
    findings: report.findings,
    sanity: report.sanity,
  });
}

Deno.test("corpus: real commands, each framed by its own size field", () => {
  assert.ok(corpus.length >= 50, `${corpus.length} commands`);
  for (const c of corpus) {
    assert.equal(new DataView(c.buffer).getUint32(2), c.length);
    assert.ok(c.length <= TPM_BUFFER_MAX);
  }
  assert.ok(new Set(corpus.map((c) => new DataView(c.buffer).getUint32(6))).size >= 30);
});

Deno.test(`fuzz: ${FUZZ_ITERATIONS} commands into our TPM, no escapes, well-formed, still works`, async () => {
  const errors: unknown[] = [];
  const tpm = await startedTpm(7, errors);
  const report = await fuzzTpm(tpm, {
    iterations: FUZZ_ITERATIONS,
    seed: 0x5eed,
    corpus,
    internalErrors: () => errors.length,
  });
  assert.ok(isClean(report), describe(report));
  assert.equal(report.commands, FUZZ_ITERATIONS);
  for (const [strategy, n] of Object.entries(report.byStrategy)) {
    assert.ok(n > FUZZ_ITERATIONS / 20, `${strategy}: ${n}`);
  }
  // Not all rejected at the header: some mutants run to completion.
  assert.ok((report.byRc.get(0) ?? 0) > FUZZ_ITERATIONS / 200, `${report.byRc.get(0)} successes`);
  assert.ok(report.byRc.size > 20, `${report.byRc.size} distinct response codes`);
});

/**
 * Fuzzes `tpm` behind a server on loopback: `send` frames each command for the
 * wire (or answers locally what the wire cannot carry).
 */
async function fuzzOverTcp(
  protocol: "mssim" | "swtpm",
  seed: number,
  send: (client: TpmTcpClient, command: Uint8Array) => Promise<Uint8Array>,
): Promise<void> {
  const errors: unknown[] = [];
  const tpm = await startedTpm(protocol === "mssim" ? 9 : 11, errors);
  const server = protocol === "mssim" ? serveMssim(tpm, { port: 0 }) : serveSwtpm(tpm, { port: 0 });
  const client = await TpmTcpClient.connect(server.port, protocol === "mssim" ? "mssim" : "raw");
  try {
    const wire: TpmDevice = {
      get poweredOn() {
        return tpm.poweredOn;
      },
      powerOn: () => tpm.powerOn(),
      powerOff: () => tpm.powerOff(),
      reset: () => tpm.reset(),
      execute: (c) => send(client, c),
    };
    const report = await fuzzTpm(wire, {
      iterations: WIRE_ITERATIONS,
      seed,
      corpus,
      internalErrors: () => errors.length,
    });
    assert.ok(isClean(report), describe(report));
  } finally {
    client.close();
    await server.close();
  }
}

Deno.test(`fuzz over TCP: ${WIRE_ITERATIONS} commands through the mssim server`, () =>
  // The wire adds framing only; oversize commands are refused before the TPM.
  fuzzOverTcp("mssim", 0xbeef, (client, c) =>
    c.length > TPM_BUFFER_MAX
      ? Promise.resolve(errorResponse(TPM_RC_COMMAND_SIZE))
      : client.command(c, 0)));

Deno.test(`fuzz over TCP: ${WIRE_ITERATIONS} commands through the swtpm data port (raw framing)`, () =>
  // Raw framing is the command's own size field: the wire sends it true (a false one would
  // desynchronize the stream, which tpm_server_test covers), and answers locally what cannot
  // be framed: too short for a header, too long, or starting like the mssim prefix.
  fuzzOverTcp("swtpm", 0xfeed, (client, c) => {
    const v = new DataView(c.buffer, c.byteOffset, c.length);
    if (c.length < TPM_HEADER_SIZE || c.length > TPM_BUFFER_MAX || v.getUint32(0) === 8) {
      return Promise.resolve(errorResponse(TPM_RC_COMMAND_SIZE));
    }
    const framed = c.slice();
    new DataView(framed.buffer).setUint32(2, framed.length);
    return client.command(framed);
  }));

Deno.test("fuzz checker: catches escapes, malformed responses and a broken TPM", async () => {
  let n = 0;
  const broken: TpmDevice = {
    poweredOn: true,
    powerOn() {},
    powerOff() {},
    reset() {},
    execute(): Promise<Uint8Array> {
      n++;
      if (n % 3 === 0) return Promise.reject(new Error("escaped"));
      if (n % 3 === 1) return Promise.resolve(new Uint8Array([0x80, 1, 0, 0, 0, 99, 0, 0, 0, 0]));
      return Promise.resolve(new Uint8Array([0x80, 1, 0, 0, 0, 11, 0, 0, 1, 0x01, 0xff]));
    },
  };
  const report = await fuzzTpm(broken, { iterations: 300, seed: 1, corpus });
  assert.ok(report.escapes > 0);
  assert.ok(report.malformed > 0);
  assert.ok(report.sanity.length > 0);
  assert.equal(isClean(report), false);
  assert.match(checkResponse(new Uint8Array(4)) ?? "", /4 bytes/);
  assert.match(
    checkResponse(new Uint8Array([0, 0xc4, 0, 0, 0, 10, 0, 0, 0, 0])) ?? "",
    /TPM_ST_RSP_COMMAND/,
  );
  assert.equal(checkResponse(new Uint8Array([0, 0xc4, 0, 0, 0, 10, 0, 0, 0, 0x1e])), null);
});

Deno.test("sanity check: a fresh TPM passes", async () => {
  const errors: unknown[] = [];
  assert.deepEqual(await sanityCheck(await startedTpm(3, errors)), []);
  assert.deepEqual(errors, []);
});
