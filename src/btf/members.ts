/**
 * Member lookup by name, the way C sees it: members of anonymous struct and
 * union members are reachable as if declared in the enclosing type
 * (task_struct's fields inside `struct { ... };` blocks, for instance).
 */
import { BtfError } from './errors.ts';
import { MAX_RESOLVE_DEPTH, skipQualifiers } from './resolve.ts';
import type { Member, Type, TypeId, TypeLookup } from './types.ts';

export interface MemberMatch {
  readonly member: Member;
  /** Bit offset from the start of the outermost type (anonymous members' offsets added). */
  readonly bitOffset: number;
  /**
   * Member indices from the outermost type down to the match, anonymous
   * members included: the shape of a CO-RE access string after its first index.
   */
  readonly path: readonly number[];
  /** The struct or union that directly contains the member. */
  readonly parent: Type;
}

/**
 * Find member `name` of the struct/union `id` (qualifiers and typedefs are
 * looked through). Undefined when absent; BtfError when `id` is not a
 * struct or union, or anonymous members nest absurdly deep.
 */
export function findMember(types: TypeLookup, id: TypeId, name: string): MemberMatch | undefined {
  const outer = skipQualifiers(types, id);
  if (outer.kind !== 'struct' && outer.kind !== 'union') {
    throw new BtfError(`BTF: type [${id}] is a ${outer.kind}, not a struct or union: it has no members`);
  }
  // Types already searched: guards against cycles and against the exponential
  // blow-up of a type reachable through many anonymous members.
  const seen = new Set<TypeId>();
  return search(types, outer, name, 0, [], seen);
}

function search(
  types: TypeLookup, t: Type, name: string, baseBits: number, path: number[], seen: Set<TypeId>,
): MemberMatch | undefined {
  if (t.kind !== 'struct' && t.kind !== 'union') return undefined;
  if (seen.has(t.id)) return undefined;
  seen.add(t.id);
  if (path.length > MAX_RESOLVE_DEPTH) {
    throw new BtfError(`BTF: anonymous members nest more than ${MAX_RESOLVE_DEPTH} deep below type [${t.id}]`);
  }
  for (let i = 0; i < t.members.length; i++) {
    const m = t.members[i]!;
    if (m.name === name) return { member: m, bitOffset: baseBits + m.bitOffset, path: [...path, i], parent: t };
    if (m.name === '') {
      const inner = skipQualifiers(types, m.type);
      const hit = search(types, inner, name, baseBits + m.bitOffset, [...path, i], seen);
      if (hit) return hit;
    }
  }
  return undefined;
}
