/**
 * Decode one type record into its plain-object form.
 *
 * Called lazily by Btf.typeById, so it validates only what the record
 * itself says: string offsets inside the string table, referenced type ids
 * below the next free id, linkage values the UAPI defines. Whole-graph
 * properties (cycles) are checked by the helpers that walk chains.
 */
import { BtfError } from './errors.ts';
import { BtfKind, LINKAGES, kindToName, type Linkage } from './kinds.ts';
import { kindOfInfo, vlenOfInfo, type RecordShape } from './record-index.ts';
import type { StringTable } from './strings.ts';
import type {
  Enum64Value, EnumValue, FuncParam, Member, Type, TypeId, VarSecinfo,
} from './types.ts';

export interface DecodeContext {
  readonly dv: DataView;
  readonly littleEndian: boolean;
  readonly strings: StringTable;
  /** One past the highest valid type id (base types included). */
  readonly nextTypeId: number;
  /** Record shapes, for sizing kinds only the layout section describes. */
  readonly shape: RecordShape;
}

/** Decode the record at absolute byte `offset` as type `id`. */
export function decodeRecord(ctx: DecodeContext, offset: number, id: TypeId): Type {
  const { dv, littleEndian: le } = ctx;
  const u32 = (at: number): number => dv.getUint32(at, le);
  const nameOff = u32(offset);
  const info = u32(offset + 4);
  const sizeOrType = u32(offset + 8);
  const kind = kindOfInfo(info);
  const vlen = vlenOfInfo(info);
  const kindFlag = info >>> 31 === 1;
  const body = offset + 12;

  const where = (): string => `BTF: type [${id}] (${kindToName(kind)}) at offset ${offset}`;
  const str = (off: number, what: string): string => {
    if (!ctx.strings.has(off)) {
      throw new BtfError(`${where()}: ${what} string offset ${off} is out of range (string table is ${ctx.strings.length} bytes)`);
    }
    return ctx.strings.get(off);
  };
  const ref = (t: number, what: string): TypeId => {
    if (t >= ctx.nextTypeId) {
      throw new BtfError(`${where()}: ${what} refers to type id ${t}, but the last type id is ${ctx.nextTypeId - 1}`);
    }
    return t;
  };
  const linkage = (v: number, what: string): Linkage => {
    const l = LINKAGES[v];
    if (l === undefined) throw new BtfError(`${where()}: unknown ${what} linkage ${v}`);
    return l;
  };
  const name = str(nameOff, 'name');

  switch (kind) {
    case BtfKind.Int: {
      const data = u32(body);
      return {
        kind: 'int', id, name, size: sizeOrType,
        encoding: (data >>> 24) & 0x0f, bitOffset: (data >>> 16) & 0xff, bits: data & 0xff,
      };
    }
    case BtfKind.Ptr:
      return { kind: 'ptr', id, name, type: ref(sizeOrType, 'pointee') };
    case BtfKind.Array:
      return {
        kind: 'array', id, name,
        type: ref(u32(body), 'element type'),
        indexType: ref(u32(body + 4), 'index type'),
        nelems: u32(body + 8),
      };
    case BtfKind.Struct:
    case BtfKind.Union: {
      const members: Member[] = new Array(vlen);
      for (let i = 0; i < vlen; i++) {
        const m = body + i * 12;
        const off = u32(m + 8);
        members[i] = {
          name: str(u32(m), `member ${i}`),
          type: ref(u32(m + 4), `member ${i}`),
          // With kind_flag, the top byte is the bitfield width (BTF_MEMBER_BITFIELD_SIZE).
          bitOffset: kindFlag ? off & 0xffffff : off,
          bitfieldSize: kindFlag ? off >>> 24 : 0,
        };
      }
      return { kind: kind === BtfKind.Struct ? 'struct' : 'union', id, name, size: sizeOrType, members, kindFlag };
    }
    case BtfKind.Enum: {
      const values: EnumValue[] = new Array(vlen);
      for (let i = 0; i < vlen; i++) {
        const e = body + i * 8;
        values[i] = {
          name: str(u32(e), `enumerator ${i}`),
          value: kindFlag ? dv.getInt32(e + 4, le) : u32(e + 4),
        };
      }
      return { kind: 'enum', id, name, size: sizeOrType, signed: kindFlag, values };
    }
    case BtfKind.Enum64: {
      const values: Enum64Value[] = new Array(vlen);
      for (let i = 0; i < vlen; i++) {
        const e = body + i * 12;
        const raw = (BigInt(u32(e + 8)) << 32n) | BigInt(u32(e + 4));
        values[i] = { name: str(u32(e), `enumerator ${i}`), value: kindFlag ? BigInt.asIntN(64, raw) : raw };
      }
      return { kind: 'enum64', id, name, size: sizeOrType, signed: kindFlag, values };
    }
    case BtfKind.Fwd:
      return { kind: 'fwd', id, name, fwdKind: kindFlag ? 'union' : 'struct' };
    case BtfKind.Typedef:
      return { kind: 'typedef', id, name, type: ref(sizeOrType, 'target') };
    case BtfKind.Volatile:
      return { kind: 'volatile', id, name, type: ref(sizeOrType, 'target') };
    case BtfKind.Const:
      return { kind: 'const', id, name, type: ref(sizeOrType, 'target') };
    case BtfKind.Restrict:
      return { kind: 'restrict', id, name, type: ref(sizeOrType, 'target') };
    case BtfKind.Func:
      return { kind: 'func', id, name, type: ref(sizeOrType, 'prototype'), linkage: linkage(vlen, 'func') };
    case BtfKind.FuncProto: {
      const params: FuncParam[] = [];
      let variadic = false;
      for (let i = 0; i < vlen; i++) {
        const p = body + i * 8;
        const pname = u32(p);
        const ptype = u32(p + 4);
        // `...` is a last parameter with neither name nor type.
        if (i === vlen - 1 && pname === 0 && ptype === 0) {
          variadic = true;
          break;
        }
        params.push({ name: str(pname, `parameter ${i}`), type: ref(ptype, `parameter ${i}`) });
      }
      return { kind: 'func_proto', id, name, returnType: ref(sizeOrType, 'return type'), params, variadic };
    }
    case BtfKind.Var:
      return { kind: 'var', id, name, type: ref(sizeOrType, 'variable type'), linkage: linkage(u32(body), 'var') };
    case BtfKind.Datasec: {
      const vars: VarSecinfo[] = new Array(vlen);
      for (let i = 0; i < vlen; i++) {
        const v = body + i * 12;
        vars[i] = { type: ref(u32(v), `secinfo ${i}`), offset: u32(v + 4), size: u32(v + 8) };
      }
      return { kind: 'datasec', id, name, size: sizeOrType, vars };
    }
    case BtfKind.Float:
      return { kind: 'float', id, name, size: sizeOrType };
    case BtfKind.DeclTag: {
      const componentIdx = dv.getInt32(body, le);
      // -1 tags the type itself; anything more negative is meaningless (the kernel refuses it).
      if (componentIdx < -1) throw new BtfError(`${where()}: component_idx ${componentIdx} is below -1`);
      return { kind: 'decl_tag', id, name, type: ref(sizeOrType, 'tagged type'), componentIdx, attribute: kindFlag };
    }
    case BtfKind.TypeTag:
      return { kind: 'type_tag', id, name, type: ref(sizeOrType, 'target'), attribute: kindFlag };
    default: {
      // A kind newer than us that the layout section let indexRecords size.
      const fixed = ctx.shape.fixed[kind] ?? -1;
      if (fixed < 0) throw new BtfError(`${where()}: unknown kind ${kind}`);
      const len = fixed + ctx.shape.perElem[kind]! * vlen;
      const data = new Uint8Array(dv.buffer, dv.byteOffset + body, len).slice();
      return { kind: 'unknown', id, name, rawKind: kind, info, sizeOrType, data, littleEndian: le };
    }
  }
}
