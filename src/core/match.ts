/**
 * TYPE_MATCHES (bpf_core_type_matches()), libbpf's __bpf_core_types_match:
 * a much stricter relation than typesAreCompat, for programs that want to
 * know the kernel type has the exact shape they were written against.
 *
 * - modifiers and typedefs are skipped, then names must match (flavours
 *   ignored; anonymous only matches anonymous);
 * - ints: same size and signedness;
 * - enums (enum/enum64 interchangeable): same size, every local enumerator
 *   name present in the target (values are not compared);
 * - structs/unions: same kind, every local member present by name in the
 *   target with a matching type; behind a pointer only the kind is checked
 *   (and a struct/union may match a forward declaration of the same kind);
 * - pointers, arrays (same length), function prototypes (same arity):
 *   recursively.
 */
import type { Btf, Type, TypeId } from '../btf/index.ts';
import { enumeratorName, isAnyEnum, paramTypes, skipMods } from './btf-ops.ts';
import { CoreFailure } from './errors.ts';
import { namesMatch } from './names.ts';

export const MATCH_MAX_DEPTH = 32;

function tooDeep(localId: TypeId, targId: TypeId): CoreFailure {
  return new CoreFailure(`type match of local [${localId}] and target [${targId}] nests more than ${MATCH_MAX_DEPTH} deep`);
}

type EnumType = Extract<Type, { kind: 'enum' | 'enum64' }>;
type CompositeType = Extract<Type, { kind: 'struct' | 'union' }>;

function enumsMatch(lt: EnumType, tt: EnumType): boolean {
  if (lt.size !== tt.size) return false;
  if (lt.values.length > tt.values.length) return false;
  for (let i = 0; i < lt.values.length; i++) {
    const name = enumeratorName(lt, i);
    if (!tt.values.some((_, j) => namesMatch(name, enumeratorName(tt, j)))) return false;
  }
  return true;
}

function compositesMatch(
  local: Btf, lt: CompositeType, targ: Btf, tt: CompositeType, behindPtr: boolean, level: number,
): boolean {
  if (lt.members.length > tt.members.length) return false;
  for (const lm of lt.members) {
    let matched = false;
    for (const tm of tt.members) {
      if (!namesMatch(lm.name, tm.name)) continue;
      if (typesMatchAt(local, lm.type, targ, tm.type, behindPtr, level - 1)) {
        matched = true;
        break;
      }
    }
    if (!matched) return false;
  }
  return true;
}

/** bpf_core_types_match: does target type `targId` match local type `localId`? */
export function typesMatch(local: Btf, localId: TypeId, targ: Btf, targId: TypeId): boolean {
  return typesMatchAt(local, localId, targ, targId, false, MATCH_MAX_DEPTH);
}

function typesMatchAt(
  local: Btf, localId: TypeId, targ: Btf, targId: TypeId, behindPtrIn: boolean, level: number,
): boolean {
  if (level <= 0) throw tooDeep(localId, targId);
  let behindPtr = behindPtrIn;
  let lid = localId;
  let tid = targId;
  for (let depth = MATCH_MAX_DEPTH; ; ) {
    if (--depth < 0) throw tooDeep(localId, targId);
    const lt = skipMods(local, lid);
    const tt = skipMods(targ, tid);
    // Root-level typedefs were name-matched by candidate search; from here
    // on it is the names of what they stand for that must agree.
    if (!namesMatch(lt.name, tt.name)) return false;

    switch (lt.kind) {
      case 'void':
        return tt.kind === 'void';
      case 'fwd': {
        const localUnion = lt.fwdKind === 'union';
        if (behindPtr) {
          if (tt.kind === 'fwd') return localUnion === (tt.fwdKind === 'union');
          // A forward declaration's kind_flag says struct (0) or union (1).
          return (tt.kind === 'struct' && !localUnion) || (tt.kind === 'union' && localUnion);
        }
        if (tt.kind !== 'fwd') return false;
        return localUnion === (tt.fwdKind === 'union');
      }
      case 'enum':
      case 'enum64':
        if (!isAnyEnum(tt)) return false;
        return enumsMatch(lt, tt);
      case 'struct':
      case 'union':
        if (behindPtr) {
          if (tt.kind === lt.kind) return true;
          if (tt.kind !== 'fwd') return false;
          return (lt.kind === 'union') === (tt.fwdKind === 'union');
        }
        if (tt.kind !== lt.kind) return false;
        return compositesMatch(local, lt, targ, tt, behindPtr, level);
      case 'int': {
        if (tt.kind !== 'int') return false;
        const ls = (lt.encoding & 1) !== 0;
        const ts = (tt.encoding & 1) !== 0;
        return lt.size === tt.size && ls === ts;
      }
      case 'ptr':
        if (tt.kind !== 'ptr') return false;
        behindPtr = true;
        lid = lt.type;
        tid = tt.type;
        continue;
      case 'array':
        if (tt.kind !== 'array') return false;
        if (lt.nelems !== tt.nelems) return false;
        lid = lt.type;
        tid = tt.type;
        continue;
      case 'func_proto': {
        if (tt.kind !== 'func_proto') return false;
        const lp = paramTypes(lt);
        const tp = paramTypes(tt);
        if (lp.length !== tp.length) return false;
        for (let i = 0; i < lp.length; i++) {
          if (!typesMatchAt(local, lp[i]!, targ, tp[i]!, behindPtr, level - 1)) return false;
        }
        lid = lt.returnType;
        tid = tt.returnType;
        continue;
      }
      default:
        return false;
    }
  }
}
