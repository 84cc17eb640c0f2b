// What clang does not emit for BPF but ELF allows, on synthetic objects:
// SHT_RELA with explicit addends, extended section numbering (e_shnum = 0,
// e_shstrndx = SHN_XINDEX), SHN_XINDEX symbols via SHT_SYMTAB_SHNDX,
// SHN_COMMON/SHN_ABS, and files without section names or section table.

import test from 'ava';
import {
  ElfError, R_BPF_64_32, R_BPF_64_64, SHN_ABS, SHN_COMMON, SHN_UNDEF, SHN_XINDEX, SHT_NOBITS,
  SHT_PROGBITS, SHT_RELA, SHT_STRTAB, SHT_SYMTAB, SHT_SYMTAB_SHNDX, STB_GLOBAL, STB_WEAK,
  STT_FUNC, STT_OBJECT, STV_HIDDEN, parseElf,
} from '../../src/elf/index.ts';
import { buildElf, relBytes, strtab, symtabBytes, u32Bytes, type SectionSpec } from './helpers/build-elf.ts';

// Sections: 1 .text, 2 .data, 3 .bss, 4 .strtab, 5 .symtab, 6 .rela.text (+ 7 .shstrtab)
function relaObject(le: boolean): Uint8Array {
  const names = strtab(['prog', 'weak_obj', 'common_obj', 'abs_sym']);
  const o = (n: string) => names.offsets.get(n)!;
  const syms = symtabBytes(le, [
    { nameOffset: 0, shndx: SHN_UNDEF },
    { nameOffset: o('prog'), type: STT_FUNC, bind: STB_GLOBAL, shndx: 1, size: 16 },
    { nameOffset: o('weak_obj'), type: STT_OBJECT, bind: STB_WEAK, other: STV_HIDDEN, shndx: 2, value: 8, size: 8 },
    { nameOffset: o('common_obj'), type: STT_OBJECT, bind: STB_GLOBAL, shndx: SHN_COMMON, value: 16, size: 64 },
    { nameOffset: o('abs_sym'), bind: STB_GLOBAL, shndx: SHN_ABS, value: 0x1234_5678_9abcn },
  ]);
  const relas = relBytes(le, [
    { offset: 0, sym: 2, type: R_BPF_64_64, addend: -8 },
    { offset: 8, sym: 1, type: R_BPF_64_32, addend: 0x7fff_ffff_ffn },
  ], true);
  return buildElf([
    { name: '.text', type: SHT_PROGBITS, flags: 6, data: new Uint8Array(16), addralign: 8 },
    { name: '.data', type: SHT_PROGBITS, flags: 3, data: new Uint8Array(16), addralign: 8 },
    { name: '.bss', type: SHT_NOBITS, flags: 3, size: 2 ** 40, addralign: 8 }, // 1 TiB, no file bytes
    { name: '.strtab', type: SHT_STRTAB, data: names.data },
    { name: '.symtab', type: SHT_SYMTAB, data: syms, link: 4, info: 1, entsize: 24, addralign: 8 },
    { name: '.rela.text', type: SHT_RELA, data: relas, link: 5, info: 1, entsize: 24, addralign: 8 },
  ], { littleEndian: le });
}

for (const le of [true, false]) {
  const order = le ? 'little-endian' : 'big-endian';

  test(`SHT_RELA with signed addends (${order})`, (t) => {
    const elf = parseElf(relaObject(le));
    t.is(elf.littleEndian, le);
    t.deepEqual(elf.sections.map((s) => s.name), ['', '.text', '.data', '.bss', '.strtab', '.symtab', '.rela.text', '.shstrtab']);
    const [rs] = elf.relocations();
    t.true(rs!.hasAddend);
    t.is(rs!.target.name, '.text');
    t.is(rs!.symbolTable.name, '.symtab');
    t.deepEqual(rs!.entries.map((e) => [e.offset, e.symbolIndex, e.symbol.name, e.type, e.addend]), [
      [0, 2, 'weak_obj', R_BPF_64_64, -8],
      [8, 1, 'prog', R_BPF_64_32, 0x7fff_ffff_ff],
    ]);
  });

  test(`symbol binding, visibility and special section indices (${order})`, (t) => {
    const syms = parseElf(relaObject(le)).symbols();
    t.like(syms[2], { name: 'weak_obj', bind: STB_WEAK, visibility: STV_HIDDEN, value: 8, size: 8, sectionIndex: 2 });
    t.like(syms[3], { name: 'common_obj', sectionIndex: SHN_COMMON, value: 16, size: 64 });
    t.like(syms[4], { name: 'abs_sym', sectionIndex: SHN_ABS, value: 0x1234_5678_9abc });
  });
}

test('a huge SHT_NOBITS section is reported, not allocated', (t) => {
  const elf = parseElf(relaObject(true));
  const bss = elf.sectionByName('.bss')!;
  t.is(bss.size, 2 ** 40);
  t.is(elf.sectionData(bss).length, 0);
});

test('extended section numbering: count and name index taken from section 0', (t) => {
  for (const le of [true, false]) {
    const elf = parseElf(buildElf([
      { name: '.text', type: SHT_PROGBITS, data: new Uint8Array(8) },
      { name: 'maps', type: SHT_PROGBITS, data: new Uint8Array(4) },
    ], { littleEndian: le, extendedNumbering: true }));
    t.is(elf.header.shnum, 0);
    t.is(elf.header.shstrndx, SHN_XINDEX);
    t.is(elf.sections.length, 4);
    t.is(elf.sectionNamesIndex, 3);
    t.deepEqual(elf.sections.map((s) => s.name), ['', '.text', 'maps', '.shstrtab']);
    t.is(elf.sections[0]!.size, 4); // section 0 carries the count, it has no data
    t.is(elf.sectionData(elf.sections[0]!).length, 0);
  }
});

test('more than SHN_LORESERVE sections: SHN_XINDEX symbols resolve through SHT_SYMTAB_SHNDX', (t) => {
  // 0xff10 sections, so the last ones can only be named via SHN_XINDEX.
  const names = strtab(['far_obj', 'near_fn']);
  const filler = 0xff10 - 5; // null + .strtab + .symtab + .symtab_shndx + .shstrtab are the other 5
  const specs: SectionSpec[] = [
    { name: '.strtab', type: SHT_STRTAB, data: names.data }, // 1
  ];
  for (let i = 0; i < filler; i++) specs.push({ name: 's', type: SHT_PROGBITS, data: i === 0 ? new Uint8Array([42]) : undefined });
  const symtabIndex = specs.length + 1;
  const far = 0xff0a; // a real section index >= SHN_LORESERVE
  const syms = symtabBytes(false, [
    { nameOffset: 0, shndx: SHN_UNDEF },
    { nameOffset: names.offsets.get('far_obj')!, type: STT_OBJECT, shndx: SHN_XINDEX, value: 4 },
    { nameOffset: names.offsets.get('near_fn')!, type: STT_FUNC, shndx: 2 },
  ]);
  specs.push({ name: '.symtab', type: SHT_SYMTAB, data: syms, link: 1, entsize: 24 });
  specs.push({ name: '.symtab_shndx', type: SHT_SYMTAB_SHNDX, data: u32Bytes(false, [0, far, 0]), link: symtabIndex, entsize: 4 });

  const elf = parseElf(buildElf(specs, { littleEndian: false, extendedNumbering: true }));
  t.is(elf.sections.length, 0xff10);
  t.is(elf.sectionNamesIndex, 0xff0f);
  t.is(elf.sections[0xff0f]!.name, '.shstrtab');
  t.is(elf.sections[far]!.name, 's');
  t.deepEqual([...elf.sectionData(elf.sections[2]!)], [42]);
  const [, farSym, nearSym] = elf.symbols();
  t.like(farSym, { name: 'far_obj', sectionIndex: far, value: 4 });
  t.like(nearSym, { name: 'near_fn', sectionIndex: 2 });
});

test('SHN_XINDEX without an SHT_SYMTAB_SHNDX section is an error', (t) => {
  const names = strtab(['x']);
  const elf = parseElf(buildElf([
    { name: '.strtab', type: SHT_STRTAB, data: names.data },
    { name: '.symtab', type: SHT_SYMTAB, data: symtabBytes(true, [{ nameOffset: 0, shndx: 0 }, { nameOffset: 1, shndx: SHN_XINDEX }]), link: 1, entsize: 24 },
  ]));
  t.throws(() => elf.symbols(), {
    instanceOf: ElfError,
    message: /^ELF: symbol 1 of section 2 \(\.symtab\) at offset 0x[0-9a-f]+: st_shndx is SHN_XINDEX but no SHT_SYMTAB_SHNDX section/,
  });
});

test('no section name table (e_shstrndx = SHN_UNDEF): sections are unnamed', (t) => {
  const elf = parseElf(buildElf([{ name: '.text', type: SHT_PROGBITS, data: new Uint8Array(8) }], { noNames: true }));
  t.is(elf.sectionNamesIndex, 0);
  t.deepEqual(elf.sections.map((s) => s.name), ['', '']);
  t.is(elf.sectionByName('.text'), undefined);
});

test('no section header table at all: empty, no symbols, no relocations', (t) => {
  const elf = parseElf(buildElf([], { noSectionTable: true }));
  t.deepEqual(elf.sections, []);
  t.deepEqual(elf.symbols(), []);
  t.deepEqual(elf.relocations(), []);
  t.is(elf.symbolTable(), undefined);
});

test('stringAt reads any SHT_STRTAB; offsets are checked', (t) => {
  const elf = parseElf(relaObject(true));
  const str = elf.sectionByName('.strtab')!;
  t.is(elf.stringAt(str, 1), 'prog');
  t.is(elf.stringAt(str, 3), 'og'); // suffix sharing is legal
  t.is(elf.stringAt(str, 0), '');
  t.throws(() => elf.stringAt(str, 999), { instanceOf: ElfError, message: /string offset 0x3e7 is beyond the end of string table section 4 \(\.strtab\)/ });
  t.throws(() => elf.stringAt(elf.sectionByName('.text')!, 0), { instanceOf: ElfError, message: /is not SHT_STRTAB/ });
});

test('sections from another file are refused', (t) => {
  const a = parseElf(relaObject(true));
  const b = parseElf(relaObject(true));
  t.throws(() => a.sectionData(b.sections[1]!), { instanceOf: ElfError, message: /does not belong to this file/ });
});

test('a non-Uint8Array input is an ElfError', (t) => {
  t.throws(() => parseElf(null as unknown as Uint8Array), { instanceOf: ElfError, message: /expected a Uint8Array/ });
  t.throws(() => parseElf('ELF' as unknown as Uint8Array), { instanceOf: ElfError });
});

test('Node Buffers from the shared pool (non-zero byteOffset) parse correctly', (t) => {
  const bytes = relaObject(false);
  const pool = new Uint8Array(bytes.length + 13);
  pool.set(bytes, 13);
  const elf = parseElf(pool.subarray(13));
  t.is(elf.relocations()[0]!.entries[0]!.addend, -8);
  t.is(elf.sectionData(elf.sectionByName('.strtab')!).byteOffset, 13 + elf.sectionByName('.strtab')!.offset);
});
