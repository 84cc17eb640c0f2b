/**
 * Encoding: parse -> encode must reproduce the input byte for byte (the
 * loader sanitises BTF by rewriting a few types and re-encoding, and must
 * not disturb anything else), and encode -> parse must give back the types.
 */
import test from 'ava';
import { readFileSync } from 'node:fs';
import {
  Btf, BtfBuilder, BtfError, StringTableBuilder, encodeBtf, parseBtfExt, type FuncParam, type Type, type TypeSpec,
} from '../../src/btf/index.ts';
import { OBJECTS, SYS_VMLINUX, fixture, hasSysVmlinux, recordedVmlinux } from './helpers.ts';

const allTypes = (btf: Btf): Type[] => [...btf.types()];

for (const name of OBJECTS) {
  test(`${name}: parse -> encode reproduces the .BTF section exactly`, (t) => {
    const raw = fixture(`${name}.btf`);
    const btf = Btf.parse(raw);
    const again = BtfBuilder.from(btf).encode();
    t.deepEqual(again, raw);
    t.deepEqual(allTypes(Btf.parse(again)), allTypes(btf));
  });
}

test('recorded vmlinux (with a layout section): parse -> encode is exact, in either byte order', (t) => {
  const raw = recordedVmlinux();
  const btf = Btf.parse(raw);
  const again = BtfBuilder.from(btf).encode();
  t.is(again.byteLength, raw.byteLength);
  t.true(Buffer.from(again).equals(Buffer.from(raw)));
  const b = BtfBuilder.from(btf);
  b.littleEndian = false;
  const big = Btf.parse(b.encode());
  t.deepEqual(big.layout, btf.layout);
  t.deepEqual(big.findMember(big.findByName('task_struct', 'struct')!.id, 'pid'), btf.findMember(95333, 'pid'));
  const back = BtfBuilder.from(big);
  back.littleEndian = true;
  t.true(Buffer.from(back.encode()).equals(Buffer.from(raw)));
});

test('a layout section can be dropped for old kernels', (t) => {
  const b = BtfBuilder.from(Btf.parse(recordedVmlinux()));
  b.layout = undefined;
  const out = Btf.parse(b.encode());
  t.is(out.header.hdrLen, 24);
  t.is(out.layout, undefined);
  t.is(out.typeCount, 103406);
});

const sysTest = hasSysVmlinux() || process.env['CI'] ? test : test.skip;
sysTest('/sys/kernel/btf/vmlinux: parse -> encode is exact', (t) => {
  const raw = new Uint8Array(readFileSync(SYS_VMLINUX));
  t.true(Buffer.from(BtfBuilder.from(Btf.parse(raw)).encode()).equals(Buffer.from(raw)));
});

test('byte order: little -> big -> little round-trips, and big-endian parses the same', (t) => {
  for (const name of OBJECTS) {
    const raw = fixture(`${name}.btf`);
    const btf = Btf.parse(raw);
    const b = BtfBuilder.from(btf);
    b.littleEndian = false;
    const big = b.encode();
    t.is(big[0], 0xeb); // magic 0xeB9F, most significant byte first
    const parsedBig = Btf.parse(big);
    t.false(parsedBig.littleEndian);
    t.deepEqual(allTypes(parsedBig), allTypes(btf));
    const back = BtfBuilder.from(parsedBig);
    back.littleEndian = true;
    t.deepEqual(back.encode(), raw);
  }
});

test('sanitising: rewriting kinds keeps ids and string offsets, so BTF.ext still resolves', (t) => {
  // What the loader will do for an old kernel (cf. libbpf's bpf_object__sanitize_btf):
  // DECL_TAG -> INT, TYPE_TAG -> CONST, VAR -> INT, DATASEC -> STRUCT, global FUNC -> static.
  const raw = fixture('tags-el.btf');
  const btf = Btf.parse(raw);
  const b = BtfBuilder.from(btf);
  for (const ty of btf.types()) {
    if (ty.kind === 'decl_tag') b.replace(ty.id, { kind: 'int', name: ty.name, size: 1, encoding: 0, bitOffset: 0, bits: 8 });
    if (ty.kind === 'var') b.replace(ty.id, { kind: 'int', name: ty.name, size: 1, encoding: 0, bitOffset: 0, bits: 8 });
    if (ty.kind === 'datasec') b.replace(ty.id, { kind: 'struct', name: ty.name, size: ty.size, members: [], kindFlag: false });
    if (ty.kind === 'func' && ty.linkage === 'global') b.replace(ty.id, { ...ty, linkage: 'static' });
  }
  const out = Btf.parse(b.encode());
  t.is(out.typeCount, btf.typeCount);
  for (const ty of out.types()) {
    t.false(['decl_tag', 'var', 'datasec'].includes(ty.kind));
    if (ty.kind === 'func') t.not(ty.linkage, 'global');
  }
  t.is(out.typeById(5).name, 'b');
  t.is(out.typeName(21), 'int prog(char *)');
  // The string table only grew (no new strings were needed): offsets are intact.
  t.deepEqual(out.strings.bytes, btf.strings.bytes);
  const ext = parseBtfExt(fixture('tags-el.btf.ext'), out);
  t.is(ext.lineInfos.length, 2);
});

test('encodeBtf from scratch: a small program BTF', (t) => {
  const strings = new StringTableBuilder();
  const types: TypeSpec[] = [
    { kind: 'int', name: 'int', size: 4, encoding: 1, bitOffset: 0, bits: 32 }, // [1]
    { kind: 'ptr', name: '', type: 3 }, // [2] -> forward reference is fine
    { kind: 'struct', name: 'pair', size: 8, kindFlag: false, members: [ // [3]
      { name: 'a', type: 1, bitOffset: 0, bitfieldSize: 0 },
      { name: 'b', type: 1, bitOffset: 32, bitfieldSize: 3 },
    ] },
    { kind: 'func_proto', name: '', returnType: 1, params: [{ name: 'p', type: 2 }], variadic: true }, // [4]
    { kind: 'func', name: 'f', type: 4, linkage: 'global' }, // [5]
    { kind: 'enum', name: 'e', size: 4, signed: true, values: [{ name: 'NEG', value: -5 }] }, // [6]
    { kind: 'enum64', name: 'e64', size: 8, signed: true, values: [{ name: 'MIN', value: -(2n ** 63n) }] }, // [7]
    { kind: 'float', name: 'double', size: 8 }, // [8]
    { kind: 'decl_tag', name: 'tag', type: 3, componentIdx: 1, attribute: false }, // [9]
    { kind: 'type_tag', name: 'user', type: 1, attribute: false }, // [10]
    { kind: 'fwd', name: 'later', fwdKind: 'union' }, // [11]
    { kind: 'array', name: '', type: 1, indexType: 1, nelems: 4 }, // [12]
    { kind: 'var', name: 'v', type: 12, linkage: 'static' }, // [13]
    { kind: 'datasec', name: '.data', size: 16, vars: [{ type: 13, offset: 0, size: 16 }] }, // [14]
    { kind: 'restrict', name: '', type: 2 }, // [15]
  ];
  const btf = Btf.parse(encodeBtf(types, strings));
  t.is(btf.typeCount, types.length);
  // The struct was given kindFlag false, but a member has a bitfield size, so the encoder set it.
  types.forEach((spec, i) => t.deepEqual(btf.typeById(i + 1), { ...spec, id: i + 1, ...(i === 2 ? { kindFlag: true } : {}) } as Type));
  t.is(btf.typeName(5), 'int f(struct pair *, ...)');
});

test('the encoder refuses what it cannot represent, naming the type', (t) => {
  const enc = (spec: TypeSpec): Uint8Array => encodeBtf([spec], new StringTableBuilder());
  const bad = (spec: TypeSpec, message: RegExp): void => {
    t.throws(() => enc(spec), { instanceOf: BtfError, message });
  };
  bad({ kind: 'ptr', name: '', type: 7 }, /type \[1\] \(ptr\): target refers to type id 7, outside 0\.\.1/);
  bad({ kind: 'int', name: 'x', size: 4, encoding: 16, bitOffset: 0, bits: 32 }, /encoding 16/);
  bad({ kind: 'int', name: 'x', size: -1, encoding: 0, bitOffset: 0, bits: 32 }, /size -1 is not a u32/);
  bad({ kind: 'enum', name: 'e', size: 4, signed: false, values: [{ name: 'A', value: -1 }] }, /unsigned 32-bit/);
  bad({ kind: 'enum', name: 'e', size: 4, signed: true, values: [{ name: 'A', value: 2 ** 31 }] }, /signed 32-bit/);
  bad({ kind: 'enum64', name: 'e', size: 8, signed: false, values: [{ name: 'A', value: 2n ** 64n }] }, /unsigned 64-bit/);
  bad({ kind: 'struct', name: 's', size: 4, kindFlag: true, members: [{ name: 'a', type: 1, bitOffset: 2 ** 24, bitfieldSize: 0 }] }, /24 bits/);
  bad({ kind: 'func', name: 'f', type: 1, linkage: 'weak' as 'static' }, /unknown linkage "weak"/);
  bad({ kind: 'decl_tag', name: 't', type: 1, componentIdx: -2, attribute: false }, /component_idx -2/);
  bad({ kind: 'typedef', name: 'nul\0inside', type: 0 }, /contains NUL/);
  bad({ kind: 'mystery' } as unknown as TypeSpec, /unknown kind "mystery"/);
  const tooMany = new Array<FuncParam>(0x1000000); // sparse: only its length matters here
  bad({ kind: 'func_proto', name: '', returnType: 0, params: tooMany, variadic: false }, /vlen 16777216/);
});

test('BtfBuilder: ids, replace, typeById, helpers work on a builder too', (t) => {
  const b = new BtfBuilder();
  const int = b.add({ kind: 'int', name: 'int', size: 4, encoding: 1, bitOffset: 0, bits: 32 });
  const arr = b.add({ kind: 'array', name: '', type: int, indexType: int, nelems: 3 });
  t.is(int, 1);
  t.is(arr, 2);
  t.is(b.nextTypeId, 3);
  t.deepEqual(b.typeById(arr), { kind: 'array', name: '', type: 1, indexType: 1, nelems: 3, id: 2 });
  t.is(b.typeById(0).kind, 'void');
  b.replace(int, { kind: 'int', name: 'long', size: 8, encoding: 1, bitOffset: 0, bits: 64 });
  t.is(Btf.parse(b.encode()).sizeOf(arr), 24);
  t.throws(() => b.replace(9, { kind: 'ptr', name: '', type: 0 }), { instanceOf: BtfError, message: /type id 9 is not one of ours/ });
  t.throws(() => b.typeById(-1), { instanceOf: BtfError });
});

test('StringTableBuilder: keeps existing bytes, dedups, appends', (t) => {
  const btf = Btf.parse(fixture('fwd_decl-el.btf'));
  const s = StringTableBuilder.from(btf.strings);
  const before = s.length;
  t.is(s.add(''), 0);
  t.is(s.add('int'), btf.strings.bytes.indexOf(0x69)); // 'i' of the first "int"
  t.is(s.length, before);
  const off = s.add('brand_new');
  t.is(off, before);
  t.is(s.add('brand_new'), off);
  t.deepEqual(s.finish().subarray(0, before), btf.strings.bytes);
});
