/**
 * Raw BTF parsing against recorded bpftool output: every type of every
 * object fixture must print exactly as `bpftool btf dump file X` printed it
 * (recorded in test/fixtures/btf/*.bpftool.txt), and a sample of the
 * recorded kernel BTF likewise.
 */
import test from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Btf, KIND_NAMES, UAPI_LAYOUT, type KindName, type Type } from '../../src/btf/index.ts';
import { FIXTURES, OBJECTS, bpftoolDump, bpftoolLine, fixture, recordedVmlinux } from './helpers.ts';

/** Type counts as `bpftool btf dump file X | grep -c '^\['` reported them. */
const TYPE_COUNTS: Record<(typeof OBJECTS)[number], number> = {
  'relocs-el': 35,
  'relocs_read-el': 18,
  'loader-clang-14-el': 97,
  'tags-el': 38,
  'fwd_decl-el': 5,
  'handler-bpfel': 67,
};

for (const name of OBJECTS) {
  test(`${name}: every type matches the recorded bpftool dump`, (t) => {
    const btf = Btf.parse(fixture(`${name}.btf`));
    t.is(btf.typeCount, TYPE_COUNTS[name]);
    t.is(btf.firstTypeId, 1);
    t.true(btf.littleEndian);
    const expected = readFileSync(join(FIXTURES, `${name}.bpftool.txt`), 'utf8');
    t.is(bpftoolDump(btf), expected);
  });
}

test('recorded vmlinux: sampled types match bpftool, type count matches', (t) => {
  const btf = Btf.parse(recordedVmlinux());
  t.is(btf.typeCount, 103406); // bpftool btf dump file vmlinux | grep -c '^\['
  const sample = readFileSync(join(FIXTURES, 'vmlinux-rec.bpftool-sample.txt'), 'utf8');
  const entries = sample.trimEnd().split(/\n(?=\[\d+\] )/);
  t.true(entries.length >= 40);
  for (const entry of entries) {
    const id = Number(/^\[(\d+)\]/.exec(entry)![1]);
    t.is(bpftoolLine(btf, btf.typeById(id)), entry, `type ${id}`);
  }
});

test('every BTF kind, and every kind_flag meaning, occurs in the fixtures and parses', (t) => {
  const seen = new Set<string>();
  const flags = new Set<string>();
  const note = (ty: Type): void => {
    seen.add(ty.kind);
    if ((ty.kind === 'struct' || ty.kind === 'union') && ty.members.some((m) => m.bitfieldSize > 0)) flags.add('bitfield');
    if (ty.kind === 'enum' && ty.signed) flags.add('signed enum');
    if (ty.kind === 'fwd' && ty.fwdKind === 'union') flags.add('fwd union');
    if (ty.kind === 'fwd' && ty.fwdKind === 'struct') flags.add('fwd struct');
    if (ty.kind === 'type_tag' && ty.attribute) flags.add('type_tag attribute');
    if (ty.kind === 'func_proto' && ty.variadic) flags.add('variadic');
    if (ty.kind === 'func' && ty.linkage === 'extern') flags.add('extern func');
    if (ty.kind === 'var' && ty.linkage === 'static') flags.add('static var');
    if (ty.kind === 'decl_tag' && ty.componentIdx >= 0) flags.add('member decl_tag');
  };
  for (const name of OBJECTS) for (const ty of Btf.parse(fixture(`${name}.btf`)).types()) note(ty);
  for (const ty of Btf.parse(recordedVmlinux()).types()) note(ty);
  const all = KIND_NAMES.slice(1) as KindName[];
  t.deepEqual(all.filter((k) => !seen.has(k)), []);
  t.deepEqual(
    [...flags].sort(),
    ['bitfield', 'extern func', 'fwd struct', 'fwd union', 'member decl_tag', 'signed enum', 'static var', 'type_tag attribute', 'variadic'],
  );
});

test('decoded shapes: relocs-el', (t) => {
  const btf = Btf.parse(fixture('relocs-el.btf'));
  t.deepEqual(btf.typeById(2), { kind: 'int', id: 2, name: 'int', size: 4, encoding: 1, bitOffset: 0, bits: 32 });
  t.deepEqual(btf.typeById(22), {
    kind: 'enum64', id: 22, name: 'e64', size: 8, signed: false, values: [{ name: 'LARGE', value: 8589934591n }],
  });
  t.deepEqual(btf.typeById(27), { kind: 'array', id: 27, name: '', type: 10, indexType: 28, nelems: 10 });
  t.deepEqual(btf.typeById(3), { kind: 'func', id: 3, name: 'type_ids', type: 1, linkage: 'global' });
  t.deepEqual(btf.typeById(1), { kind: 'func_proto', id: 1, name: '', returnType: 2, params: [], variadic: false });
  t.like(btf.typeById(13), { kind: 'union', name: 'u', size: 8, kindFlag: false });
  t.deepEqual(btf.typeById(10), { kind: 'typedef', id: 10, name: 's_t', type: 8 });
  t.deepEqual(btf.typeById(14), { kind: 'ptr', id: 14, name: '', type: 2 });
  t.deepEqual(btf.typeById(0), { kind: 'void', id: 0, name: '' });
});

test('decoded shapes: bitfields (relocs_read-el) and decl tags / datasec (tags-el)', (t) => {
  const rr = Btf.parse(fixture('relocs_read-el.btf'));
  const s = rr.findByName('bits', 'struct')!;
  if (s.kind !== 'struct') return t.fail();
  t.true(s.kindFlag);
  t.deepEqual(s.members.find((m) => m.name === 'f'), { name: 'f', type: 13, bitOffset: 42, bitfieldSize: 16 });

  const tags = Btf.parse(fixture('tags-el.btf'));
  t.deepEqual(tags.typeById(5), { kind: 'decl_tag', id: 5, name: 'b', type: 4, componentIdx: 0, attribute: false });
  t.deepEqual(tags.typeById(7), { kind: 'decl_tag', id: 7, name: 'e', type: 4, componentIdx: -1, attribute: false });
  t.deepEqual(tags.typeById(9), { kind: 'func', id: 9, name: 'fwdDecl', type: 8, linkage: 'extern' });
  t.deepEqual(tags.typeById(26), { kind: 'var', id: 26, name: 's1', type: 22, linkage: 'global' });
  t.deepEqual(tags.typeById(38), {
    kind: 'datasec', id: 38, name: '.bss', size: 0,
    vars: [{ type: 26, offset: 0, size: 2 }, { type: 32, offset: 0, size: 1 }, { type: 36, offset: 0, size: 1 }],
  });
});

test('decoded shapes: kernel-only kinds in the recorded vmlinux', (t) => {
  const btf = Btf.parse(recordedVmlinux());
  t.deepEqual(btf.typeById(65538), { kind: 'float', id: 65538, name: 'double', size: 8 });
  t.deepEqual(btf.typeById(63041), { kind: 'fwd', id: 63041, name: 'crypto_no_such_thing', fwdKind: 'union' });
  t.deepEqual(btf.typeById(11167), { kind: 'restrict', id: 11167, name: '', type: 212 });
  t.deepEqual(btf.typeById(54036), { kind: 'type_tag', id: 54036, name: 'address_space(1)', type: 0, attribute: true });
  const e = btf.typeById(6527);
  t.true(e.kind === 'enum' && e.signed && e.values[0]!.value === -1);
  const proto = btf.typeById(9139);
  t.true(proto.kind === 'func_proto' && proto.variadic && proto.params.length === 2);
});

test('the layout section of the recorded vmlinux is read and agrees with the UAPI', (t) => {
  const btf = Btf.parse(recordedVmlinux());
  t.is(btf.header.hdrLen, 32);
  t.is(btf.header.layoutLen, 80);
  t.is(btf.layout?.length, 20);
  t.deepEqual(btf.layout?.[4], { infoSize: 0, elemSize: 12, flags: 0 }); // STRUCT: vlen * btf_member
  t.deepEqual(btf.layout?.[1], { infoSize: 4, elemSize: 0, flags: 0 }); // INT: one u32
  t.deepEqual(btf.layout, UAPI_LAYOUT); // our table of the UAPI shapes agrees with pahole's
});

test('kindOf and name lookups do not decode; typeById caches', (t) => {
  const btf = Btf.parse(fixture('handler-bpfel.btf'));
  t.is(btf.decodedCount, 0);
  t.is(btf.kindOf(1), btf.typeById(1).kind);
  t.is(btf.decodedCount, 1);
  t.is(btf.typeById(1), btf.typeById(1));
  t.deepEqual(btf.idsByName('int'), btf.idsByName('int', 'int'));
  t.deepEqual(btf.idsByName('no such type'), []);
  t.deepEqual(btf.idsByName(''), []);
});

test('findByName: kind filter, flavoured names, ambiguity is an error', (t) => {
  const btf = Btf.parse(fixture('handler-bpfel.btf'));
  const task = btf.findByName('task_struct___exectrace', 'struct');
  t.is(task?.id, 26);
  t.is(btf.findByName('task_struct___exectrace', 'union'), undefined);
  t.is(btf.findByName('task_struct'), undefined);
  const relocs = Btf.parse(fixture('relocs-el.btf'));
  t.is(relocs.findByName('s')?.kind, 'struct');
  t.throws(() => relocs.findByName('x', 'bogus' as KindName), { message: /unknown kind 'bogus'/ });
});

test('name lookups agree before and after the hash index is built', (t) => {
  const btf = Btf.parse(recordedVmlinux());
  const names = ['task_struct', 'mm_struct', 'nsproxy', 'pid_namespace', 'linux_binprm', 'list_head', 'file', 'inode', 'sock', 'sk_buff'];
  const scanned = names.map((n) => btf.idsByName(n, 'struct'));
  // More than SCANS_BEFORE_INDEX lookups: the later ones come from the hash index.
  const hashed = names.map((n) => btf.idsByName(n, 'struct'));
  t.deepEqual(hashed, scanned);
  t.true(scanned.every((ids) => ids.length === 1));
  // Unfiltered lookups too, and they find every kind.
  const any1 = Array.from({ length: 10 }, () => btf.idsByName('pid_t'));
  t.true(any1.every((ids) => ids.length === 1 && btf.kindOf(ids[0]!) === 'typedef'));
});

test('input at any byte offset of its buffer parses the same (no aligned fast path needed)', (t) => {
  const raw = fixture('handler-bpfel.btf');
  const expected = bpftoolDump(Btf.parse(raw));
  for (const shift of [1, 2, 3]) {
    const buf = new Uint8Array(raw.byteLength + shift);
    buf.set(raw, shift);
    t.is(bpftoolDump(Btf.parse(buf.subarray(shift))), expected);
  }
});
