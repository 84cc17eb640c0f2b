// Elf64_Ehdr: identification and the checks that decide whether the bytes are
// something this reader handles at all (an ELF64 relocatable object for BPF).
//
// The checks run in file order over only the bytes known to exist, so a short
// or foreign file is reported as what it is ("not ELF", "32-bit ELF") rather
// than as a generic truncation.

import { ByteReader } from './bytes.ts';
import {
  EI_ABIVERSION, EI_CLASS, EI_DATA, EI_NIDENT, EI_OSABI, EI_VERSION, ELF64_EHDR_SIZE, ELFCLASS32,
  ELFCLASS64, ELFDATA2LSB, ELFDATA2MSB, ELFMAG, EM_BPF, ET_CORE, ET_DYN, ET_EXEC, ET_NONE, ET_REL,
  EV_CURRENT,
} from './constants.ts';
import { ElfError } from './errors.ts';

export interface ElfHeader {
  /** e_ident[EI_DATA]: true for ELFDATA2LSB (bpfel), false for ELFDATA2MSB (bpfeb). */
  readonly littleEndian: boolean;
  readonly osAbi: number;
  readonly abiVersion: number;
  /** e_type; always ET_REL once parsed, unless parsed as a host binary. */
  readonly type: number;
  /** e_machine; always EM_BPF once parsed, unless parsed as a host binary. */
  readonly machine: number;
  readonly version: number;
  readonly entry: number;
  readonly phoff: number;
  /** e_shoff: file offset of the section header table (0 = none). */
  readonly shoff: number;
  readonly flags: number;
  readonly ehsize: number;
  readonly phentsize: number;
  readonly phnum: number;
  readonly shentsize: number;
  /** e_shnum as stored: 0 when the real count is in section 0 (extended numbering). */
  readonly shnum: number;
  /** e_shstrndx as stored: SHN_XINDEX when the real index is in section 0's sh_link. */
  readonly shstrndx: number;
}

const WHERE = 'ELF header';

const TYPE_NAMES: Record<number, string> = {
  [ET_NONE]: 'ET_NONE, no file type',
  [ET_EXEC]: 'ET_EXEC, an executable',
  [ET_DYN]: 'ET_DYN, a shared object or PIE',
  [ET_CORE]: 'ET_CORE, a core dump',
};

// The machines someone is most likely to hand us by mistake (a host object
// instead of the BPF one); anything else is reported by number only.
const MACHINE_NAMES: Record<number, string> = {
  3: 'EM_386',
  8: 'EM_MIPS',
  20: 'EM_PPC',
  21: 'EM_PPC64',
  22: 'EM_S390',
  40: 'EM_ARM',
  62: 'EM_X86_64',
  183: 'EM_AARCH64',
  243: 'EM_RISCV',
  258: 'EM_LOONGARCH',
};

export interface HeaderOptions {
  /**
   * Accept a host executable or shared library (any machine; ET_EXEC, ET_DYN
   * or ET_REL), to read its symbols, e.g. to resolve a uprobe's function.
   */
  hostBinary?: boolean;
}

export function parseHeader(bytes: Uint8Array, opts: HeaderOptions = {}): { header: ElfHeader; reader: ByteReader } {
  const len = bytes.length;

  // Magic first, over whatever prefix exists: a 2-byte "MZ" file is "not ELF".
  for (let i = 0; i < ELFMAG.length; i++) {
    if (i >= len) {
      throw new ElfError(WHERE, len, `file is ${len} bytes, too short for the ELF magic (4 bytes)`);
    }
    if (bytes[i] !== ELFMAG[i]) {
      const got = Array.from(bytes.subarray(0, Math.min(4, len)), (b) => b.toString(16).padStart(2, '0')).join(' ');
      throw new ElfError(WHERE, i, `bad magic ${got}, expected 7f 45 4c 46 ("\\x7fELF"): not an ELF file`);
    }
  }
  if (len < EI_NIDENT) {
    throw new ElfError(WHERE, len, `file is ${len} bytes, too short for e_ident (16 bytes)`);
  }

  const cls = bytes[EI_CLASS]!;
  if (cls === ELFCLASS32) {
    throw new ElfError(WHERE, EI_CLASS, 'ELFCLASS32 (32-bit ELF) is not supported: eBPF objects are ELFCLASS64');
  }
  if (cls !== ELFCLASS64) {
    throw new ElfError(WHERE, EI_CLASS, `invalid EI_CLASS ${cls} (expected 2, ELFCLASS64)`);
  }
  const data = bytes[EI_DATA]!;
  if (data !== ELFDATA2LSB && data !== ELFDATA2MSB) {
    throw new ElfError(WHERE, EI_DATA, `invalid EI_DATA ${data} (expected 1, little-endian, or 2, big-endian)`);
  }
  if (bytes[EI_VERSION] !== EV_CURRENT) {
    throw new ElfError(WHERE, EI_VERSION, `unsupported EI_VERSION ${bytes[EI_VERSION]!} (expected 1)`);
  }
  if (len < ELF64_EHDR_SIZE) {
    throw new ElfError(WHERE, len, `file is ${len} bytes, too short for the ELF64 header (64 bytes)`);
  }

  const r = new ByteReader(bytes, data === ELFDATA2LSB);

  // Type and machine before anything else: handed a host binary, say so,
  // rather than complain about one of its other fields.
  const type = r.u16(16);
  const hostTypeOk = opts.hostBinary === true && (type === ET_REL || type === ET_EXEC || type === ET_DYN);
  if (type !== ET_REL && !hostTypeOk) {
    const what = TYPE_NAMES[type] ?? 'unknown';
    throw new ElfError(
      WHERE, 16,
      `e_type ${type} (${what}) is not ET_REL (1): expected a relocatable object as produced by clang -target bpf -c`,
    );
  }
  const machine = r.u16(18);
  if (machine !== EM_BPF && opts.hostBinary !== true) {
    const name = MACHINE_NAMES[machine];
    throw new ElfError(
      WHERE, 18,
      `e_machine ${machine}${name ? ` (${name})` : ''} is not EM_BPF (247): not an eBPF object`,
    );
  }
  const version = r.u32(20);
  if (version !== EV_CURRENT) {
    throw new ElfError(WHERE, 20, `unsupported e_version ${version} (expected 1)`);
  }

  const header: ElfHeader = {
    littleEndian: r.littleEndian,
    osAbi: bytes[EI_OSABI]!,
    abiVersion: bytes[EI_ABIVERSION]!,
    type,
    machine,
    version,
    entry: r.u64(24, WHERE, 'e_entry'),
    phoff: r.u64(32, WHERE, 'e_phoff'),
    shoff: r.u64(40, WHERE, 'e_shoff'),
    flags: r.u32(48),
    ehsize: r.u16(52),
    phentsize: r.u16(54),
    phnum: r.u16(56),
    shentsize: r.u16(58),
    shnum: r.u16(60),
    shstrndx: r.u16(62),
  };
  return { header, reader: r };
}

