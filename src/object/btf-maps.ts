// BTF-defined maps (the `.maps` section): each map is a global variable of an
// anonymous struct whose members encode the attributes in their *types*, as
// libbpf's bpf_helpers.h macros write them:
//   __uint(name, val)   → `int (*name)[val]`      (pointer to array of val)
//   __type(name, T)     → `T *name`               (pointer to T)
//   __array(name, T)    → `T *name[]`             (array of pointers)
import type { Btf, Type } from '../btf/index.ts';
import type { MapDef } from './spec.ts';
import { MapType } from '../syscall/abi/index.ts';

export class MapDefError extends Error {}

function resolve(btf: Btf, id: number): Type {
  return btf.skipQualifiers(id);
}

/** `int (*name)[val]` → val; `__ulong(name, val)` is an enum whose one value is val. */
function uintValue(btf: Btf, typeId: number, map: string, member: string): number {
  const ptr = resolve(btf, typeId);
  if ((ptr.kind === 'enum' || ptr.kind === 'enum64') && ptr.values.length === 1) {
    const v = BigInt(ptr.values[0]!.value);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new MapDefError(`map ${map}: ${member} ${v} is too large`);
    return Number(v);
  }
  if (ptr.kind !== 'ptr') throw new MapDefError(`map ${map}: member ${member} is a ${ptr.kind}, expected __uint (a pointer to an array)`);
  const arr = resolve(btf, ptr.type);
  if (arr.kind !== 'array') throw new MapDefError(`map ${map}: member ${member} points to a ${arr.kind}, expected __uint (an array)`);
  return arr.nelems;
}

/** `T *name` → T's id */
function pointee(btf: Btf, typeId: number, map: string, member: string): number {
  const ptr = resolve(btf, typeId);
  if (ptr.kind !== 'ptr') throw new MapDefError(`map ${map}: member ${member} is a ${ptr.kind}, expected __type (a pointer)`);
  return ptr.type;
}

const PIN_BY_NAME = 1;

/** Parses the struct type `typeId` as a map definition named `name`. */
export function parseBtfMapDef(btf: Btf, name: string, typeId: number, section: string): { def: MapDef; valuesOffset: number | undefined } {
  const t = resolve(btf, typeId);
  if (t.kind !== 'struct') throw new MapDefError(`map ${name}: its type is a ${t.kind}, expected a struct of map attributes`);
  const def: MapDef = {
    name, section, type: 0, keySize: 0, valueSize: 0, maxEntries: 0, flags: 0, numaNode: 0, mapExtra: 0n,
    pinning: 'none', btfKeyTypeId: 0, btfValueTypeId: 0, init: [], freeze: false,
  };
  let valuesOffset: number | undefined;
  let valuesType: number | undefined;
  for (const m of t.members) {
    switch (m.name) {
      case 'type': def.type = uintValue(btf, m.type, name, m.name); break;
      case 'max_entries': def.maxEntries = uintValue(btf, m.type, name, m.name); break;
      case 'map_flags': def.flags = uintValue(btf, m.type, name, m.name); break;
      case 'numa_node': def.numaNode = uintValue(btf, m.type, name, m.name); break;
      case 'map_extra': def.mapExtra = BigInt(uintValue(btf, m.type, name, m.name)); break;
      case 'key_size': setSize(def, 'key', uintValue(btf, m.type, name, m.name), name); break;
      case 'value_size': setSize(def, 'value', uintValue(btf, m.type, name, m.name), name); break;
      case 'key': {
        const id = pointee(btf, m.type, name, m.name);
        setSize(def, 'key', btf.sizeOf(id), name);
        def.btfKeyTypeId = id;
        break;
      }
      case 'value': {
        const id = pointee(btf, m.type, name, m.name);
        setSize(def, 'value', btf.sizeOf(id), name);
        def.btfValueTypeId = id;
        break;
      }
      case 'pinning': {
        const p = uintValue(btf, m.type, name, m.name);
        if (p > PIN_BY_NAME) throw new MapDefError(`map ${name}: unknown pinning ${p} (0 = none, 1 = by name)`);
        def.pinning = p === PIN_BY_NAME ? 'by-name' : 'none';
        break;
      }
      case 'values': {
        const arr = resolve(btf, m.type);
        if (arr.kind !== 'array') throw new MapDefError(`map ${name}: member values is a ${arr.kind}, expected __array (an array of pointers)`);
        valuesOffset = m.bitOffset / 8;
        valuesType = arr.type;
        break;
      }
      default:
        throw new MapDefError(`map ${name}: unrecognized attribute ${JSON.stringify(m.name)}`);
    }
  }
  if (valuesType !== undefined) {
    const isMapInMap = def.type === MapType.ARRAY_OF_MAPS || def.type === MapType.HASH_OF_MAPS;
    const isProgArray = def.type === MapType.PROG_ARRAY;
    if (!isMapInMap && !isProgArray) throw new MapDefError(`map ${name}: values are only allowed in map-in-map and prog array maps`);
    const target = resolve(btf, pointee(btf, valuesType, name, 'values'));
    if (isMapInMap) {
      if (target.kind !== 'struct') throw new MapDefError(`map ${name}: values must point to an inner map definition (a struct), not a ${target.kind}`);
      def.inner = parseBtfMapDef(btf, `${name}.inner`, target.id, section).def;
    } else if (target.kind !== 'func_proto') {
      throw new MapDefError(`map ${name}: a prog array's values must be function pointers, not ${target.kind}`);
    }
    // Map-in-map and prog array values are fds: 4 bytes, whatever was declared.
    if (def.keySize === 0) def.keySize = 4;
    def.valueSize = 4;
  }
  if (def.type === 0) throw new MapDefError(`map ${name}: no type`);
  return { def, valuesOffset };
}

function setSize(def: MapDef, which: 'key' | 'value', size: number, name: string): void {
  const field = which === 'key' ? 'keySize' : 'valueSize';
  if (def[field] !== 0 && def[field] !== size) {
    throw new MapDefError(`map ${name}: ${which} size ${size} contradicts the ${which} size ${def[field]} given before`);
  }
  def[field] = size;
}
