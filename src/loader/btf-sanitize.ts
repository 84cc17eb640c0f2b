// Rewriting an object's BTF into what the running kernel accepts, as
// libbpf's bpf_object__sanitize_btf and btf_fixup_datasec do:
// - DATASEC sizes and variable offsets from the ELF sections and symbols
//   (clang leaves some at zero), `.kconfig` laid out as the loader lays it;
// - extern variables and functions (which the kernel refuses) made global;
// - kinds the kernel does not know replaced, keeping every type id in place
//   so map and func_info references stay valid.
// Pure: the feature set comes from the caller (see features.ts).
import { BtfBuilder, type Btf, type TypeSpec } from '../btf/index.ts';
import type { CollectionSpec } from '../object/index.ts';
import { shiftTypeIds } from './btf-shift.ts';

export interface BtfFeatures {
  datasec: boolean;
  func: boolean;
  funcGlobal: boolean;
  float: boolean;
  declTag: boolean;
  typeTag: boolean;
  enum64: boolean;
}

export const ALL_FEATURES: BtfFeatures = { datasec: true, func: true, funcGlobal: true, float: true, declTag: true, typeTag: true, enum64: true };

const validName = (n: string) => n.replace(/[^A-Za-z0-9_]/g, '_');

export interface SanitizeOptions {
  /** Put a placeholder type first, moving every id up by LOCAL_BTF_ID_SHIFT (see btf-shift.ts). */
  shiftIds?: boolean;
}

export function sanitizeBtf(spec: CollectionSpec, btf: Btf, features: BtfFeatures, opts: SanitizeOptions = {}): Uint8Array {
  const b = BtfBuilder.from(btf);
  const kconfigOffset = new Map(spec.kconfig.map((k) => [k.name, k.offset]));

  const specs = [...b.specs()];
  const first = b.firstTypeId;
  let dummy: number | undefined;
  const dummyVar = (): number => {
    if (dummy === undefined) {
      const int = b.add({ kind: 'int', name: 'int', size: 4, encoding: 1, bitOffset: 0, bits: 32 });
      // Without DATASEC support the section becomes a struct, whose members must not be VARs.
      dummy = features.datasec ? b.add({ kind: 'var', name: 'dummy_ksym', type: int, linkage: 'global' }) : int;
    }
    return dummy;
  };
  for (let i = 0; i < specs.length; i++) {
    const id = first + i;
    const t = specs[i]!;
    let out: TypeSpec = t;
    switch (t.kind) {
      case 'datasec': {
        // Sizes and offsets from the ELF section and its symbols; .kconfig as
        // the loader lays it out; sections with no ELF counterpart (.ksyms)
        // laid out in order, with function entries (kfunc declarations, which
        // the kernel refuses inside a DATASEC) replaced by a 4-byte dummy
        // variable, as libbpf does.
        const layout = spec.sections.get(t.name);
        let next = 0;
        const vars = t.vars
          .map((v) => {
            const entry = specs[v.type - first];
            if (!entry || entry.kind !== 'var') {
              const off = next;
              next += 4;
              return { type: dummyVar(), offset: off, size: 4 };
            }
            const known = t.name === '.kconfig' ? kconfigOffset.get(entry.name) : layout?.symbols.get(entry.name);
            let off = known ?? v.offset;
            if (known === undefined && !layout && t.name !== '.kconfig') {
              const align = Math.min(8, v.size & -v.size || 1);
              off = Math.ceil(next / align) * align;
            }
            next = Math.max(next, off + v.size);
            return { ...v, offset: off };
          })
          .sort((a, c) => a.offset - c.offset);
        const end = vars.reduce((m, v) => Math.max(m, v.offset + v.size), 0);
        const size = t.name === '.kconfig' ? (spec.maps.get('.kconfig')?.valueSize ?? t.size) : (layout?.size ?? Math.max(t.size, end));
        out = features.datasec
          ? { ...t, size, vars }
          : { kind: 'struct', name: validName(t.name), size: Math.max(size, end), kindFlag: false, members: vars.map((v) => ({ name: validName(nameOf(b, v.type)), type: v.type, bitOffset: v.offset * 8, bitfieldSize: 0 })) };
        break;
      }
      case 'var':
        out = features.datasec
          ? { ...t, linkage: t.linkage === 'extern' ? 'global' : t.linkage }
          : { kind: 'int', name: validName(t.name), size: 1, encoding: 0, bitOffset: 0, bits: 8 };
        break;
      case 'func':
        if (!features.func) out = { kind: 'typedef', name: t.name, type: t.type };
        else if (t.linkage === 'extern') out = { ...t, linkage: 'static', type: namedProto(b, t.type) };
        else if (t.linkage === 'global' && !features.funcGlobal) out = { ...t, linkage: 'static' };
        break;
      case 'func_proto':
        if (!features.func) out = { kind: 'enum', name: '', size: 4, signed: false, values: t.params.map((p, k) => ({ name: p.name || `p${k}`, value: k })) };
        break;
      case 'float':
        if (!features.float) out = { kind: 'struct', name: t.name, size: t.size, kindFlag: false, members: [] };
        break;
      case 'decl_tag':
        if (!features.declTag) out = { kind: 'int', name: t.name, size: 1, encoding: 0, bitOffset: 0, bits: 8 };
        break;
      case 'type_tag':
        if (!features.typeTag) out = { kind: 'const', name: '', type: t.type };
        break;
      case 'enum64':
        if (!features.enum64) out = { kind: 'union', name: t.name, size: t.size, kindFlag: false, members: [] };
        break;
      default:
        break;
    }
    if (out !== t) b.replace(id, out);
  }
  if (!opts.shiftIds) return b.encode();
  const shifted = new BtfBuilder({ strings: b.strings, littleEndian: b.littleEndian });
  // The placeholder: an anonymous 1-byte int, harmless wherever it sits.
  shifted.add({ kind: 'int', name: '', size: 1, encoding: 0, bitOffset: 0, bits: 8 });
  for (const t of b.specs()) shifted.add(shiftTypeIds(t));
  return shifted.encode();
}

/**
 * Extern function declarations (kfuncs) may leave parameters unnamed, which
 * the kernel refuses in any FUNC ("Invalid arg#N"); the kernel never looks
 * at them (calls are resolved against its own BTF), so give them names in a
 * prototype of their own.
 */
function namedProto(b: BtfBuilder, protoId: number): number {
  const proto = b.typeById(protoId);
  if (proto.kind !== 'func_proto' || proto.params.every((p) => p.name !== '' || p.type === 0)) return protoId;
  return b.add({ ...proto, params: proto.params.map((p, i) => (p.name !== '' || p.type === 0 ? p : { ...p, name: `arg${i + 1}` })) });
}

function nameOf(b: BtfBuilder, id: number): string {
  return b.typeById(id).name;
}
