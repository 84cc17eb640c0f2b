/**
 * Resolving one relocation against its candidates (libbpf's
 * bpf_core_calc_relo_insn): parse the local spec, match it against every
 * candidate, compute the value for each match, and insist that all matches
 * agree. No match is not an error here: existence kinds give 0, type kinds
 * give 0, the others ask for the instruction to be poisoned.
 */
import { CoreReloKind, type Btf, type TypeId } from '../btf/index.ts';
import { typeAt } from './btf-ops.ts';
import { calcRelo, type CoreReloResult } from './calc.ts';
import type { CandidateCache, CoreCandidate } from './candidates.ts';
import { CoreFailure } from './errors.ts';
import { formatSpec } from './format.ts';
import { isEnumvalBased, isFieldBased } from './kinds.ts';
import { essentialName } from './names.ts';
import { parseLocalSpec, type CoreSpec } from './spec.ts';
import { matchSpec } from './spec-match.ts';

export interface CoreResolution {
  readonly localSpec: CoreSpec;
  readonly result: CoreReloResult;
  /** The first matching candidate and its spec (all matches agreed with it). */
  readonly target?: CoreCandidate | undefined;
  readonly targetSpec?: CoreSpec | undefined;
  /** How many candidates were matched against (after earlier narrowing). */
  readonly candidates: number;
  /** How many of them matched. */
  readonly matches: number;
}

export interface ResolveInput {
  readonly local: Btf;
  readonly typeId: TypeId;
  readonly accessStr: string;
  readonly kind: number;
  readonly cache: CandidateCache;
  /** Byte order of the program, for FIELD_LSHIFT_U64. */
  readonly littleEndian: boolean;
}

function describeCandidate(c: CoreCandidate, spec: CoreSpec | undefined): string {
  const where = c.target.name;
  return spec ? `${formatSpec(spec)} in ${where}` : `[${c.id}] in ${where}`;
}

export function resolveRelocation(input: ResolveInput): CoreResolution {
  const { local, typeId, accessStr, kind, cache, littleEndian } = input;
  const localSpec = parseLocalSpec(local, typeId, accessStr, kind);

  // TYPE_ID_LOCAL needs no target: the answer is the local id itself, and
  // it is not validated because linking may renumber types.
  if (kind === CoreReloKind.TYPE_ID_LOCAL) {
    const id = BigInt(typeId);
    return {
      localSpec, candidates: 0, matches: 0,
      result: {
        origVal: id, newVal: id, poison: false, validate: false, failMemszAdjust: false,
        origSize: 0, newSize: 0, origTypeId: 0, newTypeId: 0,
      },
    };
  }

  const cands = cache.get(typeId);
  const kept: CoreCandidate[] = [];
  let chosen: { cand: CoreCandidate; spec: CoreSpec; res: CoreReloResult } | undefined;
  for (const cand of cands) {
    const spec = matchSpec(localSpec, cand.target.btf, cand.id);
    if (spec === undefined) continue;
    const res = calcRelo(localSpec, spec, littleEndian);
    if (chosen === undefined) {
      chosen = { cand, spec, res };
    } else if (spec.bitOffset !== chosen.spec.bitOffset) {
      throw new CoreFailure(
        `field offset ambiguity: ${describeCandidate(chosen.cand, chosen.spec)} is at bit ${chosen.spec.bitOffset}, ` +
          `${describeCandidate(cand, spec)} at bit ${spec.bitOffset}`,
      );
    } else if (res.poison !== chosen.res.poison || res.newVal !== chosen.res.newVal) {
      throw new CoreFailure(
        `relocation decision ambiguity: ${describeCandidate(chosen.cand, chosen.spec)} gives ${chosen.res.newVal}, ` +
          `${describeCandidate(cand, spec)} gives ${res.newVal}`,
      );
    }
    kept.push(cand);
  }
  // Later relocations of this local type only see the candidates that matched.
  cache.narrow(typeId, kept);

  if (chosen !== undefined) {
    return {
      localSpec, result: chosen.res, target: chosen.cand, targetSpec: chosen.spec,
      candidates: cands.length, matches: kept.length,
    };
  }
  const res = calcRelo(localSpec, undefined, littleEndian);
  const result = res.poison ? { ...res, poisonReason: noMatchReason(local, typeId, localSpec, cands, cache) } : res;
  return { localSpec, result, candidates: cands.length, matches: 0 };
}

/** Why nothing matched, in words a BPF author can act on. */
function noMatchReason(local: Btf, typeId: TypeId, localSpec: CoreSpec, cands: readonly CoreCandidate[], cache: CandidateCache): string {
  const t = typeAt(local, typeId);
  const name = essentialName(t.name);
  if (cands.length === 0) {
    return `no ${t.kind} named '${name}' (or '${name}___*') in the target BTF`;
  }
  const found = cache.foundCount(typeId) ?? cands.length;
  const list = cands.slice(0, 3).map((c) => `[${c.id}] in ${c.target.name}`).join(', ') + (cands.length > 3 ? ', ...' : '');
  const what = isFieldBased(localSpec.kind)
    ? `a compatible field for ${formatSpec(localSpec)}`
    : isEnumvalBased(localSpec.kind)
      ? `the enumerator ${formatSpec(localSpec)}`
      : 'a compatible type';
  const narrowed = found !== cands.length ? ` (narrowed from ${found} by earlier relocations)` : '';
  return `none of ${cands.length} candidate(s)${narrowed} has ${what}: ${list}`;
}
