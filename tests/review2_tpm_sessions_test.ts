import assert from "node:assert/strict";
import { toHex } from "../lib/common/hex.ts";
import { TpmTcpClient } from "../lib/tpm/server/mod.ts";
import { Tpm } from "../lib/tpm/tpm.ts";
import { b2, cat, command, rcOf, u16, u32 } from "./tpm_helpers.ts";

// Second review of sessions and policies: the same command bytes sent to
// swtpm (libtpms) and to our TPM must give the same response codes, and the
// same policy digests where those are deterministic.

type Send = (c: Uint8Array) => Promise<Uint8Array>;
const OWNER = 0x40000001;
const NULL = 0x40000007;
const PW = 0x40000009;
const ST_NO = 0x8001;
const ST_S = 0x8002;
const u8 = (v: number) => new Uint8Array([v]);
const zeros = (n: number) => new Uint8Array(n);

/** One TPMS_AUTH_COMMAND. */
function entry(handle: number, nonce: Uint8Array, attrs: number, hmac: Uint8Array): Uint8Array {
  return cat(u32(handle), b2(nonce), u8(attrs), b2(hmac));
}
const area = (...entries: Uint8Array[]) => {
  const body = cat(...entries);
  return cat(u32(body.length), body);
};
const PWE = entry(PW, zeros(0), 1, zeros(0));

/** StartAuthSession bytes. */
function sas(
  opts: {
    key?: number;
    bind?: number;
    nonce?: Uint8Array;
    salt?: Uint8Array;
    type?: number;
    sym?: Uint8Array;
    hash?: number;
  } = {},
): Uint8Array {
  return command(
    ST_NO,
    0x176,
    u32(opts.key ?? NULL),
    u32(opts.bind ?? NULL),
    b2(opts.nonce ?? zeros(16).fill(7)),
    b2(opts.salt ?? zeros(0)),
    u8(opts.type ?? 1),
    opts.sym ?? u16(0x10),
    u16(opts.hash ?? 0x0b),
  );
}
const XOR256 = cat(u16(0xa), u16(0xb));

/** The scenario, run against either TPM: each step's rc (and digests) by name. */
async function scenario(send: Send): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const run = async (name: string, cmd: Uint8Array) => {
    const r = await send(cmd);
    out[name] = rcOf(r).toString(16);
    return r;
  };
  const handleOf = (r: Uint8Array) => new DataView(r.buffer, r.byteOffset).getUint32(10);
  const start = async (name: string, c: Uint8Array) => {
    const r = await run(name, c);
    return rcOf(r) === 0 ? handleOf(r) : 0;
  };
  const flush = (h: number) => send(command(ST_NO, 0x165, u32(h)));
  const digestOf = async (name: string, s: number) => {
    const r = await run(name, command(ST_NO, 0x189, u32(s)));
    if (rcOf(r) === 0) out[name] = toHex(r.subarray(10));
  };
  await send(command(ST_NO, 0x144, u16(0)));
  const trySas = async (name: string, c: Uint8Array) => {
    const h = await start(name, c);
    if (h) await flush(h);
  };

  // StartAuthSession parameter checks.
  await trySas("sas nonce 15", sas({ nonce: zeros(15) }));
  await trySas("sas nonce 33", sas({ nonce: zeros(33) }));
  await trySas("sas salt without key", sas({ salt: zeros(4) }));
  await trySas("sas aes ecb", sas({ sym: cat(u16(6), u16(128), u16(0x44)) }));
  await trySas("sas aes 192", sas({ sym: cat(u16(6), u16(192), u16(0x43)) }));
  await trySas("sas type 2", sas({ type: 2 }));
  await trySas("sas hash null", sas({ hash: 0x10 }));
  await trySas("sas bind missing", sas({ bind: 0x80000001 }));
  await trySas("sas bind pcr", sas({ bind: 0 }));
  await trySas("sas key missing", sas({ key: 0x80000001 }));
  await trySas("sas key owner", sas({ key: OWNER }));
  await trySas("sas sha1 nonce 20", sas({ hash: 0x04, nonce: zeros(20) }));
  await trySas("sas sha1 nonce 32", sas({ hash: 0x04, nonce: zeros(32) }));

  // Session areas with an unbound, unsalted HMAC session (key empty).
  const hs = await start("sas hmac", sas({ type: 0 }));
  const hs2 = await start("sas hmac xor", sas({ type: 0, sym: XOR256 }));
  const getRandom = (a: Uint8Array) => command(ST_S, 0x17b, a, u16(8));
  const readClock = (a: Uint8Array) => command(ST_S, 0x181, a);
  await run("hmac audit-only getrandom", getRandom(area(entry(hs, zeros(16), 5, zeros(0)))));
  await run("hmac no purpose", getRandom(area(entry(hs, zeros(16), 1, zeros(0)))));
  await run("hmac encrypt sym null", getRandom(area(entry(hs, zeros(16), 0x41, zeros(0)))));
  await run("xor encrypt getrandom", getRandom(area(entry(hs2, zeros(16), 0x41, zeros(0)))));
  await run("xor decrypt getrandom", getRandom(area(entry(hs2, zeros(16), 0x21, zeros(0)))));
  await run("xor encrypt readclock", readClock(area(entry(hs2, zeros(16), 0x41, zeros(0)))));
  await run("xor nonce 8", getRandom(area(entry(hs2, zeros(8), 0x41, zeros(0)))));
  await run("xor nonce 0", getRandom(area(entry(hs2, zeros(0), 0x41, zeros(0)))));
  await run("xor nonce 40", getRandom(area(entry(hs2, zeros(40), 0x41, zeros(0)))));
  await run("auditReset alone", getRandom(area(entry(hs, zeros(16), 0x41 & 0 | 0x81, zeros(0)))));
  await run("auditExclusive alone", getRandom(area(entry(hs, zeros(16), 0x03, zeros(0)))));
  await run("reserved bit", getRandom(area(entry(hs2, zeros(16), 0x49, zeros(0)))));
  await run(
    "same session twice",
    getRandom(area(entry(hs2, zeros(16), 0x41, zeros(0)), entry(hs2, zeros(16), 0x05, zeros(0)))),
  );

  // An HMAC session authorizing owner (empty auth): empty and real HMACs.
  const changeOwner = (a: Uint8Array) => command(ST_S, 0x129, u32(OWNER), a, b2(zeros(0)));
  await run("hmac empty key empty hmac", changeOwner(area(entry(hs, zeros(16), 1, zeros(0)))));
  await run("hmac wrong hmac", changeOwner(area(entry(hs, zeros(16), 1, zeros(32).fill(1)))));
  await run("hmac short hmac", changeOwner(area(entry(hs, zeros(16), 1, zeros(5)))));

  // Policy commands on a policy session.
  await flush(hs2);
  const pol = (code: number, s: number, ...p: Uint8Array[]) => command(ST_NO, code, u32(s), ...p);
  const d32 = zeros(32).fill(0x11);
  const list = (...ds: Uint8Array[]) => cat(u32(ds.length), ...ds.map(b2));
  for (const [type, n] of [[1, "policy"], [3, "trial"]] as const) {
    const s = await start(`sas ${n}`, sas({ type }));
    await run(`${n} or one`, pol(0x171, s, list(d32)));
    await run(`${n} or nine`, pol(0x171, s, list(...Array(9).fill(d32))));
    await run(`${n} or miss`, pol(0x171, s, list(d32, d32)));
    await run(`${n} or short digests`, pol(0x171, s, list(zeros(32), zeros(20))));
    await digestOf(`${n} digest after or`, s);
    await run(`${n} cc unknown`, pol(0x16c, s, u32(0x1ff)));
    await run(`${n} cc sign`, pol(0x16c, s, u32(0x15d)));
    await run(`${n} cc other`, pol(0x16c, s, u32(0x15e)));
    await run(`${n} cc same`, pol(0x16c, s, u32(0x15d)));
    await run(`${n} cphash short`, pol(0x16e, s, b2(zeros(20))));
    await run(`${n} namehash`, pol(0x170, s, b2(d32)));
    await run(`${n} cphash after namehash`, pol(0x16e, s, b2(d32)));
    await run(`${n} locality 0`, pol(0x16f, s, u8(0)));
    await run(`${n} locality 0x20`, pol(0x16f, s, u8(0x20)));
    await run(`${n} locality 3`, pol(0x16f, s, u8(3)));
    await run(`${n} locality 4`, pol(0x16f, s, u8(4)));
    await run(`${n} locality 0x40`, pol(0x16f, s, u8(0x40)));
    await run(`${n} nvwritten 2`, pol(0x18f, s, u8(2)));
    await run(`${n} nvwritten yes`, pol(0x18f, s, u8(1)));
    await run(`${n} nvwritten no`, pol(0x18f, s, u8(0)));
    await digestOf(`${n} digest mid`, s);
    await run(`${n} restart`, pol(0x180, s));
    await run(`${n} pcr empty`, pol(0x17f, s, b2(zeros(0)), u32(0)));
    await run(
      `${n} pcr wrong digest`,
      pol(0x17f, s, b2(d32), cat(u32(1), u16(0xb), u8(3), u8(1), u8(0), u8(0))),
    );
    await run(
      `${n} pcr select 5`,
      pol(0x17f, s, b2(zeros(0)), cat(u32(1), u16(0xb), u8(5), zeros(5))),
    );
    await run(
      `${n} pcr sha1 bank`,
      pol(0x17f, s, b2(zeros(0)), cat(u32(1), u16(0x4), u8(3), u8(3), u8(0), u8(0))),
    );
    await run(
      `${n} pcr two banks`,
      pol(
        0x17f,
        s,
        b2(zeros(0)),
        cat(u32(2), u16(0x4), u8(3), u8(1), u8(0), u8(0), u16(0xb), u8(3), u8(1), u8(0), u8(0)),
      ),
    );
    await digestOf(`${n} digest pcr`, s);
    await run(`${n} restart 2`, pol(0x180, s));
    await run(
      `${n} authorize bad name`,
      pol(0x16a, s, b2(d32), b2(zeros(0)), b2(zeros(10)), cat(u16(0x8022), u32(NULL), u16(0))),
    );
    await run(
      `${n} authorize sha1 name`,
      pol(
        0x16a,
        s,
        b2(zeros(32)),
        b2(zeros(0)),
        b2(cat(u16(4), zeros(20))),
        cat(u16(0x8022), u32(NULL), u16(0)),
      ),
    );
    await run(
      `${n} authorize mismatch`,
      pol(
        0x16a,
        s,
        b2(d32),
        b2(zeros(0)),
        b2(cat(u16(0xb), d32)),
        cat(u16(0x8022), u32(NULL), u16(0)),
      ),
    );
    await run(
      `${n} authorize null ticket`,
      pol(
        0x16a,
        s,
        b2(zeros(32)),
        b2(zeros(0)),
        b2(cat(u16(0xb), d32)),
        cat(u16(0x8022), u32(NULL), u16(0)),
      ),
    );
    await run(
      `${n} authorize wrong tag`,
      pol(
        0x16a,
        s,
        b2(zeros(32)),
        b2(zeros(0)),
        b2(cat(u16(0xb), d32)),
        cat(u16(0x8021), u32(NULL), u16(0)),
      ),
    );
    await digestOf(`${n} digest authorize`, s);
    await run(`${n} restart 3`, pol(0x180, s));
    await run(`${n} password`, pol(0x18c, s));
    await run(`${n} authvalue`, pol(0x16b, s));
    await digestOf(`${n} digest pw`, s);
    await run(`${n} countertimer big offset`, pol(0x16d, s, b2(zeros(8)), u16(30), u16(0)));
    await run(`${n} countertimer op 12`, pol(0x16d, s, b2(zeros(8)), u16(0), u16(12)));
    await run(`${n} countertimer eq`, pol(0x16d, s, b2(zeros(1)), u16(0), u16(0)));
    await run(`${n} countertimer safe`, pol(0x16d, s, b2(u8(1)), u16(24), u16(0)));
    await digestOf(`${n} digest ct`, s);
    await run(`${n} restart 4`, pol(0x180, s));
    await run(
      `${n} secret wrong nonce`,
      command(
        ST_S,
        0x151,
        u32(OWNER),
        u32(s),
        area(PWE),
        b2(zeros(16)),
        b2(zeros(0)),
        b2(zeros(0)),
        u32(0),
      ),
    );
    await run(
      `${n} secret cphash short`,
      command(
        ST_S,
        0x151,
        u32(OWNER),
        u32(s),
        area(PWE),
        b2(zeros(0)),
        b2(zeros(4)),
        b2(zeros(0)),
        u32(0),
      ),
    );
    await run(
      `${n} secret policyref 33`,
      command(
        ST_S,
        0x151,
        u32(OWNER),
        u32(s),
        area(PWE),
        b2(zeros(0)),
        b2(zeros(0)),
        b2(zeros(33)),
        u32(0),
      ),
    );
    await run(
      `${n} secret expired abs`,
      command(
        ST_S,
        0x151,
        u32(OWNER),
        u32(s),
        area(PWE),
        b2(zeros(0)),
        b2(zeros(0)),
        b2(zeros(0)),
        u32(0xfffffffe),
      ),
    );
    await run(
      `${n} secret ok`,
      command(ST_S, 0x151, u32(OWNER), u32(s), area(PWE), b2(zeros(0)), b2(d32), b2(u8(1)), u32(0)),
    );
    await run(
      `${n} secret cphash other`,
      command(
        ST_S,
        0x151,
        u32(OWNER),
        u32(s),
        area(PWE),
        b2(zeros(0)),
        b2(zeros(32)),
        b2(u8(1)),
        u32(0),
      ),
    );
    await digestOf(`${n} digest secret`, s);
    await run(`${n} restart 5`, pol(0x180, s));
    await run(
      `${n} dupselect`,
      pol(0x188, s, b2(cat(u16(0xb), d32)), b2(cat(u16(0xb), d32)), u8(0)),
    );
    await run(`${n} dupselect cc`, pol(0x16c, s, u32(0x14b)));
    await run(
      `${n} dupselect again`,
      pol(0x188, s, b2(cat(u16(0xb), d32)), b2(cat(u16(0xb), d32)), u8(1)),
    );
    await digestOf(`${n} digest dup`, s);
    await run(`${n} restart 6`, pol(0x180, s));
    await flush(s);
  }
  const ps = await start("sas policy 2", sas({ type: 1 }));
  const ts = await start("sas trial 2", sas({ type: 3 }));

  await run("hmac session as policy", pol(0x189, hs));
  await run("policy restart hmac", pol(0x180, hs));
  await run("trial authorizes", changeOwner(area(entry(ts, zeros(16), 1, zeros(0)))));
  await run("policy audit", getRandom(area(entry(ps, zeros(16), 5, zeros(0)))));
  // A policy session with an empty policy authorizing owner (owner's policy is empty).
  await run("policy for owner", changeOwner(area(entry(ps, zeros(16), 1, zeros(0)))));

  // Flushed and reused session handles.
  for (const s of [ps, ts]) await flush(s);
  await run("flushed session", getRandom(area(entry(hs2, zeros(16), 0x41, zeros(0)))));
  await run("flush twice", command(ST_NO, 0x165, u32(hs2)));
  await run("flush no continue", getRandom(area(entry(hs, zeros(16), 0x04, zeros(0)))));
  await run("used after no continue", getRandom(area(entry(hs, zeros(16), 0x05, zeros(0)))));

  // HMAC sessions with real keys: bound to owner after giving owner a password.
  const ownerAuth = new TextEncoder().encode("owner");
  await run("set owner auth", command(ST_S, 0x129, u32(OWNER), area(PWE), b2(ownerAuth)));
  await trySas("sas bound", sas({ type: 0, bind: OWNER }));
  return out;
}

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** Starts swtpm on a free port, or undefined when it is not installed. */
async function startSwtpm(): Promise<
  { client: TpmTcpClient; stop: () => Promise<void> } | undefined
> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = freePort();
    const dir = await Deno.makeTempDir({ prefix: "review2_sessions_" });
    let child: Deno.ChildProcess;
    try {
      child = new Deno.Command("swtpm", {
        args: [
          "socket",
          "--tpm2",
          "--server",
          `type=tcp,port=${port}`,
          "--ctrl",
          `type=tcp,port=${port + 1}`,
          "--tpmstate",
          `dir=${dir}`,
          "--flags",
          "not-need-init",
        ],
        stdout: "null",
        stderr: "null",
      }).spawn();
    } catch {
      await Deno.remove(dir, { recursive: true });
      return undefined;
    }
    let exited = false;
    const status = child.status.then(() => exited = true);
    const stop = async () => {
      if (!exited) child.kill();
      await status;
      await Deno.remove(dir, { recursive: true });
    };
    for (let i = 0; i < 50 && !exited; i++) {
      try {
        return { client: await TpmTcpClient.connect(port, "raw"), stop };
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    await stop();
  }
  return undefined;
}

Deno.test("review2 sessions: session and policy commands answer as swtpm", async (t) => {
  const sw = await startSwtpm();
  if (!sw) {
    await t.step({ name: "swtpm unavailable", ignore: true, fn() {} });
    return;
  }
  let theirs: Record<string, string>;
  try {
    theirs = await scenario(async (c) => {
      for (;;) {
        const r = await sw.client.command(c);
        if (rcOf(r) !== 0x922) return r;
      }
    });
  } finally {
    sw.client.close();
    await sw.stop();
  }
  const tpm = await Tpm.manufacture({ seed: new Uint8Array(32).fill(3) });
  tpm.powerOn();
  const ours = await scenario((c) => tpm.execute(c));
  assert.deepEqual(tpm.internalErrors, []);
  const diff: string[] = [];
  for (const k of Object.keys(theirs)) {
    if (theirs[k] !== ours[k]) diff.push(`${k}: swtpm ${theirs[k]} ours ${ours[k]}`);
  }
  assert.deepEqual(diff, []);
});
