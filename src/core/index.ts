/**
 * BPF CO-RE ("compile once, run everywhere") relocations: rewrite a BPF
 * program's field offsets, sizes, type ids and enum values, which the
 * compiler computed from the program's own BTF, for the kernel it is about
 * to run on. Equivalent to libbpf's relo_core.c (and cilium/ebpf's
 * btf/core.go); pure: no I/O, the caller supplies BTFs and instructions.
 *
 *   const ctx = createCoreContext(objectBtf, [vmlinuxBtf, () => moduleBtf]);
 *   for (const sec of btfExt.coreRelos)
 *     const res = relocateSection(ctx, { section: sec.section, insns, relos: sec.records, programs });
 *
 * Files: names (flavours), spec (access strings), candidates/flavours/
 * targets (candidate search), compat/match/spec-match (matching rules),
 * calc (values), patch/poison (instructions), resolve/relocate (drivers).
 */
export { CoreError, CoreFailure, describeLocation, describeRelocation } from './errors.ts';
export type { CoreRelocationContext } from './errors.ts';
export { essentialName, essentialNameLength, namesMatch, sameEssentialName } from './names.ts';
export { isEnumvalBased, isExistenceCheck, isFieldBased, isTypeBased } from './kinds.ts';
export { CORE_SPEC_MAX_LEN, parseAccessString, parseLocalSpec } from './spec.ts';
export type { CoreAccessor, CoreSpec } from './spec.ts';
export { formatSpec } from './format.ts';
export { CoreTargets } from './targets.ts';
export type { CoreTarget, CoreTargetBtf, ResolvedTarget } from './targets.ts';
export { CandidateCache, findCandidates } from './candidates.ts';
export type { CoreCandidate } from './candidates.ts';
export { fieldsAreCompat, typesAreCompat } from './compat.ts';
export { typesMatch } from './match.ts';
export { matchSpec } from './spec-match.ts';
export { calcRelo } from './calc.ts';
export type { CoreReloResult } from './calc.ts';
export { resolveRelocation } from './resolve.ts';
export type { CoreResolution, ResolveInput } from './resolve.ts';
export { patchInstruction } from './patch.ts';
export type { PatchOutcome } from './patch.ts';
export {
  CORE_POISON_IMM, coreErrorForPoison, isPoisonInstruction, poisonInstruction, poisonedInsnFromVerifierLog,
} from './poison.ts';
export type { CorePoison } from './poison.ts';
export { CoreContext, createCoreContext } from './context.ts';
export type { CoreContextOptions } from './context.ts';
export { relocateSection } from './relocate.ts';
export type {
  CoreProgramRange, CoreRelocationReport, CoreRelocationStatus, CoreSectionInput, CoreSectionResult, CoreTargetReport,
} from './relocate.ts';
