/**
 * CO-RE relocation kinds (enum bpf_core_relo_kind in include/uapi/linux/bpf.h),
 * the `kind` field of a .BTF.ext core_relo record.
 */
export const CoreReloKind = {
  FIELD_BYTE_OFFSET: 0,
  FIELD_BYTE_SIZE: 1,
  FIELD_EXISTS: 2,
  FIELD_SIGNED: 3,
  FIELD_LSHIFT_U64: 4,
  FIELD_RSHIFT_U64: 5,
  TYPE_ID_LOCAL: 6,
  TYPE_ID_TARGET: 7,
  TYPE_EXISTS: 8,
  TYPE_SIZE: 9,
  ENUMVAL_EXISTS: 10,
  ENUMVAL_VALUE: 11,
  TYPE_MATCHES: 12,
} as const;
export type CoreReloKind = (typeof CoreReloKind)[keyof typeof CoreReloKind];

const NAMES: readonly string[] = Object.keys(CoreReloKind);

/** 'FIELD_BYTE_OFFSET' etc., or 'kind N' for values this module does not know. */
export function coreReloKindName(kind: number): string {
  return NAMES[kind] ?? `kind ${kind}`;
}
