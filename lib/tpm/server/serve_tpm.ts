/**
 * Picks the server for a protocol name (the CLI's `--protocol`).
 * @module
 */
import { serveMssim } from "./mssim.ts";
import { serveSwtpm } from "./swtpm.ts";
import type { TpmDevice } from "./tpm_device.ts";
import type { TpmProtocol, TpmServer, TpmServerOptions } from "./tpm_server.ts";

/**
 * Serves `device` over `protocol` on 127.0.0.1:N and N+1.
 *
 * @example
 * ```ts
 * import { serveTpm } from "./serve_tpm.ts";
 * import type { TpmDevice } from "./tpm_device.ts";
 * async function serveOnFreePorts(tpm: TpmDevice): Promise<void> {
 *   const server = serveTpm(tpm, "mssim", { port: 0 });
 *   console.log(server.port, server.auxPort); // N and N+1
 *   await server.close();
 * }
 * ```
 */
export function serveTpm(
  device: TpmDevice,
  protocol: TpmProtocol,
  options: TpmServerOptions,
): TpmServer {
  return protocol === "swtpm" ? serveSwtpm(device, options) : serveMssim(device, options);
}
