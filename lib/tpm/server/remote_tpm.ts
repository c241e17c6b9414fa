/**
 * A {@link TpmDevice} that is another TPM behind a swtpm socket (swtpm
 * itself, or one of our servers): a recording or comparing proxy, and a way
 * to check a server against a reference TPM.
 * @module
 */
import { ConnReader, writeAll } from "./conn_reader.ts";
import { be32, words } from "./tpm_frame.ts";
import { LOOPBACK } from "./tcp_service.ts";
import { SwtpmCmd } from "./swtpm.ts";
import type { TpmDevice } from "./tpm_device.ts";
import { TpmTcpClient } from "./tpm_client.ts";

/**
 * Forwards commands to a swtpm data port N; power signals become CMD_INIT /
 * CMD_STOP on its control port N+1 (tpm-interop.md §2.3).
 *
 * @example
 * ```ts
 * import { RemoteTpm } from "./remote_tpm.ts";
 * // TPM2_GetRandom(8) from a running, powered swtpm whose data port is `port`.
 * async function getRandom(port: number): Promise<Uint8Array> {
 *   const tpm = await RemoteTpm.connect(port);
 *   try {
 *     return await tpm.execute(new Uint8Array([0x80, 1, 0, 0, 0, 12, 0, 0, 1, 0x7b, 0, 8]));
 *   } finally {
 *     tpm.close();
 *   }
 * }
 * ```
 */
export class RemoteTpm implements TpmDevice {
  #client: TpmTcpClient;
  #port: number;
  #on = true;
  #pending: Promise<void> = Promise.resolve();
  #failure: Error | null = null;

  private constructor(client: TpmTcpClient, port: number) {
    this.#client = client;
    this.#port = port;
  }

  /** Connects to the data port `port` of a running, powered swtpm. */
  static async connect(port: number): Promise<RemoteTpm> {
    return new RemoteTpm(await TpmTcpClient.connect(port, "raw"), port);
  }

  /** Whether the remote TPM was last powered on through this proxy. */
  get poweredOn(): boolean {
    return this.#on;
  }

  /** CMD_INIT: power on with _TPM_Init. */
  powerOn(): void {
    this.#on = true;
    this.#control(words(SwtpmCmd.INIT, 0));
  }

  /** CMD_STOP. */
  powerOff(): void {
    this.#on = false;
    this.#control(words(SwtpmCmd.STOP));
  }

  /** CMD_INIT while powered. */
  reset(): void {
    this.powerOn();
  }

  /**
   * Forwards one command, after any pending power signal has been acknowledged; rejects
   * (once) if that signal failed.
   */
  async execute(command: Uint8Array, _locality?: number): Promise<Uint8Array> {
    await this.#pending;
    const failure = this.#failure;
    this.#failure = null;
    if (failure) throw failure;
    return await this.#client.command(command);
  }

  /** Closes the data connection. */
  close(): void {
    this.#client.close();
  }

  #control(message: Uint8Array): void {
    this.#pending = this.#pending.then(async () => {
      const conn = await Deno.connect({ hostname: LOOPBACK, port: this.#port + 1 });
      try {
        await writeAll(conn, message);
        const result = await new ConnReader(conn).readAll(4);
        if (be32(result, 0) !== 0) throw new Error(`swtpm control result ${be32(result, 0)}`);
      } finally {
        conn.close();
      }
    }).catch((e: Error) => {
      // Kept for the next command: a signal has no caller to reject, and an unhandled
      // rejection would end the whole process on a remote peer's say-so.
      this.#failure = e;
    });
  }
}
