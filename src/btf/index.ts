/**
 * BTF and BTF.ext: parse (lazily), inspect, and re-encode.
 *
 * Everything except kernel-source.ts is pure: it takes Uint8Arrays and does
 * no I/O, so the loader can feed it ELF sections, recorded kernel BTF or
 * /sys/kernel/btf alike.
 */
export { BtfError } from './errors.ts';
export { BtfKind, IntEncoding, KIND_NAMES, LINKAGES, kindFromName, kindToName } from './kinds.ts';
export type { KindName, Linkage } from './kinds.ts';
export type {
  ArraySpec, CompositeSpec, ConstSpec, DatasecSpec, DeclTagSpec, Enum64Spec, Enum64Value, EnumSpec,
  EnumValue, FloatSpec, FuncParam, FuncProtoSpec, FuncSpec, FwdSpec, IntSpec, Member, PtrSpec,
  RefSpec, RestrictSpec, StructSpec, Type, TypeId, TypeLookup, TypeOf, TypeSpec, TypeTagSpec,
  TypedefSpec, UnionSpec, UnknownSpec, VarSecinfo, VarSpec, VoidType, VolatileSpec,
} from './types.ts';
export { BTF_HEADER_SIZE, BTF_HEADER_SIZE_LAYOUT, BTF_MAGIC, BTF_VERSION, parseHeader } from './header.ts';
export type { BtfHeader } from './header.ts';
export { KIND_LAYOUT_SIZE, UAPI_LAYOUT, parseLayout } from './layout.ts';
export type { KindLayout } from './layout.ts';
export { StringTable } from './strings.ts';
export type { StringLookup } from './strings.ts';
export { Btf, VOID, parseBtf } from './btf.ts';
export type { ParseOptions } from './btf.ts';
export { MAX_RESOLVE_DEPTH, sizeOf, skipQualifiers } from './resolve.ts';
export { findMember } from './members.ts';
export type { MemberMatch } from './members.ts';
export { typeName } from './format.ts';
export { StringTableBuilder } from './string-builder.ts';
export type { StringTableBuilderOptions } from './string-builder.ts';
export { encodeBtf } from './encode.ts';
export type { EncodeOptions } from './encode.ts';
export { BtfBuilder } from './builder.ts';
export type { BtfBuilderOptions } from './builder.ts';
export { CoreReloKind, coreReloKindName } from './core-kind.ts';
export { parseBtfExt, parseBtfExtHeader } from './ext.ts';
export type { BtfExt, BtfExtHeader, BtfExtTarget, CoreRelo, ExtSection, FuncInfo, LineInfo } from './ext.ts';
export { KERNEL_BTF_DIR, kernelBtfModules, loadKernelBtf, loadModuleBtf } from './kernel-source.ts';
