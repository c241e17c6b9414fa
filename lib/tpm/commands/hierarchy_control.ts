/**
 * TPM2_HierarchyControl (Part 3 §24.5): enables or disables a hierarchy.
 * Only platform authorization may enable; a hierarchy may disable itself.
 * Disabling flushes that hierarchy's transient objects.
 * @module
 */
import { TPM_CC, TPM_RH } from "../constants.ts";
import { defineCommand } from "../dispatch.ts";
import { HT } from "../handle_types.ts";
import { UINT32 } from "../marshal/codec.ts";
import { TPMI_YES_NO } from "../marshal/types.ts";
import { paramError, TPM_RC, TpmError } from "../response_code.ts";

/** TPM2_HierarchyControl. */
export const HierarchyControl = defineCommand({
  code: TPM_CC.HierarchyControl,
  name: "HierarchyControl",
  handles: [{ name: "authHandle", type: HT.HIERARCHY, auth: "USER" }],
  params: { enable: UINT32, state: TPMI_YES_NO },
  response: {},
  execute(ctx, { enable, state }) {
    const auth = ctx.handles[0];
    if (!HT.ENABLES.accepts(enable)) throw paramError(TPM_RC.VALUE, 1);
    if (auth !== TPM_RH.PLATFORM) {
      if (state === 1) throw new TpmError(TPM_RC.AUTH_TYPE, { where: "session", n: 1 });
      if (enable !== auth) throw new TpmError(TPM_RC.AUTH_TYPE, { where: "session", n: 1 });
    }
    const h = ctx.state.hierarchies;
    const on = state === 1;
    if (enable === TPM_RH.PLATFORM) h.phEnable = on;
    else if (enable === TPM_RH.OWNER) h.shEnable = on;
    else if (enable === TPM_RH.ENDORSEMENT) h.ehEnable = on;
    else h.phEnableNV = on;
    if (!on && enable !== TPM_RH.PLATFORM_NV) {
      ctx.state.objects.flushWhere((e) => e.kind === "object" && e.hierarchy === enable);
    }
    return {};
  },
});
