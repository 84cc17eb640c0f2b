// ELF constants used by the reader, with the spec's names so they can be
// grepped against the System V gABI and <elf.h>. Only what an eBPF object can
// contain is listed; unknown values are still passed through as numbers.

// e_ident
export const ELFMAG = [0x7f, 0x45, 0x4c, 0x46] as const; // "\x7fELF"
export const EI_CLASS = 4;
export const EI_DATA = 5;
export const EI_VERSION = 6;
export const EI_OSABI = 7;
export const EI_ABIVERSION = 8;
export const EI_NIDENT = 16;
export const ELFCLASS32 = 1;
export const ELFCLASS64 = 2;
export const ELFDATA2LSB = 1;
export const ELFDATA2MSB = 2;
export const EV_CURRENT = 1;

// e_type
export const ET_NONE = 0;
export const ET_REL = 1;
export const ET_EXEC = 2;
export const ET_DYN = 3;
export const ET_CORE = 4;

// e_machine
export const EM_BPF = 247;

// Fixed record sizes of ELF64; a file announcing other sizes is not ELF64.
export const ELF64_EHDR_SIZE = 64;
export const ELF64_SHDR_SIZE = 64;
export const ELF64_SYM_SIZE = 24;
export const ELF64_REL_SIZE = 16;
export const ELF64_RELA_SIZE = 24;

// Special section indices (st_shndx, e_shstrndx).
export const SHN_UNDEF = 0;
export const SHN_LORESERVE = 0xff00;
export const SHN_ABS = 0xfff1;
export const SHN_COMMON = 0xfff2;
export const SHN_XINDEX = 0xffff;

// sh_type
export const SHT_NULL = 0;
export const SHT_PROGBITS = 1;
export const SHT_SYMTAB = 2;
export const SHT_STRTAB = 3;
export const SHT_RELA = 4;
export const SHT_HASH = 5;
export const SHT_DYNAMIC = 6;
export const SHT_NOTE = 7;
export const SHT_NOBITS = 8;
export const SHT_REL = 9;
export const SHT_DYNSYM = 11;
export const SHT_GROUP = 17;
export const SHT_SYMTAB_SHNDX = 18;
export const SHT_LLVM_ADDRSIG = 0x6fff4c03;

// sh_flags
export const SHF_WRITE = 0x1;
export const SHF_ALLOC = 0x2;
export const SHF_EXECINSTR = 0x4;
export const SHF_MERGE = 0x10;
export const SHF_STRINGS = 0x20;
export const SHF_INFO_LINK = 0x40;
export const SHF_EXCLUDE = 0x80000000;

// Symbol type (low nibble of st_info).
export const STT_NOTYPE = 0;
export const STT_OBJECT = 1;
export const STT_FUNC = 2;
export const STT_SECTION = 3;
export const STT_FILE = 4;
export const STT_COMMON = 5;
export const STT_TLS = 6;

// Symbol binding (high nibble of st_info).
export const STB_LOCAL = 0;
export const STB_GLOBAL = 1;
export const STB_WEAK = 2;

// Symbol visibility (low 2 bits of st_other).
export const STV_DEFAULT = 0;
export const STV_INTERNAL = 1;
export const STV_HIDDEN = 2;
export const STV_PROTECTED = 3;

// BPF relocation types (llvm/BinaryFormat/ELFRelocs/BPF.def, and the kernel's
// Documentation/bpf/llvm_reloc.rst for what each one patches).
export const R_BPF_NONE = 0;
/** ld_imm64 (two-slot instruction) loading a map or global data address. */
export const R_BPF_64_64 = 1;
/** 64-bit absolute data, e.g. DWARF addresses. */
export const R_BPF_64_ABS64 = 2;
/** 32-bit absolute data, e.g. DWARF section offsets, BTF var offsets. */
export const R_BPF_64_ABS32 = 3;
/** 32-bit data the linker must not resolve dynamically (BTF/BTF.ext). */
export const R_BPF_64_NODYLD32 = 4;
/** Call instruction immediate: bpf-to-bpf call or function pointer. */
export const R_BPF_64_32 = 10;
