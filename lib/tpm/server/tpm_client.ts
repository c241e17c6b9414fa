/**
 * A raw TPM client over TCP: one persistent connection, one command in
 * flight. It speaks to the data port of swtpm (and of our servers) either
 * bare or with the mssim prefix, which is what tests, the fuzzer and the
 * benchmark against swtpm need (tpm-interop.md §6.1).
 * @module
 */
import { ConnReader, TruncatedMessage, writeAll } from "./conn_reader.ts";
import { be32, concat, TPM_BUFFER_MAX, TPM_HEADER_SIZE, words } from "./tpm_frame.ts";
import { LOOPBACK } from "./tcp_service.ts";
import { MSSIM_SEND_COMMAND } from "./mssim.ts";

/**
 * How commands are framed on the wire.
 *
 * @example
 * ```ts
 * import { type TpmClientFraming, TpmTcpClient } from "./tpm_client.ts";
 * // swtpm's data port takes bare commands; an mssim command port wants the TPM_SEND_COMMAND prefix.
 * async function connectTo(port: number, mssim: boolean): Promise<TpmTcpClient> {
 *   const framing: TpmClientFraming = mssim ? "mssim" : "raw";
 *   return await TpmTcpClient.connect(port, framing);
 * }
 * ```
 */
export type TpmClientFraming = "raw" | "mssim";

/**
 * A persistent raw connection to a TPM command port.
 *
 * @example
 * ```ts
 * import { TpmTcpClient } from "./tpm_client.ts";
 * // TPM2_GetRandom(32) from a swtpm data port (or one of our servers) at 127.0.0.1:`port`.
 * async function getRandom(port: number): Promise<Uint8Array> {
 *   const c = await TpmTcpClient.connect(port, "raw");
 *   try {
 *     return await c.command(new Uint8Array([0x80, 1, 0, 0, 0, 12, 0, 0, 1, 0x7b, 0, 32]));
 *   } finally {
 *     c.close();
 *   }
 * }
 * ```
 */
export class TpmTcpClient {
  /** The framing in use. */
  readonly framing: TpmClientFraming;
  #conn: Deno.TcpConn;
  #reader: ConnReader;

  private constructor(conn: Deno.TcpConn, framing: TpmClientFraming) {
    this.#conn = conn;
    this.#reader = new ConnReader(conn);
    this.framing = framing;
  }

  /** Connects to 127.0.0.1:`port` with TCP no-delay. */
  static async connect(port: number, framing: TpmClientFraming): Promise<TpmTcpClient> {
    const conn = await Deno.connect({ hostname: LOOPBACK, port });
    conn.setNoDelay(true);
    return new TpmTcpClient(conn, framing);
  }

  /**
   * Sends one command (in one write) and resolves to its response. With
   * mssim framing an empty response (TPM powered off) comes back empty. A
   * response size out of bounds closes the connection and rejects with
   * {@link TruncatedMessage}.
   */
  async command(command: Uint8Array, locality = 0): Promise<Uint8Array> {
    if (this.framing === "raw") {
      await writeAll(this.#conn, command);
      const header = await this.#reader.readAll(TPM_HEADER_SIZE);
      const size = checkedSize(be32(header, 2), TPM_HEADER_SIZE, this);
      return concat(header, await this.#reader.readAll(size - TPM_HEADER_SIZE));
    }
    await writeAll(this.#conn, concat(mssimPrefix(command.length, locality), command));
    const size = checkedSize(be32(await this.#reader.readAll(4), 0), 0, this);
    const rsp = await this.#reader.readAll(size);
    await this.#reader.readAll(4); // trailing u32, unchecked like tpm2-tss
    return rsp;
  }

  /** Closes the connection. */
  close(): void {
    try {
      this.#conn.close();
    } catch {
      // already closed
    }
  }
}

/**
 * A response size from the peer, within min..TPM_BUFFER_MAX (the largest response swtpm
 * sends, tpm-interop.md §3.1); otherwise the stream cannot be trusted: close it and throw
 * rather than allocate what a hostile or broken server names (up to 4 GiB).
 */
function checkedSize(size: number, min: number, client: TpmTcpClient): number {
  if (size >= min && size <= TPM_BUFFER_MAX) return size;
  client.close();
  throw new TruncatedMessage(`response size ${size} is outside ${min}..${TPM_BUFFER_MAX}`);
}

/**
 * The 9-byte TPM_SEND_COMMAND prefix `u32 8 | u8 locality | u32 size`.
 *
 * @example
 * ```ts
 * import { mssimPrefix } from "./tpm_client.ts";
 * mssimPrefix(12, 0); // 00000008 00 0000000c
 * ```
 */
export function mssimPrefix(size: number, locality: number): Uint8Array {
  const out = new Uint8Array(9);
  out.set(words(MSSIM_SEND_COMMAND), 0);
  out[4] = locality;
  out.set(words(size), 5);
  return out;
}
