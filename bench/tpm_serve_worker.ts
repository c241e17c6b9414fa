/**
 * A Worker that runs our TPM behind the swtpm protocol on its own thread,
 * so the benchmark's client and the server do not share an event loop (as
 * swtpm, a separate process, does not share the client's).
 *
 * Messages in: `"stop"`. Messages out: `{ port }` once listening, then
 * `"stopped"`.
 * @module
 */
/// <reference lib="deno.worker" />
import { Tpm } from "../lib/tpm/tpm.ts";
import { serveSwtpm } from "../lib/tpm/server/mod.ts";

const tpm = await Tpm.manufacture();
tpm.powerOn();
const server = serveSwtpm(tpm, { port: 0 });
self.onmessage = async (e: MessageEvent) => {
  if (e.data !== "stop") return;
  await server.close();
  self.postMessage("stopped");
};
self.postMessage({ port: server.port });
