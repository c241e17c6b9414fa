/**
 * The engine-core command families: lifecycle, capabilities, random, PCRs,
 * hashing, NV, sessions and policies, hierarchies, contexts.
 * @module
 */
import type { CommandDef } from "../dispatch.ts";
import { ChangeEPS, ChangePPS } from "./change_seed.ts";
import { ClockRateAdjust, ClockSet } from "./clock_set.ts";
import { NV_ChangeAuth } from "./nv_change_auth.ts";
import { NV_GlobalWriteLock } from "./nv_global_write_lock.ts";
import { NV_UndefineSpaceSpecial } from "./nv_undefine_space_special.ts";
import { PolicyAuthorizeNV } from "./policy_authorize_nv.ts";
import { PolicyCounterTimer } from "./policy_counter_timer.ts";
import { PolicyCpHash, PolicyNameHash } from "./policy_cp_hash.ts";
import { PolicyDuplicationSelect } from "./policy_duplication_select.ts";
import { PolicyLocality } from "./policy_locality.ts";
import { PolicyNvWritten } from "./policy_nv_written.ts";
import { PolicyTicket } from "./policy_ticket.ts";
import { SetPrimaryPolicy } from "./set_primary_policy.ts";
import { Clear, ClearControl } from "./clear.ts";
import { ContextLoad } from "./context_load.ts";
import { ContextSave } from "./context_save.ts";
import { DictionaryAttackLockReset, DictionaryAttackParameters } from "./dictionary_attack.ts";
import { EventSequenceComplete } from "./event_sequence_complete.ts";
import { EvictControl } from "./evict_control.ts";
import { FlushContext } from "./flush_context.ts";
import { GetCapability } from "./get_capability.ts";
import { GetRandom, StirRandom } from "./get_random.ts";
import { Hash } from "./hash.ts";
import { HashSequenceStart } from "./hash_sequence_start.ts";
import { HierarchyChangeAuth } from "./hierarchy_change_auth.ts";
import { HierarchyControl } from "./hierarchy_control.ts";
import { HMAC } from "./hmac.ts";
import { HMAC_Start } from "./hmac_start.ts";
import { NV_DefineSpace } from "./nv_define_space.ts";
import { NV_Extend } from "./nv_extend.ts";
import { NV_Increment } from "./nv_increment.ts";
import { NV_Read } from "./nv_read.ts";
import { NV_ReadLock } from "./nv_read_lock.ts";
import { NV_ReadPublic } from "./nv_read_public.ts";
import { NV_SetBits } from "./nv_set_bits.ts";
import { NV_UndefineSpace } from "./nv_undefine_space.ts";
import { NV_Write } from "./nv_write.ts";
import { NV_WriteLock } from "./nv_write_lock.ts";
import { PCR_Allocate } from "./pcr_allocate.ts";
import { PCR_Event } from "./pcr_event.ts";
import { PCR_Extend } from "./pcr_extend.ts";
import { PCR_Read } from "./pcr_read.ts";
import { PCR_Reset } from "./pcr_reset.ts";
import { PolicyAuthorize } from "./policy_authorize.ts";
import { PolicyCommandCode } from "./policy_command_code.ts";
import { PolicyGetDigest, PolicyRestart } from "./policy_get_digest.ts";
import { PolicyNV } from "./policy_nv.ts";
import { PolicyOR } from "./policy_or.ts";
import { PolicyAuthValue, PolicyPassword } from "./policy_password.ts";
import { PolicyPCR } from "./policy_pcr.ts";
import { PolicySecret } from "./policy_secret.ts";
import { PolicySigned } from "./policy_signed.ts";
import { ReadClock } from "./read_clock.ts";
import { ReadPublic } from "./read_public.ts";
import { GetTestResult, IncrementalSelfTest, SelfTest } from "./self_test.ts";
import { SequenceComplete } from "./sequence_complete.ts";
import { SequenceUpdate } from "./sequence_update.ts";
import { Shutdown } from "./shutdown.ts";
import { StartAuthSession } from "./start_auth_session.ts";
import { Startup } from "./startup.ts";
import { TestParms } from "./test_parms.ts";

/** Core commands. */
export const CORE_COMMANDS: CommandDef[] = [
  Startup,
  Shutdown,
  SelfTest,
  IncrementalSelfTest,
  GetTestResult,
  GetCapability,
  GetRandom,
  StirRandom,
  TestParms,
  PCR_Read,
  PCR_Extend,
  PCR_Event,
  PCR_Reset,
  PCR_Allocate,
  Hash,
  HMAC,
  HashSequenceStart,
  HMAC_Start,
  SequenceUpdate,
  SequenceComplete,
  EventSequenceComplete,
  NV_DefineSpace,
  NV_UndefineSpace,
  NV_Write,
  NV_Read,
  NV_Increment,
  NV_Extend,
  NV_SetBits,
  NV_ReadPublic,
  NV_WriteLock,
  NV_ReadLock,
  StartAuthSession,
  PolicyPCR,
  PolicyPassword,
  PolicyAuthValue,
  PolicySecret,
  PolicySigned,
  PolicyOR,
  PolicyCommandCode,
  PolicyNV,
  PolicyAuthorize,
  PolicyGetDigest,
  PolicyRestart,
  HierarchyChangeAuth,
  Clear,
  ClearControl,
  HierarchyControl,
  DictionaryAttackLockReset,
  DictionaryAttackParameters,
  ReadClock,
  FlushContext,
  ContextSave,
  ContextLoad,
  EvictControl,
  ReadPublic,
  PolicyCpHash,
  PolicyNameHash,
  PolicyLocality,
  PolicyDuplicationSelect,
  PolicyNvWritten,
  PolicyTicket,
  PolicyCounterTimer,
  PolicyAuthorizeNV,
  NV_ChangeAuth,
  NV_UndefineSpaceSpecial,
  NV_GlobalWriteLock,
  SetPrimaryPolicy,
  ChangeEPS,
  ChangePPS,
  ClockSet,
  ClockRateAdjust,
];
