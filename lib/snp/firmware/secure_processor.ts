/**
 * The AMD secure processor's SNP firmware, as a state machine: the launch
 * commands (SNP_LAUNCH_START / UPDATE / FINISH) that build and measure a
 * guest, and SNP_GUEST_REQUEST, which answers the guest's encrypted
 * messages with attestation reports and derived keys.
 *
 * Every command returns a firmware status code rather than throwing: its
 * inputs come from the untrusted host. With a machine attached, LAUNCH_UPDATE
 * works on system memory (RMP checks, measurement, encryption under the
 * guest's key, VALIDATED set); without one it measures the bytes it is given.
 * @module
 */
import { type Rmp, RMP_FLAG_VALIDATED, RMP_FLAG_VMSA } from "../rmp.ts";
import { PlatformInfo } from "./attestation_report.ts";
import type { MemoryEncryption } from "../memory_encryption.ts";
import { AmdKeyHierarchy } from "./key_hierarchy.ts";
import { buildCertTable, CertGuid } from "./cert_table.ts";
import { checkCpuidPage, type CpuidEntry } from "./cpuid_page.ts";
import { FirmwareStatus } from "./firmware_status.ts";
import type { GuestContext } from "./guest_context.ts";
import {
  GuestMessageError,
  MSG_HEADER,
  MSG_PAGE_SIZE,
  openMessage,
  sealMessage,
} from "./guest_message.ts";
import { handleGuestMessage, type RequestContext } from "./guest_request_handlers.ts";
import { GuestPolicy, POLICY_RESERVED_MASK, policyAbi } from "./guest_policy.ts";
import { checkIdBlock } from "./id_block.ts";
import { LaunchDigest } from "./launch_digest.ts";
import { PAGE_SIZE } from "../constants.ts";
import { PageType } from "./page_info.ts";
import { cpuidSignature, type Product, type ProductInfo, PRODUCTS } from "./product.ts";
import { SECRETS_PAGE, SECRETS_PAGE_VERSION, VMPCK_FIELDS } from "./secrets_page.ts";
import { decodeTcb, encodeTcb, type TcbParts } from "./tcb_version.ts";
import { deriveChipId, deriveVcek, type EcKeyPair } from "./vcek.ts";

/**
 * The parts of the machine the firmware touches (lib/snp rmp.ts, memory_encryption.ts).
 *
 * @example
 * ```ts
 * import { type FirmwareMachine, SecureProcessor } from "./secure_processor.ts";
 * import { Machine } from "../machine.ts";
 * const machine: FirmwareMachine = new Machine({ memoryBytes: 8 << 20, vcpus: 1, seed: 1 });
 * const sp = new SecureProcessor({ machine }); // LAUNCH_UPDATE now needs an assigned `spa`
 * ```
 */
export interface FirmwareMachine {
  /** The RMP. */
  readonly rmp: Pick<Rmp, "entry" | "pageOf" | "setFlag">;
  /** The memory encryption engine. */
  readonly encryption: Pick<
    MemoryEncryption,
    "installKey" | "hostRead" | "hostWrite" | "overwriteView" | "privateView"
  >;
}

/**
 * Firmware version numbers (API major.minor, build).
 *
 * @example
 * ```ts
 * import { type FirmwareVersion, SecureProcessor } from "./secure_processor.ts";
 * const firmware: FirmwareVersion = { major: 1, minor: 51, build: 3 };
 * const sp = new SecureProcessor({ firmware });
 * sp.launchStart({ asid: 1, policy: 0x30137n }).status; // 7 (POLICY_FAILURE): asks for ABI 1.55
 * ```
 */
export interface FirmwareVersion {
  /** API major. */
  major: number;
  /** API minor. */
  minor: number;
  /** Build. */
  build: number;
}

/**
 * How a modelled platform is configured. Every field has a default.
 *
 * @example
 * ```ts
 * import { SecureProcessor } from "./secure_processor.ts";
 * import { Machine } from "../machine.ts";
 * const machine = new Machine({ memoryBytes: 8 << 20, vcpus: 1, seed: 1 });
 * machine.firmware = new SecureProcessor({
 *   machine,
 *   product: "Genoa",
 *   tcb: { bootloader: 9, tee: 0, snp: 21, microcode: 72 },
 *   chipSecret: new Uint8Array(32).fill(1), // the same chip, the same VCEK
 * });
 * ```
 */
export interface SecureProcessorOptions {
  /** Product line (default Milan). */
  product?: Product;
  /** Report VERSION to produce: 3 (default) or 5. */
  reportVersion?: 3 | 5;
  /** The chip's 32-byte secret (VCEK and chip ID derive from it); random by default. */
  chipSecret?: Uint8Array;
  /** Current = committed = reported TCB (default bl 3, tee 0, snp 8, ucode 115). */
  tcb?: TcbParts;
  /** Firmware version (default 1.55 build 21). */
  firmware?: FirmwareVersion;
  /** Platform SMT enabled (default true). */
  smt?: boolean;
  /** Populated sockets (default 1). */
  sockets?: number;
  /** Report CHIP_ID as zeros (default false). */
  maskChipId?: boolean;
  /** The ARK/ASK pair (default the model's fixed one for the product). */
  keys?: AmdKeyHierarchy;
  /** CPUID values the firmware holds a CPUID page to (default: none checked). */
  cpuid?: CpuidEntry[];
  /** Source of secrets (VMPCKs, REPORT_ID); `crypto.getRandomValues` by default. */
  random?: (out: Uint8Array) => Uint8Array;
  /** Memory, RMP and encryption to work on; omit for a pure model. */
  machine?: FirmwareMachine;
}

/**
 * SNP_LAUNCH_UPDATE input.
 *
 * @example
 * ```ts
 * import { type LaunchUpdateInput, SecureProcessor } from "./secure_processor.ts";
 * import { PageType } from "./page_info.ts";
 * const sp = new SecureProcessor();
 * const { handle } = sp.launchStart({ asid: 1, policy: 0x30000n });
 * const secrets: LaunchUpdateInput = { type: PageType.SECRETS, gpa: 0x80d000 };
 * sp.launchUpdate(handle!, secrets).page?.length; // 4096, VMPCKs filled in
 * ```
 */
export interface LaunchUpdateInput {
  /** Page type. */
  type: PageType;
  /** The page's guest physical address. */
  gpa: number;
  /** The system page (needed with a machine). */
  spa?: number;
  /** The page content (without a machine: NORMAL, VMSA, UNMEASURED, CPUID). */
  data?: Uint8Array;
}

/**
 * SNP_LAUNCH_FINISH input.
 *
 * @example
 * ```ts
 * import { type LaunchFinishInput, SecureProcessor } from "./secure_processor.ts";
 * const sp = new SecureProcessor();
 * const { handle } = sp.launchStart({ asid: 1, policy: 0x30000n });
 * const finish: LaunchFinishInput = { hostData: new Uint8Array(32).fill(0xaa) }; // no ID block
 * sp.launchFinish(handle!, finish).status; // 0 (SUCCESS)
 * ```
 */
export interface LaunchFinishInput {
  /** HOST_DATA (32 bytes). */
  hostData?: Uint8Array;
  /** ID block (96 bytes); presence means ID_BLOCK_EN. */
  idBlock?: Uint8Array;
  /** ID authentication page (4096 bytes), required with an ID block. */
  idAuth?: Uint8Array;
  /** AUTHOR_KEY_EN: the author key in idAuth signs the ID key. */
  authorKeyEn?: boolean;
}

/**
 * A command's outcome.
 *
 * @example
 * ```ts
 * import { type FirmwareResult, SecureProcessor } from "./secure_processor.ts";
 * import { FirmwareStatus } from "./firmware_status.ts";
 * const r: FirmwareResult = new SecureProcessor().launchStart({ asid: 0, policy: 0x30000n });
 * r.status === FirmwareStatus.INVALID_ASID; // true: ASIDs start at 1
 * ```
 */
export interface FirmwareResult {
  /** Firmware status code ({@link FirmwareStatus}). */
  status: number;
}

/** Maximum ASID the model's firmware hands out. */
const MAX_ASID = 1023;

/**
 * One AMD secure processor with its SNP firmware.
 *
 * @example
 * ```ts
 * import { PageType, SecureProcessor } from "./mod.ts";
 * const sp = new SecureProcessor();
 * const { handle } = sp.launchStart({ asid: 1, policy: 0x30000n });
 * sp.launchUpdate(handle!, { type: PageType.NORMAL, gpa: 0, data: new Uint8Array(4096) });
 * sp.launchUpdate(handle!, { type: PageType.SECRETS, gpa: 0x1000 });
 * sp.launchFinish(handle!, {});
 * sp.measurement(handle!); // the launch digest
 * ```
 */
export class SecureProcessor {
  /** Product line. */
  readonly product: ProductInfo;
  /** Report VERSION produced. */
  readonly reportVersion: 3 | 5;
  /** Firmware version. */
  readonly firmware: FirmwareVersion;
  /** Current (= committed = reported) TCB_VERSION. */
  readonly tcb: bigint;
  /** The chip ID (64 bytes; Turin keeps 8). */
  readonly chipId: Uint8Array;
  /** Whether reports carry a zero CHIP_ID. */
  readonly maskChipId: boolean;
  /** PLATFORM_INFO. */
  readonly platformInfo: bigint;
  /** ARK and ASK. */
  readonly keys: AmdKeyHierarchy;
  readonly #secret: Uint8Array;
  readonly #smt: boolean;
  readonly #sockets: number;
  readonly #cpuid: CpuidEntry[];
  readonly #random: (out: Uint8Array) => Uint8Array;
  readonly #machine?: FirmwareMachine;
  readonly #guests = new Map<number, GuestContext>();
  readonly #vceks = new Map<bigint, { key: EcKeyPair; cert: Uint8Array }>();
  #nextHandle = 1;

  /** Configures the platform; see {@link SecureProcessorOptions}. */
  constructor(options: SecureProcessorOptions = {}) {
    this.product = PRODUCTS[options.product ?? "Milan"];
    this.reportVersion = options.reportVersion ?? 3;
    this.firmware = options.firmware ?? { major: 1, minor: 55, build: 21 };
    this.#random = options.random ?? ((out) => crypto.getRandomValues(out));
    this.#secret = options.chipSecret?.slice() ?? this.#random(new Uint8Array(32));
    const tcb = options.tcb ?? { bootloader: 3, tee: 0, snp: 8, microcode: 115, fmc: 0 };
    this.tcb = encodeTcb(tcb, this.product.tcbLayout);
    this.chipId = deriveChipId(this.#secret, this.product.hwIdLength);
    this.maskChipId = options.maskChipId ?? false;
    this.#smt = options.smt ?? true;
    this.#sockets = options.sockets ?? 1;
    this.#cpuid = options.cpuid ?? [];
    // SMT_EN mirrors the platform; TSME off, ECC on, as on typical EPYC servers.
    this.platformInfo = (this.#smt ? 1n : 0n) | (1n << 2n);
    this.keys = options.keys ?? AmdKeyHierarchy.model(this.product.name);
    this.#machine = options.machine;
  }

  /** The VCEK for the current TCB (derived once, then cached). */
  vcek(): { key: EcKeyPair; cert: Uint8Array } {
    let v = this.#vceks.get(this.tcb);
    if (!v) {
      const key = deriveVcek(this.#secret, this.tcb);
      const parts = decodeTcb(this.tcb, this.product.tcbLayout);
      v = { key, cert: this.keys.issueVcek(key.spki, parts, this.chipId) };
      this.#vceks.set(this.tcb, v);
    }
    return v;
  }

  /** The chain a verifier needs, DER: VCEK, ASK, ARK. */
  certificates(): { vcek: Uint8Array; ask: Uint8Array; ark: Uint8Array } {
    return { vcek: this.vcek().cert, ask: this.keys.ask, ark: this.keys.ark };
  }

  /** The EXT_GUEST_REQUEST certificate table (VCEK, ASK, ARK). */
  certTable(): Uint8Array {
    const c = this.certificates();
    return buildCertTable([[CertGuid.VCEK, c.vcek], [CertGuid.ASK, c.ask], [CertGuid.ARK, c.ark]]);
  }

  /**
   * SNP_LAUNCH_START: checks the guest policy against the platform and
   * creates a guest in the launch state.
   */
  launchStart(input: { asid: number; policy: bigint }): FirmwareResult & { handle?: number } {
    const status = this.#checkPolicy(input.policy);
    if (status !== FirmwareStatus.SUCCESS) return { status };
    const { asid } = input;
    if (!Number.isInteger(asid) || asid < 1 || asid > MAX_ASID) {
      return { status: FirmwareStatus.INVALID_ASID };
    }
    if ([...this.#guests.values()].some((g) => g.asid === asid)) {
      return { status: FirmwareStatus.ASID_OWNED };
    }
    this.#machine?.encryption.installKey(asid);
    const handle = this.#nextHandle++;
    this.#guests.set(handle, {
      asid,
      policy: input.policy,
      state: "launch",
      ld: new LaunchDigest(),
      vmpcks: [0, 1, 2, 3].map(() => this.#random(new Uint8Array(32))),
      seqnos: [0n, 0n, 0n, 0n],
      hostData: new Uint8Array(32),
      familyId: new Uint8Array(16),
      imageId: new Uint8Array(16),
      guestSvn: 0,
      idKeyDigest: new Uint8Array(48),
      authorKeyDigest: new Uint8Array(48),
      authorKeyEn: false,
      reportId: this.#random(new Uint8Array(32)),
      launchTcb: this.tcb,
    });
    return { status: FirmwareStatus.SUCCESS, handle };
  }

  /** Guest policy rules at LAUNCH_START (SEV-SNP ABI SNP_LAUNCH_START; snp-abi.md §1.1). */
  #checkPolicy(policy: bigint): number {
    if (policy < 0n || policy >= 1n << 64n) return FirmwareStatus.INVALID_PARAM;
    // Malformed policies: reserved bits set or the must-be-one bit 17 clear.
    if ((policy & POLICY_RESERVED_MASK) || !(policy & GuestPolicy.RESERVED_MBO)) {
      return FirmwareStatus.INVALID_PARAM;
    }
    const abi = policyAbi(policy);
    const fw = this.firmware;
    if (abi.major > fw.major || (abi.major === fw.major && abi.minor > fw.minor)) {
      return FirmwareStatus.POLICY_FAILURE;
    }
    if (this.#smt && !(policy & GuestPolicy.SMT)) return FirmwareStatus.POLICY_FAILURE;
    if (this.#sockets > 1 && (policy & GuestPolicy.SINGLE_SOCKET)) {
      return FirmwareStatus.POLICY_FAILURE;
    }
    // A guest demanding RAPL disabled or ciphertext hiding may not start on a platform without
    // it (kvm-x86/linux commit 275d6d1189e6: such a launch fails at LAUNCH_START; code unverified).
    const needs: [bigint, bigint][] = [
      [GuestPolicy.RAPL_DIS, PlatformInfo.RAPL_DIS],
      [GuestPolicy.CIPHERTEXT_HIDING, PlatformInfo.CIPHERTEXT_HIDING_EN],
    ];
    if (needs.some(([want, has]) => (policy & want) && !(this.platformInfo & has))) {
      return FirmwareStatus.POLICY_FAILURE;
    }
    return FirmwareStatus.SUCCESS;
  }

  /**
   * SNP_LAUNCH_UPDATE for one 4 KiB page: fills SECRETS and ZERO pages,
   * checks CPUID pages (a rejected page comes back corrected, status
   * INVALID_PARAM), extends the launch digest and, with a machine, encrypts
   * the page under the guest's key and marks it VALIDATED in the RMP.
   * The result carries the page as the guest will see it.
   */
  launchUpdate(handle: number, input: LaunchUpdateInput): FirmwareResult & { page?: Uint8Array } {
    const g = this.#guests.get(handle);
    if (!g) return { status: FirmwareStatus.INVALID_GUEST };
    if (g.state !== "launch") return { status: FirmwareStatus.INVALID_GUEST_STATE };
    if (!Object.values(PageType).includes(input.type)) {
      return { status: FirmwareStatus.INVALID_PARAM };
    }
    if (!Number.isSafeInteger(input.gpa) || input.gpa < 0 || input.gpa % PAGE_SIZE !== 0) {
      return { status: FirmwareStatus.INVALID_ADDRESS };
    }
    const source = this.#source(g, input);
    if (typeof source === "number") return { status: source };
    const page = this.#pageContent(g, input.type, source);
    if (typeof page === "number") return { status: page };
    if (page.rejected) return { status: FirmwareStatus.INVALID_PARAM, page: page.bytes };
    const measured = input.type === PageType.NORMAL || input.type === PageType.VMSA;
    g.ld.update({ type: input.type, gpa: input.gpa, data: measured ? page.bytes : undefined });
    if (this.#machine && input.spa !== undefined) this.#commitPage(g, input, page.bytes);
    return { status: FirmwareStatus.SUCCESS, page: page.bytes };
  }

  /** The host-supplied bytes of the page, after the RMP ownership checks. */
  #source(g: GuestContext, input: LaunchUpdateInput): Uint8Array | undefined | number {
    const m = this.#machine;
    if (!m || input.spa === undefined) {
      if (m) return FirmwareStatus.INVALID_ADDRESS;
      if (input.data !== undefined && input.data.length !== PAGE_SIZE) {
        return FirmwareStatus.INVALID_LEN;
      }
      return input.data;
    }
    if (m.rmp.pageOf(input.spa) < 0 || input.spa % PAGE_SIZE !== 0) {
      return FirmwareStatus.INVALID_ADDRESS;
    }
    const e = m.rmp.entry(input.spa);
    // The host must have assigned the page to this guest at this GPA first (RMPUPDATE).
    if (!e.assigned || e.asid !== g.asid || e.gpa !== input.gpa || e.pageSize2M) {
      return FirmwareStatus.INVALID_PAGE_OWNER;
    }
    if (e.validated || e.immutable) return FirmwareStatus.INVALID_PAGE_STATE;
    return m.encryption.hostRead(input.spa, PAGE_SIZE);
  }

  #pageContent(
    g: GuestContext,
    type: PageType,
    source: Uint8Array | undefined,
  ): { bytes: Uint8Array; rejected?: boolean } | number {
    switch (type) {
      case PageType.ZERO:
        return { bytes: new Uint8Array(PAGE_SIZE) };
      case PageType.SECRETS:
        return { bytes: this.#secretsPage(g) };
      case PageType.CPUID:
        if (!source) return FirmwareStatus.INVALID_PARAM;
        return checkCpuidPage(source, this.#cpuid) ?? FirmwareStatus.INVALID_PARAM;
      default:
        return source ? { bytes: source.slice() } : FirmwareStatus.INVALID_PARAM;
    }
  }

  /** The secrets page the firmware writes (snp-abi.md §10). */
  #secretsPage(g: GuestContext): Uint8Array {
    const page = SECRETS_PAGE.encode({
      version: SECRETS_PAGE_VERSION,
      fms: cpuidSignature(this.product),
    });
    g.vmpcks.forEach((k, i) => SECRETS_PAGE.set(page, VMPCK_FIELDS[i], k));
    return page;
  }

  /** Encrypts the page under the guest's key and marks it validated in the RMP. */
  #commitPage(g: GuestContext, input: LaunchUpdateInput, bytes: Uint8Array): void {
    const m = this.#machine!;
    const spa = input.spa!;
    m.encryption.overwriteView(g.asid, spa).set(bytes);
    const page = m.rmp.pageOf(spa);
    m.rmp.setFlag(page, 1, RMP_FLAG_VALIDATED, true);
    if (input.type === PageType.VMSA) m.rmp.setFlag(page, 1, RMP_FLAG_VMSA, true);
  }

  /**
   * SNP_LAUNCH_FINISH: checks the optional ID block (launch digest, policy,
   * ID-key signature, author signature), records HOST_DATA and the key
   * digests, and lets the guest run.
   */
  launchFinish(handle: number, input: LaunchFinishInput = {}): FirmwareResult {
    const g = this.#guests.get(handle);
    if (!g) return { status: FirmwareStatus.INVALID_GUEST };
    if (g.state !== "launch") return { status: FirmwareStatus.INVALID_GUEST_STATE };
    if (input.hostData !== undefined && input.hostData.length !== 32) {
      return { status: FirmwareStatus.INVALID_PARAM };
    }
    if (input.idBlock !== undefined) {
      const id = checkIdBlock(
        input.idBlock,
        input.idAuth,
        !!input.authorKeyEn,
        g.ld.digest,
        g.policy,
      );
      if (typeof id === "number") return { status: id };
      Object.assign(g, id);
    } else if (input.authorKeyEn) {
      return { status: FirmwareStatus.INVALID_PARAM };
    }
    if (input.hostData) g.hostData = input.hostData.slice();
    g.launchTcb = this.tcb;
    g.state = "running";
    return { status: FirmwareStatus.SUCCESS };
  }

  /** The guest's current launch digest (MEASUREMENT once finished). */
  measurement(handle: number): Uint8Array | undefined {
    return this.#guests.get(handle)?.ld.digest;
  }

  /**
   * SNP_GUEST_REQUEST: decrypts the guest's request page under the VMPCK it
   * names, insists on sequence number last + 1, answers REPORT and KEY
   * requests, and returns the encrypted response page. A forged, replayed or
   * reordered request gets INVALID_PARAM (code unverified) and no response.
   */
  guestRequest(handle: number, request: Uint8Array): FirmwareResult & { response?: Uint8Array } {
    const g = this.#guests.get(handle);
    if (!g) return { status: FirmwareStatus.INVALID_GUEST };
    if (g.state !== "running") return { status: FirmwareStatus.INVALID_GUEST_STATE };
    if (request.length !== MSG_PAGE_SIZE) return { status: FirmwareStatus.INVALID_LEN };
    const vmpck = MSG_HEADER.get(request, "msgVmpck");
    if (vmpck > 3) return { status: FirmwareStatus.INVALID_PARAM };
    let opened;
    try {
      opened = openMessage(g.vmpcks[vmpck], request);
    } catch (e) {
      if (e instanceof GuestMessageError) return { status: FirmwareStatus.INVALID_PARAM };
      throw e;
    }
    const { fields, payload } = opened;
    if (fields.seqno !== g.seqnos[vmpck] + 1n) return { status: FirmwareStatus.INVALID_PARAM };
    if (fields.seqno + 1n >= 1n << 64n) return { status: FirmwareStatus.AEAD_OFLOW };
    const answer = handleGuestMessage(this.#context(g), vmpck, fields.type, payload);
    if (!answer) return { status: FirmwareStatus.INVALID_PARAM };
    g.seqnos[vmpck] = fields.seqno + 1n;
    const response = sealMessage(g.vmpcks[vmpck], {
      seqno: fields.seqno + 1n,
      type: fields.type + 1,
      version: fields.version,
      vmpck,
    }, answer);
    return { status: FirmwareStatus.SUCCESS, response };
  }

  /**
   * EXT_GUEST_REQUEST as the host services it: the guest request plus the
   * certificate table. When the guest's buffer is too small, nothing is
   * processed and `pagesNeeded` says how many pages to offer (GHCB INVALID_LEN).
   */
  extGuestRequest(
    handle: number,
    request: Uint8Array,
    certPages: number,
  ): FirmwareResult & { response?: Uint8Array; certs?: Uint8Array; pagesNeeded?: number } {
    const table = this.certTable();
    const pagesNeeded = Math.ceil(table.length / PAGE_SIZE);
    if (!(certPages >= pagesNeeded)) return { status: FirmwareStatus.INVALID_LEN, pagesNeeded };
    const r = this.guestRequest(handle, request);
    return r.status === FirmwareStatus.SUCCESS ? { ...r, certs: table } : r;
  }

  /**
   * SNP_DBG_DECRYPT: the host reads a guest page in plaintext, allowed only
   * when the guest policy has DEBUG set (POLICY_FAILURE otherwise).
   */
  debugDecrypt(handle: number, spa: number): FirmwareResult & { page?: Uint8Array } {
    const g = this.#guests.get(handle);
    if (!g) return { status: FirmwareStatus.INVALID_GUEST };
    if (!(g.policy & GuestPolicy.DEBUG)) return { status: FirmwareStatus.POLICY_FAILURE };
    const m = this.#machine;
    if (!m || m.rmp.pageOf(spa) < 0) return { status: FirmwareStatus.INVALID_ADDRESS };
    const e = m.rmp.entry(spa);
    if (!e.assigned || e.asid !== g.asid) return { status: FirmwareStatus.INVALID_PAGE_OWNER };
    return { status: FirmwareStatus.SUCCESS, page: m.encryption.privateView(g.asid, spa).slice() };
  }

  /** SNP_DECOMMISSION: forgets the guest and frees its ASID. */
  decommission(handle: number): FirmwareResult {
    return {
      status: this.#guests.delete(handle) ? FirmwareStatus.SUCCESS : FirmwareStatus.INVALID_GUEST,
    };
  }

  #context(g: GuestContext): RequestContext {
    return {
      guest: g,
      platform: this,
      vcek: () => this.vcek().key,
      chipSecret: this.#secret,
    };
  }
}
