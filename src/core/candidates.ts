/**
 * Candidate search (libbpf's bpf_core_find_cands / bpf_core_add_cands):
 * every target type with the same essential name as the local type and a
 * compatible kind (struct with struct, typedef with typedef, enum with enum
 * or enum64, ...). Whether a candidate really fits is decided later, per
 * relocation, by spec matching.
 *
 * vmlinux is searched first; module BTFs only if vmlinux has no candidate
 * at all (then all of them, in order), and only their own types, not the
 * vmlinux types they are split from.
 */
import type { Btf, KindName, Type, TypeId } from '../btf/index.ts';
import { btfCall, kindCoreCompat, typeAt } from './btf-ops.ts';
import { CoreFailure } from './errors.ts';
import { flavouredNames } from './flavours.ts';
import { essentialName, essentialNameLength } from './names.ts';
import type { CoreTargets, ResolvedTarget } from './targets.ts';

export interface CoreCandidate {
  readonly target: ResolvedTarget;
  /** Type id in the target BTF. */
  readonly id: TypeId;
}

/** Candidates for `local` (named `essential` once flavours are dropped) in one target, ids >= startId, ascending. */
export function targetCandidates(local: Type, essential: string, target: ResolvedTarget, startId: number): CoreCandidate[] {
  const btf: Btf = target.btf;
  const names = [essential, ...flavouredNames(btf.strings, essential)];
  // Ask the name index per kind: it keeps one small index per kind asked
  // about, instead of one over all of vmlinux's names.
  const kinds: readonly (KindName | undefined)[] =
    local.kind === 'enum' || local.kind === 'enum64' ? ['enum', 'enum64']
      : local.kind === 'void' || local.kind === 'unknown' ? [undefined]
        : [local.kind];
  const ids = new Set<TypeId>();
  for (const name of names) {
    for (const kind of kinds) {
      for (const id of btfCall(`looking up '${name}' in ${target.name}`, () => btf.idsByName(name, kind))) {
        if (id >= startId) ids.add(id);
      }
    }
  }
  const out: CoreCandidate[] = [];
  for (const id of [...ids].sort((a, b) => a - b)) {
    const t = typeAt(btf, id);
    if (!kindCoreCompat(t, local)) continue;
    if (t.name === '' || essentialNameLength(t.name) !== essential.length || !t.name.startsWith(essential)) continue;
    out.push({ target, id });
  }
  return out;
}

/** All candidates for local type `localTypeId`, following the vmlinux-then-modules rule. */
export function findCandidates(local: Btf, localTypeId: TypeId, targets: CoreTargets): CoreCandidate[] {
  const localType = typeAt(local, localTypeId);
  if (localType.name === '') {
    throw new CoreFailure(`local type [${localTypeId}] is anonymous: CO-RE can only find named types in the target`);
  }
  if (targets.count === 0) throw new CoreFailure('no target BTF to relocate against');
  const essential = essentialName(localType.name);
  const main = targets.get(0);
  const found = targetCandidates(localType, essential, main, 1);
  if (found.length > 0) return found;
  for (let i = 1; i < targets.count; i++) {
    const mod = targets.get(i);
    found.push(...targetCandidates(localType, essential, mod, mod.btf.firstTypeId));
  }
  return found;
}

/**
 * Candidate lists per local type, shared by all relocations of an object.
 *
 * Like libbpf's cand_cache, a list is NARROWED after each relocation that
 * matched at least one candidate: later relocations of the same local type
 * only consider the candidates that matched before. That keeps all
 * accesses through one local type pointed at one target type. Share one
 * cache (one CoreContext) across an object's sections to get libbpf's
 * results exactly.
 */
export class CandidateCache {
  private readonly lists = new Map<TypeId, CoreCandidate[]>();
  /** How many candidates each list had before narrowing, for reports. */
  private readonly found = new Map<TypeId, number>();

  constructor(private readonly local: Btf, private readonly targets: CoreTargets) {}

  get(localTypeId: TypeId): readonly CoreCandidate[] {
    let list = this.lists.get(localTypeId);
    if (list === undefined) {
      list = findCandidates(this.local, localTypeId, this.targets);
      this.lists.set(localTypeId, list);
      this.found.set(localTypeId, list.length);
    }
    return list;
  }

  /** Keep only `kept` (a non-empty subset, in order) for later relocations of the type. */
  narrow(localTypeId: TypeId, kept: readonly CoreCandidate[]): void {
    if (kept.length > 0) this.lists.set(localTypeId, [...kept]);
  }

  /** Candidates found by name before any narrowing (undefined if never searched). */
  foundCount(localTypeId: TypeId): number | undefined {
    return this.found.get(localTypeId);
  }
}
