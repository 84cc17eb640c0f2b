// What the running kernel's BTF loader accepts, probed once per process by
// loading tiny BTF blobs (as libbpf's kernel feature probes do).
import { BtfBuilder, type TypeSpec } from '../btf/index.ts';
import { KernelBtf } from '../prog/index.ts';
import { ALL_FEATURES, type BtfFeatures } from './btf-sanitize.ts';

const INT: TypeSpec = { kind: 'int', name: 'int', size: 4, encoding: 1, bitOffset: 0, bits: 32 };

function accepts(types: TypeSpec[]): boolean {
  const b = new BtfBuilder();
  for (const t of types) b.add(t);
  try {
    KernelBtf.load(b.encode(), 'feature probe').close();
    return true;
  } catch {
    return false;
  }
}

let cached: BtfFeatures | undefined;

export function probeBtfFeatures(): BtfFeatures {
  if (cached) return cached;
  const proto: TypeSpec = { kind: 'func_proto', name: '', returnType: 1, params: [], variadic: false };
  cached = {
    datasec: accepts([INT, { kind: 'var', name: 'x', type: 1, linkage: 'global' }, { kind: 'datasec', name: '.data', size: 4, vars: [{ type: 2, offset: 0, size: 4 }] }]),
    func: accepts([INT, proto, { kind: 'func', name: 'f', type: 2, linkage: 'static' }]),
    funcGlobal: accepts([INT, proto, { kind: 'func', name: 'f', type: 2, linkage: 'global' }]),
    float: accepts([{ kind: 'float', name: 'float', size: 4 }]),
    declTag: accepts([INT, { kind: 'var', name: 'x', type: 1, linkage: 'global' }, { kind: 'decl_tag', name: 'tag', type: 2, componentIdx: -1, attribute: false }]),
    typeTag: accepts([INT, { kind: 'type_tag', name: 'tag', type: 1, attribute: false }, { kind: 'ptr', name: '', type: 2 }]),
    enum64: accepts([{ kind: 'enum64', name: 'e', size: 8, signed: false, values: [{ name: 'a', value: 1n }] }]),
  };
  return cached;
}

export { ALL_FEATURES };
