// Elf64_Shdr: the section header table, section names and section bytes.
//
// Everything here is validated eagerly, once, at parse time: after
// parseSections returns, every section's [sh_offset, sh_offset+sh_size) lies
// inside the file, so data views can be handed out without further checks.
// The table's size is checked against the file before anything is allocated,
// so a forged section count cannot make us allocate more than the file holds.

import type { ByteReader } from './bytes.ts';
import {
  ELF64_SHDR_SIZE, SHN_UNDEF, SHN_XINDEX, SHT_NOBITS, SHT_NULL, SHT_STRTAB,
} from './constants.ts';
import { ElfError, hex } from './errors.ts';
import type { ElfHeader } from './header.ts';
import { ElfStringTable } from './strtab.ts';

export interface ElfSection {
  /** Position in the section header table (what sh_link, sh_info and st_shndx refer to). */
  readonly index: number;
  /** From the section name string table; '' if the file has none (e_shstrndx = SHN_UNDEF). */
  readonly name: string;
  readonly type: number;
  readonly flags: number;
  readonly addr: number;
  /** File offset of the contents (meaningless for SHT_NOBITS/SHT_NULL). */
  readonly offset: number;
  /** Size in bytes; for SHT_NOBITS (.bss) the in-memory size, with no bytes in the file. */
  readonly size: number;
  readonly link: number;
  readonly info: number;
  readonly addralign: number;
  readonly entsize: number;
  /** File offset of this section's header, for error messages. */
  readonly headerOffset: number;
}

export interface SectionTable {
  readonly sections: ElfSection[];
  /** Resolved e_shstrndx (after SHN_XINDEX); 0 if there are no section names. */
  readonly namesIndex: number;
}

/** `string table section 1 (.strtab)`: how string tables are named in messages. */
export function stringTableLabel(s: ElfSection): string {
  return `string table ${describeSection(s)}`;
}

/** True if the section occupies bytes in the file. */
export function hasFileData(type: number): boolean {
  return type !== SHT_NOBITS && type !== SHT_NULL;
}

/** `section 7 (.relxdp)`: how sections are named in messages. */
export function describeSection(s: ElfSection): string {
  return s.name === '' ? `section ${s.index}` : `section ${s.index} (${s.name})`;
}

/** Zero-copy view of a section's file bytes; empty for SHT_NOBITS and SHT_NULL. */
export function sectionBytes(bytes: Uint8Array, s: ElfSection): Uint8Array {
  if (!hasFileData(s.type)) return bytes.subarray(0, 0);
  return bytes.subarray(s.offset, s.offset + s.size);
}

export function parseSections(r: ByteReader, h: ElfHeader): SectionTable {
  const fileLen = r.length;

  if (h.shoff === 0) {
    // No section header table. Legal ELF, though useless for a BPF object.
    if (h.shnum !== 0) {
      throw new ElfError('ELF header', 60, `e_shnum is ${h.shnum} but e_shoff is 0 (no section header table)`);
    }
    return { sections: [], namesIndex: 0 };
  }
  if (h.shentsize !== ELF64_SHDR_SIZE) {
    throw new ElfError('ELF header', 58, `e_shentsize is ${h.shentsize}, expected 64 (sizeof Elf64_Shdr)`);
  }
  if (h.shoff > fileLen - ELF64_SHDR_SIZE) {
    throw new ElfError(
      'ELF header', 40,
      `e_shoff ${hex(h.shoff)}: section header table beyond end of file (${hex(fileLen)})`,
    );
  }

  // Extended numbering (gABI "Sections"): when the count or the name-table
  // index do not fit 16 bits (>= SHN_LORESERVE), e_shnum is 0 and
  // e_shstrndx is SHN_XINDEX, and the real values live in section 0.
  let count = h.shnum;
  if (count === 0) {
    count = r.u64(h.shoff + 32, 'section header 0', 'sh_size (extended section count)');
    if (count === 0) {
      throw new ElfError(
        'section header 0', h.shoff,
        'e_shnum is 0 and sh_size of section 0 is 0: no section count (extended numbering)',
      );
    }
  }
  let namesIndex = h.shstrndx;
  if (namesIndex === SHN_XINDEX) namesIndex = r.u32(h.shoff + 40);

  // Compare by division so a forged count cannot overflow the multiplication.
  const room = Math.floor((fileLen - h.shoff) / ELF64_SHDR_SIZE);
  if (count > room) {
    throw new ElfError(
      'ELF header', 40,
      `section header table at e_shoff ${hex(h.shoff)} with ${count} entries of 64 bytes ` +
        `ends at 0x${(BigInt(h.shoff) + BigInt(count) * 64n).toString(16)}, beyond end of file (${hex(fileLen)})`,
    );
  }
  if (namesIndex !== SHN_UNDEF && namesIndex >= count) {
    throw new ElfError(
      'ELF header', 62,
      `section name table index ${namesIndex} out of range (${count} sections)`,
    );
  }

  const raw: Omit<ElfSection, 'name'>[] = [];
  const nameOffsets: number[] = [];
  for (let i = 0; i < count; i++) {
    const at = h.shoff + i * ELF64_SHDR_SIZE;
    const where = `section header ${i}`;
    const s = {
      index: i,
      type: r.u32(at + 4),
      flags: r.u64(at + 8, where, 'sh_flags'),
      addr: r.u64(at + 16, where, 'sh_addr'),
      offset: r.u64(at + 24, where, 'sh_offset'),
      size: r.u64(at + 32, where, 'sh_size'),
      link: r.u32(at + 40),
      info: r.u32(at + 44),
      addralign: r.u64(at + 48, where, 'sh_addralign'),
      entsize: r.u64(at + 56, where, 'sh_entsize'),
      headerOffset: at,
    };
    // SHT_NULL (including section 0, whose size/link may carry the extended
    // count/index) and SHT_NOBITS have no bytes in the file, whatever
    // sh_offset says. Two comparisons rather than offset+size > fileLen, so
    // no sum beyond 2^53 is ever rounded; the message computes it exactly.
    if (hasFileData(s.type) && (s.offset > fileLen || s.size > fileLen - s.offset)) {
      const end = (BigInt(s.offset) + BigInt(s.size)).toString(16);
      throw new ElfError(where, at, `sh_offset+sh_size 0x${end} beyond end of file (${hex(fileLen)})`);
    }
    raw.push(s);
    nameOffsets.push(r.u32(at));
  }

  let names: ElfStringTable | undefined;
  if (namesIndex !== SHN_UNDEF) {
    const t = raw[namesIndex]!;
    if (t.type !== SHT_STRTAB) {
      throw new ElfError(
        `section header ${namesIndex}`, t.headerOffset,
        `section name table (e_shstrndx ${namesIndex}) has sh_type ${t.type}, expected SHT_STRTAB (3)`,
      );
    }
    names = new ElfStringTable(
      r.bytes.subarray(t.offset, t.offset + t.size),
      `section name table (section ${namesIndex})`,
    );
  }

  const sections = raw.map((s, i): ElfSection => ({
    ...s,
    name: names ? names.get(nameOffsets[i]!, `section header ${i}`, s.headerOffset, 'sh_name') : '',
  }));
  return { sections, namesIndex };
}

/**
 * Resolve a section index read from a field (sh_link, sh_info): it must name
 * a real section, not 0 and not a reserved SHN_* value.
 */
export function sectionAt(
  sections: readonly ElfSection[],
  index: number,
  where: string,
  whereOffset: number,
  field: string,
): ElfSection {
  const s = index === SHN_UNDEF ? undefined : sections[index];
  if (s === undefined) {
    const why = index === SHN_UNDEF ? 'is 0 (no section)' : `out of range (${sections.length} sections)`;
    throw new ElfError(where, whereOffset, `${field} ${index} ${why}`);
  }
  return s;
}
