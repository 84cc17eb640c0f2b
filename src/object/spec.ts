// What an object file describes, before anything touches the kernel: the
// equivalent of cilium/ebpf's CollectionSpec and aya-obj's Object.
import type { Instruction } from '../asm/index.ts';
import type { Btf, BtfExt, CoreRelo, FuncInfo, LineInfo } from '../btf/index.ts';
import type { SectionMatch } from './section-types.ts';

/** A reference from an instruction to something resolved at load time. */
export type InsnRef =
  | { kind: 'map'; map: string }
  | { kind: 'map_value'; map: string; offset: number }
  | { kind: 'kconfig'; name: string }
  | { kind: 'extern'; name: string }
  /** A call to a kernel function, resolved by name in the kernel's BTF. */
  | { kind: 'kfunc'; name: string };

export interface MapInitEntry {
  key: number;
  /** A program (prog arrays) or a map (map-in-map) by name. */
  value: { program: string } | { map: string };
}

export interface MapDef {
  name: string;
  /** The ELF section it was defined in: `.maps`, `maps`, `.data`, ... */
  section: string;
  type: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  flags: number;
  numaNode: number;
  mapExtra: bigint;
  pinning: 'none' | 'by-name';
  /** BTF type ids (in the object's BTF) of key and value, when declared with BTF. */
  btfKeyTypeId: number;
  btfValueTypeId: number;
  /** For map-in-map: the inner map's shape. */
  inner?: MapDef;
  /** Initial slots of prog arrays and map-in-maps (from `.values`). */
  init: MapInitEntry[];
  /** Global data: the initial bytes of the single value. */
  data?: Uint8Array;
  /** Read-only data: loaded with BPF_F_RDONLY_PROG and frozen after filling. */
  freeze: boolean;
}

export interface VariableDef {
  name: string;
  /** The global data map holding it. */
  map: string;
  offset: number;
  size: number;
  /** BTF type id of the variable's type, when the object has BTF. */
  typeId: number;
  /** `const volatile` and other read-only data. */
  readOnly: boolean;
}

/** A function's instructions and what they reference, as found in its section. */
export interface FunctionDef {
  name: string;
  section: string;
  /** Byte offset of the first instruction in its section. */
  offset: number;
  insns: Instruction[];
  /** refs[i] is the load-time reference of insns[i], if any. */
  refs: (InsnRef | undefined)[];
  /** calls[i]: the function insns[i] calls or takes the address of, as "section:byteOffset". */
  calls: (string | undefined)[];
  global: boolean;
}

export interface ProgramDef {
  name: string;
  section: string;
  /** Undefined when the section names no known program type. */
  match: SectionMatch | undefined;
  /** The program's own function followed by every function it calls, transitively. */
  insns: Instruction[];
  refs: (InsnRef | undefined)[];
  /** Where each function was placed: instruction index → function. */
  layout: { name: string; section: string; offset: number; start: number; length: number }[];
  funcInfo: FuncInfo[];
  lineInfo: LineInfo[];
  /** CO-RE relocations with insnOff rebased to this program (bytes). */
  coreRelos: { relo: CoreRelo; section: string }[];
  license: string;
}

export interface CollectionSpec {
  license: string;
  kernelVersion: number;
  littleEndian: boolean;
  btf: Btf | undefined;
  btfExt: BtfExt | undefined;
  /** The object's raw .BTF section, for loading into the kernel. */
  rawBtf: Uint8Array | undefined;
  maps: Map<string, MapDef>;
  programs: Map<string, ProgramDef>;
  variables: Map<string, VariableDef>;
  /** Externs the object declares in .kconfig (LINUX_KERNEL_VERSION, CONFIG_*). */
  /** `weak`: declared __weak, so a missing value is 0 instead of an error. */
  kconfig: { name: string; offset: number; size: number; typeId: number; weak: boolean }[];
  /** Size and symbol offsets of every allocated section, for fixing up the BTF's DATASECs. */
  sections: Map<string, { size: number; symbols: Map<string, number> }>;
  /** Functions in sections with no known program type that nothing calls: reported, not loaded. */
  functions: Map<string, FunctionDef>;
}
