/**
 * The three families of relocation kinds. Each family has its own access
 * string grammar, candidate matching and value computation, so every step
 * of the engine starts by asking which family it is in (libbpf's
 * core_relo_is_field_based / _type_based / _enumval_based).
 */
import { CoreReloKind } from '../btf/index.ts';

export function isFieldBased(kind: number): boolean {
  switch (kind) {
    case CoreReloKind.FIELD_BYTE_OFFSET:
    case CoreReloKind.FIELD_BYTE_SIZE:
    case CoreReloKind.FIELD_EXISTS:
    case CoreReloKind.FIELD_SIGNED:
    case CoreReloKind.FIELD_LSHIFT_U64:
    case CoreReloKind.FIELD_RSHIFT_U64:
      return true;
    default:
      return false;
  }
}

export function isTypeBased(kind: number): boolean {
  switch (kind) {
    case CoreReloKind.TYPE_ID_LOCAL:
    case CoreReloKind.TYPE_ID_TARGET:
    case CoreReloKind.TYPE_EXISTS:
    case CoreReloKind.TYPE_MATCHES:
    case CoreReloKind.TYPE_SIZE:
      return true;
    default:
      return false;
  }
}

export function isEnumvalBased(kind: number): boolean {
  return kind === CoreReloKind.ENUMVAL_EXISTS || kind === CoreReloKind.ENUMVAL_VALUE;
}

/**
 * Kinds that ask "is it there?": a missing target gives 0 instead of a
 * poisoned instruction, so programs can branch on them.
 */
export function isExistenceCheck(kind: number): boolean {
  return kind === CoreReloKind.FIELD_EXISTS || kind === CoreReloKind.TYPE_EXISTS
    || kind === CoreReloKind.ENUMVAL_EXISTS || kind === CoreReloKind.TYPE_MATCHES;
}
