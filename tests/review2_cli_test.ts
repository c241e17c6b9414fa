// Second review pass over what a user meets: the examples, `svsm tpm-serve` and the tools,
// played by a hostile user (bad flag values, empty paths) and a hostile TCP peer.
import assert from "node:assert/strict";
import net from "node:net";
import { boot, bootSucceeded } from "../examples/boot.ts";
import { progressText } from "../examples/story.ts";
import { createVm } from "../examples/vm.ts";
import { main as attestMain } from "../examples/attest.ts";
import { main as tpmMain } from "../examples/tpm.ts";
import { main as attackMain } from "../examples/attack.ts";
import bootCommand from "../cli/boot.ts";
import { parseTpmServeArgs, startTpmServe, STATE_FILE } from "../cli/tpm_serve.ts";
import { MAX_INPUT_BYTES, readInputFile, UsageError } from "../cli/common.ts";
import { main as svsm } from "../cli.ts";
import { RemoteTpm, serveSwtpm, TpmTcpClient } from "../lib/tpm/server/mod.ts";
import { Tpm } from "../lib/tpm/tpm.ts";
import { fromHex, toHex } from "../lib/common/hex.ts";

const MiB = 1 << 20;

async function captured(
  run: () => Promise<number>,
): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [], err: string[] = [];
  const { log, error } = console;
  console.log = (...a: unknown[]) => void out.push(a.join(" "));
  console.error = (...a: unknown[]) => void err.push(a.join(" "));
  try {
    return { code: await run(), out: out.join("\n"), err: err.join("\n") };
  } finally {
    console.log = log;
    console.error = error;
  }
}

/** Runs a repo script under `deno run` with `flags`; stdin closed, colours off. */
async function deno(flags: string[], script: string, args: string[]) {
  const path = new URL(`../${script}`, import.meta.url).pathname;
  const r = await new Deno.Command("deno", {
    args: ["run", "--no-check", ...flags, path, ...args],
    env: { NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder();
  return { code: r.code, out: text.decode(r.stdout), err: text.decode(r.stderr) };
}

// --mem is documented as 8..4096 MiB; `memMiB << 20` overflowed int32 from 2048 MiB on.
Deno.test("--mem 2048..4096: the VM is built with that much memory, and told in MiB", async () => {
  const vm = await createVm({ vcpus: 1, memMiB: 4096, vtpm: false, main: async () => {} });
  assert.equal(vm.layout.vmMemoryBytes, 4096 * MiB);
  assert.equal(progressText(3072 * MiB, 4092 * MiB), "  validating 3072/4092 MiB");
  assert.equal(progressText(4092 * MiB, 4092 * MiB), "");
  const { summary } = await boot({ seed: 1, vcpus: 4, memMiB: 2048, quiet: true });
  assert.ok(bootSucceeded(summary), JSON.stringify(summary.reportReasons));
  assert.match(summary.phases[2].title, /^guest memory: 2044 MiB validated/);
  assert.equal(summary.validatedPages, 2044 * 256);
});

// `--trace ""` booted the whole VM, then failed to write '' (exit 2 after the work).
Deno.test("svsm boot: an empty --trace is refused before the VM boots", async () => {
  await assert.rejects(
    bootCommand.run(["--trace", "", "--quiet"]),
    (e) => e instanceof UsageError && /--trace/.test(e.message),
  );
});

// `--state ""` (an unset shell variable) must not silently mean "no persistence".
Deno.test("tpm-serve: an empty --state is a usage error, not a TPM whose state is never saved", () => {
  assert.throws(() => parseTpmServeArgs(["--state", ""]), UsageError);
  assert.throws(() => parseTpmServeArgs(["--state="]), UsageError);
  assert.equal(parseTpmServeArgs(["--state", "d"]).stateDir, "d");
});

// `--out ""` became "/" (the trailing-slash strip fell back to the root); Number() took
// `--seed ""` as seed 0.
Deno.test("examples: an empty --out or --seed is a usage error before the VM runs", async () => {
  for (const run of [tpmMain, attackMain]) {
    for (const seed of ["", "1e3", "0x4"]) {
      const r = await captured(() => run(["--seed", seed]));
      assert.deepEqual([r.code, r.out], [2, ""], `--seed '${seed}'`);
      assert.match(r.err, /^--seed must be an integer\nusage:/);
    }
  }
  for (
    const args of [["--out", ""], ["--out", "/tmp/x", "--seed", ""], [
      "--out",
      "/tmp/x",
      "--seed",
      "1e3",
    ]]
  ) {
    const r = await captured(() => attestMain(args));
    assert.equal(r.code, 2, args.join(" "));
    assert.doesNotMatch(r.out, /report:/, `${args.join(" ")}: refused before booting`);
    assert.match(r.err, /usage:/);
  }
});

// attest.ts documents exit 1 when the report does not verify, but printed INVALID and exited 0.
// The model's VCEK is valid until 2031: a clock past that makes the report fail honestly.
Deno.test("example attest: a report that does not verify exits 1", async () => {
  const dir = await Deno.makeTempDir({ prefix: "review2_attest_" });
  const RealDate = globalThis.Date;
  globalThis.Date = class extends RealDate {
    constructor(...args: ConstructorParameters<typeof Date> | []) {
      super(...(args.length === 0 ? ["2032-06-01T00:00:00Z"] : args) as [string]);
    }
  } as DateConstructor;
  try {
    const r = await captured(() => attestMain(["--out", dir]));
    assert.match(r.out, /^report: INVALID: .*validity/m);
    assert.equal(r.code, 1, r.out);
  } finally {
    globalThis.Date = RealDate;
    await Deno.remove(dir, { recursive: true });
  }
});

// The tools are what a user runs for long jobs: a typo must not report a clean run.
Deno.test("tools: bad or unknown flags exit 2 with one line, no stack trace", async () => {
  const cases: [string, string[]][] = [
    ["tools/svsm_fuzz.ts", ["--calls", "abc"]],
    ["tools/svsm_fuzz.ts", ["--runs", "x"]],
    ["tools/svsm_fuzz.ts", ["--seed", "1e3"]],
    ["tools/svsm_fuzz.ts", ["--bogus"]],
    ["tools/lock_stress.ts", ["--bogus"]],
    ["tools/tpm_fuzz.ts", ["--bogus"]],
    ["tools/tpm_fuzz.ts", ["--iterations", "1", "--corpus", "/nonexistent/corpus.txt"]],
  ];
  for (const [script, args] of cases) {
    const r = await deno(["-R"], script, args);
    const what = `${script} ${args.join(" ")}: ${r.err}`;
    assert.equal(r.code, 2, what);
    assert.equal(r.err.trim().split("\n").length <= 2, true, what);
    assert.doesNotMatch(r.err, /Uncaught|^\s+at /m, what);
  }
});

const STARTUP_CLEAR = fromHex("80010000000c000001440000");

/**
 * Serves `--state DIR` in a fresh DIR, runs `session` on one raw connection, then loads DIR as a
 * killed server would leave it (no Shutdown, no exit save): a powered-on TPM.
 */
async function stateAfterKill(
  prefix: string,
  session: (c: TpmTcpClient, auxPort: number) => Promise<void>,
): Promise<Tpm> {
  const dir = await Deno.makeTempDir({ prefix });
  const { server } = await startTpmServe({
    port: 0,
    protocol: "swtpm",
    stateDir: dir,
    fresh: false,
    maxConnections: 8,
  });
  try {
    const c = await TpmTcpClient.connect(server.port, "raw");
    try {
      await session(c, server.auxPort);
    } finally {
      c.close();
    }
    const saved = await Tpm.loadState(await Deno.readFile(`${dir}/${STATE_FILE}`));
    saved.powerOn();
    return saved;
  } finally {
    await server.close();
    await Deno.remove(dir, { recursive: true });
  }
}
// TPM2_NV_DefineSpace(owner, empty auth, 0x01500020: SHA-256, OWNERWRITE|OWNERREAD, 8 bytes)
// with a password session (Part 3 §31.3).
const NV_DEFINE = fromHex(
  "80020000002d0000012a40000001000000094000000900000000000000000e01500020000b0002000200000008",
);
const NV_READ_PUBLIC = fromHex("80010000000e0000016901500020");
const rc = (rsp: Uint8Array) => new DataView(rsp.buffer, rsp.byteOffset).getUint32(6);

// swtpm stores NV after each command that writes it; saving only at Shutdown or exit lost an
// NV index, a persistent key or a hierarchy's auth when the server died (kill -9, a crash).
Deno.test("tpm-serve --state: an NV definition is on disk before the client hears of it", async () => {
  const saved = await stateAfterKill("review2_state_", async (c) => {
    assert.equal(rc(await c.command(STARTUP_CLEAR)), 0);
    assert.equal(toHex(await c.command(NV_DEFINE)), "80020000001300000000000000000000010000");
  });
  assert.equal(rc(await saved.execute(STARTUP_CLEAR)), 0);
  assert.equal(rc(await saved.execute(NV_READ_PUBLIC)), 0, "the NV index was saved");
});

// Exit 2 is a usage error, and usage errors go to stderr: `svsm > out.txt` must not fill
// out.txt with help while failing.
Deno.test("svsm with no subcommand: the usage on stderr, exit 2; --help on stdout, exit 0", async () => {
  const bare = await captured(() => svsm([]));
  assert.deepEqual([bare.code, bare.out], [2, ""]);
  assert.match(bare.err, /^usage: svsm <subcommand>/);
  const help = await captured(() => svsm(["--help"]));
  assert.deepEqual([help.code, help.err], [0, ""]);
  assert.match(help.out, /tpm-serve/);
});

// A hostile or broken server names a 4 GiB (or negative) response: the client refuses it at
// once instead of reserving the memory and waiting for bytes that never come.
Deno.test("TpmTcpClient: an out-of-bounds response size rejects at once, for both framings", async () => {
  const cases: ["raw" | "mssim", string][] = [
    ["raw", "8001ffffffff00000000"],
    ["raw", "800100000004000000000000"],
    ["mssim", "ffffffff8001"],
  ];
  for (const [framing, reply] of cases) {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const held: Deno.Conn[] = [];
    const serving = (async () => {
      const conn = await listener.accept();
      held.push(conn);
      await conn.read(new Uint8Array(64));
      await conn.write(fromHex(reply)); // and then silence, connection open
    })();
    const c = await TpmTcpClient.connect(listener.addr.port, framing);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const hung = new Promise((r) => timer = setTimeout(() => r("hung"), 3000));
    const outcome = await Promise.race([
      c.command(STARTUP_CLEAR).then(() => "answered", (e) => (e as Error).name),
      hung,
    ]);
    clearTimeout(timer);
    assert.equal(outcome, "TruncatedMessage", `${framing} ${reply}`);
    await serving;
    c.close();
    held.forEach((h) => h.close());
    listener.close();
  }
});

// A power signal has no caller to reject: a remote swtpm refusing CMD_STOP (or gone) ended the
// whole process with an unhandled rejection. Now the next command hears of it, once.
Deno.test("RemoteTpm: a refused power signal fails the next command, not the process", async () => {
  const ctrl = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  let data: Deno.TcpListener;
  try {
    data = Deno.listen({ hostname: "127.0.0.1", port: ctrl.addr.port - 1 });
  } catch {
    ctrl.close();
    return; // N-1 taken right now: nothing to learn from this run
  }
  const conns: Deno.Conn[] = [];
  const serve = async (l: Deno.TcpListener, reply: string) => {
    for await (const c of l) {
      conns.push(c);
      (async () => {
        const buf = new Uint8Array(64);
        while (await c.read(buf).catch(() => null) !== null) await c.write(fromHex(reply));
      })();
    }
  };
  const served = Promise.all([
    serve(ctrl, "0000000a"), // TPM_BAD_ORDINAL to every control message
    serve(data, "80010000000a00000000"),
  ]);
  const tpm = await RemoteTpm.connect(data.addr.port);
  try {
    tpm.powerOff();
    await assert.rejects(tpm.execute(STARTUP_CLEAR), /swtpm control result 10/);
    assert.equal(rc(await tpm.execute(STARTUP_CLEAR)), 0, "later commands go through");
  } finally {
    tpm.close();
    ctrl.close();
    data.close();
    conns.forEach((c) => c.close());
    await served;
  }
});

// A command that fails must leave the saved TPM alone: `--fresh` replaced DIR's state before
// finding the port taken, so a typo'd restart destroyed the TPM it was meant to reset later.
Deno.test("tpm-serve --state --fresh on a taken port: exit 2 and the saved TPM untouched", async () => {
  const dir = await Deno.makeTempDir({ prefix: "review2_taken_" });
  const taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const old = new TextEncoder().encode("the TPM someone still needs");
    await Deno.writeFile(`${dir}/${STATE_FILE}`, old);
    await assert.rejects(
      startTpmServe({
        port: taken.addr.port,
        protocol: "swtpm",
        stateDir: dir,
        fresh: true,
        maxConnections: 8,
      }),
      (e) => e instanceof UsageError && /cannot listen/.test(e.message),
    );
    assert.deepEqual(await Deno.readFile(`${dir}/${STATE_FILE}`), old);
  } finally {
    taken.close();
    await Deno.remove(dir, { recursive: true });
  }
});

// Two servers on one DIR each save their own TPM over the other's: the last save wins and the
// other's NV is silently gone. swtpm locks its state directory; so does tpm-serve.
Deno.test("tpm-serve --state: a second server on the same DIR is refused until the first stops", async () => {
  const dir = await Deno.makeTempDir({ prefix: "review2_lock_" });
  const options = { port: 0, protocol: "swtpm" as const, stateDir: dir, fresh: false };
  const first = await startTpmServe({ ...options, maxConnections: 8 });
  try {
    await assert.rejects(
      startTpmServe({ ...options, maxConnections: 8 }),
      (e) => e instanceof UsageError && /in use/.test(e.message),
    );
  } finally {
    await first.server.close();
  }
  const second = await startTpmServe({ ...options, maxConnections: 8 });
  await second.server.close();
  assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), [STATE_FILE]);
  await Deno.remove(dir, { recursive: true });
});

// TPM2_Startup clears the Shutdown(STATE) data and the orderly flag in NV (Part 1 §12.3): after
// a crash, Startup(STATE) must fail. Saved only at Shutdown, a killed server's DIR still held
// the old PCRs, so Startup(STATE) rolled PCR 0 back to before the extend.
Deno.test("tpm-serve --state: after Startup and a crash, Startup(STATE) cannot roll PCRs back", async () => {
  const STARTUP_STATE = fromHex("80010000000c000001440001");
  const SHUTDOWN_STATE = fromHex("80010000000c000001450001");
  const PCR0_EXTEND = fromHex(
    "80020000004100000182000000000000000940000009000000000000000001000b" + "11".repeat(32),
  );
  const crashed = await stateAfterKill("review2_resume_", async (c, auxPort) => {
    for (const cmd of [STARTUP_CLEAR, SHUTDOWN_STATE]) assert.equal(rc(await c.command(cmd)), 0);
    const ctrl = await Deno.connect({ hostname: "127.0.0.1", port: auxPort });
    await ctrl.write(fromHex("0000000200000000")); // CMD_INIT: _TPM_Init
    await ctrl.read(new Uint8Array(4));
    ctrl.close();
    for (const cmd of [STARTUP_STATE, PCR0_EXTEND]) assert.equal(rc(await c.command(cmd)), 0);
  });
  assert.notEqual(rc(await crashed.execute(STARTUP_STATE)), 0, "no resume after a crash");
});

// A real TPM keeps failedTries in NV: restarting it must not hand a password guesser a fresh
// set of tries (Part 1 §19.8.4). Saved only at Shutdown or exit, a killed server forgot them.
Deno.test("tpm-serve --state: a DA-counted authorization failure is on disk before the reply", async () => {
  // NV index 0x01500021, authValue "pw", AUTHREAD|AUTHWRITE (DA-protected), 8 bytes.
  const DEFINE = fromHex(
    "80020000002f0000012a400000010000000940000009000000000000027077000e01500021000b000400040000" +
      "0008",
  );
  // NV_Read(0x01500021) with the password "xx".
  const BAD_READ = fromHex(
    "80020000002500000" + "14e01500021015000210000000b400000090000000002787800080000",
  );
  const LOCKOUT_COUNTER = fromHex("800100000016000001" + "7a000000060000020e00000001");
  const crashed = await stateAfterKill("review2_da_", async (c) => {
    for (const cmd of [STARTUP_CLEAR, DEFINE]) assert.equal(rc(await c.command(cmd)), 0);
    assert.equal(rc(await c.command(BAD_READ)) & 0xbf, 0x08e, "TPM_RC_AUTH_FAIL");
  });
  assert.equal(rc(await crashed.execute(STARTUP_CLEAR)), 0);
  const cap = await crashed.execute(LOCKOUT_COUNTER);
  assert.equal(new DataView(cap.buffer, cap.byteOffset).getUint32(23), 1, "failedTries kept");
});

// `svsm report /dev/zero` read until V8 died of memory (exit 133): the CLI's inputs are small
// (a 1184-byte report, certificates, a launch description, a TPM state), so it reads a bounded
// amount and says so, as a usage error. A sparse file stands in for /dev/zero here.
Deno.test("CLI inputs: a file past MAX_INPUT_BYTES is a usage error, not a memory exhaustion", async () => {
  const dir = await Deno.makeTempDir({ prefix: "review2_big_" });
  try {
    const big = `${dir}/${STATE_FILE}`;
    await Deno.writeFile(big, new Uint8Array(0));
    await Deno.truncate(big, MAX_INPUT_BYTES + 1);
    await assert.rejects(
      readInputFile(big),
      (e) => e instanceof UsageError && /larger/.test(e.message),
    );
    await assert.rejects(
      startTpmServe({ port: 0, protocol: "swtpm", stateDir: dir, fresh: false, maxConnections: 1 }),
      (e) => e instanceof UsageError && /larger/.test(e.message),
    );
    await Deno.truncate(big, 1184);
    assert.equal((await readInputFile(big)).length, 1184);
    await assert.rejects(
      readInputFile(dir),
      (e) => e instanceof UsageError && e.message.includes(dir),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

// One connection reset by its peer while it waited in the accept queue made Deno's accept()
// throw (NotConnected), and the accept loop took any error for "closed": the port stayed
// bound and silent for good. Any local user could switch the TPM off with one RST.
Deno.test("a peer that resets its connection before it is accepted does not stop the server", async () => {
  const tpm = await Tpm.manufacture({ seed: new Uint8Array(32) });
  tpm.powerOn();
  const server = serveSwtpm(tpm, { port: 0, maxConnections: 1 });
  try {
    const holder = await TpmTcpClient.connect(server.port, "raw");
    assert.equal(rc(await holder.command(STARTUP_CLEAR)), 0); // the only slot is taken
    for (let i = 0; i < 3; i++) {
      await new Promise<void>((resolve, reject) => {
        const s = net.connect(server.port, "127.0.0.1", () => {
          s.resetAndDestroy(); // RST while queued
          resolve();
        });
        s.on("error", reject);
      });
    }
    holder.close();
    const next = await TpmTcpClient.connect(server.port, "raw");
    let timer: ReturnType<typeof setTimeout> | undefined;
    const outcome = await Promise.race([
      next.command(fromHex("80010000000c0000017b0008")).then((r) => `rc ${rc(r)}`),
      new Promise((r) => timer = setTimeout(() => r("not served"), 3000)),
    ]);
    clearTimeout(timer);
    next.close();
    assert.equal(outcome, "rc 0");
  } finally {
    await server.close();
  }
});

/** A port N with N and N+1 free right now. */
function freePair(): number {
  for (;;) {
    const a = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    try {
      Deno.listen({ hostname: "127.0.0.1", port: a.addr.port + 1 }).close();
      return a.addr.port;
    } catch {
      // N+1 taken: try another N
    } finally {
      a.close();
    }
  }
}

// Closing the terminal that runs `svsm tpm-serve &` sends SIGHUP: that is an exit too, and
// the state (DA counters, clock, Shutdown(STATE) data) is saved on exit.
Deno.test({
  name: "svsm tpm-serve as a process: SIGHUP saves state and exits 0, like SIGINT and SIGTERM",
  ignore: Deno.build.os === "windows",
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "review2_hup_" });
    try {
      const port = freePair();
      const cli = new URL("../cli.ts", import.meta.url).pathname;
      const child = new Deno.Command("deno", {
        args: [
          ...["run", "--no-check", "--allow-net=127.0.0.1", `--allow-read=${dir}`],
          ...[`--allow-write=${dir}`, cli, "tpm-serve", "--port", String(port), "--state", dir],
        ],
        env: { NO_COLOR: "1" },
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      // Wait for the banner: printed once serving, with the signal handlers installed next.
      const text = new TextDecoder();
      const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
      let banner = "";
      while (!banner.includes("TPM2TOOLS_TCTI")) {
        const { value, done } = await lines.read();
        if (done) break;
        banner += value;
      }
      await new Promise((r) => setTimeout(r, 50)); // the listeners follow the banner's last line
      child.kill("SIGHUP");
      while (!(await lines.read()).done);
      const status = await child.status;
      const err = text.decode(await new Response(child.stderr).arrayBuffer());
      assert.deepEqual([status.code, status.signal], [0, null], err);
      await Tpm.loadState(await Deno.readFile(`${dir}/${STATE_FILE}`));
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
