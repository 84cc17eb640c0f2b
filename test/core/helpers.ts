/**
 * Test helpers for the CO-RE engine: a compact way to build tiny BTFs,
 * instructions and relocation records, and loading of the corpus objects
 * (the engine is pure; the tests do the I/O).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import {
  BPF_ALU64, BPF_B, BPF_DW, BPF_EXIT, BPF_H, BPF_JMP, BPF_K, BPF_LDX, BPF_MEM, BPF_MOV, BPF_STX, BPF_W,
  decode, ldImm64, type Instruction,
} from '../../src/asm/index.ts';
import {
  Btf, BtfBuilder, parseBtf, parseBtfExt, type BtfExt, type CoreRelo, type Member, type TypeId, type TypeSpec,
} from '../../src/btf/index.ts';
import { parseElf, type ElfFile } from '../../src/elf/index.ts';
import {
  createCoreContext, relocateSection, type CoreContext, type CoreProgramRange, type CoreSectionResult, type CoreTarget,
} from '../../src/core/index.ts';

// ---- tiny BTFs -------------------------------------------------------------

/** [name, type, bitOffset, bitfieldSize?] */
export type M = readonly [name: string, type: TypeId, bitOffset: number, bitfieldSize?: number];

/** A BtfBuilder with one-line adders; `build()` encodes and parses the result. */
export class Tiny {
  readonly b: BtfBuilder;

  constructor(base?: Btf) {
    this.b = new BtfBuilder(base ? { base } : {});
  }

  add(t: TypeSpec): TypeId {
    return this.b.add(t);
  }

  int(name: string, size: number, signed = false, bits = size * 8, bitOffset = 0): TypeId {
    return this.add({ kind: 'int', name, size, encoding: signed ? 1 : 0, bitOffset, bits });
  }

  ptr(type: TypeId): TypeId {
    return this.add({ kind: 'ptr', name: '', type });
  }

  array(type: TypeId, nelems: number, indexType: TypeId = type): TypeId {
    return this.add({ kind: 'array', name: '', type, indexType, nelems });
  }

  private members(ms: readonly M[]): Member[] {
    return ms.map(([name, type, bitOffset, bitfieldSize = 0]) => ({ name, type, bitOffset, bitfieldSize }));
  }

  struct(name: string, size: number, ms: readonly M[]): TypeId {
    const members = this.members(ms);
    return this.add({ kind: 'struct', name, size, members, kindFlag: members.some((m) => m.bitfieldSize > 0) });
  }

  union(name: string, size: number, ms: readonly M[]): TypeId {
    const members = this.members(ms);
    return this.add({ kind: 'union', name, size, members, kindFlag: members.some((m) => m.bitfieldSize > 0) });
  }

  typedef(name: string, type: TypeId): TypeId {
    return this.add({ kind: 'typedef', name, type });
  }

  cnst(type: TypeId): TypeId {
    return this.add({ kind: 'const', name: '', type });
  }

  fwd(name: string, union = false): TypeId {
    return this.add({ kind: 'fwd', name, fwdKind: union ? 'union' : 'struct' });
  }

  enum(name: string, values: Record<string, number>, size = 4, signed = false): TypeId {
    return this.add({ kind: 'enum', name, size, signed, values: Object.entries(values).map(([n, value]) => ({ name: n, value })) });
  }

  enum64(name: string, values: Record<string, bigint>, signed = false): TypeId {
    return this.add({ kind: 'enum64', name, size: 8, signed, values: Object.entries(values).map(([n, value]) => ({ name: n, value })) });
  }

  proto(ret: TypeId, params: readonly TypeId[], variadic = false): TypeId {
    return this.add({ kind: 'func_proto', name: '', returnType: ret, params: params.map((type) => ({ name: '', type })), variadic });
  }

  build(): Btf {
    return parseBtf(this.b.encode(), this.b.base ? { base: this.b.base } : {});
  }
}

// ---- instructions and records ------------------------------------------------

/** `dst = imm` (ALU64 MOV K). */
export const mov = (imm: number, dst = 1): Instruction => ({ code: BPF_ALU64 | BPF_MOV | BPF_K, dst, src: 0, off: 0, imm });

const SIZE = { 1: BPF_B, 2: BPF_H, 4: BPF_W, 8: BPF_DW } as const;

/** `dst = *(uN *)(src + off)`. */
export const ldx = (bytes: 1 | 2 | 4 | 8, off: number, dst = 1, src = 2): Instruction =>
  ({ code: BPF_LDX | BPF_MEM | SIZE[bytes], dst, src, off, imm: 0 });

/** `*(uN *)(dst + off) = src`. */
export const stx = (bytes: 1 | 2 | 4 | 8, off: number, dst = 2, src = 1): Instruction =>
  ({ code: BPF_STX | BPF_MEM | SIZE[bytes], dst, src, off, imm: 0 });

/** Both slots of `r1 = value ll`. */
export const ld64 = (value: bigint, dst = 1): Instruction[] => ldImm64(dst, value);

export const exit = (): Instruction => ({ code: BPF_JMP | BPF_EXIT, dst: 0, src: 0, off: 0, imm: 0 });

/** A .BTF.ext CO-RE record for the instruction at `insnIndex`. */
export function relo(kind: number, typeId: TypeId, accessStr: string, insnIndex = 0): CoreRelo {
  return { insnOff: insnIndex * 8, typeId, accessStrOff: 0, accessStr, kind };
}

/** Relocate `insns` (section `test`) against `targets` and return the result. */
export function run(
  local: Btf, targets: readonly CoreTarget[], insns: readonly Instruction[], relos: readonly CoreRelo[],
  ctx: CoreContext = createCoreContext(local, targets),
): CoreSectionResult {
  return relocateSection(ctx, { section: 'test', insns, relos });
}

/** Relocate a single instruction with a single record; returns the result. */
export function one(local: Btf, target: Btf | readonly CoreTarget[], insn: Instruction | Instruction[], r: CoreRelo): CoreSectionResult {
  const insns = Array.isArray(insn) ? [...insn, exit()] : [insn, exit()];
  return run(local, Array.isArray(target) ? target : [target as Btf], insns, [r]);
}

// ---- corpus objects -----------------------------------------------------------

const CORPUS = fileURLToPath(new URL('../fixtures/corpus/', import.meta.url));

export function corpusFile(rel: string): Uint8Array {
  return new Uint8Array(readFileSync(join(CORPUS, rel)));
}

let vmlinux: Btf | undefined;
/** cilium/ebpf's recorded kernel BTF, parsed once per test file. */
export function recordedVmlinux(): Btf {
  vmlinux ??= parseBtf(new Uint8Array(gunzipSync(corpusFile('cilium-ebpf/vmlinux.btf.gz'))));
  return vmlinux;
}

export interface ObjectSection {
  readonly name: string;
  readonly insns: Instruction[];
  readonly relos: readonly CoreRelo[];
  readonly programs: CoreProgramRange[];
}

export interface LoadedObject {
  readonly elf: ElfFile;
  readonly btf: Btf;
  readonly ext: BtfExt | undefined;
  /** Sections that have CO-RE records, in .BTF.ext order. */
  readonly sections: ObjectSection[];
}

const STT_FUNC = 2;

/** An object's BTF, .BTF.ext and, per section with CO-RE records, its instructions and function symbols. */
export function loadObject(rel: string): LoadedObject {
  const elf = parseElf(corpusFile(rel));
  const btf = parseBtf(elf.sectionData(elf.sectionByName('.BTF')!));
  const extSec = elf.sectionByName('.BTF.ext');
  const ext = extSec ? parseBtfExt(elf.sectionData(extSec), btf) : undefined;
  const syms = elf.symbols();
  const sections = (ext?.coreRelos ?? []).map((s): ObjectSection => {
    const sec = elf.sectionByName(s.section)!;
    const programs = syms
      .filter((y) => y.sectionIndex === sec.index && y.type === STT_FUNC)
      .map((y) => ({ name: y.name, start: y.value / 8, length: y.size / 8 }));
    return { name: s.section, insns: decode(elf.sectionData(sec), elf.littleEndian), relos: s.records, programs };
  });
  return { elf, btf, ext, sections };
}

/** Relocate every section of `obj` with one shared context (as libbpf does per object). */
export function relocateObject(obj: LoadedObject, targets: readonly CoreTarget[]): Map<string, CoreSectionResult> {
  const ctx = createCoreContext(obj.btf, targets);
  const out = new Map<string, CoreSectionResult>();
  for (const s of obj.sections) out.set(s.name, relocateSection(ctx, { section: s.name, insns: s.insns, relos: s.relos, programs: s.programs }));
  return out;
}

/** Names of programs with a failed or poisoned relocation. */
export function failingPrograms(results: Iterable<CoreSectionResult>): Set<string> {
  const out = new Set<string>();
  for (const r of results) {
    for (const rep of r.relocations) {
      if (rep.status === 'failed' || rep.status === 'poisoned') out.add(rep.program ?? r.section);
    }
  }
  return out;
}
