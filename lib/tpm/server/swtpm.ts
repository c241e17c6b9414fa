/**
 * The swtpm socket protocol (swtpm v0.7.1; tpm-interop.md §2): raw TPM
 * commands on the data port N, swtpm's control channel (tpm_ioctl.h) on
 * N+1. tpm2-tss's swtpm TCTI connects per command and per control message;
 * long-lived raw clients keep one connection. Both work.
 * @module
 */
import { ConnReader, writeAll } from "./conn_reader.ts";
import {
  be16,
  be32,
  concat,
  errorResponse,
  isTpm2Tag,
  TPM_BUFFER_MAX,
  TPM_HEADER_SIZE,
  TPM_RC_COMMAND_SIZE,
  TPM_RC_FAILURE,
  words,
} from "./tpm_frame.ts";
import { MSSIM_SEND_COMMAND, mssimReply } from "./mssim.ts";
import type { TpmDevice } from "./tpm_device.ts";
import { type ServerContext, TpmServer, type TpmServerOptions } from "./tpm_server.ts";

/**
 * Control channel command codes (swtpm include/swtpm/tpm_ioctl.h, v0.7.1).
 *
 * @example
 * ```ts
 * import { SwtpmCmd } from "./swtpm.ts";
 * import { writeAll } from "./conn_reader.ts";
 * import { words } from "./tpm_frame.ts";
 * // `control` is a connection to port N+1.
 * async function init(control: Deno.Conn): Promise<void> {
 *   await writeAll(control, words(SwtpmCmd.INIT, 0)); // CMD_INIT with init flags 0: _TPM_Init
 * }
 * ```
 */
export const SwtpmCmd = {
  GET_CAPABILITY: 0x01,
  INIT: 0x02,
  SHUTDOWN: 0x03,
  GET_TPMESTABLISHED: 0x04,
  SET_LOCALITY: 0x05,
  CANCEL_TPM_CMD: 0x09,
  STORE_VOLATILE: 0x0a,
  RESET_TPMESTABLISHED: 0x0b,
  STOP: 0x0e,
  GET_CONFIG: 0x0f,
  SET_BUFFERSIZE: 0x11,
  GET_INFO: 0x12,
} as const;

/**
 * PTM_CAP_* bits for the commands above (tpm_ioctl.h), and SEND_COMMAND_HEADER.
 *
 * @example
 * ```ts
 * import { SWTPM_CAPABILITIES } from "./swtpm.ts";
 * // CMD_GET_CAPABILITY answers 0 then this mask: 0xecef.
 * const PTM_CAP_STOP = 1 << 10;
 * const canStop = (SWTPM_CAPABILITIES & PTM_CAP_STOP) !== 0; // true
 * ```
 */
export const SWTPM_CAPABILITIES: number = 1 << 0 | 1 << 1 | 1 << 2 | 1 << 3 | 1 << 5 |
  1 << 6 | 1 << 7 | 1 << 10 | 1 << 11 | 1 << 13 | 1 << 14 | 1 << 15;

/**
 * TPM 1.2-style results the control channel returns (TPM 1.2 Part 2 §16).
 *
 * @example
 * ```ts
 * import { SwtpmResult } from "./swtpm.ts";
 * import { be32 } from "./tpm_frame.ts";
 * const reply = new Uint8Array([0, 0, 0, 10]); // from the control port
 * const unknownCommand = be32(reply, 0) === SwtpmResult.BAD_ORDINAL; // true: this swtpm does not know it
 * ```
 */
export const SwtpmResult = {
  SUCCESS: 0,
  BAD_PARAMETER: 3,
  BAD_ORDINAL: 10,
  BAD_LOCALITY: 61,
} as const;

/** Localities 0-4 (TCG PC Client Platform TPM Profile). */
const MAX_LOCALITY = 4;
/** SWTPM_INFO_TPMSPECIFICATION flag of CMD_GET_INFO (tpm_ioctl.h). */
const INFO_TPMSPECIFICATION = 1n;
/** What `swtpm` reports for flag 1 (TPM 2.0, level 0, revision 164; tpm-interop.md §2.3). */
const TPM_SPECIFICATION = '{"TPMSpecification":{"family":"2.0","level":0,"revision":164}}';

/**
 * Serves `device` with the swtpm socket protocol on 127.0.0.1:N and N+1.
 *
 * @example
 * ```ts
 * import { serveSwtpm } from "./swtpm.ts";
 * import type { TpmDevice } from "./tpm_device.ts";
 * async function serveUntilShutdown(tpm: TpmDevice): Promise<void> {
 *   const server = serveSwtpm(tpm, { port: 2321 });
 *   await server.finished; // until closed or a CMD_SHUTDOWN
 * }
 * ```
 */
export function serveSwtpm(device: TpmDevice, options: TpmServerOptions): TpmServer {
  return new TpmServer("swtpm", device, {
    command: (ctx) => (conn) => serveData(ctx, new ConnReader(conn, ctx.stallMs), conn),
    aux: (ctx) => (conn) => serveControl(ctx, new ConnReader(conn, ctx.stallMs), conn),
  }, options);
}

/**
 * Data port: commands framed by their own size field. A command may carry
 * the 9-byte mssim prefix (u32 8, u8 locality, u32 size); swtpm accepts that
 * and answers with mssim's framing (tpmlib.c, mainloop.c).
 */
async function serveData(ctx: ServerContext, r: ConnReader, conn: Deno.Conn): Promise<void> {
  for (;;) {
    let command: Uint8Array | null | undefined = bufferedCommand(r);
    if (command === undefined) {
      if (partialCommand(r)) {
        if (!await r.more()) return; // the client hung up between commands
        continue;
      }
      command = await readCommand(ctx, r, conn); // mssim prefix or a bad header
      if (command === null) return;
      if (command === PREFIXED) continue;
    }
    // `command` may be a view into the reader's buffer: the TPM is done with it once it answers.
    const answer = ctx.execute(command, ctx.locality);
    const rsp = answer instanceof Promise ? await answer : answer;
    await writeAll(conn, rsp ?? errorResponse(TPM_RC_FAILURE));
  }
}

/** Marks a command already handled in mssim framing. */
const PREFIXED = new Uint8Array(0);

/**
 * The common case without a wait: a whole plain command already buffered
 * (clients send a command in one write), as a view of the reader's buffer.
 */
function bufferedCommand(r: ConnReader): Uint8Array | undefined {
  if (r.buffered < TPM_HEADER_SIZE) return undefined;
  const head = r.peek(TPM_HEADER_SIZE);
  const size = be32(head, 2);
  if (!isTpm2Tag(be16(head, 0)) || size < TPM_HEADER_SIZE || size > TPM_BUFFER_MAX) {
    return undefined;
  }
  if (size > r.buffered) return undefined;
  return r.takeView(size);
}

/** True while the buffered bytes may still grow into a plain command: read more, retry. */
function partialCommand(r: ConnReader): boolean {
  const n = r.buffered;
  if (n < 2) return true;
  const head = r.peek(Math.min(n, TPM_HEADER_SIZE));
  if (!isTpm2Tag(be16(head, 0))) return false;
  if (n < 6) return true;
  const size = be32(head, 2);
  return size >= TPM_HEADER_SIZE && size <= TPM_BUFFER_MAX;
}

/**
 * The general case: read the header, then the rest by its size; a mssim
 * prefix is served in place (→ PREFIXED); null = hang up.
 */
async function readCommand(
  ctx: ServerContext,
  r: ConnReader,
  conn: Deno.Conn,
): Promise<Uint8Array | null> {
  const head = await r.readExact(4);
  if (head === null) return null;
  if (!isTpm2Tag(be16(head, 0)) && be32(head, 0) === MSSIM_SEND_COMMAND) {
    return await prefixedCommand(ctx, r, conn) ? PREFIXED : null;
  }
  const header = concat(head, await r.readAll(TPM_HEADER_SIZE - 4));
  const size = be32(header, 2);
  if (size < TPM_HEADER_SIZE || size > TPM_BUFFER_MAX) {
    // The stream cannot be resynchronized: answer, then hang up.
    await writeAll(conn, errorResponse(TPM_RC_COMMAND_SIZE));
    return null;
  }
  return concat(header, await r.readAll(size - TPM_HEADER_SIZE));
}

/** One mssim-prefixed command on the data port; false = hang up. */
async function prefixedCommand(
  ctx: ServerContext,
  r: ConnReader,
  conn: Deno.Conn,
): Promise<boolean> {
  const rest = await r.readAll(5);
  const size = be32(rest, 1);
  if (size > TPM_BUFFER_MAX) {
    await writeAll(conn, mssimReply(errorResponse(TPM_RC_COMMAND_SIZE)));
    return false;
  }
  const command = await r.readAll(size);
  const rsp = size < TPM_HEADER_SIZE
    ? errorResponse(TPM_RC_COMMAND_SIZE)
    : await ctx.execute(command, rest[0]);
  await writeAll(conn, mssimReply(rsp ?? errorResponse(TPM_RC_FAILURE)));
  return true;
}

/**
 * Control channel: `u32 code | payload`, reply starting with a u32 result
 * (ctrlchannel.c). Unknown codes get TPM_BAD_ORDINAL and the connection is
 * closed, as their payload length is unknown.
 */
async function serveControl(ctx: ServerContext, r: ConnReader, conn: Deno.Conn): Promise<void> {
  for (;;) {
    const code = await r.readExact(4);
    if (code === null) return;
    const reply = await controlCommand(ctx, r, be32(code, 0));
    await writeAll(conn, reply ?? words(SwtpmResult.BAD_ORDINAL));
    if (reply === null) return;
    if (be32(code, 0) === SwtpmCmd.SHUTDOWN) {
      ctx.stop();
      return;
    }
  }
}

/** Runs one control command; null = unsupported. */
async function controlCommand(
  ctx: ServerContext,
  r: ConnReader,
  code: number,
): Promise<Uint8Array | null> {
  switch (code) {
    case SwtpmCmd.GET_CAPABILITY:
      // Result first (v0.10.0 layout; tpm-interop.md §2.4).
      return words(SwtpmResult.SUCCESS, SWTPM_CAPABILITIES);
    case SwtpmCmd.INIT:
      await r.readAll(4); // flags: DELETE_VOLATILE has nothing to delete here
      await ctx.gate.run((tpm) => tpm.poweredOn ? tpm.reset() : tpm.powerOn());
      return words(SwtpmResult.SUCCESS);
    case SwtpmCmd.SHUTDOWN:
    case SwtpmCmd.STORE_VOLATILE:
      await ctx.persist();
      return words(SwtpmResult.SUCCESS);
    case SwtpmCmd.GET_TPMESTABLISHED:
      return new Uint8Array(8); // result 0, bit 0, 3 bytes padding
    case SwtpmCmd.SET_LOCALITY:
      return words(setLocality(ctx, (await r.readAll(1))[0]));
    case SwtpmCmd.CANCEL_TPM_CMD:
      return words(SwtpmResult.SUCCESS); // commands run to completion
    case SwtpmCmd.RESET_TPMESTABLISHED:
      await r.readAll(1);
      return words(SwtpmResult.SUCCESS);
    case SwtpmCmd.STOP:
      await ctx.gate.run((tpm) => tpm.poweredOn && tpm.powerOff());
      return words(SwtpmResult.SUCCESS);
    case SwtpmCmd.GET_CONFIG:
      return words(SwtpmResult.SUCCESS, 0);
    case SwtpmCmd.SET_BUFFERSIZE:
      await r.readAll(4); // one size only: every request is clamped to it
      return words(SwtpmResult.SUCCESS, TPM_BUFFER_MAX, TPM_BUFFER_MAX, TPM_BUFFER_MAX);
    case SwtpmCmd.GET_INFO:
      return getInfo(await r.readAll(16));
    default:
      return null;
  }
}

function setLocality(ctx: ServerContext, locality: number): number {
  if (locality > MAX_LOCALITY) return SwtpmResult.BAD_LOCALITY;
  ctx.locality = locality;
  return SwtpmResult.SUCCESS;
}

/** CMD_GET_INFO: u64 flags, u32 offset, u32 pad → result, total, length, JSON. */
function getInfo(request: Uint8Array): Uint8Array {
  const flags = new DataView(request.buffer).getBigUint64(0);
  const offset = be32(request, 8);
  const json = new TextEncoder().encode(
    flags & INFO_TPMSPECIFICATION ? TPM_SPECIFICATION : "{}",
  );
  if (offset > json.length) return words(SwtpmResult.BAD_PARAMETER);
  const part = json.subarray(offset);
  return concat(words(SwtpmResult.SUCCESS, json.length, part.length), part);
}
