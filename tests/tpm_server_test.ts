/**
 * Protocol-level tests of the swtpm and mssim servers with a raw TCP client
 * playing both the well-behaved tpm2-tss TCTIs (tpm-interop.md §1.3, §2.2)
 * and a hostile peer. The TPM behind them is a small recording stand-in, so
 * these tests pin the transport alone; the engine is driven end to end by
 * tpm_tools_test.ts.
 */
import assert from "node:assert/strict";
import {
  ConnReader,
  errorResponse,
  MssimCode,
  mssimPrefix,
  serveMssim,
  serveSwtpm,
  SwtpmCmd,
  SwtpmResult,
  TPM_RC_COMMAND_SIZE,
  TPM_RC_FAILURE,
  type TpmDevice,
  type TpmServer,
  TpmTcpClient,
  writeAll,
} from "../lib/tpm/server/mod.ts";
import { fromHex, toHex } from "../lib/common/hex.ts";

const GET_RANDOM_8 = fromHex("80010000000c0000017b0008");
const SHUTDOWN_CLEAR = fromHex("80010000000c000001450000");
const THROWING_CC = 0x20000000; // Vendor_TCG_Test: the stand-in throws on it

/** A stand-in TPM: answers every command with `8001 size 0 | cc | locality`. */
class StubTpm implements TpmDevice {
  poweredOn = true;
  inits = 0;
  powerOffs = 0;
  executing = false;
  overlapped = false;
  seen: { cc: number; locality: number }[] = [];

  powerOn(): void {
    this.poweredOn = true;
    this.inits++;
  }
  powerOff(): void {
    this.poweredOn = false;
    this.powerOffs++;
  }
  reset(): void {
    this.inits++;
  }
  async execute(command: Uint8Array, locality = 0): Promise<Uint8Array> {
    if (this.executing) this.overlapped = true;
    this.executing = true;
    await new Promise((r) => setTimeout(r, 0));
    this.executing = false;
    const cc = new DataView(command.buffer, command.byteOffset).getUint32(6);
    this.seen.push({ cc, locality });
    if (cc === THROWING_CC) throw new Error("engine bug");
    const rsp = new Uint8Array(15);
    const v = new DataView(rsp.buffer);
    v.setUint16(0, 0x8001);
    v.setUint32(2, 15);
    v.setUint32(10, cc);
    rsp[14] = locality;
    return rsp;
  }
}

function be32(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n);
  return b;
}

function u32At(b: Uint8Array, off = 0): number {
  return new DataView(b.buffer, b.byteOffset).getUint32(off);
}

function cat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) out.set(p, at), at += p.length;
  return out;
}

/** A raw peer: explicit writes, exact reads, EOF detection. */
class Peer {
  conn: Deno.TcpConn;
  reader: ConnReader;
  private constructor(conn: Deno.TcpConn) {
    this.conn = conn;
    this.reader = new ConnReader(conn);
  }
  static async open(port: number): Promise<Peer> {
    return new Peer(await Deno.connect({ hostname: "127.0.0.1", port }));
  }
  send(...parts: Uint8Array[]): Promise<void> {
    return writeAll(this.conn, cat(...parts));
  }
  recv(n: number): Promise<Uint8Array> {
    return this.reader.readAll(n);
  }
  async recvU32(): Promise<number> {
    return u32At(await this.recv(4));
  }
  /** Resolves true if the server closed the connection (EOF, no more bytes). */
  async closedByServer(): Promise<boolean> {
    try {
      return (await this.reader.readExact(1)) === null;
    } catch {
      return true; // reset by peer
    }
  }
  close(): void {
    try {
      this.conn.close();
    } catch { /* closed */ }
  }
}

async function withServer(
  kind: "swtpm" | "mssim",
  body: (server: TpmServer, tpm: StubTpm, persisted: () => number) => Promise<void>,
  maxConnections?: number,
): Promise<void> {
  const tpm = new StubTpm();
  let saves = 0;
  const serve = kind === "swtpm" ? serveSwtpm : serveMssim;
  const server = serve(tpm, { port: 0, maxConnections, onPersist: () => void saves++ });
  try {
    await body(server, tpm, () => saves);
  } finally {
    await server.close();
  }
}

/** One swtpm-TCTI style command: new connection, one write, read by size. */
async function rawCommand(port: number, command: Uint8Array): Promise<Uint8Array> {
  const c = await TpmTcpClient.connect(port, "raw");
  try {
    return await c.command(command);
  } finally {
    c.close();
  }
}

/** One control message on its own connection, as tpm2-tss sends it. */
async function control(port: number, message: Uint8Array, replyBytes: number) {
  const p = await Peer.open(port);
  try {
    await p.send(message);
    return await p.recv(replyBytes);
  } finally {
    p.close();
  }
}

Deno.test("swtpm data port: per-command and persistent connections", async () => {
  await withServer("swtpm", async (server, tpm) => {
    for (let i = 0; i < 3; i++) {
      const rsp = await rawCommand(server.port, GET_RANDOM_8);
      assert.equal(u32At(rsp, 10), 0x17b);
    }
    const c = await TpmTcpClient.connect(server.port, "raw");
    for (let i = 0; i < 5; i++) assert.equal((await c.command(GET_RANDOM_8)).length, 15);
    c.close();
    assert.equal(tpm.seen.length, 8);
  });
});

Deno.test("swtpm data port: commands are framed by the size field, not by writes", async () => {
  await withServer("swtpm", async (server, tpm) => {
    const p = await Peer.open(server.port);
    for (const byte of GET_RANDOM_8) await p.send(new Uint8Array([byte])); // dribbled
    assert.equal(u32At(await p.recv(15), 10), 0x17b);
    await p.send(GET_RANDOM_8, SHUTDOWN_CLEAR); // two commands, one write
    assert.equal(u32At(await p.recv(15), 10), 0x17b);
    assert.equal(u32At(await p.recv(15), 10), 0x145);
    p.close();
    assert.deepEqual(tpm.seen.map((s) => s.cc), [0x17b, 0x17b, 0x145]);
  });
});

Deno.test("swtpm data port: mssim prefix is accepted and answered in mssim framing", async () => {
  await withServer("swtpm", async (server, tpm) => {
    const p = await Peer.open(server.port);
    await p.send(mssimPrefix(GET_RANDOM_8.length, 2), GET_RANDOM_8);
    assert.equal(await p.recvU32(), 15);
    const rsp = await p.recv(15);
    assert.equal(rsp[14], 2, "locality from the prefix reaches the TPM");
    assert.equal(await p.recvU32(), 0);
    p.close();
    assert.deepEqual(tpm.seen, [{ cc: 0x17b, locality: 2 }]);
  });
});

Deno.test("swtpm data port: oversized and undersized size fields are refused, server lives", async () => {
  await withServer("swtpm", async (server, tpm) => {
    for (const size of [4097, 0xffffffff, 9, 0]) {
      const p = await Peer.open(server.port);
      const header = cat(fromHex("8001"), be32(size), be32(0x17b));
      await p.send(header);
      assert.equal(toHex(await p.recv(10)), toHex(errorResponse(TPM_RC_COMMAND_SIZE)));
      assert.ok(await p.closedByServer(), `size ${size}: connection closed`);
      p.close();
    }
    // A whole 5000-byte command already buffered behind another is refused too.
    const big = new Uint8Array(5000);
    big.set(cat(fromHex("8001"), be32(big.length), be32(0x17b)));
    const q = await Peer.open(server.port);
    await q.send(GET_RANDOM_8, big);
    assert.equal(u32At(await q.recv(15), 10), 0x17b);
    assert.equal(toHex(await q.recv(10)), toHex(errorResponse(TPM_RC_COMMAND_SIZE)));
    assert.ok(await q.closedByServer());
    q.close();
    // Truncated command, then EOF; and a mid-header EOF.
    for (const partial of [GET_RANDOM_8.subarray(0, 11), GET_RANDOM_8.subarray(0, 3)]) {
      const p = await Peer.open(server.port);
      await p.send(partial);
      p.close();
    }
    assert.equal(tpm.seen.length, 1, "nothing malformed reached the TPM");
    assert.equal(u32At(await rawCommand(server.port, GET_RANDOM_8), 10), 0x17b);
  });
});

Deno.test("swtpm control: GET_CAPABILITY is result-first", async () => {
  await withServer("swtpm", async (server) => {
    const caps = await control(server.auxPort, be32(SwtpmCmd.GET_CAPABILITY), 8);
    assert.equal(u32At(caps, 0), 0, "result first (tpm-interop.md §2.4)");
    const mask = u32At(caps, 4);
    for (const bit of [1 << 0, 1 << 3, 1 << 15]) assert.ok(mask & bit, `cap bit ${bit}`);
  });
});

Deno.test("swtpm control: SET_LOCALITY applies to later data commands; >4 refused", async () => {
  await withServer("swtpm", async (server, tpm) => {
    const ok = await control(
      server.auxPort,
      cat(be32(SwtpmCmd.SET_LOCALITY), new Uint8Array([3])),
      4,
    );
    assert.equal(u32At(ok), 0);
    assert.equal((await rawCommand(server.port, GET_RANDOM_8))[14], 3);
    const bad = await control(
      server.auxPort,
      cat(be32(SwtpmCmd.SET_LOCALITY), new Uint8Array([5])),
      4,
    );
    assert.equal(u32At(bad), SwtpmResult.BAD_LOCALITY);
    assert.equal((await rawCommand(server.port, GET_RANDOM_8))[14], 3, "unchanged");
    assert.equal(tpm.seen.at(-1)?.locality, 3);
  });
});

Deno.test("swtpm control: CMD_INIT resets the TPM; STOP powers off; INIT powers on", async () => {
  await withServer("swtpm", async (server, tpm) => {
    assert.equal(u32At(await control(server.auxPort, cat(be32(2), be32(1)), 4)), 0);
    assert.equal(tpm.inits, 1);
    assert.equal(u32At(await control(server.auxPort, be32(SwtpmCmd.STOP), 4)), 0);
    assert.equal(tpm.poweredOn, false);
    const off = await rawCommand(server.port, GET_RANDOM_8);
    assert.equal(toHex(off), toHex(errorResponse(TPM_RC_FAILURE)));
    assert.equal(u32At(await control(server.auxPort, cat(be32(2), be32(0)), 4)), 0);
    assert.equal(tpm.poweredOn, true);
    assert.equal(u32At(await rawCommand(server.port, GET_RANDOM_8), 10), 0x17b);
  });
});

Deno.test("swtpm control: several messages on one connection; unknown code closes it", async () => {
  await withServer("swtpm", async (server) => {
    const p = await Peer.open(server.auxPort);
    await p.send(be32(SwtpmCmd.GET_TPMESTABLISHED));
    assert.equal(toHex(await p.recv(8)), "0000000000000000");
    await p.send(be32(SwtpmCmd.GET_INFO), new Uint8Array(7), new Uint8Array([1]), be32(0), be32(0));
    const [res, total, len] = [await p.recvU32(), await p.recvU32(), await p.recvU32()];
    assert.equal(res, 0);
    assert.equal(total, len);
    const json = JSON.parse(new TextDecoder().decode(await p.recv(len)));
    assert.equal(json.TPMSpecification.family, "2.0");
    await p.send(be32(0x0c), be32(0), be32(1), be32(0)); // GET_STATEBLOB: unsupported
    assert.equal(await p.recvU32(), SwtpmResult.BAD_ORDINAL);
    assert.ok(await p.closedByServer());
    p.close();
    assert.equal(u32At(await control(server.auxPort, be32(SwtpmCmd.GET_CAPABILITY), 8)), 0);
  });
});

Deno.test("swtpm control: SHUTDOWN persists state, replies, then stops the server", async () => {
  await withServer("swtpm", async (server, _tpm, persisted) => {
    assert.equal(u32At(await control(server.auxPort, be32(SwtpmCmd.SHUTDOWN), 4)), 0);
    await server.finished;
    assert.equal(persisted(), 1);
    await assert.rejects(Deno.connect({ hostname: "127.0.0.1", port: server.port }));
  });
});

Deno.test("TPM2_Shutdown success triggers a state save; a device exception becomes TPM_RC_FAILURE", async () => {
  await withServer("swtpm", async (server, _tpm, persisted) => {
    await rawCommand(server.port, SHUTDOWN_CLEAR);
    assert.equal(persisted(), 1);
    const bad = fromHex("80010000000a20000000");
    assert.equal(toHex(await rawCommand(server.port, bad)), toHex(errorResponse(TPM_RC_FAILURE)));
    assert.equal(u32At(await rawCommand(server.port, GET_RANDOM_8), 10), 0x17b);
  });
});

Deno.test("concurrent clients: the TPM sees one command at a time", async () => {
  await withServer("swtpm", async (server, tpm) => {
    const clients = await Promise.all(
      Array.from({ length: 6 }, () => TpmTcpClient.connect(server.port, "raw")),
    );
    await Promise.all(clients.map(async (c) => {
      for (let i = 0; i < 20; i++) await c.command(GET_RANDOM_8);
      c.close();
    }));
    assert.equal(tpm.seen.length, 120);
    assert.equal(tpm.overlapped, false);
  });
});

Deno.test("connections beyond maxConnections wait their turn", async () => {
  await withServer("swtpm", async (server) => {
    const a = await TpmTcpClient.connect(server.port, "raw");
    await a.command(GET_RANDOM_8);
    const b = await TpmTcpClient.connect(server.port, "raw"); // queued in the backlog
    const answered = b.command(GET_RANDOM_8);
    let done = false;
    answered.then(() => done = true);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(done, false, "second client waits while the first holds the slot");
    a.close();
    assert.equal(u32At(await answered, 10), 0x17b);
    b.close();
  }, 1);
});

Deno.test("mssim: tpm2-tss start-up, two-write commands, EOF without SESSION_END", async () => {
  await withServer("mssim", async (server, tpm) => {
    const cmd = await Peer.open(server.port);
    const plat = await Peer.open(server.auxPort);
    for (const code of [MssimCode.POWER_ON, MssimCode.NV_ON]) {
      await plat.send(be32(code));
      assert.equal(await plat.recvU32(), 0);
    }
    assert.equal(tpm.inits, 0, "POWER_ON on a running TPM does not reset it");
    for (let i = 0; i < 3; i++) {
      await cmd.send(mssimPrefix(GET_RANDOM_8.length, 0)); // first write: the prefix
      await new Promise((r) => setTimeout(r, 5));
      await cmd.send(GET_RANDOM_8); // second write: the command
      assert.equal(await cmd.recvU32(), 15);
      assert.equal(u32At(await cmd.recv(15), 10), 0x17b);
      assert.equal(await cmd.recvU32(), 0, "trailing u32 0");
    }
    // IBM TSS writes code, locality, size and command separately (tpm-interop.md §1.4).
    for (const part of [be32(8), new Uint8Array([0]), be32(GET_RANDOM_8.length), GET_RANDOM_8]) {
      await cmd.send(part);
    }
    assert.equal(await cmd.recvU32(), 15);
    assert.equal(u32At(await cmd.recv(15), 10), 0x17b);
    assert.equal(await cmd.recvU32(), 0);
    cmd.close(); // tpm2-tss 3.2.1 ends with plain EOF (tpm-interop.md §1.3 item 5)
    plat.close();
    const again = await TpmTcpClient.connect(server.port, "mssim");
    assert.equal((await again.command(GET_RANDOM_8)).length, 15);
    again.close();
  });
});

Deno.test("mssim: SESSION_END closes; unknown command-port code closes without reply", async () => {
  await withServer("mssim", async (server) => {
    for (const code of [MssimCode.SESSION_END, 0xdeadbeef, 5]) {
      const p = await Peer.open(server.port);
      await p.send(be32(code));
      assert.ok(await p.closedByServer(), `code ${code}`);
      p.close();
    }
    const plat = await Peer.open(server.auxPort);
    await plat.send(be32(MssimCode.SESSION_END));
    assert.ok(await plat.closedByServer());
    plat.close();
  });
});

Deno.test("mssim: power off gives empty responses; power on needs a real _TPM_Init", async () => {
  await withServer("mssim", async (server, tpm) => {
    const plat = await Peer.open(server.auxPort);
    await plat.send(be32(MssimCode.POWER_OFF));
    assert.equal(await plat.recvU32(), 0);
    const c = await TpmTcpClient.connect(server.port, "mssim");
    assert.equal((await c.command(GET_RANDOM_8)).length, 0, "size 0 while off (TPMCmdp.c)");
    await plat.send(be32(MssimCode.POWER_ON));
    assert.equal(await plat.recvU32(), 0);
    assert.equal(tpm.inits, 1);
    await plat.send(be32(MssimCode.POWER_ON));
    assert.equal(await plat.recvU32(), 0);
    assert.equal(tpm.inits, 1, "idempotent");
    await plat.send(be32(MssimCode.RESET));
    assert.equal(await plat.recvU32(), 0);
    assert.equal(tpm.inits, 2, "RESET is _TPM_Init");
    assert.equal((await c.command(GET_RANDOM_8)).length, 15);
    await plat.send(be32(0x77));
    assert.equal(await plat.recvU32(), 1, "unknown platform code → 1");
    assert.ok(await plat.closedByServer());
    c.close();
    plat.close();
  });
});

Deno.test("mssim: size bounds, locality, REMOTE_HANDSHAKE, STOP", async () => {
  await withServer("mssim", async (server, tpm, persisted) => {
    const p = await Peer.open(server.port);
    await p.send(be32(MssimCode.REMOTE_HANDSHAKE), be32(1));
    assert.deepEqual([await p.recvU32(), await p.recvU32(), await p.recvU32()], [1, 0x0d, 0]);
    await p.send(mssimPrefix(3, 0), new Uint8Array(3)); // below a TPM header
    assert.equal(await p.recvU32(), 10);
    assert.equal(u32At(await p.recv(10), 6), TPM_RC_COMMAND_SIZE);
    assert.equal(await p.recvU32(), 0);
    await p.send(mssimPrefix(GET_RANDOM_8.length, 4), GET_RANDOM_8);
    await p.recvU32();
    assert.equal((await p.recv(15))[14], 4);
    await p.recvU32();
    await p.send(mssimPrefix(5000, 0)); // above TPM_BUFFER_MAX
    assert.equal(await p.recvU32(), 10);
    assert.equal(u32At(await p.recv(10), 6), TPM_RC_COMMAND_SIZE);
    await p.recvU32();
    assert.ok(await p.closedByServer());
    p.close();
    assert.equal(tpm.seen.length, 1);
    const s = await Peer.open(server.port);
    await s.send(be32(MssimCode.STOP));
    await server.finished;
    assert.equal(persisted(), 1);
    s.close();
  });
});

Deno.test("garbage storm: random bytes on every port never stop the server", async () => {
  for (const kind of ["swtpm", "mssim"] as const) {
    await withServer(kind, async (server) => {
      let seed = 0x1234;
      const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 16;
      for (let i = 0; i < 60; i++) {
        const port = i % 2 ? server.auxPort : server.port;
        const junk = Uint8Array.from({ length: 1 + (rnd() % 64) }, () => rnd() & 0xff);
        // Avoid the stop codes, which a hostile local client may legitimately send.
        if (kind === "mssim" && u32At(cat(junk, new Uint8Array(4))) === MssimCode.STOP) continue;
        if (kind === "swtpm" && port === server.auxPort && junk.length >= 4 && u32At(junk) === 3) {
          continue;
        }
        const p = await Peer.open(port);
        await p.send(junk).catch(() => {});
        p.close();
      }
      const c = await TpmTcpClient.connect(server.port, kind === "swtpm" ? "raw" : "mssim");
      assert.equal((await c.command(GET_RANDOM_8)).length, 15);
      c.close();
    });
  }
});

Deno.test("a failing state save still answers the client", async () => {
  const tpm = new StubTpm();
  const server = serveSwtpm(tpm, {
    port: 0,
    onPersist: () => Promise.reject(new Error("disk full")),
  });
  const errors: unknown[] = [];
  const original = console.error;
  console.error = (...a: unknown[]) => void errors.push(a);
  try {
    assert.equal(u32At(await rawCommand(server.port, SHUTDOWN_CLEAR), 10), 0x145);
    assert.equal(u32At(await control(server.auxPort, be32(SwtpmCmd.STORE_VOLATILE), 4)), 0);
    assert.equal(errors.length, 2);
    assert.match(String(errors[0]), /disk full/);
  } finally {
    console.error = original;
    await server.close();
  }
});

Deno.test("a client stalled mid-message is cut off and its slot freed; idle clients are not", async () => {
  const tpm = new StubTpm();
  const server = serveSwtpm(tpm, { port: 0, maxConnections: 1, stallTimeoutMs: 100 });
  try {
    const idle = await TpmTcpClient.connect(server.port, "raw");
    await idle.command(GET_RANDOM_8);
    await new Promise((r) => setTimeout(r, 250)); // idle between messages: allowed
    assert.equal((await idle.command(GET_RANDOM_8)).length, 15);
    idle.close();
    const stalled = await Peer.open(server.port);
    await stalled.send(GET_RANDOM_8.subarray(0, 7)); // then silence
    const next = await TpmTcpClient.connect(server.port, "raw"); // waits for the only slot
    assert.equal(u32At(await next.command(GET_RANDOM_8), 10), 0x17b);
    assert.ok(await stalled.closedByServer());
    stalled.close();
    next.close();
  } finally {
    await server.close();
  }
});

/**
 * A stand-in with the synchronous fast path: answers GetRandom at once and
 * anything else after a timer (through a promise), copying each command.
 */
class SyncStubTpm extends StubTpm {
  syncAnswers = 0;
  commands: string[] = [];
  executeNow(command: Uint8Array, locality = 0): Uint8Array | Promise<Uint8Array> {
    if (this.executing) this.overlapped = true;
    this.commands.push(toHex(command));
    if (u32At(command, 6) !== 0x17b) return this.slow(command, locality);
    this.syncAnswers++;
    const rsp = fromHex("80010000000f000000000000000000");
    rsp.set(command.subarray(6, 10), 10);
    rsp[14] = locality;
    return rsp;
  }
  async slow(command: Uint8Array, locality: number): Promise<Uint8Array> {
    this.executing = true;
    await new Promise((r) => setTimeout(r, 30));
    this.executing = false;
    return this.execute(command, locality);
  }
}

Deno.test("swtpm data port, synchronous device: dribbled, pipelined and concurrent commands keep their bytes and their turn", async () => {
  const tpm = new SyncStubTpm();
  const server = serveSwtpm(tpm, { port: 0 });
  try {
    const p = await Peer.open(server.port);
    for (const byte of GET_RANDOM_8) await p.send(new Uint8Array([byte]));
    assert.equal(u32At(await p.recv(15), 10), 0x17b);
    // Three commands in one write: each is handed over as a view, then the next read reuses
    // the buffer; what the TPM saw must be exactly the bytes sent.
    const GET_RANDOM_9 = fromHex("80010000000c0000017b0009");
    await p.send(GET_RANDOM_8, SHUTDOWN_CLEAR, GET_RANDOM_9);
    for (const cc of [0x17b, 0x145, 0x17b]) assert.equal(u32At(await p.recv(15), 10), cc);
    assert.deepEqual(
      tpm.commands,
      [GET_RANDOM_8, GET_RANDOM_8, SHUTDOWN_CLEAR, GET_RANDOM_9].map(toHex),
    );
    // A slow (asynchronous) command on one connection holds the gate: a synchronous one on
    // another waits for it instead of running inside it.
    const q = await Peer.open(server.port);
    await p.send(SHUTDOWN_CLEAR);
    await new Promise((r) => setTimeout(r, 10));
    await q.send(GET_RANDOM_8);
    assert.equal(u32At(await q.recv(15), 10), 0x17b);
    assert.equal(u32At(await p.recv(15), 10), 0x145);
    assert.equal(tpm.overlapped, false);
    assert.equal(tpm.syncAnswers, 4);
    p.close();
    q.close();
  } finally {
    await server.close();
  }
});
