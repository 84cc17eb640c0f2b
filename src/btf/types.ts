/**
 * The decoded shape of BTF types.
 *
 * Types refer to each other by numeric type id (not by object reference, as
 * cilium/ebpf does): with ~150k types in vmlinux we only ever materialise the
 * handful a caller asks for, and ids keep the shapes plain data that a
 * sanitiser can copy, change and hand back to the encoder.
 *
 * Every field needed to re-encode a record exactly is present, so
 * parse -> encode -> parse is the identity. `TypeSpec` is what the encoder
 * accepts (no id: the position decides it); `Type` is what the parser
 * returns (with its id), plus the implicit `void` at id 0.
 */
import type { KindName, Linkage } from './kinds.ts';

/** A type id. 0 is void; real types start at 1 (or after the base, for split BTF). */
export type TypeId = number;

export interface IntSpec {
  readonly kind: 'int';
  readonly name: string;
  /** Storage size in bytes (btf_type.size). */
  readonly size: number;
  /** BTF_INT_ENCODING bits: IntEncoding.Signed | Char | Bool. */
  readonly encoding: number;
  /** BTF_INT_OFFSET: bit offset of the value inside its storage (pre-kind_flag bitfields). */
  readonly bitOffset: number;
  /** BTF_INT_BITS: number of value bits. */
  readonly bits: number;
}

export interface PtrSpec {
  readonly kind: 'ptr';
  /** Always empty in valid BTF; kept so odd input round-trips. */
  readonly name: string;
  readonly type: TypeId;
}

export interface ArraySpec {
  readonly kind: 'array';
  readonly name: string;
  /** Element type. */
  readonly type: TypeId;
  readonly indexType: TypeId;
  readonly nelems: number;
}

export interface Member {
  /** Empty for anonymous struct/union members. */
  readonly name: string;
  readonly type: TypeId;
  /** Offset from the start of the enclosing struct, in bits. */
  readonly bitOffset: number;
  /** Bitfield width in bits; 0 when the member is not a bitfield (or kind_flag is clear). */
  readonly bitfieldSize: number;
}

export interface CompositeSpec<K extends 'struct' | 'union'> {
  readonly kind: K;
  readonly name: string;
  readonly size: number;
  readonly members: readonly Member[];
  /**
   * kind_flag: member offsets carry bitfield size (bits 24-31) and bit offset
   * (bits 0-23). The encoder also sets it whenever a member has a bitfieldSize.
   */
  readonly kindFlag: boolean;
}
export type StructSpec = CompositeSpec<'struct'>;
export type UnionSpec = CompositeSpec<'union'>;

export interface EnumValue {
  readonly name: string;
  /** Signed 32-bit value when the enum is signed, unsigned 32-bit otherwise. */
  readonly value: number;
}

export interface EnumSpec {
  readonly kind: 'enum';
  readonly name: string;
  readonly size: number;
  /** kind_flag: values are signed. */
  readonly signed: boolean;
  readonly values: readonly EnumValue[];
}

export interface Enum64Value {
  readonly name: string;
  /** Signed or unsigned 64-bit value, per the enum's `signed`. */
  readonly value: bigint;
}

export interface Enum64Spec {
  readonly kind: 'enum64';
  readonly name: string;
  readonly size: number;
  readonly signed: boolean;
  readonly values: readonly Enum64Value[];
}

export interface FwdSpec {
  readonly kind: 'fwd';
  readonly name: string;
  /** kind_flag: 0 = forward-declared struct, 1 = union. */
  readonly fwdKind: 'struct' | 'union';
}

/** TYPEDEF and the qualifiers: a name (for typedef) and the type they wrap. */
export interface RefSpec<K extends 'typedef' | 'volatile' | 'const' | 'restrict'> {
  readonly kind: K;
  readonly name: string;
  readonly type: TypeId;
}
export type TypedefSpec = RefSpec<'typedef'>;
export type VolatileSpec = RefSpec<'volatile'>;
export type ConstSpec = RefSpec<'const'>;
export type RestrictSpec = RefSpec<'restrict'>;

export interface FuncSpec {
  readonly kind: 'func';
  readonly name: string;
  /** The FUNC_PROTO describing the signature. */
  readonly type: TypeId;
  /** Stored in vlen. */
  readonly linkage: Linkage;
}

export interface FuncParam {
  readonly name: string;
  readonly type: TypeId;
}

export interface FuncProtoSpec {
  readonly kind: 'func_proto';
  readonly name: string;
  readonly returnType: TypeId;
  /** Named or unnamed parameters, without the variadic sentinel. */
  readonly params: readonly FuncParam[];
  /** `...`: encoded as a trailing parameter with name_off 0 and type 0. */
  readonly variadic: boolean;
}

export interface VarSpec {
  readonly kind: 'var';
  readonly name: string;
  readonly type: TypeId;
  readonly linkage: Linkage;
}

export interface VarSecinfo {
  /** The VAR (or FUNC, for .ksyms) placed in this section. */
  readonly type: TypeId;
  readonly offset: number;
  readonly size: number;
}

export interface DatasecSpec {
  readonly kind: 'datasec';
  readonly name: string;
  readonly size: number;
  readonly vars: readonly VarSecinfo[];
}

export interface FloatSpec {
  readonly kind: 'float';
  readonly name: string;
  readonly size: number;
}

export interface DeclTagSpec {
  readonly kind: 'decl_tag';
  /** The tag string (btf_decl_tag("...")). */
  readonly name: string;
  /** The tagged struct, union, var, func or typedef. */
  readonly type: TypeId;
  /** -1: the whole type; otherwise the member or parameter index. */
  readonly componentIdx: number;
  /**
   * kind_flag (kernel 6.12+): the tag is a verbatim __attribute__ rather
   * than btf_decl_tag. Older kernels (and the 6.1 header) know only 0.
   */
  readonly attribute: boolean;
}

export interface TypeTagSpec {
  readonly kind: 'type_tag';
  readonly name: string;
  readonly type: TypeId;
  /** kind_flag (kernel 6.12+), as for DeclTagSpec. */
  readonly attribute: boolean;
}

/**
 * A record of a kind newer than this module, sized by the BTF's layout
 * section (see layout.ts). Kept raw so it survives re-encoding; its
 * references to other types are opaque to us.
 */
export interface UnknownSpec {
  readonly kind: 'unknown';
  readonly name: string;
  /** The numeric kind (20 and up). */
  readonly rawKind: number;
  /** The whole info word (kind, vlen, kind_flag). */
  readonly info: number;
  readonly sizeOrType: number;
  /** The bytes after btf_type, in the blob's byte order. */
  readonly data: Uint8Array;
  /** Byte order of `data` (we cannot swap what we do not understand). */
  readonly littleEndian: boolean;
}

/** Anything that can sit in a type section: what the encoder accepts. */
export type TypeSpec =
  | IntSpec | PtrSpec | ArraySpec | StructSpec | UnionSpec | EnumSpec
  | FwdSpec | TypedefSpec | VolatileSpec | ConstSpec | RestrictSpec
  | FuncSpec | FuncProtoSpec | VarSpec | DatasecSpec | FloatSpec
  | DeclTagSpec | TypeTagSpec | Enum64Spec | UnknownSpec;

/** The implicit type 0. It has no record in the type section. */
export interface VoidType {
  readonly kind: 'void';
  readonly id: 0;
  readonly name: '';
}

/** A decoded type: a TypeSpec plus the id it was found at. */
export type Type = (TypeSpec & { readonly id: TypeId }) | VoidType;

/** The decoded type of a given kind, e.g. `TypeOf<'struct'>`. */
export type TypeOf<K extends KindName | 'void' | 'unknown'> = Extract<Type, { readonly kind: K }>;

/** What the helpers (sizeOf, typeName, ...) need: a way to get a type by id. */
export interface TypeLookup {
  typeById(id: TypeId): Type;
}
