/**
 * Malformed raw BTF: every problem is a BtfError whose message names the
 * byte offset or type id involved, whether it is found while parsing
 * (header, string table, record walk) or while decoding a type lazily.
 */
import test from 'ava';
import { Btf, BtfBuilder, BtfError, UAPI_LAYOUT, type TypeSpec } from '../../src/btf/index.ts';
import { fixture } from './helpers.ts';

/**
 * fwd_decl-el.btf (154 bytes): 24-byte header; types at 24..88:
 * [1] FUNC_PROTO @24, [2] INT @36, [3] FUNC @52, [4] FUNC_PROTO @64, [5] FUNC @76;
 * 66 bytes of strings at 88.
 */
const base = (): Uint8Array => fixture('fwd_decl-el.btf');
const put32 = (b: Uint8Array, at: number, v: number): Uint8Array => {
  new DataView(b.buffer, b.byteOffset).setUint32(at, v >>> 0, true);
  return b;
};
const with32 = (at: number, v: number): Uint8Array => put32(base(), at, v);
const kindInfo = (kind: number, vlen = 0, flag = 0): number => ((flag << 31) | (kind << 24) | vlen) >>> 0;

const parseFails = (t: import('ava').ExecutionContext, data: Uint8Array, message: RegExp): void => {
  t.throws(() => Btf.parse(data), { instanceOf: BtfError, message });
};
const decodeFails = (t: import('ava').ExecutionContext, data: Uint8Array, id: number, message: RegExp): void => {
  const btf = Btf.parse(data); // the record walk is fine...
  t.throws(() => btf.typeById(id), { instanceOf: BtfError, message }); // ...the record's content is not
};

test('the fixture this file mutates is what the comments say', (t) => {
  const btf = Btf.parse(base());
  t.deepEqual([...btf.types()].map((ty) => ty.kind), ['func_proto', 'int', 'func', 'func_proto', 'func']);
  t.deepEqual(btf.header, {
    littleEndian: true, version: 1, flags: 0, hdrLen: 24, typeOff: 0, typeLen: 64, strOff: 64, strLen: 66, layoutOff: 0, layoutLen: 0,
  });
});

test('header problems', (t) => {
  parseFails(t, new Uint8Array(0), /0 bytes is too short for the 24-byte header/);
  parseFails(t, base().subarray(0, 23), /23 bytes is too short/);
  parseFails(t, base().map((b, i) => (i < 2 ? 0 : b)), /bad magic 0x0000 at offset 0/);
  parseFails(t, base().map((b, i) => (i === 2 ? 2 : b)), /unsupported version 2 at offset 2/);
  parseFails(t, with32(4, 20), /hdr_len 20 at offset 4 is below 24/);
  parseFails(t, with32(4, 1000), /hdr_len 1000 at offset 4 runs past the end of the data \(154 bytes\)/);
  parseFails(t, with32(12, 1000), /type section \[0, 1000\) runs past the 130 bytes after the header/);
  parseFails(t, with32(20, 1000), /string section \[64, 1064\) runs past/);
  parseFails(t, put32(with32(8, 2), 12, 60), /type_off 2 is not 4-byte aligned/);
  parseFails(t, with32(12, 62), /type_len 62 is not a multiple of 4/);
  parseFails(t, with32(16, 0), /type section \[0, 64\) overlaps string section \[0, 66\)/);
  parseFails(t, with32(4, 0xffffffff), /hdr_len 4294967295/);
});

test('string section problems', (t) => {
  parseFails(t, base().map((b, i) => (i === 88 ? 0x78 : b)), /does not start with the empty string/);
  parseFails(t, base().map((b, i) => (i === 153 ? 0x78 : b)), /does not end with NUL \(last byte at offset 65\)/);
  parseFails(t, with32(20, 0), /string section is empty/);
  decodeFails(t, with32(52, 5000), 3, /type \[3\] \(func\) at offset 52: name string offset 5000 is out of range \(string table is 66 bytes\)/);
  decodeFails(t, with32(52, 66), 3, /string offset 66 is out of range/);
});

test('record walk problems: truncation, overrun, unknown kinds', (t) => {
  // type_len 60 cuts [5] (12 bytes at 76) to 8 bytes.
  parseFails(t, with32(12, 60), /type \[5\] at offset 76: 8 bytes left, too few for a record header/);
  // [1] FUNC_PROTO claiming 100 params runs past the section end at 88.
  parseFails(t, with32(28, kindInfo(13, 100)), /type \[1\] \(func_proto\) at offset 24: record of 812 bytes runs past the end of the type section at 88/);
  parseFails(t, with32(28, kindInfo(25)), /type \[1\] at offset 24: unknown kind 25/);
  parseFails(t, with32(28, kindInfo(0)), /type \[1\] at offset 24: unknown kind 0/);
  parseFails(t, with32(28, kindInfo(13, 0xffffff)), /runs past the end/); // largest vlen: no huge allocation
  const empty = put32(put32(with32(12, 0), 16, 0), 20, 1);
  t.is(Btf.parse(empty.subarray(0, 25)).typeCount, 0); // no types at all is fine
});

test('decode problems: out-of-range type ids, linkage, component_idx', (t) => {
  decodeFails(t, with32(60, 99), 3, /type \[3\] \(func\) at offset 52: prototype refers to type id 99, but the last type id is 5/);
  decodeFails(t, with32(56, kindInfo(12, 5)), 3, /type \[3\] \(func\) at offset 52: unknown func linkage 5/);
  decodeFails(t, with32(32, 6), 1, /type \[1\] \(func_proto\) at offset 24: return type refers to type id 6/);

  // Hand-built records for the kinds fwd_decl does not have: the int at [1] is 16 bytes at 24,
  // so the second type's record starts at 40 and its first trailing u32 at 52.
  const int: TypeSpec = { kind: 'int', name: 'int', size: 4, encoding: 1, bitOffset: 0, bits: 32 };
  const two = (second: TypeSpec): Uint8Array => {
    const b = new BtfBuilder();
    b.add(int);
    b.add(second);
    return b.encode();
  };
  const struct = two({ kind: 'struct', name: 's', size: 4, kindFlag: false, members: [{ name: 'm', type: 1, bitOffset: 0, bitfieldSize: 0 }] });
  decodeFails(t, put32(struct, 56, 50), 2, /type \[2\] \(struct\) at offset 40: member 0 refers to type id 50, but the last type id is 2/);
  decodeFails(t, put32(struct, 52, 9999), 2, /member 0 string offset 9999 is out of range/);
  const v = two({ kind: 'var', name: 'v', type: 1, linkage: 'global' });
  decodeFails(t, put32(v, 52, 9), 2, /unknown var linkage 9/);
  const tag = two({ kind: 'decl_tag', name: 't', type: 1, componentIdx: -1, attribute: false });
  decodeFails(t, put32(tag, 52, -3), 2, /component_idx -3 is below -1/);
  const arr = two({ kind: 'array', name: '', type: 1, indexType: 1, nelems: 1 });
  decodeFails(t, put32(arr, 56, 3), 2, /index type refers to type id 3/);
  const sec = two({ kind: 'datasec', name: '.data', size: 4, vars: [{ type: 1, offset: 0, size: 4 }] });
  decodeFails(t, put32(sec, 52, 7), 2, /secinfo 0 refers to type id 7/);
});

test('bad type ids passed in are BtfErrors', (t) => {
  const btf = Btf.parse(base());
  for (const id of [6, -1, 1.5, Number.NaN, 2 ** 40]) {
    t.throws(() => btf.typeById(id), { instanceOf: BtfError, message: /is out of range \(valid ids are 0 to 5\)/ });
    t.throws(() => btf.kindOf(id), { instanceOf: BtfError });
  }
});

test('split BTF must match its base byte order', (t) => {
  const b = BtfBuilder.from(Btf.parse(base()));
  b.littleEndian = false;
  const bigBase = Btf.parse(b.encode());
  const split = new BtfBuilder({ base: Btf.parse(base()) });
  split.add({ kind: 'ptr', name: '', type: 2 });
  t.throws(() => Btf.parse(split.encode(), { base: bigBase }), { instanceOf: BtfError, message: /different byte orders/ });
});

test('layout section: kinds newer than ours are skipped and kept raw; contradictions are refused', (t) => {
  // A kind 20 record (e.g. a future LOC_PARAM) with one u32 of info and 4 bytes per vlen element.
  const layout = [...UAPI_LAYOUT, { infoSize: 4, elemSize: 4, flags: 0 }];
  const b = new BtfBuilder({ layout });
  b.add({ kind: 'int', name: 'int', size: 4, encoding: 1, bitOffset: 0, bits: 32 });
  const data = Uint8Array.of(1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0);
  b.add({ kind: 'unknown', name: 'future', rawKind: 20, info: kindInfo(20, 2), sizeOrType: 4, data, littleEndian: true });
  b.add({ kind: 'ptr', name: '', type: 2 });
  const raw = b.encode();
  const btf = Btf.parse(raw);
  t.is(btf.typeCount, 3);
  t.deepEqual(btf.typeById(2), {
    kind: 'unknown', id: 2, name: 'future', rawKind: 20, info: kindInfo(20, 2), sizeOrType: 4, data, littleEndian: true,
  });
  t.is(btf.kindOf(2), 'unknown');
  t.is(btf.typeName(3), '<kind 20> future *');
  t.throws(() => btf.sizeOf(2), { instanceOf: BtfError, message: /unknown/ });
  t.deepEqual(BtfBuilder.from(btf).encode(), raw);
  // Encoding unknown data in the other byte order is impossible.
  const swapped = BtfBuilder.from(btf);
  swapped.littleEndian = false;
  t.throws(() => swapped.encode(), { instanceOf: BtfError, message: /kind 20 data cannot be converted/ });
  // Without a layout entry for it, the same record stops the walk.
  const noLayout = BtfBuilder.from(btf);
  noLayout.layout = undefined;
  t.throws(() => Btf.parse(noLayout.encode()), { instanceOf: BtfError, message: /type \[2\] at offset 40: unknown kind 20/ });
  // A layout that disagrees with the UAPI about a known kind would misread every record.
  const lying = new BtfBuilder({ layout: UAPI_LAYOUT.map((l, k) => (k === 4 ? { ...l, elemSize: 16 } : l)) });
  lying.add({ kind: 'int', name: 'int', size: 4, encoding: 1, bitOffset: 0, bits: 32 });
  t.throws(() => Btf.parse(lying.encode()), { instanceOf: BtfError, message: /layout section says struct records are 0 \+ vlen \* 16 bytes/ });
});
