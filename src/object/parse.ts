// From the bytes of a clang-compiled BPF object to a CollectionSpec, with no
// system calls: sections are classified, maps and global data collected,
// every function cut out of its section with its relocations resolved to
// symbolic references, and each program linked with the subprograms it calls.
import { parseElf, ElfError, SHT_PROGBITS, SHT_NOBITS, SHF_EXECINSTR, SHF_ALLOC, SHF_WRITE, STT_FUNC, STT_SECTION, SHN_UNDEF, STB_LOCAL, STB_WEAK } from '../elf/index.ts';
import type { ElfFile, ElfSection, ElfSymbol, ElfRelocation } from '../elf/index.ts';
import { parseBtf, parseBtfExt, BtfError, type Btf, type BtfExt } from '../btf/index.ts';
import { decode, isCall, isLdImm64, isPseudoCall, BPF_PSEUDO_FUNC, type Instruction } from '../asm/index.ts';
import { MapType, MapFlags } from '../syscall/abi/index.ts';
import { ObjectError } from './errors.ts';
import { parseBtfMapDef, MapDefError } from './btf-maps.ts';
import { matchSection } from './section-types.ts';
import type { CollectionSpec, FunctionDef, InsnRef, MapDef, ProgramDef, VariableDef } from './spec.ts';
import { linkProgram } from './link.ts';

export interface ParseObjectOptions {
  /** Used in error messages (default: "BPF object"). */
  name?: string;
}

const DATA_PREFIXES = ['.data', '.rodata', '.bss'];

function isDataSection(s: ElfSection): boolean {
  if (s.type !== SHT_PROGBITS && s.type !== SHT_NOBITS) return false;
  if ((s.flags & SHF_ALLOC) === 0 || (s.flags & SHF_EXECINSTR) !== 0) return false;
  return DATA_PREFIXES.some((p) => s.name === p || s.name.startsWith(`${p}.`));
}

function isExecSection(s: ElfSection): boolean {
  return s.type === SHT_PROGBITS && (s.flags & SHF_EXECINSTR) !== 0 && s.size > 0;
}

/** Global data map names: the section name, as cilium/ebpf does, cut to the kernel's 15 characters. */
export function dataMapName(section: string): string {
  return section.slice(0, 15);
}

export function parseObject(bytes: Uint8Array, opts: ParseObjectOptions = {}): CollectionSpec {
  const objName = opts.name ?? 'BPF object';
  try {
    return new ObjectParser(bytes, objName).parse();
  } catch (e) {
    if (e instanceof ObjectError) throw e;
    if (e instanceof ElfError || e instanceof BtfError || e instanceof MapDefError) throw new ObjectError(objName, e.message, { cause: e });
    throw e;
  }
}

class ObjectParser {
  readonly elf: ElfFile;
  readonly name: string;
  btf: Btf | undefined;
  btfExt: BtfExt | undefined;
  rawBtf: Uint8Array | undefined;
  readonly symbolsBySection = new Map<number, ElfSymbol[]>();
  readonly relocsBySection = new Map<number, readonly ElfRelocation[]>();
  readonly maps = new Map<string, MapDef>();
  readonly variables = new Map<string, VariableDef>();
  readonly kconfig: CollectionSpec['kconfig'] = [];
  readonly kconfigOffsets = new Map<string, number>();
  /** Legacy `maps` section: symbol offset → map name. */
  readonly legacyMapAt = new Map<number, string>();

  constructor(bytes: Uint8Array, name: string) {
    this.elf = parseElf(bytes);
    this.name = name;
  }

  fail(message: string): never {
    throw new ObjectError(this.name, message);
  }

  parse(): CollectionSpec {
    const elf = this.elf;
    for (const sym of elf.symbols()) {
      const list = this.symbolsBySection.get(sym.sectionIndex) ?? [];
      list.push(sym);
      this.symbolsBySection.set(sym.sectionIndex, list);
    }
    for (const r of elf.relocations()) this.relocsBySection.set(r.target.index, r.entries);

    const license = this.cString('license') ?? '';
    const versionSec = elf.sectionByName('version');
    let kernelVersion = 0;
    if (versionSec) {
      const v = elf.sectionData(versionSec);
      if (v.length !== 4) this.fail(`section version is ${v.length} bytes, expected 4`);
      kernelVersion = new DataView(v.buffer, v.byteOffset, 4).getUint32(0, elf.littleEndian);
    }

    this.parseBtf();
    this.parseLegacyMaps();
    this.parseBtfMaps();
    this.parseDataSections();
    this.parseKconfig();

    const functions = this.parseFunctions();
    const programs = new Map<string, ProgramDef>();
    const unknown = new Map<string, FunctionDef>();
    for (const fn of functions.values()) {
      if (fn.section === '.text') continue;
      const match = matchSection(fn.section);
      if (!match) unknown.set(fn.name, fn);
      if (programs.has(fn.name)) this.fail(`two programs are named ${fn.name}`);
      programs.set(fn.name, linkProgram(fn, functions, match, license, this.btfExt, this.name));
    }
    return {
      license,
      kernelVersion,
      littleEndian: elf.littleEndian,
      btf: this.btf,
      btfExt: this.btfExt,
      rawBtf: this.rawBtf,
      maps: this.maps,
      programs,
      variables: this.variables,
      kconfig: this.kconfig,
      sections: this.sectionLayouts(),
      functions: unknown,
    };
  }

  sectionLayouts(): CollectionSpec['sections'] {
    const out: CollectionSpec['sections'] = new Map();
    for (const sec of this.elf.sections) {
      if ((sec.flags & SHF_ALLOC) === 0) continue;
      const symbols = new Map<string, number>();
      for (const s of this.symbolsBySection.get(sec.index) ?? []) if (s.name && s.type !== STT_SECTION) symbols.set(s.name, s.value);
      out.set(sec.name, { size: sec.size, symbols });
    }
    return out;
  }

  cString(section: string): string | undefined {
    const s = this.elf.sectionByName(section);
    if (!s) return undefined;
    const data = this.elf.sectionData(s);
    const nul = data.indexOf(0);
    return Buffer.from(data.subarray(0, nul < 0 ? data.length : nul)).toString('utf8');
  }

  parseBtf(): void {
    const sec = this.elf.sectionByName('.BTF');
    if (!sec) return;
    this.rawBtf = this.elf.sectionData(sec);
    this.btf = parseBtf(this.rawBtf);
    const ext = this.elf.sectionByName('.BTF.ext');
    if (ext) this.btfExt = parseBtfExt(this.elf.sectionData(ext), this.btf);
  }

  /** The `maps` section: `struct bpf_map_def` (20 bytes) or iproute2's `struct bpf_elf_map` (36). */
  parseLegacyMaps(): void {
    const sec = this.elf.sectionByName('maps');
    if (!sec) return;
    const data = this.elf.sectionData(sec);
    const syms = (this.symbolsBySection.get(sec.index) ?? []).filter((s) => s.type !== STT_SECTION && s.name !== '');
    if (syms.length === 0) return;
    const size = syms[0]!.size || Math.floor(sec.size / syms.length);
    if (size < 20) this.fail(`legacy map definitions in section maps are ${size} bytes, at least 20 expected`);
    const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
    const le = this.elf.littleEndian;
    for (const sym of syms) {
      if (sym.value + size > data.length) this.fail(`legacy map ${sym.name} at offset ${sym.value} runs past section maps (${data.length} bytes)`);
      // libbpf refuses them too: a static map cannot be shared or pinned by name.
      if (sym.bind === STB_LOCAL) this.fail(`legacy map ${sym.name} is static: declare it without 'static'`);
      const u32 = (i: number) => dv.getUint32(sym.value + i * 4, le);
      const def: MapDef = {
        name: sym.name, section: 'maps', type: u32(0), keySize: u32(1), valueSize: u32(2), maxEntries: u32(3), flags: u32(4),
        numaNode: 0, mapExtra: 0n, pinning: 'none', btfKeyTypeId: 0, btfValueTypeId: 0, init: [], freeze: false,
      };
      if (size === 36) {
        // iproute2's bpf_elf_map: id, pinning (2 = PIN_GLOBAL_NS), inner_id, inner_idx.
        if (u32(6) === 2) def.pinning = 'by-name';
      } else {
        for (let off = 20; off < size; off++) {
          if (dv.getUint8(sym.value + off) !== 0) {
            this.fail(`legacy map ${sym.name}: its ${size}-byte definition has non-zero bytes past struct bpf_map_def (byte ${off}), which no loader understands`);
          }
        }
      }
      this.addMap(def);
      this.legacyMapAt.set(sym.value, sym.name);
    }
  }

  addMap(def: MapDef): void {
    if (this.maps.has(def.name)) this.fail(`two maps are named ${def.name}`);
    if (def.type === MapType.PERF_EVENT_ARRAY) {
      // Its values are perf event fds, whatever the declaration says (libbpf and cilium force 4/4).
      def.keySize = 4;
      def.valueSize = 4;
      def.btfKeyTypeId = 0;
      def.btfValueTypeId = 0;
    }
    this.maps.set(def.name, def);
  }

  parseBtfMaps(): void {
    const sec = this.elf.sectionByName('.maps');
    if (!sec) return;
    const btf = this.btf;
    if (!btf) this.fail('section .maps needs BTF (the object has no .BTF section)');
    const datasec = btf.findByName('.maps', 'datasec');
    if (!datasec || datasec.kind !== 'datasec') this.fail('section .maps has no DATASEC in the object\'s BTF');
    const relocs = this.relocsBySection.get(sec.index) ?? [];
    for (const v of datasec.vars) {
      const variable = btf.typeById(v.type);
      if (variable.kind !== 'var') this.fail(`DATASEC .maps holds a ${variable.kind}, expected variables`);
      let parsed;
      try {
        parsed = parseBtfMapDef(btf, variable.name, variable.type, '.maps');
      } catch (e) {
        if (e instanceof MapDefError || e instanceof BtfError) this.fail(e.message);
        throw e;
      }
      const { def, valuesOffset } = parsed;
      if (variable.linkage === 'static') this.fail(`map ${variable.name} in .maps is static: declare it without 'static'`);
      const offset = this.symbolOffset(sec, variable.name) ?? v.offset;
      const bytes = this.elf.sectionData(sec).subarray(offset, offset + v.size);
      const nonZero = bytes.findIndex((b) => b !== 0);
      if (nonZero >= 0) {
        this.fail(`map ${variable.name}: .maps holds a non-zero byte at offset ${offset + nonZero}; BTF map definitions take their attributes from their types and must be zero-initialised (initial contents go through .values)`);
      }
      if (valuesOffset !== undefined) {
        const start = offset + valuesOffset;
        for (const r of relocs) {
          if (r.offset < start || r.offset >= offset + v.size) continue;
          if ((r.offset - start) % 8 !== 0) this.fail(`map ${def.name}: misaligned initial value relocation at offset ${r.offset}`);
          const slot = (r.offset - start) / 8;
          if (slot >= def.maxEntries) this.fail(`map ${def.name}: initial value for slot ${slot} is past max_entries ${def.maxEntries}`);
          const target = r.symbol;
          const targetSec = this.elf.sections[target.sectionIndex];
          if (def.type === MapType.PROG_ARRAY) {
            if (target.type !== STT_FUNC || !targetSec || !isExecSection(targetSec)) this.fail(`map ${def.name}: slot ${slot} must hold a program, ${target.name} is not one`);
            def.init.push({ key: slot, value: { program: target.name } });
          } else {
            if (targetSec?.name !== '.maps') this.fail(`map ${def.name}: slot ${slot} must hold a map from .maps, ${target.name} is not one`);
            def.init.push({ key: slot, value: { map: target.name } });
          }
        }
      }
      this.addMap(def);
    }
  }

  symbolOffset(sec: ElfSection, name: string): number | undefined {
    return this.symbolsBySection.get(sec.index)?.find((s) => s.name === name)?.value;
  }

  /** .data, .rodata, .bss and their `.name` variants become one-element array maps. */
  parseDataSections(): void {
    for (const sec of this.elf.sections) {
      if (!isDataSection(sec)) continue;
      const readOnly = sec.name.startsWith('.rodata') || (sec.flags & SHF_WRITE) === 0;
      const name = dataMapName(sec.name);
      const datasec = this.btf?.findByName(sec.name, 'datasec');
      const def: MapDef = {
        name, section: sec.name, type: MapType.ARRAY, keySize: 4, valueSize: sec.size, maxEntries: 1,
        flags: readOnly ? MapFlags.RDONLY_PROG : 0, numaNode: 0, mapExtra: 0n, pinning: 'none',
        btfKeyTypeId: 0, btfValueTypeId: datasec && datasec.kind === 'datasec' ? datasec.id : 0,
        init: [], freeze: readOnly,
        data: sec.type === SHT_NOBITS ? new Uint8Array(sec.size) : Uint8Array.from(this.elf.sectionData(sec)),
      };
      if (sec.size === 0) continue; // nothing to map; clang emits empty .bss/.data at times
      this.addMap(def);
      if (datasec && datasec.kind === 'datasec' && this.btf) {
        for (const v of datasec.vars) {
          const variable = this.btf.typeById(v.type);
          if (variable.kind !== 'var') continue;
          // clang may leave VAR offsets at 0 in some sections; the symbol table has the truth.
          const offset = this.symbolOffset(sec, variable.name) ?? v.offset;
          this.addVariable({ name: variable.name, map: name, offset, size: v.size, typeId: variable.type, readOnly });
        }
      } else {
        for (const s of this.symbolsBySection.get(sec.index) ?? []) {
          if (s.type === STT_SECTION || s.name === '' || s.size === 0) continue;
          this.addVariable({ name: s.name, map: name, offset: s.value, size: s.size, typeId: 0, readOnly });
        }
      }
    }
  }

  addVariable(v: VariableDef): void {
    if (v.offset + v.size > (this.maps.get(v.map)?.valueSize ?? 0)) {
      this.fail(`variable ${v.name} (${v.size} bytes at ${v.offset}) runs past its section ${v.map}`);
    }
    // Static variables of the same name in different sections: the first wins, the rest are reachable by map.
    if (!this.variables.has(v.name)) this.variables.set(v.name, v);
  }

  /** `extern` variables in `.kconfig`, laid out as libbpf does: each aligned to its size. */
  parseKconfig(): void {
    const btf = this.btf;
    const datasec = btf?.findByName('.kconfig', 'datasec');
    if (!btf || !datasec || datasec.kind !== 'datasec') return;
    let offset = 0;
    for (const v of datasec.vars) {
      const variable = btf.typeById(v.type);
      if (variable.kind !== 'var') continue;
      const size = btf.sizeOf(variable.type);
      const align = Math.min(8, size & -size || 1);
      offset = Math.ceil(offset / align) * align;
      const sym = this.symbolsBySection.get(SHN_UNDEF)?.find((x) => x.name === variable.name);
      this.kconfig.push({ name: variable.name, offset, size, typeId: variable.type, weak: sym?.bind === STB_WEAK });
      this.kconfigOffsets.set(variable.name, offset);
      offset += size;
    }
    const size = Math.max(8, Math.ceil(offset / 8) * 8);
    this.addMap({
      name: '.kconfig', section: '.kconfig', type: MapType.ARRAY, keySize: 4, valueSize: size, maxEntries: 1,
      flags: MapFlags.RDONLY_PROG, numaNode: 0, mapExtra: 0n, pinning: 'none', btfKeyTypeId: 0, btfValueTypeId: 0,
      init: [], freeze: true, data: new Uint8Array(size),
    });
  }

  parseFunctions(): Map<string, FunctionDef> {
    const out = new Map<string, FunctionDef>();
    for (const sec of this.elf.sections) {
      if (!isExecSection(sec)) continue;
      if (sec.size % 8 !== 0) this.fail(`section ${sec.name}: ${sec.size} bytes is not a whole number of instructions`);
      let insns: Instruction[];
      try {
        insns = decode(this.elf.sectionData(sec), this.elf.littleEndian);
      } catch (e) {
        this.fail(`section ${sec.name}: ${(e as Error).message}`);
      }
      const refs: (InsnRef | undefined)[] = new Array(insns.length).fill(undefined);
      const calls: (string | undefined)[] = new Array(insns.length).fill(undefined);
      this.resolveRelocations(sec, insns, refs, calls);
      // Calls to functions of the same section need no relocation: imm is already pc-relative.
      for (let i = 0; i < insns.length; i++) {
        const insn = insns[i]!;
        if (calls[i] === undefined && isPseudoCall(insn)) calls[i] = `${sec.name}:${(i + insn.imm + 1) * 8}`;
      }
      let funcs = (this.symbolsBySection.get(sec.index) ?? []).filter((s) => s.type === STT_FUNC);
      // Objects without function symbols: the whole section is one function named after it.
      if (funcs.length === 0) funcs = [{ name: sec.name, value: 0, size: sec.size, bind: 1 } as ElfSymbol];
      for (const f of funcs) {
        if (f.value % 8 !== 0 || f.value + f.size > sec.size || f.size === 0 || f.size % 8 !== 0) {
          this.fail(`function ${f.name} (${f.size} bytes at ${f.value}) does not fit section ${sec.name} (${sec.size} bytes) in whole instructions`);
        }
        const a = f.value / 8;
        const b = a + f.size / 8;
        if (out.has(`${sec.name}:${f.value}`)) continue;
        out.set(`${sec.name}:${f.value}`, {
          name: f.name, section: sec.name, offset: f.value, insns: insns.slice(a, b).map((x) => ({ ...x })),
          refs: refs.slice(a, b), calls: calls.slice(a, b), global: f.bind !== 0,
        });
      }
    }
    // Re-key by name for programs, keeping section:offset keys for calls.
    return out;
  }

  resolveRelocations(sec: ElfSection, insns: Instruction[], refs: (InsnRef | undefined)[], calls: (string | undefined)[]): void {
    for (const r of this.relocsBySection.get(sec.index) ?? []) {
      if (r.offset % 8 !== 0 || r.offset / 8 >= insns.length) this.fail(`section ${sec.name}: relocation at offset ${r.offset} is not on an instruction`);
      const i = r.offset / 8;
      const insn = insns[i]!;
      const sym = r.symbol;
      const where = `section ${sec.name} instruction ${i} (relocation against ${sym.name || 'a section symbol'})`;
      if (sym.sectionIndex === SHN_UNDEF) {
        if (isCall(insn)) {
          refs[i] = { kind: 'kfunc', name: sym.name };
          continue;
        }
        if (!isLdImm64(insn)) this.fail(`${where}: an extern can only be called or loaded with a 64-bit immediate load`);
        const off = this.kconfigOffsets.get(sym.name);
        refs[i] = off !== undefined ? { kind: 'map_value', map: '.kconfig', offset: off } : { kind: 'extern', name: sym.name };
        continue;
      }
      const target = this.elf.sections[sym.sectionIndex];
      if (!target) this.fail(`${where}: symbol's section ${sym.sectionIndex} does not exist`);
      if (isExecSection(target)) {
        const base = sym.type === STT_SECTION ? 0 : sym.value;
        if (isPseudoCall(insn)) {
          calls[i] = `${target.name}:${base + (insn.imm + 1) * 8}`;
        } else if (isLdImm64(insn)) {
          calls[i] = `${target.name}:${base + insn.imm}`;
          insn.src = BPF_PSEUDO_FUNC;
        } else {
          this.fail(`${where}: only calls and 64-bit immediate loads may refer to code`);
        }
        continue;
      }
      if (!isLdImm64(insn)) this.fail(`${where}: only 64-bit immediate loads may refer to maps or data`);
      if (target.name === 'maps') {
        const name = this.legacyMapAt.get(sym.type === STT_SECTION ? insn.imm : sym.value);
        if (!name) this.fail(`${where}: no legacy map at that offset of section maps`);
        refs[i] = { kind: 'map', map: name };
      } else if (target.name === '.maps') {
        if (!this.maps.has(sym.name)) this.fail(`${where}: no map named ${sym.name} in .maps`);
        refs[i] = { kind: 'map', map: sym.name };
      } else if (isDataSection(target)) {
        const offset = (sym.type === STT_SECTION ? 0 : sym.value) + insn.imm;
        refs[i] = { kind: 'map_value', map: dataMapName(target.name), offset };
      } else {
        this.fail(`${where}: section ${target.name} is neither code, maps nor global data`);
      }
    }
  }
}
