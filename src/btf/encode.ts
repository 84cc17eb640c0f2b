/**
 * Write types and strings back out as raw BTF.
 *
 * The output layout is the one clang, pahole and libbpf produce: a 24-byte
 * header, the type section right after it, then the string section. Every
 * field is range-checked before it is written, so a sanitiser that builds
 * a bad type gets a BtfError here rather than a kernel EINVAL later.
 */
import { BtfError } from './errors.ts';
import { BTF_HEADER_SIZE, BTF_HEADER_SIZE_LAYOUT, BTF_MAGIC, BTF_MAX_NAME_OFFSET, BTF_VERSION } from './header.ts';
import { BtfKind, LINKAGES, type Linkage } from './kinds.ts';
import { KIND_LAYOUT_SIZE, type KindLayout } from './layout.ts';
import { TYPE_HEADER_SIZE, trailingSize } from './record-index.ts';
import type { StringTableBuilder } from './string-builder.ts';
import type { TypeSpec } from './types.ts';

export interface EncodeOptions {
  /** Byte order of the output. Default: little-endian. */
  readonly littleEndian?: boolean;
  /** Id of the first type: 1, or the base's nextTypeId for split BTF. Default 1. */
  readonly firstTypeId?: number;
  /**
   * A layout section to emit (32-byte header, layout between types and
   * strings, as libbpf writes it). Omit it for kernels older than the layout
   * UAPI: they refuse headers longer than 24 bytes with non-zero tails.
   */
  readonly layout?: readonly KindLayout[];
}

/** Largest vlen the info word can hold (24 bits; the 6.1 UAPI allows 16). */
const MAX_VLEN = 0xffffff;

const KIND_NUMBER: Record<Exclude<TypeSpec['kind'], 'unknown'>, number> = {
  int: BtfKind.Int, ptr: BtfKind.Ptr, array: BtfKind.Array, struct: BtfKind.Struct,
  union: BtfKind.Union, enum: BtfKind.Enum, fwd: BtfKind.Fwd, typedef: BtfKind.Typedef,
  volatile: BtfKind.Volatile, const: BtfKind.Const, restrict: BtfKind.Restrict,
  func: BtfKind.Func, func_proto: BtfKind.FuncProto, var: BtfKind.Var,
  datasec: BtfKind.Datasec, float: BtfKind.Float, decl_tag: BtfKind.DeclTag,
  type_tag: BtfKind.TypeTag, enum64: BtfKind.Enum64,
};

/**
 * Encode `types` (ids firstTypeId, firstTypeId+1, ...) with names interned
 * into `strings`. Returns header + type section + string section.
 */
export function encodeBtf(types: readonly TypeSpec[], strings: StringTableBuilder, opts: EncodeOptions = {}): Uint8Array {
  const le = opts.littleEndian ?? true;
  const firstTypeId = opts.firstTypeId ?? 1;
  const nextTypeId = firstTypeId + types.length;

  let typeLen = 0;
  for (let i = 0; i < types.length; i++) typeLen += recordSize(types[i]!, firstTypeId + i);
  const typeBuf = new Uint8Array(typeLen);
  const dv = new DataView(typeBuf.buffer);
  let pos = 0;
  for (let i = 0; i < types.length; i++) pos = writeRecord(dv, pos, le, types[i]!, firstTypeId + i, nextTypeId, strings);

  const strBytes = strings.finish();
  const layout = opts.layout;
  const hdrLen = layout ? BTF_HEADER_SIZE_LAYOUT : BTF_HEADER_SIZE;
  const layoutLen = layout ? layout.length * KIND_LAYOUT_SIZE : 0;
  const strOff = typeLen + layoutLen;
  const out = new Uint8Array(hdrLen + strOff + strBytes.byteLength);
  const hv = new DataView(out.buffer);
  hv.setUint16(0, BTF_MAGIC, le);
  hv.setUint8(2, BTF_VERSION);
  hv.setUint8(3, 0);
  hv.setUint32(4, hdrLen, le);
  hv.setUint32(8, 0, le);
  hv.setUint32(12, typeLen, le);
  hv.setUint32(16, strOff, le);
  hv.setUint32(20, strBytes.byteLength, le);
  if (layout) {
    hv.setUint32(24, typeLen, le);
    hv.setUint32(28, layoutLen, le);
    layout.forEach((l, kind) => {
      const at = hdrLen + typeLen + kind * KIND_LAYOUT_SIZE;
      const fits = (v: number, max: number): boolean => Number.isInteger(v) && v >= 0 && v <= max;
      if (!fits(l.infoSize, 0xff) || !fits(l.elemSize, 0xff) || !fits(l.flags, 0xffff)) {
        throw new BtfError(`BTF encode: layout entry for kind ${kind} does not fit struct btf_layout`);
      }
      hv.setUint8(at, l.infoSize);
      hv.setUint8(at + 1, l.elemSize);
      hv.setUint16(at + 2, l.flags, le);
    });
  }
  out.set(typeBuf, hdrLen);
  out.set(strBytes, hdrLen + strOff);
  return out;
}

function vlenOf(t: TypeSpec): number {
  switch (t.kind) {
    case 'struct': case 'union': return t.members.length;
    case 'enum': case 'enum64': return t.values.length;
    case 'func_proto': return t.params.length + (t.variadic ? 1 : 0);
    case 'datasec': return t.vars.length;
    case 'func': return LINKAGES.indexOf(t.linkage);
    default: return 0;
  }
}

function recordSize(t: TypeSpec, id: number): number {
  if (t.kind === 'unknown') {
    if (!(t.data instanceof Uint8Array)) throw new BtfError(`BTF encode: type [${id}] (unknown kind) has no data bytes`);
    return TYPE_HEADER_SIZE + t.data.byteLength;
  }
  const kind = KIND_NUMBER[t.kind];
  if (kind === undefined) throw new BtfError(`BTF encode: type [${id}] has unknown kind ${JSON.stringify(t.kind)}`);
  if (t.kind === 'func' && !LINKAGES.includes(t.linkage)) {
    throw new BtfError(`BTF encode: type [${id}] (func) has unknown linkage ${JSON.stringify(t.linkage)}`);
  }
  const vlen = vlenOf(t);
  if (!Number.isInteger(vlen) || vlen < 0 || vlen > MAX_VLEN) {
    throw new BtfError(`BTF encode: type [${id}] (${t.kind}) has vlen ${vlen}, outside 0..${MAX_VLEN}`);
  }
  return TYPE_HEADER_SIZE + trailingSize(kind, vlen)!;
}

function writeRecord(
  dv: DataView, start: number, le: boolean, t: TypeSpec, id: number, nextTypeId: number, strings: StringTableBuilder,
): number {
  const fail = (what: string): never => {
    throw new BtfError(`BTF encode: type [${id}] (${t.kind}): ${what}`);
  };
  const u32 = (v: number, what: string): number => {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) fail(`${what} ${v} is not a u32`);
    return v;
  };
  const ref = (v: number, what: string): number => {
    if (!Number.isInteger(v) || v < 0 || v >= nextTypeId) fail(`${what} refers to type id ${v}, outside 0..${nextTypeId - 1}`);
    return v;
  };
  const str = (s: string): number => {
    const off = strings.add(s);
    if (off > BTF_MAX_NAME_OFFSET) fail(`string offset ${off} exceeds the 24-bit limit`);
    return off;
  };
  const linkage = (l: Linkage): number => {
    const v = LINKAGES.indexOf(l);
    if (v < 0) fail(`unknown linkage ${JSON.stringify(l)}`);
    return v;
  };
  let pos = start;
  const put = (v: number): void => {
    dv.setUint32(pos, v, le);
    pos += 4;
  };
  const header = (kindFlag: boolean, vlen: number, sizeOrType: number): void => {
    put(str(t.name));
    put(((kindFlag ? 1 : 0) << 31 | KIND_NUMBER[t.kind as keyof typeof KIND_NUMBER] << 24 | vlen) >>> 0);
    put(sizeOrType);
  };

  switch (t.kind) {
    case 'int': {
      if (!(t.encoding >= 0 && t.encoding <= 0xf && Number.isInteger(t.encoding))) fail(`encoding ${t.encoding} does not fit 4 bits`);
      if (!(t.bitOffset >= 0 && t.bitOffset <= 0xff && Number.isInteger(t.bitOffset))) fail(`bit offset ${t.bitOffset} does not fit 8 bits`);
      if (!(t.bits >= 0 && t.bits <= 0xff && Number.isInteger(t.bits))) fail(`bits ${t.bits} does not fit 8 bits`);
      header(false, 0, u32(t.size, 'size'));
      put(((t.encoding << 24) | (t.bitOffset << 16) | t.bits) >>> 0);
      break;
    }
    case 'ptr':
    case 'typedef':
    case 'volatile':
    case 'const':
    case 'restrict':
      header(false, 0, ref(t.type, 'target'));
      break;
    case 'type_tag':
      header(t.attribute, 0, ref(t.type, 'target'));
      break;
    case 'array':
      header(false, 0, 0);
      put(ref(t.type, 'element type'));
      put(ref(t.indexType, 'index type'));
      put(u32(t.nelems, 'nelems'));
      break;
    case 'struct':
    case 'union': {
      const kindFlag = t.kindFlag || t.members.some((m) => m.bitfieldSize !== 0);
      header(kindFlag, t.members.length, u32(t.size, 'size'));
      t.members.forEach((m, i) => {
        put(str(m.name));
        put(ref(m.type, `member ${i}`));
        if (kindFlag) {
          if (!(Number.isInteger(m.bitOffset) && m.bitOffset >= 0 && m.bitOffset <= 0xffffff)) {
            fail(`member ${i} bit offset ${m.bitOffset} does not fit the 24 bits kind_flag allows`);
          }
          if (!(Number.isInteger(m.bitfieldSize) && m.bitfieldSize >= 0 && m.bitfieldSize <= 0xff)) {
            fail(`member ${i} bitfield size ${m.bitfieldSize} does not fit 8 bits`);
          }
          put(((m.bitfieldSize << 24) | m.bitOffset) >>> 0);
        } else {
          put(u32(m.bitOffset, `member ${i} bit offset`));
        }
      });
      break;
    }
    case 'enum': {
      header(t.signed, t.values.length, u32(t.size, 'size'));
      const [lo, hi] = t.signed ? [-0x80000000, 0x7fffffff] : [0, 0xffffffff];
      t.values.forEach((e, i) => {
        if (!(Number.isInteger(e.value) && e.value >= lo && e.value <= hi)) {
          fail(`enumerator ${i} value ${e.value} does not fit a ${t.signed ? 'signed' : 'unsigned'} 32-bit enum`);
        }
        put(str(e.name));
        put(e.value >>> 0);
      });
      break;
    }
    case 'enum64': {
      header(t.signed, t.values.length, u32(t.size, 'size'));
      t.values.forEach((e, i) => {
        const fits = t.signed ? BigInt.asIntN(64, e.value) === e.value : BigInt.asUintN(64, e.value) === e.value;
        if (!fits) fail(`enumerator ${i} value ${e.value} does not fit a ${t.signed ? 'signed' : 'unsigned'} 64-bit enum`);
        const raw = BigInt.asUintN(64, e.value);
        put(str(e.name));
        put(Number(raw & 0xffffffffn));
        put(Number(raw >> 32n));
      });
      break;
    }
    case 'fwd':
      if (t.fwdKind !== 'struct' && t.fwdKind !== 'union') fail(`forward kind ${JSON.stringify(t.fwdKind)}`);
      header(t.fwdKind === 'union', 0, 0);
      break;
    case 'func':
      header(false, linkage(t.linkage), ref(t.type, 'prototype'));
      break;
    case 'func_proto':
      header(false, t.params.length + (t.variadic ? 1 : 0), ref(t.returnType, 'return type'));
      t.params.forEach((p, i) => {
        put(str(p.name));
        put(ref(p.type, `parameter ${i}`));
      });
      if (t.variadic) {
        put(0);
        put(0);
      }
      break;
    case 'var':
      header(false, 0, ref(t.type, 'variable type'));
      put(linkage(t.linkage));
      break;
    case 'datasec':
      header(false, t.vars.length, u32(t.size, 'size'));
      t.vars.forEach((v, i) => {
        put(ref(v.type, `secinfo ${i}`));
        put(u32(v.offset, `secinfo ${i} offset`));
        put(u32(v.size, `secinfo ${i} size`));
      });
      break;
    case 'float':
      header(false, 0, u32(t.size, 'size'));
      break;
    case 'decl_tag':
      if (!(Number.isInteger(t.componentIdx) && t.componentIdx >= -1 && t.componentIdx <= 0x7fffffff)) {
        fail(`component_idx ${t.componentIdx} is not -1 or a member/parameter index`);
      }
      header(t.attribute, 0, ref(t.type, 'tagged type'));
      dv.setInt32(pos, t.componentIdx, le);
      pos += 4;
      break;
    case 'unknown':
      // Copied as found: we cannot byte-swap or re-check fields we do not understand.
      if (t.littleEndian !== le) fail(`kind ${t.rawKind} data cannot be converted to the other byte order`);
      put(str(t.name));
      put(u32(t.info, 'info'));
      put(u32(t.sizeOrType, 'size/type'));
      new Uint8Array(dv.buffer, dv.byteOffset + pos, t.data.byteLength).set(t.data);
      pos += t.data.byteLength;
      break;
  }
  return pos;
}
