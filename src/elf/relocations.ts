// Elf64_Rel / Elf64_Rela: relocation sections.
//
// clang's BPF backend emits SHT_REL (implicit addends, stored in the bytes
// being patched); SHT_RELA is accepted too since it is what other producers
// use for the same job. Each section applies to the section named by sh_info
// and draws symbols from the symbol table named by sh_link; both links and
// every entry's symbol index are checked here so a loader never has to.

import type { ByteReader } from './bytes.ts';
import { ELF64_REL_SIZE, ELF64_RELA_SIZE, SHT_RELA, SHT_SYMTAB } from './constants.ts';
import { ElfError, hex } from './errors.ts';
import { describeSection, sectionAt, type ElfSection } from './sections.ts';
import type { ElfSymbol } from './symbols.ts';

export interface ElfRelocation {
  /** r_offset: byte offset within the target section of the field to patch. */
  readonly offset: number;
  /** Symbol table index (high 32 bits of r_info); 0 means "no symbol". */
  readonly symbolIndex: number;
  /** The symbol at `symbolIndex` in the linked symbol table. */
  readonly symbol: ElfSymbol;
  /** R_BPF_* (low 32 bits of r_info); unknown types are passed through. */
  readonly type: number;
  /**
   * r_addend for SHT_RELA. 0 for SHT_REL, whose addend is implicit: it is the
   * value already stored at `offset` in the target section.
   */
  readonly addend: number;
}

export interface ElfRelocationSection {
  /** The SHT_REL/SHT_RELA section itself (e.g. `.relxdp`). */
  readonly section: ElfSection;
  /** The section the relocations patch (sh_info), e.g. `xdp`. */
  readonly target: ElfSection;
  /** The symbol table the entries index (sh_link). */
  readonly symbolTable: ElfSection;
  /** True for SHT_RELA (explicit addends). */
  readonly hasAddend: boolean;
  readonly entries: ElfRelocation[];
}

/**
 * @param symbolsOf  symbols of a given SHT_SYMTAB section (parsed once, cached by the caller)
 */
export function parseRelocationSection(
  r: ByteReader,
  sections: readonly ElfSection[],
  rel: ElfSection,
  symbolsOf: (symtab: ElfSection) => ElfSymbol[],
): ElfRelocationSection {
  const where = `section header ${rel.index}`;
  const label = describeSection(rel);
  const hasAddend = rel.type === SHT_RELA;
  const entSize = hasAddend ? ELF64_RELA_SIZE : ELF64_REL_SIZE;
  const kind = hasAddend ? 'Elf64_Rela' : 'Elf64_Rel';

  if (rel.entsize !== entSize) {
    throw new ElfError(where, rel.headerOffset, `${label}: sh_entsize ${rel.entsize}, expected ${entSize} (sizeof ${kind})`);
  }
  if (rel.size % entSize !== 0) {
    throw new ElfError(where, rel.headerOffset, `${label}: sh_size ${hex(rel.size)} is not a multiple of ${entSize}`);
  }
  const target = sectionAt(sections, rel.info, where, rel.headerOffset, `${label}: sh_info (target section)`);
  const symtab = sectionAt(sections, rel.link, where, rel.headerOffset, `${label}: sh_link (symbol table)`);
  if (symtab.type !== SHT_SYMTAB) {
    throw new ElfError(
      where, rel.headerOffset,
      `${label}: sh_link ${symtab.index} names ${describeSection(symtab)} of sh_type ${symtab.type}, expected SHT_SYMTAB (2)`,
    );
  }
  const symbols = symbolsOf(symtab);

  const count = rel.size / entSize;
  const entries: ElfRelocation[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const at = rel.offset + i * entSize;
    const whereRel = `relocation ${i} of ${label}`;
    // r_info = (sym << 32) | type, read as one 64-bit field in file byte
    // order; taking the halves separately avoids a lossy 64-bit number.
    const hiOff = r.littleEndian ? at + 12 : at + 8;
    const loOff = r.littleEndian ? at + 8 : at + 12;
    const symbolIndex = r.u32(hiOff);
    const symbol = symbols[symbolIndex];
    if (symbol === undefined) {
      throw new ElfError(
        whereRel, at,
        `symbol index ${symbolIndex} out of range: ${describeSection(symtab)} has ${symbols.length} symbols`,
      );
    }
    entries[i] = {
      offset: r.u64(at, whereRel, 'r_offset'),
      symbolIndex,
      symbol,
      type: r.u32(loOff),
      addend: hasAddend ? r.i64(at + 16, whereRel, 'r_addend') : 0,
    };
  }
  return { section: rel, target, symbolTable: symtab, hasAddend, entries };
}
