// ElfFile: the parsed object, and parseElf, its only constructor.
//
// Parsing is split by cost and need: the header and section table are parsed
// and fully validated up front (every loader needs them, and it makes section
// data views safe to hand out), while symbols and relocations are parsed on
// first use and cached. Every public entry point runs under guard() so only
// ElfError can escape, whatever the bytes.

import type { ByteReader } from './bytes.ts';
import { SHT_DYNSYM, SHT_REL, SHT_RELA, SHT_STRTAB, SHT_SYMTAB } from './constants.ts';
import { ElfError, guard, hex } from './errors.ts';
import { parseHeader, type ElfHeader, type HeaderOptions } from './header.ts';
import { parseRelocationSection, type ElfRelocationSection } from './relocations.ts';
import { describeSection, parseSections, sectionBytes, stringTableLabel, type ElfSection } from './sections.ts';
import { ElfStringTable } from './strtab.ts';
import { parseSymbols, type ElfSymbol } from './symbols.ts';

/** Parse an ELF64 relocatable eBPF object. The bytes are not copied; do not mutate them afterwards. */
export function parseElf(bytes: Uint8Array, opts: HeaderOptions = {}): ElfFile {
  return guard('ELF file', () => {
    if (!(bytes instanceof Uint8Array)) {
      throw new ElfError('input', 0, `expected a Uint8Array, got ${bytes === null ? 'null' : typeof bytes}`);
    }
    const { header, reader } = parseHeader(bytes, opts);
    const { sections, namesIndex } = parseSections(reader, header);
    return new ElfFile(reader, header, sections, namesIndex);
  });
}

export class ElfFile {
  readonly bytes: Uint8Array;
  readonly littleEndian: boolean;
  private readonly byName = new Map<string, ElfSection>();
  private readonly symbolCache = new Map<number, ElfSymbol[]>();
  // One table object per SHT_STRTAB section, so repeated lookups (symbols,
  // stringAt) share its cache and its scan budget.
  private readonly stringTables = new Map<number, ElfStringTable>();
  private relocationCache: ElfRelocationSection[] | undefined;

  /** @internal use parseElf */
  constructor(
    private readonly reader: ByteReader,
    readonly header: ElfHeader,
    readonly sections: readonly ElfSection[],
    /** Resolved index of the section name table (0 if none). */
    readonly sectionNamesIndex: number,
  ) {
    this.bytes = reader.bytes;
    this.littleEndian = reader.littleEndian;
    // First one wins: names are not unique in ELF, but in practice they are
    // in BPF objects, and the first is what readelf and libbpf would find.
    for (const s of sections) if (!this.byName.has(s.name)) this.byName.set(s.name, s);
  }

  sectionByName(name: string): ElfSection | undefined {
    return this.byName.get(name);
  }

  /**
   * The section's bytes as a view into the original input (no copy). Empty
   * for SHT_NOBITS (.bss), whose `size` is still the size it occupies in memory.
   */
  sectionData(section: ElfSection): Uint8Array {
    this.own(section);
    return sectionBytes(this.bytes, section);
  }

  /** The NUL-terminated string at `offset` in an SHT_STRTAB section. */
  stringAt(section: ElfSection, offset: number): string {
    return guard('string table', () => {
      this.own(section);
      const where = `section header ${section.index}`;
      if (section.type !== SHT_STRTAB) {
        throw new ElfError(where, section.headerOffset, `${describeSection(section)} is not SHT_STRTAB (sh_type ${section.type})`);
      }
      return this.stringTable(section).get(offset, where, section.headerOffset, 'string offset');
    });
  }

  /** The SHT_SYMTAB section, if any. An object may have at most one. */
  symbolTable(): ElfSection | undefined {
    const all = this.sections.filter((s) => s.type === SHT_SYMTAB);
    if (all.length > 1) {
      const [, second] = all;
      throw new ElfError(
        `section header ${second!.index}`, second!.headerOffset,
        `more than one SHT_SYMTAB section (${all.map((s) => s.index).join(', ')})`,
      );
    }
    return all[0];
  }

  /** Symbols of .symtab, in table order (index 0 is the null symbol). [] if there is no symbol table. */
  symbols(): readonly ElfSymbol[] {
    return guard('symbol table', () => {
      const symtab = this.symbolTable();
      return symtab === undefined ? [] : this.symbolsOf(symtab);
    });
  }

  /** Symbols of .dynsym (SHT_DYNSYM), for shared libraries and stripped executables. [] if absent. */
  dynamicSymbols(): readonly ElfSymbol[] {
    return guard('dynamic symbol table', () => {
      const dynsym = this.sections.find((s) => s.type === SHT_DYNSYM);
      return dynsym === undefined ? [] : this.symbolsOf(dynsym);
    });
  }

  /** Every SHT_REL and SHT_RELA section, in section order, with entries decoded and checked. */
  relocations(): readonly ElfRelocationSection[] {
    return guard('relocations', () => {
      if (this.relocationCache === undefined) {
        // Enforces a single SHT_SYMTAB, so every sh_link of type SHT_SYMTAB
        // below is that table and symbols are decoded once, not per link.
        this.symbolTable();
        const rels = this.sections.filter((s) => s.type === SHT_REL || s.type === SHT_RELA);
        checkNoOverlap(rels);
        this.relocationCache = rels.map((s) =>
          parseRelocationSection(this.reader, this.sections, s, (t) => this.symbolsOf(t)));
      }
      return this.relocationCache;
    });
  }

  private symbolsOf(symtab: ElfSection): ElfSymbol[] {
    let syms = this.symbolCache.get(symtab.index);
    if (syms === undefined) {
      syms = parseSymbols(this.reader, this.sections, symtab, (t) => this.stringTable(t));
      this.symbolCache.set(symtab.index, syms);
    }
    return syms;
  }

  private stringTable(section: ElfSection): ElfStringTable {
    let table = this.stringTables.get(section.index);
    if (table === undefined) {
      table = new ElfStringTable(sectionBytes(this.bytes, section), stringTableLabel(section));
      this.stringTables.set(section.index, table);
    }
    return table;
  }

  // Sections carry offsets that were validated against *this* file only.
  private own(section: ElfSection): void {
    if (this.sections[section.index] !== section) {
      throw new ElfError('section argument', 0, `section ${section.index} (${section.name}) does not belong to this file`);
    }
  }
}

// Relocation sections describing the same bytes are never produced by a
// compiler, and would let a small file decode the same entries thousands of
// times (one forged header per copy); refusing overlap keeps the work linear
// in the file size.
function checkNoOverlap(rels: readonly ElfSection[]): void {
  const sorted = rels.filter((s) => s.size > 0).sort((a, b) => a.offset - b.offset || a.index - b.index);
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1]!;
    const cur = sorted[i]!;
    if (cur.offset < prev.offset + prev.size) {
      throw new ElfError(
        `section header ${cur.index}`, cur.headerOffset,
        `${describeSection(cur)} at ${hex(cur.offset)} overlaps relocation ${describeSection(prev)} ` +
          `(${hex(prev.offset)}..${hex(prev.offset + prev.size)})`,
      );
    }
  }
}
