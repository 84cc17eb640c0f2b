/**
 * The few BTF primitives relo_core.c is written in terms of
 * (skip_mods_and_typedefs, btf__resolve_size, btf_vlen, btf_kind_core_compat,
 * ...), expressed over src/btf's decoded types. Kept here so the matching
 * code reads like the C it mirrors, and so BtfErrors from malformed BTF turn
 * into CoreFailures that name the relocation.
 */
import { BtfError, IntEncoding, type Btf, type Type, type TypeId } from '../btf/index.ts';
import { CoreFailure } from './errors.ts';

/** Run a BTF accessor, reporting malformed BTF as a relocation failure. */
export function btfCall<T>(what: string, f: () => T): T {
  try {
    return f();
  } catch (err) {
    if (err instanceof BtfError) throw new CoreFailure(`${what}: ${err.message}`, { cause: err });
    throw err;
  }
}

export function typeAt(btf: Btf, id: TypeId): Type {
  return btfCall(`type [${id}]`, () => btf.typeById(id));
}

/** skip_mods_and_typedefs: the type behind typedef/const/volatile/restrict/type_tag (its id is `.id`). */
export function skipMods(btf: Btf, id: TypeId): Type {
  return btfCall(`type [${id}]`, () => btf.skipQualifiers(id));
}

/** btf__resolve_size; a failure (void, fwd, func, loops) aborts the relocation as libbpf's negative return does. */
export function resolveSize(btf: Btf, id: TypeId): number {
  return btfCall(`size of type [${id}]`, () => btf.sizeOf(id));
}

export function isComposite(t: Type): t is Extract<Type, { kind: 'struct' | 'union' }> {
  return t.kind === 'struct' || t.kind === 'union';
}

export function isAnyEnum(t: Type): t is Extract<Type, { kind: 'enum' | 'enum64' }> {
  return t.kind === 'enum' || t.kind === 'enum64';
}

/** btf_kind equality, with records of unknown kinds compared by their raw kind number. */
export function sameKind(a: Type, b: Type): boolean {
  if (a.kind === 'unknown' || b.kind === 'unknown') {
    return a.kind === 'unknown' && b.kind === 'unknown' && a.rawKind === b.rawKind;
  }
  return a.kind === b.kind;
}

/** btf_kind_core_compat: same kind, except that enum and enum64 are interchangeable. */
export function kindCoreCompat(a: Type, b: Type): boolean {
  return sameKind(a, b) || (isAnyEnum(a) && isAnyEnum(b));
}

/** btf_vlen: members, enumerators or parameters (the variadic sentinel counts, as in the raw record). */
export function vlen(t: Type): number {
  switch (t.kind) {
    case 'struct':
    case 'union':
      return t.members.length;
    case 'enum':
    case 'enum64':
      return t.values.length;
    case 'func_proto':
      return t.params.length + (t.variadic ? 1 : 0);
    case 'datasec':
      return t.vars.length;
    default:
      return 0;
  }
}

/** Parameter types of a FUNC_PROTO as the raw record lists them: `...` is a trailing void (type 0). */
export function paramTypes(t: Extract<Type, { kind: 'func_proto' }>): TypeId[] {
  const ids = t.params.map((p) => p.type);
  if (t.variadic) ids.push(0);
  return ids;
}

/** BTF_INT_ENCODING & BTF_INT_SIGNED. */
export function intIsSigned(t: Type): boolean {
  return t.kind === 'int' && (t.encoding & IntEncoding.Signed) !== 0;
}

/** The enumerator name at `idx` of an enum or enum64. */
export function enumeratorName(t: Extract<Type, { kind: 'enum' | 'enum64' }>, idx: number): string {
  return t.values[idx]!.name;
}

/**
 * An enumerator's value as libbpf reads it into a __u64: enum64 values
 * verbatim; 32-bit enum values through btf_enum.val, which is __s32, so
 * they are sign-extended whatever the enum's own signedness.
 */
export function enumeratorValue(t: Extract<Type, { kind: 'enum' | 'enum64' }>, idx: number): bigint {
  if (t.kind === 'enum64') return BigInt.asUintN(64, t.values[idx]!.value);
  return BigInt.asUintN(64, BigInt(t.values[idx]!.value | 0));
}
