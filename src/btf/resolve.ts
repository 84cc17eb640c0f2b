/**
 * Following chains of types: skipping qualifiers, and computing sizes.
 *
 * Malformed BTF can make chains cyclic (a const whose target is itself), so
 * both walks give up after MAX_RESOLVE_DEPTH links, the same bound libbpf
 * uses; real kernels' chains are a handful of links long.
 */
import { BtfError } from './errors.ts';
import type { Type, TypeId, TypeLookup } from './types.ts';

/** libbpf's MAX_RESOLVE_DEPTH. */
export const MAX_RESOLVE_DEPTH = 32;

const UINT32_MAX = 0xffffffff;

function tooDeep(id: TypeId): BtfError {
  return new BtfError(`BTF: type chain starting at type [${id}] is longer than ${MAX_RESOLVE_DEPTH} links (a loop?)`);
}

/**
 * The type behind any typedef, const, volatile, restrict and type_tag
 * wrappers: what a member "really" is when computing layouts or matching
 * CO-RE candidates.
 */
export function skipQualifiers(types: TypeLookup, id: TypeId): Type {
  let cur = id;
  for (let depth = 0; depth <= MAX_RESOLVE_DEPTH; depth++) {
    const t = types.typeById(cur);
    switch (t.kind) {
      case 'typedef':
      case 'const':
      case 'volatile':
      case 'restrict':
      case 'type_tag':
        cur = t.type;
        continue;
      default:
        return t;
    }
  }
  throw tooDeep(id);
}

/**
 * Size in bytes of a value of type `id`, like libbpf's btf__resolve_size:
 * sized kinds report their size, pointers `pointerSize`, arrays multiply
 * through, and wrappers (typedef, qualifiers, var, decl_tag, type_tag) are
 * followed. void, fwd, func and func_proto have no size: BtfError.
 */
export function sizeOf(types: TypeLookup, id: TypeId, pointerSize = 8): number {
  let nelems = 1;
  let cur = id;
  for (let depth = 0; depth <= MAX_RESOLVE_DEPTH; depth++) {
    const t = types.typeById(cur);
    let size: number;
    switch (t.kind) {
      case 'int':
      case 'struct':
      case 'union':
      case 'enum':
      case 'enum64':
      case 'datasec':
      case 'float':
        size = t.size;
        break;
      case 'ptr':
        size = pointerSize;
        break;
      case 'typedef':
      case 'const':
      case 'volatile':
      case 'restrict':
      case 'type_tag':
      case 'var':
      case 'decl_tag':
        cur = t.type;
        continue;
      case 'array':
        if (nelems * t.nelems > UINT32_MAX) {
          throw new BtfError(`BTF: size of type [${id}] overflows 32 bits at array [${t.id}]`);
        }
        nelems *= t.nelems;
        cur = t.type;
        continue;
      default:
        throw new BtfError(
          cur === id
            ? `BTF: type [${id}] (${t.kind}) has no size`
            : `BTF: type [${id}] resolves to type [${cur}] (${t.kind}), which has no size`,
        );
    }
    const total = size * nelems;
    if (total > UINT32_MAX) throw new BtfError(`BTF: size of type [${id}] overflows 32 bits`);
    return total;
  }
  throw tooDeep(id);
}
