/**
 * Matching a local spec against one candidate target type (libbpf's
 * bpf_core_spec_match and bpf_core_match_member). Returns the target spec,
 * undefined when the candidate does not fit, and throws CoreFailure where
 * libbpf returns an error (malformed BTF, absurd nesting).
 *
 * - type-based kinds: the whole type must be compatible (TYPE_MATCHES:
 *   must match);
 * - enum value kinds: the target (after typedefs) must be an enum with an
 *   enumerator of the same essential name;
 * - field kinds: the accessors are replayed on the target: array accessors
 *   by index (bounds checked, flexible arrays allowed), named members by
 *   exact name, searched through anonymous struct/union members, and the
 *   member types must be field-compatible. The target's raw indices and bit
 *   offset are accumulated on the way.
 */
import { CoreReloKind, type Btf, type TypeId } from '../btf/index.ts';
import { enumeratorName, isAnyEnum, isComposite, resolveSize, skipMods, typeAt } from './btf-ops.ts';
import { fieldsAreCompat, typesAreCompat } from './compat.ts';
import { CoreFailure } from './errors.ts';
import { isEnumvalBased, isFieldBased, isTypeBased } from './kinds.ts';
import { typesMatch } from './match.ts';
import { sameEssentialName } from './names.ts';
import { CORE_SPEC_MAX_LEN, isFlexArray, type CoreAccessor, type CoreSpec } from './spec.ts';

interface Building {
  raw: number[];
  accessors: CoreAccessor[];
  bitOffset: number;
}

function tooDeep(): CoreFailure {
  return new CoreFailure(`target access path is longer than ${CORE_SPEC_MAX_LEN} steps`);
}

/**
 * Find the member the local accessor names inside target composite `targId`,
 * descending into anonymous members. On success the member's accessor and
 * raw indices are appended to `spec` and the member's type id returned; on
 * a name match with incompatible types, or no match, undefined.
 */
function matchMember(
  local: Btf, localAcc: CoreAccessor, targ: Btf, targId: TypeId, spec: Building,
): TypeId | undefined {
  const tt = skipMods(targ, targId);
  if (!isComposite(tt)) return undefined;
  const lt = typeAt(local, localAcc.typeId);
  if (!isComposite(lt)) throw new CoreFailure(`local accessor type [${localAcc.typeId}] is not a struct or union`);
  const localMember = lt.members[localAcc.idx]!;

  for (let i = 0; i < tt.members.length; i++) {
    const m = tt.members[i]!;
    if (spec.raw.length === CORE_SPEC_MAX_LEN) throw tooDeep();
    // Speculate that this member is on the path.
    spec.bitOffset += m.bitOffset;
    spec.raw.push(i);
    if (m.name === '') {
      const found = matchMember(local, localAcc, targ, m.type, spec);
      if (found !== undefined) return found;
    } else if (m.name === localMember.name) {
      // Same name: this is the member, compatible or not (libbpf does not look further).
      if (!fieldsAreCompat(local, localMember.type, targ, m.type)) return undefined;
      spec.accessors.push({ typeId: tt.id, idx: i, name: m.name });
      return m.type;
    }
    spec.bitOffset -= m.bitOffset;
    spec.raw.pop();
  }
  return undefined;
}

export function matchSpec(localSpec: CoreSpec, targ: Btf, targRootId: TypeId): CoreSpec | undefined {
  const kind = localSpec.kind;
  const done = (b: Building): CoreSpec => ({ btf: targ, rootTypeId: targRootId, kind, ...b });

  if (isTypeBased(kind)) {
    const ok = kind === CoreReloKind.TYPE_MATCHES
      ? typesMatch(localSpec.btf, localSpec.rootTypeId, targ, targRootId)
      : typesAreCompat(localSpec.btf, localSpec.rootTypeId, targ, targRootId);
    return ok ? done({ raw: [], accessors: [], bitOffset: 0 }) : undefined;
  }

  if (isEnumvalBased(kind)) {
    const localAcc = localSpec.accessors[0]!;
    const tt = skipMods(targ, targRootId);
    if (!isAnyEnum(tt)) return undefined;
    for (let i = 0; i < tt.values.length; i++) {
      const name = enumeratorName(tt, i);
      if (sameEssentialName(localAcc.name ?? '', name)) {
        return done({ raw: [i], accessors: [{ typeId: tt.id, idx: i, name }], bitOffset: 0 });
      }
    }
    return undefined;
  }

  if (!isFieldBased(kind)) throw new CoreFailure(`unknown relocation kind ${kind}`);

  const spec: Building = { raw: [], accessors: [], bitOffset: 0 };
  let targId = targRootId;
  for (let i = 0; i < localSpec.accessors.length; i++) {
    const localAcc = localSpec.accessors[i]!;
    const tt = skipMods(targ, targId);
    targId = tt.id;
    if (localAcc.name !== undefined) {
      const next = matchMember(localSpec.btf, localAcc, targ, targId, spec);
      if (next === undefined) return undefined;
      targId = next;
      continue;
    }
    // The root (i = 0) is indexed as an array of itself; later unnamed
    // accessors are array elements, so the target must be an array there.
    if (i > 0) {
      if (tt.kind !== 'array') return undefined;
      const flex = isFlexArray(targ, spec.accessors[spec.accessors.length - 1], tt.nelems);
      if (!flex && localAcc.idx >= tt.nelems) return undefined;
      targId = skipMods(targ, tt.type).id;
    }
    if (spec.raw.length === CORE_SPEC_MAX_LEN) throw tooDeep();
    spec.accessors.push({ typeId: targId, idx: localAcc.idx, name: undefined });
    spec.raw.push(localAcc.idx);
    spec.bitOffset += localAcc.idx * resolveSize(targ, targId) * 8;
  }
  return done(spec);
}
