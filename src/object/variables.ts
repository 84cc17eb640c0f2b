// Setting global variables (including `const volatile` ones in .rodata)
// before load: they live in the initial bytes of their data map.
import type { CollectionSpec } from './spec.ts';
import { ObjectError } from './errors.ts';

export type VariableValue = Uint8Array | number | bigint | boolean;

/** Writes `value` into the variable's bytes; numbers take the variable's size and the object's byte order. */
export function setVariable(spec: CollectionSpec, name: string, value: VariableValue, objName = 'BPF object'): void {
  const v = spec.variables.get(name);
  if (!v) {
    const known = [...spec.variables.keys()].join(', ') || 'none';
    throw new ObjectError(objName, `no global variable named ${name} (variables: ${known})`);
  }
  const map = spec.maps.get(v.map);
  if (!map?.data) throw new ObjectError(objName, `variable ${name} is in ${v.map}, which has no initial data`);
  const bytes = encodeValue(value, v.size, spec.littleEndian, name, objName);
  map.data.set(bytes, v.offset);
}

function encodeValue(value: VariableValue, size: number, le: boolean, name: string, objName: string): Uint8Array {
  if (value instanceof Uint8Array) {
    if (value.length !== size) throw new ObjectError(objName, `variable ${name} is ${size} bytes, the value given is ${value.length}`);
    return value;
  }
  const n = typeof value === 'boolean' ? (value ? 1n : 0n) : BigInt(value);
  if (![1, 2, 4, 8].includes(size)) throw new ObjectError(objName, `variable ${name} is ${size} bytes: give its value as bytes`);
  const bits = BigInt(size * 8);
  const min = -(1n << (bits - 1n));
  const max = (1n << bits) - 1n;
  if (n < min || n > max) throw new ObjectError(objName, `value ${n} does not fit variable ${name} (${size} bytes)`);
  const out = new Uint8Array(size);
  const dv = new DataView(out.buffer);
  const u = BigInt.asUintN(size * 8, n);
  if (size === 8) dv.setBigUint64(0, u, le);
  else if (size === 4) dv.setUint32(0, Number(u), le);
  else if (size === 2) dv.setUint16(0, Number(u), le);
  else dv.setUint8(0, Number(u));
  return out;
}
