// Elf64_Sym: the symbol table (.symtab).
//
// A BPF loader needs symbols to name programs (FUNC symbols in executable
// sections), maps and globals (OBJECT symbols in .maps/.data/...), and to
// resolve relocations. Each symbol's section index is resolved here, including
// SHN_XINDEX through the SHT_SYMTAB_SHNDX side table, and checked to name a
// real section, so consumers can index `sections` with it directly.

import type { ByteReader } from './bytes.ts';
import {
  ELF64_SYM_SIZE, SHN_LORESERVE, SHN_XINDEX, SHT_STRTAB, SHT_SYMTAB_SHNDX,
} from './constants.ts';
import { ElfError, hex } from './errors.ts';
import { describeSection, sectionAt, type ElfSection } from './sections.ts';
import type { ElfStringTable } from './strtab.ts';

export interface ElfSymbol {
  /** Position in the symbol table (what relocations refer to). */
  readonly index: number;
  readonly name: string;
  /** st_value: in a relocatable object, the offset within its section. */
  readonly value: number;
  readonly size: number;
  /** STT_* (low nibble of st_info). */
  readonly type: number;
  /** STB_* (high nibble of st_info). */
  readonly bind: number;
  /** STV_* (low 2 bits of st_other). */
  readonly visibility: number;
  /**
   * Section the symbol is defined in: a valid index into `sections`, or one of
   * SHN_UNDEF (0, undefined/extern), SHN_ABS, SHN_COMMON or another reserved
   * value >= SHN_LORESERVE. SHN_XINDEX is already resolved to the real index.
   */
  readonly sectionIndex: number;
}

/**
 * Symbols of one SHT_SYMTAB section, whose string table is its sh_link.
 * @param stringTable  the (cached) string table for an SHT_STRTAB section
 */
export function parseSymbols(
  r: ByteReader,
  sections: readonly ElfSection[],
  symtab: ElfSection,
  stringTable: (s: ElfSection) => ElfStringTable,
): ElfSymbol[] {
  const where = `section header ${symtab.index}`;
  const label = describeSection(symtab);
  if (symtab.entsize !== ELF64_SYM_SIZE) {
    throw new ElfError(where, symtab.headerOffset, `${label}: sh_entsize ${symtab.entsize}, expected 24 (sizeof Elf64_Sym)`);
  }
  if (symtab.size % ELF64_SYM_SIZE !== 0) {
    throw new ElfError(where, symtab.headerOffset, `${label}: sh_size ${hex(symtab.size)} is not a multiple of 24`);
  }
  const count = symtab.size / ELF64_SYM_SIZE;

  const strSec = sectionAt(sections, symtab.link, where, symtab.headerOffset, `${label}: sh_link (string table)`);
  if (strSec.type !== SHT_STRTAB) {
    throw new ElfError(
      where, symtab.headerOffset,
      `${label}: sh_link ${strSec.index} names ${describeSection(strSec)} of sh_type ${strSec.type}, expected SHT_STRTAB (3)`,
    );
  }
  const strings = stringTable(strSec);

  let shndx: ElfSection | null | undefined; // undefined = not looked up yet, null = none
  const symbols: ElfSymbol[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const at = symtab.offset + i * ELF64_SYM_SIZE;
    const whereSym = `symbol ${i} of ${label}`;
    const info = r.u8(at + 4);
    let sectionIndex = r.u16(at + 6);

    if (sectionIndex === SHN_XINDEX) {
      if (shndx === undefined) shndx = findShndx(sections, symtab, count);
      if (shndx === null) {
        throw new ElfError(whereSym, at, `st_shndx is SHN_XINDEX but no SHT_SYMTAB_SHNDX section links to ${label}`);
      }
      sectionIndex = r.u32(shndx.offset + i * 4);
      if (sectionIndex === 0 || sectionIndex >= sections.length) {
        throw new ElfError(
          whereSym, shndx.offset + i * 4,
          `extended section index ${sectionIndex} (from ${describeSection(shndx)}) out of range (${sections.length} sections)`,
        );
      }
    } else if (sectionIndex < SHN_LORESERVE && sectionIndex >= sections.length) {
      throw new ElfError(whereSym, at + 6, `st_shndx ${sectionIndex} out of range (${sections.length} sections)`);
    }

    symbols[i] = {
      index: i,
      name: strings.get(r.u32(at), whereSym, at, 'st_name'),
      value: r.u64(at + 8, whereSym, 'st_value'),
      size: r.u64(at + 16, whereSym, 'st_size'),
      type: info & 0xf,
      bind: info >> 4,
      visibility: r.u8(at + 5) & 0x3,
      sectionIndex,
    };
  }
  return symbols;
}

// The SHT_SYMTAB_SHNDX table parallel to `symtab`: one u32 per symbol holding
// the real section index of those whose st_shndx is SHN_XINDEX.
function findShndx(sections: readonly ElfSection[], symtab: ElfSection, count: number): ElfSection | null {
  const s = sections.find((x) => x.type === SHT_SYMTAB_SHNDX && x.link === symtab.index);
  if (s === undefined) return null;
  if (s.size < count * 4) {
    throw new ElfError(
      `section header ${s.index}`, s.headerOffset,
      `${describeSection(s)}: sh_size ${hex(s.size)} too small for ${count} symbol section indices (${hex(count * 4)})`,
    );
  }
  return s;
}
