/**
 * One loopback TCP listener with a bounded number of live connections.
 * Connections beyond the bound wait in the kernel's accept queue until a
 * slot frees, so a flood of clients costs sockets, not memory or CPU. Each
 * accepted connection gets TCP no-delay (tpm-interop.md §1.5) and its own
 * handler; a handler failing closes only its connection.
 * @module
 */

/**
 * Servers bind loopback only: a TPM is not a network service.
 *
 * @example
 * ```ts
 * import { LOOPBACK } from "./tcp_service.ts";
 * // A client of one of our servers connects to the same loopback address.
 * async function connectTo(port: number): Promise<Deno.TcpConn> {
 *   return await Deno.connect({ hostname: LOOPBACK, port });
 * }
 * ```
 */
export const LOOPBACK = "127.0.0.1";

/**
 * Handles one accepted connection until it ends.
 *
 * @example
 * ```ts
 * import { type ConnHandler, TcpService } from "./tcp_service.ts";
 * // Echoes one read back, then hangs up.
 * const echo: ConnHandler = async (conn) => {
 *   const buf = new Uint8Array(64);
 *   const n = await conn.read(buf);
 *   if (n !== null) await conn.write(buf.subarray(0, n));
 * };
 * // Serves it on a free port, up to 4 clients at once, until `close()`.
 * function serveEcho(): TcpService {
 *   return new TcpService(0, echo, 4);
 * }
 * ```
 */
export type ConnHandler = (conn: Deno.TcpConn) => Promise<void>;

/**
 * A listening port and its live connections.
 *
 * @example
 * ```ts
 * import { TcpService } from "./tcp_service.ts";
 * // Greets each client with one byte, up to 4 clients at once.
 * async function greetUntilDone(done: Promise<void>): Promise<void> {
 *   const svc = new TcpService(0, async (conn) => {
 *     await conn.write(new Uint8Array([1]));
 *   }, 4);
 *   console.log(`greeting on 127.0.0.1:${svc.port}`);
 *   await done;
 *   await svc.close();
 * }
 * ```
 */
export class TcpService {
  /** The bound port. */
  readonly port: number;
  #listener: Deno.TcpListener;
  #live = new Set<Deno.TcpConn>();
  #handlers = new Set<Promise<void>>();
  #slotFreed: (() => void) | null = null;
  #closed = false;
  #loop: Promise<void>;

  /** Listens on 127.0.0.1:`port` (0 = any free port); throws if it is taken. */
  constructor(port: number, handler: ConnHandler, maxConnections: number) {
    this.#listener = Deno.listen({ hostname: LOOPBACK, port, transport: "tcp" });
    this.port = this.#listener.addr.port;
    this.#loop = this.#acceptLoop(handler, Math.max(1, maxConnections));
  }

  /** Stops listening, closes every connection and waits for the handlers. */
  async close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.#listener.close();
      for (const conn of this.#live) closeQuietly(conn);
      this.#slotFreed?.();
    }
    await this.#loop;
    await Promise.all(this.#handlers);
  }

  async #acceptLoop(handler: ConnHandler, max: number): Promise<void> {
    while (!this.#closed) {
      if (this.#live.size >= max) {
        await new Promise<void>((resolve) => this.#slotFreed = resolve);
        continue;
      }
      let conn: Deno.TcpConn;
      try {
        conn = await this.#listener.accept();
      } catch (e) {
        if (this.#closed || e instanceof Deno.errors.BadResource) return; // listener closed
        // A peer gone before it was accepted (an RST makes Deno's accept throw NotConnected),
        // or a passing shortage (EMFILE): that connection is lost, never the service.
        if (!(e instanceof Deno.errors.NotConnected)) await pause(ACCEPT_RETRY_MS);
        continue;
      }
      this.#live.add(conn);
      const done = this.#serve(conn, handler);
      this.#handlers.add(done);
      done.then(() => this.#handlers.delete(done));
    }
  }

  async #serve(conn: Deno.TcpConn, handler: ConnHandler): Promise<void> {
    try {
      conn.setNoDelay(true);
      await handler(conn);
    } catch {
      // Hostile or broken peer: drop this connection, keep serving others.
    } finally {
      closeQuietly(conn);
      this.#live.delete(conn);
      const wake = this.#slotFreed;
      this.#slotFreed = null;
      wake?.();
    }
  }
}

/** Wait before accepting again after an error that is not one peer's (no busy loop). */
const ACCEPT_RETRY_MS = 10;

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function closeQuietly(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch {
    // already closed
  }
}
