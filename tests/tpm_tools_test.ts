/**
 * End to end with Debian's tpm2-tools 5.4 (tpm2-tss 3.2.1 TCTIs): our TPM
 * served in-process on a free loopback port pair, one `tpm2 <tool>` process
 * per command, as a user would drive swtpm (issue 6, "A TPM server for real
 * clients"). Each tool is a `t.step`, so a failure names the command.
 *
 * The same flow also runs against swtpm behind our swtpm front end: that
 * proves the flow's expectations on a reference TPM, so a step failing only
 * on our engine is an engine fault, not a test fault.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { Tpm } from "../lib/tpm/tpm.ts";
import {
  RemoteTpm,
  serveMssim,
  serveSwtpm,
  type TpmDevice,
  type TpmServer,
} from "../lib/tpm/server/mod.ts";
import tpmServe, { parseTpmServeArgs, startTpmServe, STATE_FILE } from "../cli/tpm_serve.ts";
import { EXIT_OK, UsageError } from "../cli/common.ts";
import { startSwtpm } from "./support/swtpm.ts";

async function installed(cmd: string, ...args: string[]): Promise<boolean> {
  try {
    return (await new Deno.Command(cmd, { args, stdout: "null", stderr: "null" }).output())
      .success;
  } catch {
    return false;
  }
}

const HAVE_TPM2 = await installed("tpm2", "getrandom", "--version");
const HAVE_SWTPM = HAVE_TPM2 && await installed("swtpm", "--version");
if (!HAVE_TPM2) {
  console.warn(
    `ignoring tpm2-tools tests: ${"tpm2-tools not installed (apt-get install tpm2-tools); CI installs it"}`,
  );
}

/** One `tpm2` multi-call process per command, in a scratch directory. */
class Tools {
  constructor(
    readonly tcti: string,
    readonly dir: string,
    /** Flush transient objects after every tool: swtpm holds only 3 (tpm-interop.md §3.3). */
    readonly flushEach: boolean,
  ) {}

  async run(args: string[], stdin?: string): Promise<{ code: number; out: string; err: string }> {
    const child = new Deno.Command("tpm2", {
      args,
      cwd: this.dir,
      env: { TPM2TOOLS_TCTI: this.tcti },
      stdin: stdin === undefined ? "null" : "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    if (stdin !== undefined) {
      const w = child.stdin.getWriter();
      await w.write(new TextEncoder().encode(stdin));
      await w.close();
    }
    const r = await child.output();
    const dec = new TextDecoder();
    return { code: r.code, out: dec.decode(r.stdout), err: dec.decode(r.stderr) };
  }

  /** Runs a tool that must succeed; resolves to its stdout. */
  ok(...args: string[]): Promise<string> {
    return this.okWithInput(undefined, ...args);
  }

  /** Like {@link ok}, with `stdin` piped to the tool. */
  async okWithInput(stdin: string | undefined, ...args: string[]): Promise<string> {
    const r = await this.run(args, stdin);
    const why = r.err.trim().split("\n").filter((l) => l.startsWith("ERROR")).slice(-3);
    assert.equal(r.code, 0, `tpm2 ${args.join(" ")} exited ${r.code}: ${why.join(" | ")}`);
    if (this.flushEach && args[0] !== "flushcontext") await this.flush();
    return r.out;
  }

  /** Runs a tool that must fail; resolves to its stderr. */
  async fails(...args: string[]): Promise<string> {
    const r = await this.run(args);
    assert.notEqual(r.code, 0, `tpm2 ${args.join(" ")} should have failed`);
    if (this.flushEach) await this.flush();
    return r.err;
  }

  async flush(): Promise<void> {
    const r = await this.run(["flushcontext", "-t"]);
    assert.equal(r.code, 0, `tpm2 flushcontext -t: ${r.err.trim()}`);
  }

  path(name: string): string {
    return `${this.dir}/${name}`;
  }

  write(name: string, data: string | Uint8Array): Promise<void> {
    return typeof data === "string"
      ? Deno.writeTextFile(this.path(name), data)
      : Deno.writeFile(this.path(name), data);
  }

  read(name: string): Promise<Uint8Array> {
    return Deno.readFile(this.path(name));
  }
}

const sha256 = (...parts: Uint8Array[]): Uint8Array => {
  const h = createHash("sha256");
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
};
const hex = (b: Uint8Array): string =>
  Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
const ZERO32 = new Uint8Array(32);
const MESSAGE = "attested by a TypeScript TPM\n";

/** The PCR 16 SHA-256 value in `tpm2 pcrread sha256:16` output. */
function pcr16(out: string): string {
  const m = out.match(/16\s*:\s*0x([0-9A-Fa-f]{64})/);
  assert.ok(m, `no PCR 16 in: ${out}`);
  return m[1].toLowerCase();
}

/** The full flow of issue 6, one step per tool (or per tightly bound pair). */
async function fullFlow(t: Deno.TestContext, x: Tools): Promise<void> {
  await x.write("msg", MESSAGE);
  const msg = new TextEncoder().encode(MESSAGE);
  const step = (name: string, fn: () => Promise<void>) => t.step(name, fn);

  await step("startup -c", async () => void await x.ok("startup", "-c"));
  await step("selftest --fulltest", async () => void await x.ok("selftest", "--fulltest"));
  await step("getcap properties-fixed, algorithms, pcrs, commands", async () => {
    const fixed = await x.ok("getcap", "properties-fixed");
    assert.match(fixed, /TPM2_PT_FAMILY_INDICATOR:[\s\S]*value: "2.0"/);
    assert.match(fixed, /TPM2_PT_MAX_DIGEST/);
    assert.match(await x.ok("getcap", "algorithms"), /sha256:/);
    assert.match(await x.ok("getcap", "pcrs"), /sha256: \[ 0, 1, 2,/);
    assert.match(await x.ok("getcap", "commands"), /TPM2_CC_CreatePrimary/);
  });
  await step("getrandom", async () => {
    const a = (await x.ok("getrandom", "--hex", "16")).trim();
    const b = (await x.ok("getrandom", "--hex", "16")).trim();
    assert.match(a, /^[0-9a-f]{32}$/);
    assert.notEqual(a, b);
  });
  await step("pcrread / pcrextend / pcrevent / pcrreset", async () => {
    assert.equal(pcr16(await x.ok("pcrread", "sha256:16")), hex(ZERO32));
    const d = sha256(new TextEncoder().encode("event one"));
    await x.ok("pcrextend", `16:sha256=${hex(d)}`);
    const afterExtend = sha256(ZERO32, d);
    assert.equal(pcr16(await x.ok("pcrread", "sha256:16")), hex(afterExtend));
    const ev = await x.ok("pcrevent", "16", "msg");
    assert.match(ev, new RegExp(`sha256: ${hex(sha256(msg))}`));
    assert.equal(
      pcr16(await x.ok("pcrread", "sha256:16")),
      hex(sha256(afterExtend, sha256(msg))),
    );
    await x.ok("pcrreset", "16");
    assert.equal(pcr16(await x.ok("pcrread", "sha256:16")), hex(ZERO32));
  });
  await step("createprimary RSA-2048", async () => {
    const out = await x.ok("createprimary", "-C", "o", "-G", "rsa2048", "-c", "prim_rsa.ctx");
    assert.match(out, /rsa/);
  });
  await step("createprimary ECC P-256", async () => {
    assert.match(
      await x.ok("createprimary", "-C", "o", "-G", "ecc256", "-c", "prim.ctx"),
      /ecc/,
    );
  });
  await step("create / load (ECDSA P-256 signing key)", async () => {
    await createSigningKey(x);
  });
  await step("sign / verifysignature, and openssl verifies the signature", async () => {
    await x.ok("sign", "-c", "k.ctx", "-g", "sha256", "-o", "sig.tss", "msg");
    await x.ok("verifysignature", "-c", "k.ctx", "-g", "sha256", "-m", "msg", "-s", "sig.tss");
    await x.write("msg2", MESSAGE + "tampered");
    await x.fails("verifysignature", "-c", "k.ctx", "-g", "sha256", "-m", "msg2", "-s", "sig.tss");
    await x.ok("sign", "-c", "k.ctx", "-g", "sha256", "-f", "plain", "-o", "sig.der", "msg");
    await x.ok("readpublic", "-c", "k.ctx", "-f", "pem", "-o", "k.pem");
    const v = await new Deno.Command("openssl", {
      args: ["dgst", "-sha256", "-verify", "k.pem", "-signature", "sig.der", "msg"],
      cwd: x.dir,
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.ok(v.success, `openssl: ${new TextDecoder().decode(v.stderr)}`);
    assert.match(new TextDecoder().decode(v.stdout), /Verified OK/);
  });
  await x.flush();
  await step("createek / createak", async () => {
    await x.ok("createek", "-c", "ek.ctx", "-G", "rsa", "-u", "ek.pub");
    await x.ok(
      "createak",
      ...["-C", "ek.ctx", "-c", "ak.ctx", "-G", "rsa", "-g", "sha256", "-s", "rsassa"],
      ...["-u", "ak.pub", "-n", "ak.name"],
    );
  });
  await step("quote / checkquote (and a wrong nonce is rejected)", async () => {
    await x.ok(
      "quote",
      ...["-c", "ak.ctx", "-l", "sha256:0,16", "-q", "a1b2c3d4"],
      ...["-m", "q.msg", "-s", "q.sig", "-o", "q.pcrs", "-g", "sha256"],
    );
    const common = ["-u", "ak.pub", "-m", "q.msg", "-s", "q.sig", "-f", "q.pcrs", "-g", "sha256"];
    await x.ok("checkquote", ...common, "-q", "a1b2c3d4");
    await x.fails("checkquote", ...common, "-q", "a1b2c3d5");
  });
  await x.flush();
  await step("nvdefine / nvwrite / nvread / nvundefine", async () => {
    const data = sha256(msg);
    await x.write("nv.bin", data);
    await x.ok("nvdefine", "0x1500016", "-C", "o", "-s", "32", "-a", "ownerread|ownerwrite");
    await x.ok("nvwrite", "0x1500016", "-C", "o", "-i", "nv.bin");
    await x.ok("nvread", "0x1500016", "-C", "o", "-s", "32", "-o", "nv.out");
    assert.equal(hex(await x.read("nv.out")), hex(data));
    await x.ok("nvundefine", "0x1500016", "-C", "o");
    await x.fails("nvread", "0x1500016", "-C", "o", "-s", "32");
  });
  await step("NV counter: nvincrement", async () => {
    await x.ok(
      "nvdefine",
      "0x1500017",
      "-C",
      "o",
      "-s",
      "8",
      "-a",
      "nt=counter|ownerread|ownerwrite",
    );
    await x.ok("nvincrement", "0x1500017", "-C", "o");
    await x.ok("nvread", "0x1500017", "-C", "o", "-s", "8", "-o", "c1");
    await x.ok("nvincrement", "0x1500017", "-C", "o");
    await x.ok("nvread", "0x1500017", "-C", "o", "-s", "8", "-o", "c2");
    const v = async (f: string) => new DataView((await x.read(f)).buffer).getBigUint64(0);
    assert.equal(await v("c2"), (await v("c1")) + 1n);
    await x.ok("nvundefine", "0x1500017", "-C", "o");
  });
  await step("hash", async () => {
    assert.equal((await x.ok("hash", "-g", "sha256", "--hex", "msg")).trim(), hex(sha256(msg)));
    await x.ok("hash", "-C", "o", "-g", "sha256", "-o", "h.bin", "-t", "h.tkt", "msg");
    assert.equal(hex(await x.read("h.bin")), hex(sha256(msg)));
    assert.ok((await x.read("h.tkt")).length > 6, "a hashcheck ticket from the owner hierarchy");
  });
  await step("hmac (keyedhash key; one-shot and sequence agree on determinism)", async () => {
    await x.ok("create", "-C", "prim.ctx", "-G", "hmac", "-u", "hm.pub", "-r", "hm.priv");
    await x.ok("load", "-C", "prim.ctx", "-u", "hm.pub", "-r", "hm.priv", "-c", "hm.ctx");
    const a = (await x.ok("hmac", "-c", "hm.ctx", "--hex", "msg")).trim();
    const b = (await x.ok("hmac", "-c", "hm.ctx", "--hex", "msg")).trim();
    const c = (await x.ok("hmac", "-c", "hm.ctx", "--hex", "msg2")).trim();
    assert.match(a, /^[0-9a-f]{64}$/);
    assert.equal(a, b);
    assert.notEqual(a, c);
    // From stdin tpm2_hmac runs HMAC_Start + SequenceUpdate + SequenceComplete with an HMAC
    // session on the sequence handle; it must agree with the one-shot, and leave no
    // sequence behind for `flushcontext -t` (ReadPublic on a sequence is TPM_RC_SEQUENCE).
    assert.equal((await x.okWithInput(MESSAGE, "hmac", "-c", "hm.ctx", "--hex")).trim(), a);
    await x.flush();
  });
  await x.flush();
  await step("encryptdecrypt (AES-128-CFB key) round trip", async () => {
    await x.ok("create", "-C", "prim.ctx", "-G", "aes128cfb", "-u", "aes.pub", "-r", "aes.priv");
    await x.ok("load", "-C", "prim.ctx", "-u", "aes.pub", "-r", "aes.priv", "-c", "aes.ctx");
    await x.write("iv", new Uint8Array(16).fill(7));
    await x.ok("encryptdecrypt", "-c", "aes.ctx", "-t", "iv", "-o", "ct", "msg");
    await x.ok("encryptdecrypt", "-d", "-c", "aes.ctx", "-t", "iv", "-o", "pt", "ct");
    const ct = await x.read("ct");
    assert.equal(ct.length, msg.length);
    assert.notEqual(hex(ct), hex(msg));
    assert.equal(new TextDecoder().decode(await x.read("pt")), MESSAGE);
  });
  await x.flush();
  await step("PCR policy: seal, unseal, extend, unseal fails", async () => {
    await x.ok("pcrread", "sha256:16", "-o", "pcr.bin");
    await x.ok("createpolicy", "--policy-pcr", "-l", "sha256:16", "-f", "pcr.bin", "-L", "pcr.pol");
    await x.write("secret", "the sealed secret");
    await x.ok(
      "create",
      "-C",
      "prim.ctx",
      "-L",
      "pcr.pol",
      "-i",
      "secret",
      "-u",
      "s.pub",
      "-r",
      "s.priv",
    );
    await x.ok("load", "-C", "prim.ctx", "-u", "s.pub", "-r", "s.priv", "-c", "s.ctx");
    assert.equal(await x.ok("unseal", "-c", "s.ctx", "-p", "pcr:sha256:16"), "the sealed secret");
    await x.ok("pcrextend", `16:sha256=${hex(sha256(msg))}`);
    const err = await x.fails("unseal", "-c", "s.ctx", "-p", "pcr:sha256:16");
    assert.match(err, /0x99D|policy check failed/i, "TPM_RC_POLICY_FAIL on session 1");
    await x.ok("pcrreset", "16");
  });
  await x.flush();
  await step("salted HMAC session (salt encrypted to the RSA primary)", async () => {
    await x.ok("startauthsession", "-S", "hs.ctx", "--hmac-session", "-c", "prim_rsa.ctx");
    assert.match((await x.ok("getrandom", "-S", "hs.ctx", "--hex", "8")).trim(), /^[0-9a-f]{16}$/);
    await x.ok("createprimary", "-C", "o", "-P", "session:hs.ctx", "-G", "ecc256", "-c", "p2.ctx");
    await x.ok("flushcontext", "hs.ctx");
  });
  await x.flush();
  await step("evictcontrol: persist, use, evict", async () => {
    await x.ok("evictcontrol", "-C", "o", "-c", "prim.ctx", "0x81000001");
    assert.match(await x.ok("getcap", "handles-persistent"), /0x81000001/);
    await x.ok("readpublic", "-c", "0x81000001");
    await x.ok("evictcontrol", "-C", "o", "-c", "0x81000001");
    assert.doesNotMatch(await x.ok("getcap", "handles-persistent"), /0x81000001/);
  });
  await step("clear: owner objects and NV are gone", async () => {
    await x.ok("evictcontrol", "-C", "o", "-c", "prim.ctx", "0x81000002");
    await x.ok("nvdefine", "0x1500018", "-C", "o", "-s", "8", "-a", "ownerread|ownerwrite");
    await x.ok("clear");
    assert.doesNotMatch(await x.ok("getcap", "handles-persistent"), /0x81000002/);
    assert.doesNotMatch(await x.ok("getcap", "handles-nv-index"), /0x1500018/);
  });
  await step("shutdown -c", async () => void await x.ok("shutdown", "-c"));
}

/** The short mssim run: the two-socket TCTI with its POWER_ON per process. */
async function mssimFlow(t: Deno.TestContext, x: Tools): Promise<void> {
  await x.write("msg", MESSAGE);
  await t.step("startup -c", async () => void await x.ok("startup", "-c"));
  await t.step("getrandom (twice: POWER_ON per process must not reset)", async () => {
    await x.ok("getrandom", "--hex", "8");
    await x.ok("getrandom", "--hex", "8");
  });
  await t.step("pcrextend / pcrread", async () => {
    const d = sha256(new TextEncoder().encode("mssim"));
    await x.ok("pcrextend", `23:sha256=${hex(d)}`);
    const out = await x.ok("pcrread", "sha256:23");
    assert.match(out, new RegExp(hex(sha256(ZERO32, d)), "i"));
  });
  await t.step("createprimary / create / load / sign / verifysignature", async () => {
    await x.ok("createprimary", "-C", "o", "-G", "ecc256", "-c", "prim.ctx");
    await createSigningKey(x);
    await x.ok("sign", "-c", "k.ctx", "-g", "sha256", "-o", "sig", "msg");
    await x.ok("verifysignature", "-c", "k.ctx", "-g", "sha256", "-m", "msg", "-s", "sig");
  });
  await t.step("flushcontext -t / shutdown", async () => {
    await x.ok("flushcontext", "-t");
    await x.ok("shutdown", "-c");
  });
}

async function ourTpm(): Promise<Tpm> {
  const tpm = await Tpm.manufacture();
  tpm.powerOn();
  return tpm;
}

async function withDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "tpm_tools_" });
  try {
    await body(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test({
  name: "tpm2-tools flow against our TPM (swtpm TCTI)",
  ignore: !HAVE_TPM2,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const server = serveSwtpm(await ourTpm(), { port: 0 });
    try {
      await withDir((dir) =>
        fullFlow(t, new Tools(`swtpm:host=127.0.0.1,port=${server.port}`, dir, false))
      );
    } finally {
      await server.close();
    }
  },
});

Deno.test({
  name: "tpm2-tools short flow against our TPM (mssim TCTI)",
  ignore: !HAVE_TPM2,
  async fn(t) {
    const server = serveMssim(await ourTpm(), { port: 0 });
    try {
      await withDir((dir) =>
        mssimFlow(t, new Tools(`mssim:host=127.0.0.1,port=${server.port}`, dir, false))
      );
    } finally {
      await server.close();
    }
  },
});

/** An ECDSA P-256 signing key under prim.ctx, created and loaded as k.ctx. */
async function createSigningKey(x: Tools): Promise<void> {
  await x.ok(
    "create",
    "-C",
    "prim.ctx",
    "-G",
    "ecc256:ecdsa-sha256",
    "-u",
    "k.pub",
    "-r",
    "k.priv",
  );
  await x.ok("load", "-C", "prim.ctx", "-u", "k.pub", "-r", "k.priv", "-c", "k.ctx");
}

Deno.test({
  name: "reference: the same flow against swtpm behind our swtpm and mssim front ends",
  ignore: !HAVE_SWTPM,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    await withDir(async (dir) => {
      await Deno.mkdir(`${dir}/state`);
      await Deno.mkdir(`${dir}/work`);
      const swtpm =
        (await startSwtpm({ dir: `${dir}/state`, flags: "not-need-init,startup-clear" }))!;
      const remote = await RemoteTpm.connect(swtpm.port);
      let server: TpmServer | null = null;
      try {
        server = serveSwtpm(remote, { port: 0 });
        await t.step(
          "full flow (swtpm TCTI, flushing after each tool)",
          (t) =>
            fullFlow(
              t,
              new Tools(`swtpm:host=127.0.0.1,port=${server!.port}`, `${dir}/work`, true),
            ),
        );
        await server.close();
        remote.powerOn(); // CMD_INIT: a new boot for the mssim run
        server = serveMssim(remote, { port: 0 });
        await t.step(
          "short flow (mssim TCTI)",
          (t) =>
            mssimFlow(
              t,
              new Tools(`mssim:host=127.0.0.1,port=${server!.port}`, `${dir}/work`, true),
            ),
        );
      } finally {
        await server?.close();
        remote.close();
        await swtpm.stop();
      }
    });
  },
});

Deno.test("tpm-serve: option parsing rejects bad usage", () => {
  assert.throws(() => parseTpmServeArgs(["--protocol", "tcp"]), UsageError);
  assert.throws(() => parseTpmServeArgs(["--port", "65535"]), UsageError);
  assert.throws(() => parseTpmServeArgs(["--port", "12ab"]), UsageError);
  assert.throws(() => parseTpmServeArgs(["--bogus"]), UsageError);
  assert.throws(() => parseTpmServeArgs(["extra"]), UsageError);
  assert.deepEqual(parseTpmServeArgs(["--port", "3000", "--protocol", "mssim", "--fresh"]), {
    port: 3000,
    protocol: "mssim",
    stateDir: undefined,
    fresh: true,
    maxConnections: 8,
  });
});

Deno.test({
  name: "tpm-serve --state: NV survives TPM2_Shutdown and a restart; --fresh forgets it",
  ignore: !HAVE_TPM2,
  async fn() {
    await withDir(async (dir) => {
      const state = `${dir}/state`;
      const serve = async (fresh: boolean) => {
        const { server } = await startTpmServe({
          ...parseTpmServeArgs(["--port", "1", "--state", state, ...(fresh ? ["--fresh"] : [])]),
          port: await freePairPort(),
        });
        return { server, x: new Tools(`swtpm:host=127.0.0.1,port=${server.port}`, dir, false) };
      };
      let { server, x } = await serve(false);
      await x.write("v", "persist!");
      await x.ok("startup", "-c");
      await x.ok("nvdefine", "0x1500020", "-C", "o", "-s", "8", "-a", "ownerread|ownerwrite");
      await x.ok("nvwrite", "0x1500020", "-C", "o", "-i", "v");
      await x.ok("shutdown", "-c"); // TPM2_Shutdown: the state file is rewritten
      await server.close();
      assert.ok((await Deno.stat(`${state}/${STATE_FILE}`)).size > 0);
      ({ server, x } = await serve(false));
      await x.ok("startup", "-c");
      await x.ok("nvread", "0x1500020", "-C", "o", "-s", "8", "-o", "v.out");
      assert.equal(new TextDecoder().decode(await x.read("v.out")), "persist!");
      await server.close();
      ({ server, x } = await serve(true));
      await x.ok("startup", "-c");
      await x.fails("nvread", "0x1500020", "-C", "o", "-s", "8");
      await server.close();
    });
  },
});

function stubDevice(): TpmDevice {
  return {
    poweredOn: false,
    powerOn() {},
    powerOff() {},
    reset() {},
    execute: () => Promise.resolve(new Uint8Array(0)),
  };
}

/** A port N with N and N+1 free right now. */
async function freePairPort(): Promise<number> {
  const probe = serveSwtpm(stubDevice(), { port: 0 });
  const port = probe.port;
  await probe.close();
  return port;
}

async function waitListening(port: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    try {
      (await Deno.connect({ hostname: "127.0.0.1", port })).close();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 10));
    }
  }
  throw new Error(`nothing listening on ${port}`);
}

Deno.test("svsm tpm-serve: runs until a client's stop request, saving state; exit 0", async () => {
  await withDir(async (dir) => {
    for (const protocol of ["swtpm", "mssim"] as const) {
      const port = await freePairPort();
      const state = `${dir}/${protocol}`;
      const args = ["--port", String(port), "--protocol", protocol, "--state", state];
      const exit = tpmServe.run(args);
      await waitListening(port + 1);
      const conn = await Deno.connect({
        hostname: "127.0.0.1",
        port: protocol === "swtpm" ? port + 1 : port,
      });
      // swtpm CMD_SHUTDOWN (3) on the control port; mssim TPM_STOP (21) on the command port.
      await conn.write(new Uint8Array([0, 0, 0, protocol === "swtpm" ? 3 : 21]));
      assert.equal(await exit, EXIT_OK);
      conn.close();
      assert.ok((await Deno.stat(`${state}/${STATE_FILE}`)).size > 0);
      const leftovers = [...Deno.readDirSync(state)].map((e) => e.name);
      assert.deepEqual(leftovers, [STATE_FILE], "no temporary file left behind");
    }
  });
});

Deno.test("svsm tpm-serve: corrupt state and a taken port are usage errors", async () => {
  await withDir(async (dir) => {
    await Deno.writeFile(`${dir}/${STATE_FILE}`, new Uint8Array([1, 2, 3, 4]));
    await assert.rejects(tpmServe.run(["--state", dir, "--port", "2"]), UsageError);
    const taken = serveSwtpm(stubDevice(), { port: 0 });
    try {
      await assert.rejects(
        tpmServe.run(["--port", String(taken.port), "--fresh"]),
        (e) => e instanceof UsageError && /cannot listen/.test(e.message),
      );
    } finally {
      await taken.close();
    }
  });
});

Deno.test({
  name: "svsm tpm-serve as a process: SIGTERM saves state and exits 0",
  ignore: !HAVE_TPM2 || Deno.build.os === "windows",
  async fn() {
    await withDir(async (dir) => {
      const script = `${dir}/serve.ts`;
      const cli = new URL("../cli/tpm_serve.ts", import.meta.url).href;
      await Deno.writeTextFile(
        script,
        `import s from "${cli}";\nDeno.exit(await s.run(Deno.args));\n`,
      );
      const port = await freePairPort();
      const child = new Deno.Command("deno", {
        args: [
          ...["run", "--no-config", "--allow-net=127.0.0.1", "--allow-read"],
          ...[`--allow-write=${dir}`, script, "--port", String(port), "--state", `${dir}/st`],
        ],
        env: { NO_COLOR: "1" },
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      const output = child.output();
      await waitListening(port + 1);
      const x = new Tools(`swtpm:host=127.0.0.1,port=${port}`, dir, false);
      await x.write("v", "sigterm!");
      await x.ok("startup", "-c");
      await x.ok("nvdefine", "0x1500021", "-C", "o", "-s", "8", "-a", "ownerread|ownerwrite");
      await x.ok("nvwrite", "0x1500021", "-C", "o", "-i", "v");
      child.kill("SIGTERM");
      const out = await output;
      const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
      assert.equal(out.code, 0, text);
      assert.match(text, new RegExp(`swtpm on 127.0.0.1:${port}`));
      const { server } = await startTpmServe({
        ...parseTpmServeArgs(["--state", `${dir}/st`]),
        port: await freePairPort(),
      });
      try {
        const y = new Tools(`swtpm:host=127.0.0.1,port=${server.port}`, dir, false);
        await y.ok("startup", "-c");
        await y.ok("nvread", "0x1500021", "-C", "o", "-s", "8", "-o", "v.out");
        assert.equal(new TextDecoder().decode(await y.read("v.out")), "sigterm!");
      } finally {
        await server.close();
      }
    });
  },
});
