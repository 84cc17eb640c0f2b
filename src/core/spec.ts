/**
 * Access strings and the local "spec" (libbpf's bpf_core_parse_spec).
 *
 * clang records each CO-RE access as a root type plus a string of indices,
 * e.g. `0:1:2` for `&((struct s *)p)[0].b.c`: the first index is an array
 * index on the root pointer, every later one a member index (for a struct
 * or union) or an element index (for an array). The spec replays the access
 * on the local BTF and keeps:
 *
 * - the raw indices (`raw`), anonymous members included;
 * - the "accessors": only the steps that can be matched against another
 *   BTF, i.e. the root, named members (matched by name) and array elements
 *   (matched by index). Anonymous struct/union members have no name to
 *   match, so they are dropped here and rediscovered in the target by
 *   searching through its anonymous members;
 * - the bit offset of the whole access from the start of the root.
 */
import type { Btf, TypeId } from '../btf/index.ts';
import { isComposite, isAnyEnum, enumeratorName, resolveSize, skipMods, typeAt, vlen } from './btf-ops.ts';
import { CoreFailure } from './errors.ts';
import { isEnumvalBased, isFieldBased, isTypeBased } from './kinds.ts';

/** libbpf's BPF_CORE_SPEC_MAX_LEN: bound on access depth (local and target). */
export const CORE_SPEC_MAX_LEN = 64;

export interface CoreAccessor {
  /**
   * Member accessor: the struct/union holding the member. Array accessor:
   * the element type. Root accessor: the root type. Always with modifiers
   * and typedefs skipped.
   */
  readonly typeId: TypeId;
  /** Member index, array index or enumerator index. */
  readonly idx: number;
  /** Member or enumerator name; undefined for the root and array elements. */
  readonly name: string | undefined;
}

export interface CoreSpec {
  readonly btf: Btf;
  /** The relocation's type (not skipped: a typedef stays a typedef). */
  readonly rootTypeId: TypeId;
  readonly kind: number;
  /** All indices of the access, anonymous members included (target specs: as found in the target). */
  readonly raw: readonly number[];
  readonly accessors: readonly CoreAccessor[];
  /** Bit offset of the accessed field from the start of the root. */
  readonly bitOffset: number;
}

/**
 * `"0:1:2"` -> `[0, 1, 2]`, with libbpf's rules: non-empty, no leading
 * colon, decimal indices separated by single colons, at most
 * CORE_SPEC_MAX_LEN of them. (libbpf uses sscanf("%d"), which would also
 * take signs and blanks; clang never writes those, and a negative index
 * would read outside the type, so we refuse them.)
 */
export function parseAccessString(access: string): number[] {
  if (access === '' || access.startsWith(':')) throw new CoreFailure(`invalid access string '${access}'`);
  const out: number[] = [];
  let pos = 0;
  while (pos < access.length) {
    if (access[pos] === ':') pos++;
    const m = /^\d+/.exec(access.slice(pos));
    if (m === null) throw new CoreFailure(`invalid access string '${access}' at character ${pos}`);
    if (out.length === CORE_SPEC_MAX_LEN) throw new CoreFailure(`access string '${access}' is longer than ${CORE_SPEC_MAX_LEN} indices`);
    const idx = Number(m[0]);
    if (!Number.isSafeInteger(idx) || idx > 0x7fffffff) throw new CoreFailure(`access string '${access}': index ${m[0]} is out of range`);
    out.push(idx);
    pos += m[0].length;
  }
  return out;
}

/**
 * libbpf's is_flex_arr: an array with 0 elements that is the last member of
 * the struct reached by the previous accessor may be indexed past its
 * (zero) bound, because it is a C flexible array member.
 */
export function isFlexArray(btf: Btf, prev: CoreAccessor | undefined, nelems: number): boolean {
  if (prev === undefined || prev.name === undefined || nelems > 0) return false;
  const parent = typeAt(btf, prev.typeId);
  return prev.idx === vlen(parent) - 1;
}

/** Replay a relocation's access string on its own (local) BTF. */
export function parseLocalSpec(btf: Btf, rootTypeId: TypeId, accessStr: string, kind: number): CoreSpec {
  if (accessStr === '' || accessStr.startsWith(':')) throw new CoreFailure(`invalid access string '${accessStr}'`);

  // Type-based relocations have no access path; clang always writes "0".
  if (isTypeBased(kind)) {
    if (accessStr !== '0') throw new CoreFailure(`type-based relocation with access string '${accessStr}' (expected '0')`);
    return { btf, rootTypeId, kind, raw: [], accessors: [], bitOffset: 0 };
  }

  const raw = parseAccessString(accessStr);
  if (raw.length === 0) throw new CoreFailure(`empty access string '${accessStr}'`);
  const accessors: CoreAccessor[] = [];
  const root = skipMods(btf, rootTypeId);
  const first = raw[0]!;

  if (isEnumvalBased(kind)) {
    if (!isAnyEnum(root)) throw new CoreFailure(`enum value relocation on ${root.kind} [${root.id}], not an enum`);
    if (raw.length > 1) throw new CoreFailure(`enum value relocation with access string '${accessStr}' (expected one index)`);
    if (first >= vlen(root)) throw new CoreFailure(`enumerator index ${first} is out of range (enum [${root.id}] has ${vlen(root)})`);
    accessors.push({ typeId: root.id, idx: first, name: enumeratorName(root, first) });
    return { btf, rootTypeId, kind, raw, accessors, bitOffset: 0 };
  }

  if (!isFieldBased(kind)) throw new CoreFailure(`unknown relocation kind ${kind}`);

  // The first index steps over whole root objects, as p[first] would.
  let bitOffset = first * resolveSize(btf, root.id) * 8;
  accessors.push({ typeId: root.id, idx: first, name: undefined });
  let id = root.id;

  for (let i = 1; i < raw.length; i++) {
    const t = skipMods(btf, id);
    const idx = raw[i]!;
    if (isComposite(t)) {
      const m = t.members[idx];
      if (m === undefined) throw new CoreFailure(`member index ${idx} is out of range (${t.kind} [${t.id}] has ${t.members.length})`);
      bitOffset += m.bitOffset;
      // Anonymous members contribute their offset but no accessor.
      if (m.name !== '') accessors.push({ typeId: t.id, idx, name: m.name });
      id = m.type;
    } else if (t.kind === 'array') {
      const elem = skipMods(btf, t.type);
      if (!isFlexArray(btf, accessors[accessors.length - 1], t.nelems) && idx >= t.nelems) {
        throw new CoreFailure(`array index ${idx} is out of range (array [${t.id}] has ${t.nelems} elements)`);
      }
      accessors.push({ typeId: elem.id, idx, name: undefined });
      bitOffset += idx * resolveSize(btf, elem.id) * 8;
      id = elem.id;
    } else {
      throw new CoreFailure(`access string '${accessStr}' index ${i} reaches type [${t.id}] of kind ${t.kind}, which has no members or elements`);
    }
  }
  return { btf, rootTypeId, kind, raw, accessors, bitOffset };
}
