/**
 * The guest's vTPM driver, as Linux's drivers/char/tpm/tpm_svsm.c does it (svsm-abi.md §7;
 * SVSM spec §8): probe with SVSM_VTPM_QUERY that the SVSM serves TPM_SEND_COMMAND, then send
 * each command with SVSM_VTPM_CMD through one 4096-byte buffer in guest memory. The request
 * is `u32 command = 8 | u8 locality | u32 inbuf_size | inbuf`; the SVSM answers in place with
 * `u32 outbuf_size | outbuf`.
 * @module
 */

import { SvsmProtocol, VtpmCall } from "../svsm/abi/protocol_ids.ts";
import {
  TPM_SEND_COMMAND,
  VTPM_BUFFER_SIZE,
  VTPM_MAX_COMMAND,
  VTPM_MAX_RESPONSE,
  VTPM_PLATFORM_COMMANDS,
  VTPM_REQ_HEADER_SIZE,
  VTPM_RSP_HEADER_SIZE,
} from "../svsm/abi/vtpm_cmd.ts";
import { resultName } from "../svsm/protocols/errors.ts";
import type { GuestCpu, GuestOs } from "./guest_os.ts";

/**
 * The vTPM is missing or refused a command (Linux: -ENODEV, -EINVAL, -EIO).
 *
 * @example
 * ```ts
 * import { TpmSvsmError } from "./tpm_svsm.ts";
 * const e = new TpmSvsmError("vTPM refused the command", 0x80000000);
 * e.code; // 0x80000000
 * ```
 */
export class TpmSvsmError extends Error {
  /** The error name. */
  override name = "TpmSvsmError";
  /** The SVSM result code, when the SVSM gave one. */
  readonly code?: number;

  /** `message`, with the SVSM's `code` if any. */
  constructor(message: string, code?: number) {
    super(code === undefined ? message : `${message}: ${resultName(code)}`);
    this.code = code;
  }
}

/**
 * Options of {@link TpmSvsm.probe}.
 *
 * @example
 * ```ts
 * import { TpmSvsm } from "./tpm_svsm.ts";
 * import type { GuestCpu, GuestOs } from "./guest_os.ts";
 * // Name the commands in the machine trace by their TPM_CC.
 * function probeVtpm(os: GuestOs, cpu: GuestCpu): Promise<TpmSvsm> {
 *   return TpmSvsm.probe(os, cpu, { commandName: (cc) => `TPM_CC 0x${cc.toString(16)}` });
 * }
 * ```
 */
export interface TpmSvsmOptions {
  /** Names TPM command codes in the machine trace (e.g. 0x158 → "TPM2_Quote"). */
  commandName?: (code: number) => string;
}

/**
 * The driver, bound to one guest CPU (commands go through that CPU's calling area).
 *
 * @example
 * ```ts
 * import { GuestOs } from "./guest_os.ts";
 * import { TpmSvsm } from "./tpm_svsm.ts";
 * const os = new GuestOs({
 *   secretsGpa: 0x1000,
 *   main: async (os, cpu) => {
 *     const tpm = await TpmSvsm.probe(os, cpu);
 *     // TPM2_Startup(CLEAR): response 80 01 00 00 00 0a 00 00 00 00
 *     await tpm.transmit(new Uint8Array([0x80, 1, 0, 0, 0, 12, 0, 0, 1, 0x44, 0, 0]));
 *   },
 * });
 * ```
 */
export class TpmSvsm {
  /** GPA of the TPM_SEND_COMMAND buffer. */
  readonly bufferGpa: number;
  readonly #os: GuestOs;
  readonly #cpu: GuestCpu;
  readonly #name: (code: number) => string;

  private constructor(os: GuestOs, cpu: GuestCpu, bufferGpa: number, options: TpmSvsmOptions) {
    this.#os = os;
    this.#cpu = cpu;
    this.bufferGpa = bufferGpa;
    this.#name = options.commandName ?? ((c) => `TPM_CC 0x${c.toString(16)}`);
  }

  /** SVSM_VTPM_QUERY must offer TPM_SEND_COMMAND; then one page becomes the buffer. */
  static async probe(os: GuestOs, cpu: GuestCpu, options: TpmSvsmOptions = {}): Promise<TpmSvsm> {
    const r = await os.svsmCall(cpu, SvsmProtocol.VTPM, VtpmCall.QUERY);
    if (r.rax !== 0n) throw new TpmSvsmError("no vTPM", Number(r.rax));
    if ((r.rcx & BigInt(VTPM_PLATFORM_COMMANDS)) === 0n) {
      throw new TpmSvsmError("the vTPM does not offer TPM_SEND_COMMAND");
    }
    return new TpmSvsm(os, cpu, await os.allocPages(cpu, 1), options);
  }

  /** Sends one TPM command and resolves to its response. */
  async transmit(command: Uint8Array): Promise<Uint8Array> {
    if (command.length < 10 || command.length > VTPM_MAX_COMMAND) {
      throw new TpmSvsmError(`a TPM command is 10..${VTPM_MAX_COMMAND} bytes`);
    }
    const ctx = this.#cpu.ctx;
    const code = new DataView(command.buffer, command.byteOffset).getUint32(6);
    const name = this.#name(code);
    ctx.traceBegin("call", name);
    const request = new Uint8Array(VTPM_BUFFER_SIZE);
    const dv = new DataView(request.buffer);
    dv.setUint32(0, TPM_SEND_COMMAND, true);
    request[4] = 0; // locality 0: the only one the SVSM serves
    dv.setUint32(5, command.length, true);
    request.set(command, VTPM_REQ_HEADER_SIZE);
    ctx.write(this.bufferGpa, request);
    const r = await this.#os.svsmCall(
      this.#cpu,
      SvsmProtocol.VTPM,
      VtpmCall.CMD,
      BigInt(this.bufferGpa),
    );
    const response = r.rax === 0n ? this.#response() : undefined;
    ctx.traceEnd("call", name, response ? `rc 0x${rcOf(response).toString(16)}` : "failed");
    if (r.rax !== 0n) throw new TpmSvsmError(`SVSM_VTPM_CMD ${name}`, Number(r.rax));
    if (response === undefined) throw new TpmSvsmError(`${name}: malformed response`);
    return response;
  }

  /** The answer in the buffer, checked as Linux checks it (size within the buffer). */
  #response(): Uint8Array | undefined {
    const ctx = this.#cpu.ctx;
    const size = ctx.readU32(this.bufferGpa);
    if (size < 10 || size > VTPM_MAX_RESPONSE) return undefined;
    const out = ctx.read(this.bufferGpa + VTPM_RSP_HEADER_SIZE, size);
    return new DataView(out.buffer, out.byteOffset).getUint32(2) === size ? out : undefined;
  }
}

function rcOf(response: Uint8Array): number {
  return new DataView(response.buffer, response.byteOffset).getUint32(6);
}
