// Public surface of the ELF reader: a pure parser for the relocatable ELF64
// objects that `clang -target bpf -c` produces. Callers read the file and pass
// the bytes; nothing here touches the file system or the kernel.

export { ElfError } from './errors.ts';
export { parseElf, ElfFile } from './file.ts';
export type { ElfHeader, HeaderOptions } from './header.ts';
export type { ElfSection } from './sections.ts';
export type { ElfSymbol } from './symbols.ts';
export type { ElfRelocation, ElfRelocationSection } from './relocations.ts';
export * from './constants.ts';
