/**
 * The firmware's answers to decrypted guest messages: MSG_REPORT_REQ builds
 * and signs an ATTESTATION_REPORT from the guest's real state; MSG_KEY_REQ
 * derives a key from the chip secret and the fields the guest selects.
 * @module
 */
import { hkdfSync } from "node:crypto";
import {
  ATTESTATION_REPORT,
  REPORT_SIZE,
  SIG_ALGO_ECDSA_P384_SHA384,
  SignerInfo,
  SigningKey,
  signReport,
} from "./attestation_report.ts";
import { FirmwareStatus } from "./firmware_status.ts";
import type { GuestContext } from "./guest_context.ts";
import { MsgType } from "./guest_message.ts";
import {
  GuestFieldSelect,
  KeySel,
  MSG_KEY_REQ,
  MSG_KEY_RSP,
  MSG_REPORT_REQ,
  MSG_REPORT_RSP,
} from "./guest_requests.ts";
import { MODEL_STEPPING, type ProductInfo } from "./product.ts";
import { decodeTcb, tcbBelow } from "./tcb_version.ts";
import type { EcKeyPair } from "./vcek.ts";

/** What a handler may read: the guest, the platform, the chip's keys. */
export interface RequestContext {
  /** The requesting guest. */
  readonly guest: GuestContext;
  /** Platform facts the report carries. */
  readonly platform: {
    readonly product: ProductInfo;
    readonly reportVersion: number;
    readonly tcb: bigint;
    readonly chipId: Uint8Array;
    readonly maskChipId: boolean;
    readonly platformInfo: bigint;
    readonly firmware: { major: number; minor: number; build: number };
  };
  /** The VCEK for the current TCB. */
  vcek(): EcKeyPair;
  /** The chip secret, root of derived keys. */
  readonly chipSecret: Uint8Array;
}

/**
 * Answers one request; `vmpck` (0..3) is the requester's VMPL. Returns the
 * response payload, or undefined for a message type the firmware does not
 * serve or a payload of the wrong size.
 */
export function handleGuestMessage(
  ctx: RequestContext,
  vmpck: number,
  type: number,
  payload: Uint8Array,
): Uint8Array | undefined {
  if (type === MsgType.REPORT_REQ && payload.length === MSG_REPORT_REQ.size) {
    return reportResponse(ctx, vmpck, payload);
  }
  if (type === MsgType.KEY_REQ && payload.length === MSG_KEY_REQ.size) {
    return keyResponse(ctx, vmpck, payload);
  }
  return undefined;
}

function reportResponse(ctx: RequestContext, vmpck: number, payload: Uint8Array): Uint8Array {
  const req = MSG_REPORT_REQ.decode(payload);
  const keySel = req.flags & 0x3;
  // The VMPL reported may not be more privileged than the requester's (snp-abi.md §2.4).
  if (req.vmpl > 3 || req.vmpl < vmpck || (req.flags & ~0x3) || req.reserved.some((b) => b)) {
    return MSG_REPORT_RSP.encode({ status: FirmwareStatus.INVALID_PARAM });
  }
  // The model installs no VLEK: asking for one fails as on a platform without it.
  if (keySel === KeySel.VLEK || keySel === 3) {
    return MSG_REPORT_RSP.encode({ status: FirmwareStatus.INVALID_KEY });
  }
  const report = buildReport(ctx, req.vmpl, req.reportData);
  return MSG_REPORT_RSP.encode({ status: 0, reportSize: REPORT_SIZE, report });
}

/**
 * Fills an ATTESTATION_REPORT from the guest and platform state and signs it
 * with the VCEK. snp-abi.md §1.
 */
export function buildReport(ctx: RequestContext, vmpl: number, reportData: Uint8Array): Uint8Array {
  const { guest: g, platform: p } = ctx;
  const fw = p.firmware;
  const v3 = p.reportVersion >= 3;
  const raw = ATTESTATION_REPORT.encode({
    version: p.reportVersion,
    guestSvn: g.guestSvn,
    policy: g.policy,
    familyId: g.familyId,
    imageId: g.imageId,
    vmpl,
    signatureAlgo: SIG_ALGO_ECDSA_P384_SHA384,
    currentTcb: p.tcb,
    // ALIAS_CHECK_COMPLETE exists from v3 on (snp-abi.md §1.2).
    platformInfo: p.platformInfo | (v3 ? 1n << 5n : 0n),
    signerInfo: (g.authorKeyEn ? SignerInfo.AUTHOR_KEY_EN : 0) |
      (SigningKey.VCEK << SignerInfo.SIGNING_KEY_SHIFT),
    reportData,
    measurement: g.ld.digest,
    hostData: g.hostData,
    idKeyDigest: g.idKeyDigest,
    authorKeyDigest: g.authorKeyDigest,
    reportId: g.reportId,
    reportIdMa: new Uint8Array(32).fill(0xff), // no migration agent
    reportedTcb: p.tcb,
    cpuidFamId: v3 ? p.product.family : 0,
    cpuidModId: v3 ? p.product.model : 0,
    cpuidStep: v3 ? MODEL_STEPPING : 0,
    chipId: p.maskChipId ? new Uint8Array(64) : p.chipId,
    committedTcb: p.tcb,
    currentBuild: fw.build,
    currentMinor: fw.minor,
    currentMajor: fw.major,
    committedBuild: fw.build,
    committedMinor: fw.minor,
    committedMajor: fw.major,
    launchTcb: g.launchTcb,
  });
  signReport(raw, ctx.vcek().privateKey);
  return raw;
}

/** GUEST_FIELD_SELECT bits the model knows (0..6). */
const KNOWN_FIELDS = (1n << 7n) - 1n;

function keyResponse(ctx: RequestContext, vmpck: number, payload: Uint8Array): Uint8Array {
  const req = MSG_KEY_REQ.decode(payload);
  const g = ctx.guest;
  const layout = ctx.platform.product.tcbLayout;
  const tcbTooNew = tcbBelow(
    decodeTcb(ctx.platform.tcb, layout),
    decodeTcb(req.tcbVersion, layout),
  );
  // Only the VCEK root exists (no migration agent, so no VMRK); a guest may not
  // ask for a more privileged VMPL, a newer SVN or a newer TCB than it has.
  if (
    req.rootKeySelect !== 0 || req.reserved !== 0 || (req.guestFieldSelect & ~KNOWN_FIELDS) ||
    req.vmpl > 3 || req.vmpl < vmpck || req.guestSvn > g.guestSvn || tcbTooNew.length > 0
  ) {
    return MSG_KEY_RSP.encode({ status: FirmwareStatus.INVALID_PARAM });
  }
  return MSG_KEY_RSP.encode({ status: 0, derivedKey: deriveGuestKey(ctx, req) });
}

/**
 * The derived key: HKDF-SHA-384 over the chip secret, with the VMPL, the
 * field selection and each selected field as info. The mix is the model's
 * own (AMD's KDF is internal); what matters is which inputs change it.
 */
function deriveGuestKey(
  ctx: RequestContext,
  req: ReturnType<typeof MSG_KEY_REQ.decode>,
): Uint8Array {
  const g = ctx.guest, sel = req.guestFieldSelect;
  const u32 = (v: number) => new Uint8Array(new Uint32Array([v]).buffer);
  const u64 = (v: bigint) => new Uint8Array(new BigUint64Array([v]).buffer);
  const parts: Uint8Array[] = [
    new TextEncoder().encode("SNP-DERIVED-KEY"),
    u32(req.vmpl),
    u64(sel),
  ];
  const pick = (bit: bigint, value: () => Uint8Array) => {
    if (sel & bit) parts.push(value());
  };
  pick(GuestFieldSelect.POLICY, () => u64(g.policy));
  pick(GuestFieldSelect.IMAGE_ID, () => g.imageId);
  pick(GuestFieldSelect.FAMILY_ID, () => g.familyId);
  pick(GuestFieldSelect.MEASUREMENT, () => g.ld.digest);
  pick(GuestFieldSelect.GUEST_SVN, () => u32(req.guestSvn));
  pick(GuestFieldSelect.TCB_VERSION, () => u64(req.tcbVersion));
  pick(GuestFieldSelect.LAUNCH_MIT_VECTOR, () => u64(0n));
  const info = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    info.set(p, o);
    o += p.length;
  }
  return new Uint8Array(hkdfSync("sha384", ctx.chipSecret, "", info, 32));
}
