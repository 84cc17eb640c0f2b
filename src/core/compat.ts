/**
 * Loose compatibility checks, libbpf's __bpf_core_types_are_compat and
 * bpf_core_fields_are_compat.
 *
 * These decide whether a target is a plausible stand-in for the local type
 * once names already agree. They are deliberately shallow: structs and
 * unions are compatible with any struct or union (their members are
 * checked one access at a time by spec matching), integers of any size and
 * sign are compatible (only the old bit-offset ints are refused), pointers
 * and arrays compare what they point to or hold.
 */
import type { Btf, Type, TypeId } from '../btf/index.ts';
import { isComposite, kindCoreCompat, paramTypes, skipMods, typeAt } from './btf-ops.ts';
import { CoreFailure } from './errors.ts';
import { sameEssentialName } from './names.ts';

/** Nesting bound for function prototypes and pointer chains, as libbpf's. */
export const COMPAT_MAX_DEPTH = 32;

function tooDeep(localId: TypeId, targId: TypeId): CoreFailure {
  return new CoreFailure(`type compatibility check of local [${localId}] and target [${targId}] nests more than ${COMPAT_MAX_DEPTH} deep`);
}

function intOffset(t: Type): number {
  return t.kind === 'int' ? t.bitOffset : 0;
}

/**
 * bpf_core_types_are_compat: used for TYPE_ID_TARGET, TYPE_EXISTS and
 * TYPE_SIZE candidates. The roots are compared by kind before typedefs are
 * skipped (a typedef candidate must be a typedef), then structurally.
 */
export function typesAreCompat(local: Btf, localId: TypeId, targ: Btf, targId: TypeId, level = COMPAT_MAX_DEPTH): boolean {
  if (!kindCoreCompat(typeAt(local, localId), typeAt(targ, targId))) return false;
  let lid = localId;
  let tid = targId;
  for (let depth = COMPAT_MAX_DEPTH; ; ) {
    if (--depth < 0) throw tooDeep(localId, targId);
    const lt = skipMods(local, lid);
    const tt = skipMods(targ, tid);
    if (!kindCoreCompat(lt, tt)) return false;
    switch (lt.kind) {
      case 'void':
      case 'struct':
      case 'union':
      case 'enum':
      case 'enum64':
      case 'fwd':
        return true;
      case 'int':
        return intOffset(lt) === 0 && intOffset(tt) === 0;
      case 'ptr':
        lid = lt.type;
        tid = (tt as typeof lt).type;
        continue;
      case 'array':
        lid = lt.type;
        tid = (tt as typeof lt).type;
        continue;
      case 'func_proto': {
        const tp = tt as typeof lt;
        const lparams = paramTypes(lt);
        const tparams = paramTypes(tp);
        if (lparams.length !== tparams.length) return false;
        for (let i = 0; i < lparams.length; i++) {
          if (level <= 0) throw tooDeep(localId, targId);
          const l = skipMods(local, lparams[i]!).id;
          const t = skipMods(targ, tparams[i]!).id;
          if (!typesAreCompat(local, l, targ, t, level - 1)) return false;
        }
        lid = lt.returnType;
        tid = tp.returnType;
        continue;
      }
      default:
        return false;
    }
  }
}

/**
 * bpf_core_fields_are_compat: may a local member of type `localId` be
 * matched with a same-named target member of type `targId`? Composites
 * match any composite; enums and forward declarations need equal essential
 * names unless one is anonymous; arrays compare element types.
 */
export function fieldsAreCompat(local: Btf, localId: TypeId, targ: Btf, targId: TypeId): boolean {
  let lid = localId;
  let tid = targId;
  for (let depth = 0; ; depth++) {
    if (depth > COMPAT_MAX_DEPTH) throw tooDeep(localId, targId);
    const lt = skipMods(local, lid);
    const tt = skipMods(targ, tid);
    if (isComposite(lt) && isComposite(tt)) return true;
    if (!kindCoreCompat(lt, tt)) return false;
    switch (lt.kind) {
      case 'ptr':
      case 'float':
        return true;
      case 'fwd':
      case 'enum':
      case 'enum64':
        return lt.name === '' || tt.name === '' || sameEssentialName(lt.name, tt.name);
      case 'int':
        return intOffset(lt) === 0 && intOffset(tt) === 0;
      case 'array':
        lid = lt.type;
        tid = (tt as typeof lt).type;
        continue;
      default:
        return false;
    }
  }
}
