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

export function sanitizeBtf(spec: CollectionSpec, btf: Btf, features: BtfFeatures): Uint8Array {
  const b = BtfBuilder.from(btf);
  const kconfigOffset = new Map(spec.kconfig.map((k) => [k.name, k.offset]));

  const specs = b.specs();
  const first = b.firstTypeId;
  for (let i = 0; i < specs.length; i++) {
    const id = first + i;
    const t = specs[i]!;
    let out: TypeSpec = t;
    switch (t.kind) {
      case 'datasec': {
        // Sizes and offsets from the ELF section and its symbols; .kconfig as the loader lays it out.
        const layout = spec.sections.get(t.name);
        const size = t.name === '.kconfig' ? (spec.maps.get('.kconfig')?.valueSize ?? t.size) : (layout?.size ?? t.size);
        const vars = t.vars
          .map((v) => {
            const variable = specs[v.type - first];
            const name = variable && variable.kind === 'var' ? variable.name : '';
            const off = t.name === '.kconfig' ? kconfigOffset.get(name) : layout?.symbols.get(name);
            return { ...v, offset: off ?? v.offset };
          })
          .sort((a, c) => a.offset - c.offset);
        out = features.datasec
          ? { ...t, size, vars }
          : { kind: 'struct', name: validName(t.name), size, kindFlag: false, members: vars.map((v) => ({ name: validName(nameOf(specs, v.type - first)), type: v.type, bitOffset: v.offset * 8, bitfieldSize: 0 })) };
        break;
      }
      case 'var':
        out = features.datasec
          ? { ...t, linkage: t.linkage === 'extern' ? 'global' : t.linkage }
          : { kind: 'int', name: validName(t.name), size: 1, encoding: 0, bitOffset: 0, bits: 8 };
        break;
      case 'func':
        if (!features.func) out = { kind: 'typedef', name: t.name, type: t.type };
        else if (t.linkage === 'extern' || (t.linkage === 'global' && !features.funcGlobal)) out = { ...t, linkage: features.funcGlobal && t.linkage === 'global' ? 'global' : 'static' };
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
  return b.encode();
}

function nameOf(specs: readonly TypeSpec[], index: number): string {
  return specs[index]?.name ?? '';
}
