/**
 * The Microsoft reference simulator protocol (TpmTcpProtocol.h, TcpServer.c;
 * tpm-interop.md §1): TPM commands on port N, platform signals on N+1.
 *
 * tpm2-tss's mssim TCTI sends POWER_ON and NV_ON at the start of every
 * process, so POWER_ON on a running TPM must change nothing; it writes the
 * 9-byte prefix and the command separately and may end with SESSION_END or
 * plain EOF (tpm-interop.md §1.3).
 * @module
 */
import { ConnReader, writeAll } from "./conn_reader.ts";
import {
  be32,
  concat,
  errorResponse,
  TPM_BUFFER_MAX,
  TPM_HEADER_SIZE,
  TPM_RC_COMMAND_SIZE,
  words,
} from "./tpm_frame.ts";
import type { TpmDevice } from "./tpm_device.ts";
import { type ServerContext, TpmServer, type TpmServerOptions } from "./tpm_server.ts";

/**
 * TPM_SEND_COMMAND (TpmTcpProtocol.h): `u32 8 | u8 locality | u32 size | command`.
 *
 * @example
 * ```ts
 * import { MSSIM_SEND_COMMAND } from "./mssim.ts";
 * import { concat, words } from "./tpm_frame.ts";
 * const command = new Uint8Array([0x80, 1, 0, 0, 0, 12, 0, 0, 1, 0x44, 0, 0]); // TPM2_Startup(CLEAR)
 * const locality = new Uint8Array([0]);
 * const frame = concat(words(MSSIM_SEND_COMMAND), locality, words(command.length), command); // 21 bytes
 * ```
 */
export const MSSIM_SEND_COMMAND = 8;

/**
 * Request codes (TpmTcpProtocol.h, ms-tpm-20-ref e9fc7b89).
 *
 * @example
 * ```ts
 * import { MssimCode } from "./mssim.ts";
 * import { writeAll } from "./conn_reader.ts";
 * import { words } from "./tpm_frame.ts";
 * // What tpm2-tss's mssim TCTI sends first; each signal is answered with u32 0.
 * // `platform` is a connection to port N+1.
 * async function powerUp(platform: Deno.Conn): Promise<void> {
 *   await writeAll(platform, words(MssimCode.POWER_ON, MssimCode.NV_ON));
 * }
 * ```
 */
export const MssimCode = {
  POWER_ON: 1,
  POWER_OFF: 2,
  PHYS_PRES_ON: 3,
  PHYS_PRES_OFF: 4,
  SEND_COMMAND: MSSIM_SEND_COMMAND,
  CANCEL_ON: 9,
  CANCEL_OFF: 10,
  NV_ON: 11,
  NV_OFF: 12,
  KEY_CACHE_ON: 13,
  KEY_CACHE_OFF: 14,
  REMOTE_HANDSHAKE: 15,
  SET_ALTERNATIVE_RESULT: 16,
  RESET: 17,
  RESTART: 18,
  SESSION_END: 20,
  STOP: 21,
} as const;

/** REMOTE_HANDSHAKE answer: server version 1; platform, raw mode and PP available (TcpServer.c). */
const SERVER_VERSION = 1;
const TPM_PLATFORM_AVAILABLE = 0x01 | 0x04 | 0x08;

/**
 * Serves `device` with the mssim protocol on 127.0.0.1:N (commands) and N+1
 * (platform).
 *
 * @example
 * ```ts
 * import { serveMssim } from "./mssim.ts";
 * import type { TpmDevice } from "./tpm_device.ts";
 * async function serveForTools(tpm: TpmDevice): Promise<void> {
 *   const server = serveMssim(tpm, { port: 2321 });
 *   // TPM2TOOLS_TCTI=mssim:host=127.0.0.1,port=2321 tpm2 getrandom 8
 *   await server.close();
 * }
 * ```
 */
export function serveMssim(device: TpmDevice, options: TpmServerOptions): TpmServer {
  return new TpmServer("mssim", device, {
    command: (ctx) => (conn) => serveCommands(ctx, new ConnReader(conn, ctx.stallMs), conn),
    aux: (ctx) => (conn) => servePlatform(ctx, new ConnReader(conn, ctx.stallMs), conn),
  }, options);
}

/**
 * mssim's response framing: u32 size, response, u32 0, as one buffer so a
 * client that reads once gets it all (tpm-interop.md §1.5).
 *
 * @example
 * ```ts
 * import { mssimReply } from "./mssim.ts";
 * mssimReply(new Uint8Array(10)).length; // 18
 * ```
 */
export function mssimReply(rsp: Uint8Array): Uint8Array {
  return concat(words(rsp.length), rsp, words(0));
}

/** Command port. Unknown codes close the connection without a reply (TcpServer.c). */
async function serveCommands(ctx: ServerContext, r: ConnReader, conn: Deno.Conn): Promise<void> {
  for (;;) {
    const code = await r.readExact(4);
    if (code === null) return;
    switch (be32(code, 0)) {
      case MssimCode.SEND_COMMAND:
        if (!await sendCommand(ctx, r, conn)) return;
        break;
      case MssimCode.REMOTE_HANDSHAKE: {
        const version = be32(await r.readAll(4), 0);
        if (version === 0) return;
        await writeAll(conn, words(SERVER_VERSION, TPM_PLATFORM_AVAILABLE, 0));
        break;
      }
      case MssimCode.SET_ALTERNATIVE_RESULT:
        await r.readAll(4); // ignored, as by the reference
        await writeAll(conn, words(0));
        break;
      case MssimCode.STOP:
        await ctx.persist();
        ctx.stop();
        return;
      default: // SESSION_END, H-CRTM signals (unsupported), garbage
        return;
    }
  }
}

/** One TPM_SEND_COMMAND; false = hang up (the size was out of bounds). */
async function sendCommand(ctx: ServerContext, r: ConnReader, conn: Deno.Conn): Promise<boolean> {
  const prefix = await r.readAll(5);
  const size = be32(prefix, 1);
  if (size > TPM_BUFFER_MAX) {
    await writeAll(conn, mssimReply(errorResponse(TPM_RC_COMMAND_SIZE)));
    return false;
  }
  const command = await r.readAll(size);
  if (size < TPM_HEADER_SIZE) {
    await writeAll(conn, mssimReply(errorResponse(TPM_RC_COMMAND_SIZE)));
    return true;
  }
  const rsp = await ctx.execute(command, prefix[0]);
  // Powered off: the reference answers an empty response (TPMCmdp.c).
  await writeAll(conn, mssimReply(rsp ?? new Uint8Array(0)));
  return true;
}

/** Platform port. Unknown codes get u32 1 and the connection closes (TcpServer.c). */
async function servePlatform(ctx: ServerContext, r: ConnReader, conn: Deno.Conn): Promise<void> {
  for (;;) {
    const code = await r.readExact(4);
    if (code === null) return;
    const c = be32(code, 0);
    if (c === MssimCode.SESSION_END) return;
    if (c === MssimCode.STOP) {
      await ctx.persist();
      ctx.stop();
      return;
    }
    const ok = await platformSignal(ctx, c);
    await writeAll(conn, words(ok ? 0 : 1));
    if (!ok) return;
  }
}

/** Applies one platform signal; false = unknown code. */
async function platformSignal(ctx: ServerContext, code: number): Promise<boolean> {
  switch (code) {
    case MssimCode.POWER_ON: // on a running TPM: nothing (tpm-interop.md §1.3)
      await ctx.gate.run((tpm) => tpm.poweredOn || tpm.powerOn());
      return true;
    case MssimCode.POWER_OFF:
      await ctx.gate.run((tpm) => tpm.poweredOn && tpm.powerOff());
      return true;
    case MssimCode.RESET: // _TPM_Init, only if powered
      await ctx.gate.run((tpm) => tpm.poweredOn && tpm.reset());
      return true;
    case MssimCode.PHYS_PRES_ON:
    case MssimCode.PHYS_PRES_OFF:
    case MssimCode.CANCEL_ON:
    case MssimCode.CANCEL_OFF:
    case MssimCode.NV_ON:
    case MssimCode.NV_OFF:
    case MssimCode.KEY_CACHE_ON:
    case MssimCode.KEY_CACHE_OFF:
    case MssimCode.RESTART:
      // Acknowledged: NV is always available and commands run to completion.
      return true;
    default:
      return false;
  }
}
