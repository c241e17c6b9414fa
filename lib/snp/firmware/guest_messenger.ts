/**
 * The guest side of SNP guest messages, as the Linux sev-guest driver and
 * COCONUT run it: one VMPCK, a sequence counter that advances by two per
 * exchange, strict checks on the response, and the VMPCK wiped on any failure
 * so a sequence number is never reused under the same key.
 * @module
 */
import { GuestMessageError, openMessage, sealMessage } from "./guest_message.ts";

/** Linux refuses sequence numbers from 2^32 − 1 on (snp-abi.md §2.2). */
const MAX_SEQNO = 0xffffffffn;

/**
 * A guest's message channel to the firmware over one VMPCK.
 *
 * @example
 * ```ts
 * import { GuestMessenger, MsgType } from "./mod.ts";
 * const guest = new GuestMessenger(new Uint8Array(32), 0);
 * const page = guest.request(MsgType.REPORT_REQ, new Uint8Array(0x60));
 * // … the firmware answers into a response page; then:
 * // const payload = guest.response(responsePage);
 * ```
 */
export class GuestMessenger {
  readonly #key: Uint8Array;
  readonly #vmpck: number;
  #seqno: bigint;
  #pending?: { seqno: bigint; type: number; version: number };
  #wiped = false;

  /**
   * `key` is VMPCKn (copied), `vmpck` is n, `lastSeqno` the last sequence
   * number used under it (the secrets page OS area keeps it; 0 at boot).
   */
  constructor(key: Uint8Array, vmpck: number, lastSeqno = 0n) {
    if (key.length !== 32) throw new RangeError("VMPCK must be 32 bytes");
    if (vmpck < 0 || vmpck > 3) throw new RangeError("VMPCK index must be 0..3");
    this.#key = key.slice();
    this.#vmpck = vmpck;
    this.#seqno = lastSeqno;
  }

  /** True once the VMPCK was wiped after a failure; the channel is then dead. */
  get wiped(): boolean {
    return this.#wiped;
  }

  /** The last sequence number consumed. */
  get seqno(): bigint {
    return this.#seqno;
  }

  /** Encrypts a request with sequence number last + 1 and remembers it. */
  request(type: number, payload: Uint8Array, version = 1): Uint8Array {
    if (this.#wiped) throw new GuestMessageError("VMPCK was wiped after a failed exchange");
    if (this.#pending) throw new GuestMessageError("a request is already outstanding");
    const seqno = this.#seqno + 1n;
    if (seqno >= MAX_SEQNO) throw new GuestMessageError("sequence numbers exhausted");
    // Seal first: a payload that cannot be sent must not leave a request outstanding.
    const page = sealMessage(this.#key, { seqno, type, version, vmpck: this.#vmpck }, payload);
    this.#pending = { seqno, type, version };
    return page;
  }

  /**
   * Checks and decrypts the response to the outstanding request: seqno =
   * request + 1, type = request type + 1, same version and VMPCK. Any failure
   * wipes the VMPCK and throws {@link GuestMessageError}.
   */
  response(page: Uint8Array): Uint8Array {
    const pending = this.#pending;
    this.#pending = undefined;
    if (!pending || this.#wiped) throw new GuestMessageError("no request outstanding");
    try {
      const { fields, payload } = openMessage(this.#key, page);
      const want = pending.seqno + 1n;
      if (fields.seqno !== want) {
        throw new GuestMessageError(`response seqno ${fields.seqno}, expected ${want}`);
      }
      if (fields.type !== pending.type + 1) {
        throw new GuestMessageError(`response type ${fields.type}, expected ${pending.type + 1}`);
      }
      if (fields.version !== pending.version || fields.vmpck !== this.#vmpck) {
        throw new GuestMessageError("response version or VMPCK differs from the request");
      }
      this.#seqno = want;
      return payload;
    } catch (e) {
      this.wipe();
      throw e;
    }
  }

  /** Wipes the VMPCK (Linux `snp_disable_vmpck`); no further messages. */
  wipe(): void {
    this.#key.fill(0);
    this.#wiped = true;
  }
}
