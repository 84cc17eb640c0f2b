// The object's BTF is loaded with one placeholder type in front, so every
// type id in the kernel's copy is the object's id + LOCAL_BTF_ID_SHIFT.
//
// Why: TYPE_ID_LOCAL relocations must yield ids in the BTF the kernel holds
// for the program (bpf_obj_new and friends look them up there). cilium/ebpf
// loads a BTF of its own making per program, whose ids differ from both the
// object's and the kernel's; its CO-RE tests (in our corpus) rely on that —
// e.g. a type's local id differing from its id when the object's own BTF is
// the target. Shifting by one gives the same property with the whole object
// BTF loaded once, as libbpf does. Every id the loader hands the kernel that
// refers to this BTF (func_info, map key/value types, TYPE_ID_LOCAL) is shifted.
import type { TypeSpec } from '../btf/index.ts';

export const LOCAL_BTF_ID_SHIFT = 1;

const shift = (id: number) => (id === 0 ? 0 : id + LOCAL_BTF_ID_SHIFT);

/** `t` with every type id it references moved up by LOCAL_BTF_ID_SHIFT (void stays 0). */
export function shiftTypeIds(t: TypeSpec): TypeSpec {
  switch (t.kind) {
    case 'ptr':
    case 'typedef':
    case 'volatile':
    case 'const':
    case 'restrict':
    case 'func':
    case 'var':
    case 'decl_tag':
    case 'type_tag':
      return { ...t, type: shift(t.type) };
    case 'array':
      return { ...t, type: shift(t.type), indexType: shift(t.indexType) };
    case 'struct':
    case 'union':
      return { ...t, members: t.members.map((m) => ({ ...m, type: shift(m.type) })) };
    case 'func_proto':
      return { ...t, returnType: shift(t.returnType), params: t.params.map((p) => ({ ...p, type: shift(p.type) })) };
    case 'datasec':
      return { ...t, vars: t.vars.map((v) => ({ ...v, type: shift(v.type) })) };
    default:
      return t;
  }
}

export function shiftedId(id: number): number {
  return shift(id);
}
