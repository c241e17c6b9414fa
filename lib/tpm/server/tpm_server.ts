/**
 * What the swtpm and mssim servers share: two loopback ports (N for TPM
 * commands, N+1 for the out-of-band channel), one serialized TPM behind
 * them, and the moments when the TPM's state should be saved.
 *
 * Concurrency: each port accepts up to `maxConnections` clients at once
 * (more wait in the accept queue); their commands reach the TPM one at a
 * time through a {@link TpmGate}. tpm2-tss needs this: its swtpm TCTI opens a
 * connection per command and its mssim TCTI holds two sockets open.
 * @module
 */
import { type TpmDevice, TpmGate } from "./tpm_device.ts";
import {
  be16,
  be32,
  errorResponse,
  TPM_CC_SHUTDOWN,
  TPM_HEADER_SIZE,
  TPM_RC_FAILURE,
  TPM_RC_SUCCESS,
} from "./tpm_frame.ts";
import { type ConnHandler, TcpService } from "./tcp_service.ts";

/**
 * Options for {@link serveSwtpm} and {@link serveMssim}.
 *
 * @example
 * ```ts
 * import { serveTpm } from "./serve_tpm.ts";
 * import type { TpmServerOptions } from "./tpm_server.ts";
 * import type { TpmDevice } from "./tpm_device.ts";
 * const options: TpmServerOptions = { port: 2321, maxConnections: 4, stallTimeoutMs: 5000 };
 * async function serveBriefly(tpm: TpmDevice): Promise<void> {
 *   const server = serveTpm(tpm, "mssim", options);
 *   await server.close();
 * }
 * ```
 */
export interface TpmServerOptions {
  /** Command port N; the control/platform port is N+1. 0 picks a free pair. */
  readonly port: number;
  /** Live connections per port; more wait in the accept queue. Default 8. */
  readonly maxConnections?: number;
  /**
   * A client silent this long in the middle of a message is disconnected,
   * freeing its slot (default 10 000 ms; 0 = never). Idle time between
   * messages is not limited.
   */
  readonly stallTimeoutMs?: number;
  /**
   * Called (with the TPM idle) when its state should be saved: after a
   * successful TPM2_Shutdown or command that changes NV (NV, hierarchy,
   * EvictControl...), and when a client asks the server to store state or
   * to stop.
   */
  readonly onPersist?: () => void | Promise<void>;
}

/**
 * Which wire protocol a server speaks (tpm-interop.md §1, §2).
 *
 * @example
 * ```ts
 * import type { TpmProtocol, TpmServer } from "./tpm_server.ts";
 * import { serveTpm } from "./serve_tpm.ts";
 * import type { TpmDevice } from "./tpm_device.ts";
 * function serveAsAsked(tpm: TpmDevice, args: string[]): TpmServer {
 *   const protocol: TpmProtocol = args.includes("--mssim") ? "mssim" : "swtpm";
 *   return serveTpm(tpm, protocol, { port: 0 });
 * }
 * ```
 */
export type TpmProtocol = "swtpm" | "mssim";

/**
 * The connection handlers of one protocol.
 *
 * @example
 * ```ts
 * import { type ProtocolHandlers, TpmServer } from "./tpm_server.ts";
 * import type { TpmDevice } from "./tpm_device.ts";
 * // A server with no out-of-band channel: port N+1 hangs up at once.
 * const handlers: ProtocolHandlers = {
 *   command: (ctx) => async (conn) => console.log(`connection at locality ${ctx.locality}`),
 *   aux: () => async (conn) => conn.close(),
 * };
 * function serveWithoutControl(tpm: TpmDevice): TpmServer {
 *   return new TpmServer("swtpm", tpm, handlers, { port: 0 });
 * }
 * ```
 */
export interface ProtocolHandlers {
  /** Port N: TPM commands. */
  readonly command: (ctx: ServerContext) => ConnHandler;
  /** Port N+1: swtpm control channel or mssim platform port. */
  readonly aux: (ctx: ServerContext) => ConnHandler;
}

/**
 * The state the handlers of one server share.
 *
 * @example
 * ```ts
 * import { ServerContext } from "./tpm_server.ts";
 * import { Tpm } from "../tpm.ts";
 * const tpm = await Tpm.manufacture({ seed: new Uint8Array(32) });
 * // A server builds one (TPM, onPersist, requestStop, stall limit) and hands it to each handler.
 * const ctx = new ServerContext(tpm, () => {}, () => {}, 5000);
 * ctx.stallMs; // 5000: how long a half-sent command may stall before the connection drops
 * ```
 */
export class ServerContext {
  /** The serialized TPM. */
  readonly gate: TpmGate;
  /** Locality for commands without their own (swtpm CMD_SET_LOCALITY). */
  locality = 0;
  /** Mid-message silence limit for {@link ConnReader}s (ms; 0 = none). */
  readonly stallMs: number;
  #onPersist: () => void | Promise<void>;
  #requestStop: () => void;

  /** Wraps `device`; `requestStop` ends the server when a client asks to. */
  constructor(
    device: TpmDevice,
    onPersist: () => void | Promise<void>,
    requestStop: () => void,
    stallMs: number,
  ) {
    this.gate = new TpmGate(device);
    this.stallMs = stallMs;
    this.#onPersist = onPersist;
    this.#requestStop = requestStop;
  }

  /**
   * Runs one command; null while the TPM is powered off. An exception from
   * the device (it must not throw) becomes TPM_RC_FAILURE. The answer is
   * synchronous when the TPM is idle and answers synchronously (see
   * {@link TpmDevice.executeNow}); `command` may be a view the caller reuses
   * once the answer is in.
   */
  execute(command: Uint8Array, locality: number): Uint8Array | null | Promise<Uint8Array | null> {
    return this.gate.runNow((tpm) => {
      if (!tpm.poweredOn) return null;
      let rsp: Uint8Array | Promise<Uint8Array>;
      try {
        rsp = tpm.executeNow ? tpm.executeNow(command, locality) : tpm.execute(command, locality);
      } catch {
        return errorResponse(TPM_RC_FAILURE);
      }
      if (!(rsp instanceof Promise)) return this.#afterCommand(command, rsp);
      return rsp.then((r) => this.#afterCommand(command, r), () => errorResponse(TPM_RC_FAILURE));
    });
  }

  /**
   * Saves state after a successful TPM2_Shutdown or command that changes the saved state,
   * before the client hears of it.
   */
  #afterCommand(command: Uint8Array, rsp: Uint8Array): Uint8Array | Promise<Uint8Array> {
    if (!changedSavedState(command, rsp)) return rsp;
    return this.#persistOrReport().then(() => rsp);
  }

  /** Saves state through the gate, so no command is half-run. */
  persist(): Promise<void> {
    return this.gate.run(() => this.#persistOrReport());
  }

  /** A failed save must not cost the client its reply: report it on stderr. */
  async #persistOrReport(): Promise<void> {
    try {
      await this.#onPersist();
    } catch (e) {
      console.error(`tpm server: cannot save TPM state: ${(e as Error)?.message ?? e}`);
    }
  }

  /** Asks the server to stop (after the current reply is written). */
  stop(): void {
    this.#requestStop();
  }
}

/**
 * Commands whose success changes what a real TPM keeps in NV (TCG TPM 2.0 Part 3: NV, hierarchy,
 * DA, clock and PCR-allocation commands, EvictControl, Startup), besides TPM2_Shutdown. swtpm stores NV
 * after each one; saving them only at Shutdown or exit lost them to a killed server.
 */
const SAVED_STATE_CCS: ReadonlySet<number> = new Set([
  0x11f, // NV_UndefineSpaceSpecial
  0x120, // EvictControl
  0x121, // HierarchyControl
  0x122, // NV_UndefineSpace
  0x124, // ChangeEPS
  0x125, // ChangePPS
  0x126, // Clear
  0x127, // ClearControl
  0x128, // ClockSet
  0x129, // HierarchyChangeAuth
  0x12a, // NV_DefineSpace
  0x12b, // PCR_Allocate
  0x12c, // PCR_SetAuthPolicy
  0x12e, // SetPrimaryPolicy
  0x130, // ClockRateAdjust
  0x132, // NV_GlobalWriteLock
  0x134, // NV_Increment
  0x135, // NV_SetBits
  0x136, // NV_Extend
  0x137, // NV_Write
  0x138, // NV_WriteLock
  0x139, // DictionaryAttackLockReset
  0x13a, // DictionaryAttackParameters
  0x13b, // NV_ChangeAuth
  0x144, // Startup: clears the Shutdown(STATE) data and the orderly flag (Part 1 §12.3), so a
  //        crash cannot be followed by a Startup(STATE) that rolls the PCRs back
  TPM_CC_SHUTDOWN,
]);

/**
 * TPM_RC_AUTH_FAIL (format 1, 0x08E, any session or parameter number; Part 2 §6.6.3): the
 * DA counter went up, and a real TPM keeps failedTries in NV (Part 1 §19.8.4), so that a
 * restart does not give a password guesser fresh tries.
 */
function isAuthFail(rc: number): boolean {
  return (rc & 0xbf) === 0x08e;
}

function changedSavedState(command: Uint8Array, rsp: Uint8Array): boolean {
  if (command.length < TPM_HEADER_SIZE || rsp.length < TPM_HEADER_SIZE || be16(rsp, 0) === 0) {
    return false;
  }
  const rc = be32(rsp, 6);
  return isAuthFail(rc) || (rc === TPM_RC_SUCCESS && SAVED_STATE_CCS.has(be32(command, 6)));
}

/**
 * A running TPM server: its two ports and a way to stop it.
 *
 * @example
 * ```ts
 * import { serveSwtpm } from "./swtpm.ts";
 * import type { TpmDevice } from "./tpm_device.ts";
 * async function serveForTools(tpm: TpmDevice): Promise<void> {
 *   const server = serveSwtpm(tpm, { port: 2321 });
 *   // TPM2TOOLS_TCTI=swtpm:host=127.0.0.1,port=2321 tpm2 getrandom 8
 *   await server.close();
 * }
 * ```
 */
export class TpmServer {
  /** The protocol spoken. */
  readonly protocol: TpmProtocol;
  /** Command port N. */
  readonly port: number;
  /** Control (swtpm) or platform (mssim) port, N+1. */
  readonly auxPort: number;
  /** Resolves once the server has stopped, by {@link close} or a client's request. */
  readonly finished: Promise<void>;
  #services: TcpService[];
  #closing: Promise<void> | null = null;
  #resolveFinished!: () => void;

  /** Binds N and N+1 (a free pair when `options.port` is 0); throws if taken. */
  constructor(
    protocol: TpmProtocol,
    device: TpmDevice,
    handlers: ProtocolHandlers,
    options: TpmServerOptions,
  ) {
    this.protocol = protocol;
    this.finished = new Promise((resolve) => this.#resolveFinished = resolve);
    const ctx = new ServerContext(
      device,
      options.onPersist ?? (() => {}),
      () => void this.close(),
      options.stallTimeoutMs ?? DEFAULT_STALL_MS,
    );
    const max = options.maxConnections ?? 8;
    this.#services = bindPair(options.port, handlers.command(ctx), handlers.aux(ctx), max);
    this.port = this.#services[0].port;
    this.auxPort = this.#services[1].port;
  }

  /** Stops listening, closes every connection; idempotent. */
  close(): Promise<void> {
    this.#closing ??= Promise.all(this.#services.map((s) => s.close())).then(() =>
      this.#resolveFinished()
    );
    return this.#closing;
  }
}

const PAIR_ATTEMPTS = 20;
const DEFAULT_STALL_MS = 10_000;

function bindPair(
  port: number,
  command: ConnHandler,
  aux: ConnHandler,
  max: number,
): TcpService[] {
  if (port !== 0) return bindAt(port, command, aux, max);
  for (let i = 0;; i++) {
    const probe = new TcpService(0, command, max);
    try {
      return [probe, new TcpService(probe.port + 1, aux, max)];
    } catch (e) {
      void probe.close();
      if (i === PAIR_ATTEMPTS) throw e;
    }
  }
}

function bindAt(port: number, command: ConnHandler, aux: ConnHandler, max: number): TcpService[] {
  if (!Number.isInteger(port) || port < 1 || port > 65534) {
    throw new RangeError(`port ${port} is not in 1..65534 (N and N+1 are both used)`);
  }
  const first = new TcpService(port, command, max);
  try {
    return [first, new TcpService(port + 1, aux, max)];
  } catch (e) {
    void first.close();
    throw e;
  }
}
