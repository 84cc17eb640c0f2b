/**
 * Test helpers: fixture loading, and a re-implementation of bpftool's
 * `btf dump file X` (raw format) so recorded bpftool output can be compared
 * with our parse line for line, without running bpftool in the tests.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import type { Btf, Type } from '../../src/btf/index.ts';
import { prng as rng } from '../helpers/prng.ts';
export { rng };

const here = dirname(fileURLToPath(import.meta.url));
export const FIXTURES = join(here, '..', 'fixtures', 'btf');
export const CORPUS = join(here, '..', 'fixtures', 'corpus');

/** Objects whose .BTF/.BTF.ext were dumped with llvm-objcopy into test/fixtures/btf. */
export const OBJECTS = ['relocs-el', 'relocs_read-el', 'loader-clang-14-el', 'tags-el', 'fwd_decl-el', 'handler-bpfel'] as const;
export type ObjectName = (typeof OBJECTS)[number];

export function fixture(name: string): Uint8Array {
  return new Uint8Array(readFileSync(join(FIXTURES, name)));
}

let recorded: Uint8Array | undefined;
/** cilium/ebpf's recorded kernel BTF (vmlinux.btf.gz), gunzipped once per test file. */
export function recordedVmlinux(): Uint8Array {
  recorded ??= new Uint8Array(gunzipSync(readFileSync(join(CORPUS, 'cilium-ebpf', 'vmlinux.btf.gz'))));
  return recorded;
}

export const SYS_VMLINUX = '/sys/kernel/btf/vmlinux';
export const hasSysVmlinux = (): boolean => existsSync(SYS_VMLINUX);


const INT_ENC: Record<number, string> = { 0: '(none)', 1: 'SIGNED', 2: 'CHAR', 4: 'BOOL' };
const q = (name: string): string => `'${name || '(anon)'}'`;

/** One type as bpftool 7.x prints it in `btf dump ... format raw`. */
export function bpftoolLine(btf: Btf, t: Type): string {
  const head = `[${t.id}] ${t.kind.toUpperCase()} ${q(t.name)}`;
  switch (t.kind) {
    case 'void':
      return '[0] VOID';
    case 'int':
      return `${head} size=${t.size} bits_offset=${t.bitOffset} nr_bits=${t.bits} encoding=${INT_ENC[t.encoding] ?? 'UNKN'}`;
    case 'ptr':
    case 'const':
    case 'volatile':
    case 'restrict':
    case 'typedef':
    case 'type_tag':
      return `${head} type_id=${t.type}`;
    case 'array':
      return `${head} type_id=${t.type} index_type_id=${t.indexType} nr_elems=${t.nelems}`;
    case 'struct':
    case 'union':
      return head + ` size=${t.size} vlen=${t.members.length}` + t.members
        .map((m) => `\n\t${q(m.name)} type_id=${m.type} bits_offset=${m.bitOffset}${m.bitfieldSize ? ` bitfield_size=${m.bitfieldSize}` : ''}`)
        .join('');
    case 'enum':
    case 'enum64': {
      const suffix = t.kind === 'enum64' ? (t.signed ? 'LL' : 'ULL') : '';
      return head + ` encoding=${t.signed ? 'SIGNED' : 'UNSIGNED'} size=${t.size} vlen=${t.values.length}` +
        t.values.map((v) => `\n\t${q(v.name)} val=${v.value}${suffix}`).join('');
    }
    case 'fwd':
      return `${head} fwd_kind=${t.fwdKind}`;
    case 'func':
      return `${head} type_id=${t.type} linkage=${t.linkage}`;
    case 'func_proto': {
      const params = t.params.map((p) => `\n\t${q(p.name)} type_id=${p.type}`);
      if (t.variadic) params.push(`\n\t'(anon)' type_id=0`);
      return `${head} ret_type_id=${t.returnType} vlen=${params.length}${params.join('')}`;
    }
    case 'var':
      return `${head} type_id=${t.type}, linkage=${t.linkage}`;
    case 'datasec':
      return head + ` size=${t.size} vlen=${t.vars.length}` + t.vars
        .map((v) => {
          const target = btf.typeById(v.type);
          return `\n\ttype_id=${v.type} offset=${v.offset} size=${v.size} (${target.kind.toUpperCase()} ${q(target.name)})`;
        })
        .join('');
    case 'float':
      return `${head} size=${t.size}`;
    case 'decl_tag':
      return `${head} type_id=${t.type} component_idx=${t.componentIdx}`;
    case 'unknown':
      return `${head} kind=${t.rawKind}`;
  }
}

/** Our whole type section in bpftool's format. */
export function bpftoolDump(btf: Btf): string {
  const out: string[] = [];
  for (const t of btf.types()) out.push(bpftoolLine(btf, t));
  return out.join('\n') + '\n';
}
