// Touch everything a loader would: every section's bytes and name, every
// symbol, every relocation and its symbol. Used by the malformed-input and
// fuzz tests, where lazily parsed parts must be forced to parse too.

import { SHT_STRTAB, type ElfFile } from '../../../src/elf/index.ts';

export function walk(elf: ElfFile): number {
  let n = 0;
  for (const s of elf.sections) {
    n += elf.sectionData(s).length + s.name.length;
    if (s.type === SHT_STRTAB && s.size > 0) n += elf.stringAt(s, 0).length;
  }
  for (const sym of elf.symbols()) n += sym.name.length + sym.sectionIndex;
  for (const rs of elf.relocations()) {
    n += rs.target.index + rs.symbolTable.index;
    for (const r of rs.entries) n += r.symbol.index + r.type;
  }
  return n;
}
