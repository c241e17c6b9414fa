/**
 * TPM servers for real clients: swtpm's socket protocol and the Microsoft
 * simulator (mssim) protocol on loopback, plus a raw TCP client.
 *
 * @example
 * ```ts
 * import { serveTpm } from "./mod.ts";
 * import type { TpmDevice } from "./mod.ts";
 * // Serves `tpm` on 127.0.0.1:2321 (data) and 2322 (control) until closed or CMD_SHUTDOWN.
 * async function serveUntilShutdown(tpm: TpmDevice): Promise<void> {
 *   const server = serveTpm(tpm, "swtpm", { port: 2321 });
 *   await server.finished;
 * }
 * ```
 * @module
 */
export * from "./tpm_device.ts";
export * from "./tpm_frame.ts";
export * from "./tpm_server.ts";
export * from "./swtpm.ts";
export * from "./mssim.ts";
export * from "./serve_tpm.ts";
export * from "./tpm_client.ts";
export { ConnReader, TruncatedMessage, writeAll } from "./conn_reader.ts";
export type { ByteStream } from "./conn_reader.ts";
export { LOOPBACK, TcpService } from "./tcp_service.ts";
export type { ConnHandler } from "./tcp_service.ts";
export * from "./remote_tpm.ts";
