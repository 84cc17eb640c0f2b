/**
 * The helpers the loader needs: skipQualifiers, sizeOf, findMember and
 * typeName, on real fixtures and on hand-built (including cyclic) BTF.
 */
import test from 'ava';
import {
  Btf, BtfBuilder, BtfError, MAX_RESOLVE_DEPTH, findMember, sizeOf, skipQualifiers, typeName, type TypeSpec,
} from '../../src/btf/index.ts';
import { fixture, recordedVmlinux } from './helpers.ts';

const handler = (): Btf => Btf.parse(fixture('handler-bpfel.btf'));

test('skipQualifiers follows typedef, const, volatile, restrict and type_tag', (t) => {
  const btf = handler();
  t.is(btf.skipQualifiers(43).id, 40); // const (u8 *const) -> the ptr to const u8
  t.is(btf.skipQualifiers(41).id, 39); // const u8 -> typedef u8 -> typedef __u8 -> unsigned char
  t.is(btf.skipQualifiers(19).kind, 'int'); // u32 -> __u32 -> unsigned int
  t.is(btf.skipQualifiers(26).id, 26); // not qualified: itself
  t.is(btf.skipQualifiers(0).kind, 'void');
  const vm = Btf.parse(recordedVmlinux());
  t.is(vm.skipQualifiers(11167).id, vm.skipQualifiers(212).id); // restrict
  t.is(vm.skipQualifiers(54036).kind, 'void'); // type_tag 'address_space(1)' -> void
  t.is(vm.skipQualifiers(2).kind, 'int'); // volatile -> const -> int
});

test('sizeOf: ints, pointers, arrays (nested), structs, enums, typedef chains, vars, decl tags', (t) => {
  const btf = handler();
  t.is(btf.sizeOf(2), 4); // int
  t.is(btf.sizeOf(27), 8); // pointer
  t.is(btf.sizeOf(51), 32 * 1024); // u8[32][1024]
  t.is(btf.sizeOf(48), 34832); // struct event_t, the README's record size
  t.is(btf.sizeOf(19), 4); // typedef u32
  t.is(btf.sizeOf(52), 34832); // var zero_event
  t.is(btf.sizeOf(59), 38); // const char[38]
  const relocs = Btf.parse(fixture('relocs-el.btf'));
  t.is(relocs.sizeOf(22), 8); // enum64
  t.is(relocs.sizeOf(11), 4); // enum
  t.is(relocs.sizeOf(27), 120); // s_t[10]
  const tags = Btf.parse(fixture('tags-el.btf'));
  t.is(tags.sizeOf(23), 2); // decl_tag on struct s
  t.is(sizeOf(btf, 27, 4), 4); // pointer size is a parameter
  t.is(Btf.parse(fixture('handler-bpfel.btf'), { pointerSize: 4 }).sizeOf(27), 4);
});

test('sizeOf refuses unsized types with the type id in the message', (t) => {
  const btf = handler();
  t.throws(() => btf.sizeOf(0), { instanceOf: BtfError, message: /type \[0\] \(void\) has no size/ });
  t.throws(() => btf.sizeOf(25), { instanceOf: BtfError, message: /type \[25\] \(func\) has no size/ });
  t.throws(() => btf.sizeOf(22), { instanceOf: BtfError, message: /func_proto/ });
  const vm = Btf.parse(recordedVmlinux());
  t.throws(() => vm.sizeOf(63041), { instanceOf: BtfError, message: /fwd/ });
  t.throws(() => vm.sizeOf(54036), { instanceOf: BtfError, message: /resolves to type \[0\] \(void\)/ });
});

/** BTF whose types are given literally (ids from 1). */
const build = (types: TypeSpec[]): Btf => {
  const b = new BtfBuilder();
  for (const ty of types) b.add(ty);
  return Btf.parse(b.encode());
};

test('cycles and overflows are BtfErrors, not hangs or stack overflows', (t) => {
  const cyclic = build([
    { kind: 'const', name: '', type: 2 }, // [1] -> [2]
    { kind: 'volatile', name: '', type: 1 }, // [2] -> [1]
    { kind: 'typedef', name: 'loop', type: 3 }, // [3] -> itself
    { kind: 'array', name: '', type: 4, indexType: 4, nelems: 2 }, // [4] array of itself
    { kind: 'ptr', name: '', type: 5 }, // [5] pointer to itself
  ]);
  const tooDeep = new RegExp(`longer than ${MAX_RESOLVE_DEPTH} links`);
  t.throws(() => cyclic.sizeOf(1), { instanceOf: BtfError, message: tooDeep });
  t.throws(() => cyclic.skipQualifiers(2), { instanceOf: BtfError, message: tooDeep });
  t.throws(() => cyclic.sizeOf(3), { instanceOf: BtfError, message: tooDeep });
  t.throws(() => cyclic.sizeOf(4), { instanceOf: BtfError });
  t.is(cyclic.sizeOf(5), 8); // a pointer's size does not depend on its target
  t.throws(() => cyclic.typeName(5), { instanceOf: BtfError, message: /nested too deeply/ });
  t.throws(() => cyclic.typeName(1), { instanceOf: BtfError });

  const huge = build([
    { kind: 'int', name: 'int', size: 4, encoding: 1, bitOffset: 0, bits: 32 },
    { kind: 'array', name: '', type: 1, indexType: 1, nelems: 0x40000000 },
    { kind: 'array', name: '', type: 2, indexType: 1, nelems: 0x40000000 },
  ]);
  t.throws(() => huge.sizeOf(2), { instanceOf: BtfError, message: /overflows 32 bits/ });
  t.throws(() => huge.sizeOf(3), { instanceOf: BtfError, message: /overflows 32 bits/ });

  // A prototype whose parameters are all itself: naming it must give up, not explode.
  const wide = build([
    { kind: 'ptr', name: '', type: 2 },
    { kind: 'func_proto', name: '', returnType: 1, params: Array.from({ length: 200 }, () => ({ name: '', type: 1 })), variadic: false },
  ]);
  t.throws(() => wide.typeName(2), { instanceOf: BtfError });
});

test('findMember: direct, through anonymous structs/unions, with absolute offsets and paths', (t) => {
  const relocs = Btf.parse(fixture('relocs-el.btf'));
  // struct t { union { s_t s[10]; }; struct { union u u; }; }  (bpftool: [25])
  t.deepEqual(relocs.findMember(25, 's'), {
    member: { name: 's', type: 27, bitOffset: 0, bitfieldSize: 0 }, bitOffset: 0, path: [0, 0], parent: relocs.typeById(26),
  });
  t.like(relocs.findMember(25, 'u'), { bitOffset: 960, path: [1, 0] });
  t.is(relocs.findMember(25, 'nope'), undefined);
  t.like(relocs.findMember(10, '_3'), { bitOffset: 64, path: [2] }); // through typedef s_t
  t.throws(() => relocs.findMember(2, 'x'), { instanceOf: BtfError, message: /is a int, not a struct or union/ });

  const vm = Btf.parse(recordedVmlinux());
  const mm = vm.findByName('mm_struct', 'struct')!;
  const argStart = vm.findMember(mm.id, 'arg_start')!;
  t.true(argStart.path.length > 1); // lives in mm_struct's anonymous struct
  t.is(findMember(vm, mm.id, 'arg_end')!.bitOffset - argStart.bitOffset, 64);
});

test('typeName prints C-like declarations', (t) => {
  const btf = handler();
  const names: Record<number, string> = {
    0: 'void', 2: 'int', 3: 'int[2]', 1: 'int (*)[2]', 9: 'struct (anon)', 10: 'struct (anon) filters',
    19: 'u32', 22: 's32 (u32)', 25: 's32 filter_pidns(u32)', 27: 'struct nsproxy___exectrace *',
    40: 'const u8 *', 42: 'const u8 *const *', 43: 'const u8 *const', 51: 'u8[32][1024]',
    60: 'const char log.____fmt[38]', 65: 'SEC(".maps")',
  };
  for (const [id, name] of Object.entries(names)) t.is(typeName(btf, Number(id)), name, `type ${id}`);
  const vm = Btf.parse(recordedVmlinux());
  t.is(vm.typeName(63041), 'union crypto_no_such_thing');
  t.is(vm.typeName(9139), 'void (void *, const char *, ...)');
  t.is(vm.typeName(11167), 'struct nameidata *restrict');
  t.is(vm.typeName(2), 'volatile const long unsigned int');
  t.is(vm.typeName(56818), '__attribute__((btf_decl_tag("bpf_fastcall")))');
  t.is(vm.typeName(54036), 'void __attribute__((btf_type_tag("address_space(1)")))');
  t.is(vm.typeName(65538), 'double');
  const tags = Btf.parse(fixture('tags-el.btf'));
  t.is(tags.typeName(9), 'int fwdDecl(char, char)');
  t.is(tags.typeName(28), 'union u');
});

test('skipQualifiers works on a builder (any TypeLookup)', (t) => {
  const b = new BtfBuilder();
  const int = b.add({ kind: 'int', name: 'int', size: 4, encoding: 1, bitOffset: 0, bits: 32 });
  const c = b.add({ kind: 'const', name: '', type: int });
  const td = b.add({ kind: 'typedef', name: 'cint', type: c });
  t.is(skipQualifiers(b, td).id, int);
  t.is(sizeOf(b, td), 4);
  t.is(typeName(b, td), 'cint');
  t.is(typeName(b, c), 'const int');
});
