import test from 'ava';
import { CoreReloKind } from '../../src/btf/index.ts';
import { CoreFailure, CORE_SPEC_MAX_LEN, formatSpec, parseAccessString, parseLocalSpec } from '../../src/core/index.ts';
import { Tiny } from './helpers.ts';

const K = CoreReloKind;

test('access strings: colon-separated decimal indices, libbpf rules', (t) => {
  t.deepEqual(parseAccessString('0'), [0]);
  t.deepEqual(parseAccessString('0:1:22'), [0, 1, 22]);
  for (const bad of ['', ':0', '0:', '0::1', 'a', '0:x', '-1', '0:-1', ' 0']) {
    t.throws(() => parseAccessString(bad), { instanceOf: CoreFailure }, JSON.stringify(bad));
  }
  const long = Array(CORE_SPEC_MAX_LEN).fill('0').join(':');
  t.is(parseAccessString(long).length, CORE_SPEC_MAX_LEN);
  t.throws(() => parseAccessString(`${long}:0`), { message: /longer than 64/ });
});

// struct outer {            size 40
//   int a;                  bit 0
//   union {                 bit 32 (anonymous)
//     int u1;
//     struct inner in;      inner { char c; int arr[3]; } size 16
//   };
//   struct inner tail[];     flexible array, bit 160
// };
function outer() {
  const b = new Tiny();
  const int = b.int('int', 4, true);
  const char = b.int('char', 1, true);
  const arr3 = b.array(int, 3);
  const inner = b.struct('inner', 16, [['c', char, 0], ['arr', arr3, 32]]);
  const anon = b.union('', 16, [['u1', int, 0], ['in', inner, 0]]);
  const flex = b.array(inner, 0);
  const outerId = b.struct('outer', 40, [['a', int, 0], ['', anon, 32], ['tail', flex, 160]]);
  const td = b.typedef('outer_t', b.cnst(outerId));
  return { btf: b.build(), int, inner, anon, outerId, td };
}

test('local spec: bit offsets through anonymous unions, structs and arrays', (t) => {
  const { btf, outerId, inner, int, anon } = outer();
  // &p[0].in.arr[2]: 32 (anon union) + 0 (in) + 32 (arr) + 2 * 32
  const s = parseLocalSpec(btf, outerId, '0:1:1:1:2', K.FIELD_BYTE_OFFSET);
  t.is(s.bitOffset, 32 + 32 + 64);
  t.deepEqual(s.raw, [0, 1, 1, 1, 2]);
  // The anonymous union has no accessor: root, in, arr, [2].
  t.deepEqual(s.accessors, [
    { typeId: outerId, idx: 0, name: undefined },
    { typeId: anon, idx: 1, name: 'in' },
    { typeId: inner, idx: 1, name: 'arr' },
    { typeId: int, idx: 2, name: undefined },
  ]);
  t.is(formatSpec(s), `[${outerId}] struct outer.in.arr[2] (0:1:1:1:2 @ offset 16)`);
  // The first index multiplies the root size: &p[3].a.
  t.is(parseLocalSpec(btf, outerId, '3:0', K.FIELD_BYTE_OFFSET).bitOffset, 3 * 40 * 8);
});

test('local spec: typedefs and qualifiers on the root are looked through', (t) => {
  const { btf, td, outerId } = outer();
  const s = parseLocalSpec(btf, td, '0:0', K.FIELD_BYTE_SIZE);
  t.is(s.rootTypeId, td);
  t.is(s.accessors[0]!.typeId, outerId);
  t.is(formatSpec(s), `[${td}] typedef outer_t.a (0:0 @ offset 0)`);
});

test('local spec: flexible array members may be indexed past their zero length', (t) => {
  const { btf, outerId } = outer();
  t.is(parseLocalSpec(btf, outerId, '0:2:5', K.FIELD_BYTE_OFFSET).bitOffset, 160 + 5 * 128);
  // A fixed array may not.
  t.throws(() => parseLocalSpec(btf, outerId, '0:1:1:1:3', K.FIELD_BYTE_OFFSET), { message: /array index 3 is out of range/ });
});

test('local spec: malformed access strings for the type are failures', (t) => {
  const { btf, outerId, int } = outer();
  t.throws(() => parseLocalSpec(btf, outerId, '0:3', K.FIELD_BYTE_OFFSET), { message: /member index 3 is out of range/ });
  t.throws(() => parseLocalSpec(btf, outerId, '0:0:1', K.FIELD_BYTE_OFFSET), { message: /reaches type \[\d+\] of kind int/ });
  t.throws(() => parseLocalSpec(btf, outerId, '0:0', K.TYPE_SIZE), { message: /expected '0'/ });
  t.throws(() => parseLocalSpec(btf, outerId, '0', K.ENUMVAL_VALUE), { message: /not an enum/ });
  t.throws(() => parseLocalSpec(btf, int, '0', 99), { message: /unknown relocation kind 99/ });
  t.is(parseLocalSpec(btf, outerId, '0', K.TYPE_SIZE).accessors.length, 0);
});

test('local spec: enum values record the enumerator name', (t) => {
  const b = new Tiny();
  const e = b.enum('e', { A: 0, B: 5 });
  const btf = b.build();
  const s = parseLocalSpec(btf, e, '1', K.ENUMVAL_VALUE);
  t.deepEqual(s.accessors, [{ typeId: e, idx: 1, name: 'B' }]);
  t.is(formatSpec(s), `[${e}] enum e::B = 5`);
  t.throws(() => parseLocalSpec(btf, e, '2', K.ENUMVAL_VALUE), { message: /enumerator index 2 is out of range/ });
  t.throws(() => parseLocalSpec(btf, e, '0:1', K.ENUMVAL_EXISTS), { message: /expected one index/ });
});
