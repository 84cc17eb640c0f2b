// Byte order: test/fixtures/elf/minimal.c compiled for bpfel and bpfeb. clang
// lays both out identically, so every parsed value must match; only the
// contents of data sections differ. Expected values recorded from
// `llvm-readelf-19 -S -s -r` on the fixtures.

import test from 'ava';
import {
  R_BPF_64_32, R_BPF_64_64, R_BPF_64_ABS32, R_BPF_64_ABS64, R_BPF_64_NODYLD32, SHN_ABS,
  STB_GLOBAL, STT_FILE, STT_FUNC, STT_OBJECT, parseElf, type ElfFile,
} from '../../src/elf/index.ts';
import { fixture } from './helpers/fixtures.ts';

const el = parseElf(fixture('elf/minimal-el.o'));
const eb = parseElf(fixture('elf/minimal-eb.o'));

// Everything but the byte order, as plain data.
function shape(elf: ElfFile) {
  return {
    sections: elf.sections.map((s) => ({ ...s })),
    symbols: elf.symbols().map((s) => ({ ...s })),
    relocations: elf.relocations().map((r) => ({
      section: r.section.index,
      target: r.target.index,
      symtab: r.symbolTable.index,
      entries: r.entries.map((e) => [e.offset, e.type, e.symbolIndex, e.addend]),
    })),
  };
}

test('EI_DATA selects the byte order', (t) => {
  t.true(el.littleEndian);
  t.false(eb.littleEndian);
  t.true(el.header.littleEndian);
  t.false(eb.header.littleEndian);
  // Header fields decode to the same values in both orders.
  t.deepEqual({ ...eb.header, littleEndian: true }, { ...el.header });
  t.like(eb.header, { shoff: 0x1370, shnum: 32, shstrndx: 1, shentsize: 64, ehsize: 64 });
});

test('both byte orders parse to the same sections, symbols and relocations', (t) => {
  t.deepEqual(shape(eb), shape(el));
});

test('minimal-eb.o matches readelf', (t) => {
  t.is(eb.sections.length, 32);
  t.deepEqual(eb.sections.slice(0, 11).map((s) => [s.name, s.offset, s.size]), [
    ['', 0, 0],
    ['.strtab', 0x1234, 0x139],
    ['.text', 0x40, 0x50],
    ['.rel.text', 0xdc0, 0x20],
    ['xdp', 0x90, 0x90],
    ['.relxdp', 0xde0, 0x30],
    ['.rodata', 0x120, 4],
    ['.data', 0x128, 8],
    ['.maps', 0x130, 0x20],
    ['license', 0x150, 4],
    ['.bss', 0x158, 8],
  ]);
  t.like(eb.sectionByName('.symtab'), { index: 31, offset: 0xbe0, size: 0x1e0, entsize: 24, link: 1, info: 14 });

  const syms = eb.symbols();
  t.is(syms.length, 20);
  t.like(syms[1], { name: 'minimal.c', type: STT_FILE, sectionIndex: SHN_ABS });
  t.like(syms[4], { name: 'bump', type: STT_FUNC, size: 80, sectionIndex: 2 });
  t.like(syms[14], { name: 'count', type: STT_FUNC, bind: STB_GLOBAL, size: 144, sectionIndex: 4 });
  t.deepEqual(syms.slice(15).map((s) => [s.name, s.type, s.size, s.sectionIndex]), [
    ['counters', STT_OBJECT, 32, 8],
    ['seen', STT_OBJECT, 8, 7],
    ['scale', STT_OBJECT, 4, 6],
    ['total', STT_OBJECT, 8, 10],
    ['_license', STT_OBJECT, 4, 9],
  ]);

  t.deepEqual(eb.relocations().map((r) => [r.section.name, r.target.name, r.entries.length]), [
    ['.rel.text', '.text', 2],
    ['.relxdp', 'xdp', 3],
    ['.rel.debug_info', '.debug_info', 6],
    ['.rel.debug_str_offsets', '.debug_str_offsets', 25],
    ['.rel.debug_addr', '.debug_addr', 8],
    ['.rel.BTF', '.BTF', 5],
    ['.rel.BTF.ext', '.BTF.ext', 14],
    ['.rel.debug_frame', '.debug_frame', 4],
    ['.rel.debug_line', '.debug_line', 4],
  ]);
  const [text, xdp, , , addr, btf] = eb.relocations();
  t.deepEqual(text!.entries.map((e) => [e.offset, e.type, e.symbol.name]), [
    [0x0, R_BPF_64_64, 'scale'],
    [0x20, R_BPF_64_64, 'total'],
  ]);
  t.deepEqual(xdp!.entries.map((e) => [e.offset, e.type, e.symbolIndex]), [
    [0x20, R_BPF_64_64, 15], // counters
    [0x48, R_BPF_64_64, 16], // seen
    [0x60, R_BPF_64_32, 2], // call bump: via the .text section symbol
  ]);
  t.true(addr!.entries.every((e) => e.type === R_BPF_64_ABS64));
  t.deepEqual(btf!.entries.map((e) => e.type), [R_BPF_64_NODYLD32, R_BPF_64_NODYLD32, R_BPF_64_NODYLD32, R_BPF_64_ABS32, R_BPF_64_NODYLD32]);
});

test('section contents keep the byte order of the target', (t) => {
  const data = (elf: ElfFile, name: string) => [...elf.sectionData(elf.sectionByName(name)!)];
  // volatile const u32 scale = 3; u64 seen = 1;
  t.deepEqual(data(el, '.rodata'), [3, 0, 0, 0]);
  t.deepEqual(data(eb, '.rodata'), [0, 0, 0, 3]);
  t.deepEqual(data(el, '.data'), [1, 0, 0, 0, 0, 0, 0, 0]);
  t.deepEqual(data(eb, '.data'), [0, 0, 0, 0, 0, 0, 0, 1]);
  t.deepEqual(data(eb, 'license'), [...new TextEncoder().encode('GPL\0')]);
  // Second instruction of xdp: `*(u32 *)(r10 - 4) = r1` (stx, opcode 0x63).
  // The dst/src register nibbles and the 16-bit offset swap with the order.
  t.deepEqual(data(el, 'xdp').slice(8, 12), [0x63, 0x1a, 0xfc, 0xff]);
  t.deepEqual(data(eb, 'xdp').slice(8, 12), [0x63, 0xa1, 0xff, 0xfc]);
});
