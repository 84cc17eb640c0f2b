/**
 * Numeric BTF kinds and linkage values, as in the UAPI header
 * include/uapi/linux/btf.h (BTF_KIND_*, BTF_FUNC_*, BTF_VAR_*).
 *
 * The rest of the module names kinds by lower-case strings ('struct',
 * 'func_proto', ...) because they read well in a discriminated union; these
 * tables are the only place the two spellings meet.
 */

/** BTF_KIND_* values from the UAPI header. */
export const BtfKind = {
  Unknown: 0,
  Int: 1,
  Ptr: 2,
  Array: 3,
  Struct: 4,
  Union: 5,
  Enum: 6,
  Fwd: 7,
  Typedef: 8,
  Volatile: 9,
  Const: 10,
  Restrict: 11,
  Func: 12,
  FuncProto: 13,
  Var: 14,
  Datasec: 15,
  Float: 16,
  DeclTag: 17,
  TypeTag: 18,
  Enum64: 19,
} as const;
export type BtfKind = (typeof BtfKind)[keyof typeof BtfKind];

/** Highest kind this module understands (BTF_KIND_MAX). */
export const MAX_KIND = 19;

/** String names of the kinds that can appear in a type section. */
export type KindName =
  | 'int' | 'ptr' | 'array' | 'struct' | 'union' | 'enum' | 'fwd'
  | 'typedef' | 'volatile' | 'const' | 'restrict' | 'func' | 'func_proto'
  | 'var' | 'datasec' | 'float' | 'decl_tag' | 'type_tag' | 'enum64';

/** Index = numeric kind. Index 0 is the implicit void type (id 0). */
export const KIND_NAMES: readonly ['void', ...KindName[]] = [
  'void', 'int', 'ptr', 'array', 'struct', 'union', 'enum', 'fwd',
  'typedef', 'volatile', 'const', 'restrict', 'func', 'func_proto',
  'var', 'datasec', 'float', 'decl_tag', 'type_tag', 'enum64',
];

const KIND_BY_NAME: ReadonlyMap<string, number> = new Map(
  KIND_NAMES.map((n, i) => [n, i] as const),
);

/** Numeric kind for a name, or undefined for names that are not kinds. */
export function kindFromName(name: string): number | undefined {
  return KIND_BY_NAME.get(name);
}

/** Name of a numeric kind ('kind 23' style fallback for unknown ones). */
export function kindToName(kind: number): string {
  return KIND_NAMES[kind] ?? `kind ${kind}`;
}

/**
 * Linkage of FUNC (stored in vlen) and VAR (stored in btf_var.linkage).
 * The numeric values coincide: BTF_FUNC_STATIC/GLOBAL/EXTERN = 0/1/2 and
 * BTF_VAR_STATIC/GLOBAL_ALLOCATED/GLOBAL_EXTERN = 0/1/2.
 */
export type Linkage = 'static' | 'global' | 'extern';
export const LINKAGES: readonly Linkage[] = ['static', 'global', 'extern'];

/** BTF_INT_ENCODING bits of an INT type's encoding nibble. */
export const IntEncoding = {
  Signed: 1 << 0,
  Char: 1 << 1,
  Bool: 1 << 2,
} as const;
