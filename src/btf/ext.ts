/**
 * .BTF.ext: per-instruction metadata that refers into .BTF.
 *
 * Layout (libbpf's struct btf_ext_header, src/libbpf_internal.h):
 *
 *   u16 magic | u8 version | u8 flags | u32 hdr_len
 *   u32 func_info_off | u32 func_info_len
 *   u32 line_info_off | u32 line_info_len
 *   u32 core_relo_off | u32 core_relo_len      (only if hdr_len >= 32)
 *
 * Offsets are relative to the end of the header. Each info block is
 *
 *   u32 rec_size, then per ELF section: u32 sec_name_off, u32 num_info,
 *   num_info records of rec_size bytes
 *
 * rec_size comes from the blob so newer compilers can append fields; we
 * read the fields we know and skip the rest. All string offsets (section
 * names, file names, source lines, CO-RE access strings) index the .BTF
 * string table. insn_off is a byte offset into the ELF section, as the
 * compiler wrote it (libbpf divides by 8 before handing it to the kernel).
 */
import { BtfError } from './errors.ts';
import { BTF_MAGIC, BTF_VERSION, detectEndianness, viewOf } from './header.ts';
import type { StringLookup } from './strings.ts';

/** Smallest header: up to line_info_len. */
export const BTF_EXT_HEADER_MIN = 24;
/** Header that also has core_relo_off/len. */
export const BTF_EXT_HEADER_CORE = 32;

export interface BtfExtHeader {
  readonly littleEndian: boolean;
  readonly version: number;
  readonly flags: number;
  readonly hdrLen: number;
  readonly funcInfoOff: number;
  readonly funcInfoLen: number;
  readonly lineInfoOff: number;
  readonly lineInfoLen: number;
  /** 0/0 when hdr_len predates CO-RE. */
  readonly coreReloOff: number;
  readonly coreReloLen: number;
}

/** struct bpf_func_info. */
export interface FuncInfo {
  readonly insnOff: number;
  /** The FUNC type describing the function starting at insnOff. */
  readonly typeId: number;
}

/** struct bpf_line_info, with its strings resolved. */
export interface LineInfo {
  readonly insnOff: number;
  readonly fileNameOff: number;
  readonly lineOff: number;
  /** Raw line_col: line << 10 | column. */
  readonly lineCol: number;
  readonly fileName: string;
  /** The source line's text. */
  readonly lineText: string;
  readonly line: number;
  readonly column: number;
}

/** struct bpf_core_relo, with its access string resolved. */
export interface CoreRelo {
  readonly insnOff: number;
  /** Local (object BTF) type the access starts from. */
  readonly typeId: number;
  readonly accessStrOff: number;
  /** e.g. "0:1:2": first index into the type, then member/array indices. */
  readonly accessStr: string;
  /** A CoreReloKind value (kept as a number: unknown kinds are the loader's call). */
  readonly kind: number;
}

/** The records of one info block that belong to one ELF section. */
export interface ExtSection<T> {
  readonly sectionNameOff: number;
  readonly section: string;
  readonly records: readonly T[];
}

export interface BtfExt {
  readonly header: BtfExtHeader;
  /** rec_size of each block as found in the blob (0 for an absent block). */
  readonly funcInfoRecSize: number;
  readonly lineInfoRecSize: number;
  readonly coreReloRecSize: number;
  readonly funcInfos: readonly ExtSection<FuncInfo>[];
  readonly lineInfos: readonly ExtSection<LineInfo>[];
  readonly coreRelos: readonly ExtSection<CoreRelo>[];
}

/** What BTF.ext needs from the .BTF it belongs to. */
export interface BtfExtTarget {
  readonly strings: StringLookup & { has(offset: number): boolean };
  /** One past the highest type id; type ids in records must be below it. */
  readonly nextTypeId: number;
}

export function parseBtfExtHeader(data: Uint8Array): BtfExtHeader {
  if (data.byteLength < BTF_EXT_HEADER_MIN) {
    throw new BtfError(`BTF.ext: ${data.byteLength} bytes is too short for the ${BTF_EXT_HEADER_MIN}-byte header`);
  }
  const le = detectEndianness(data, 0, BTF_MAGIC);
  if (le === undefined) throw new BtfError('BTF.ext: bad magic at offset 0 (want 0xeb9f in either byte order)');
  const dv = viewOf(data);
  const version = dv.getUint8(2);
  if (version !== BTF_VERSION) throw new BtfError(`BTF.ext: unsupported version ${version} at offset 2 (want 1)`);
  const flags = dv.getUint8(3);
  if (flags !== 0) throw new BtfError(`BTF.ext: unsupported flags 0x${flags.toString(16)} at offset 3`);
  const hdrLen = dv.getUint32(4, le);
  if (hdrLen < BTF_EXT_HEADER_MIN || hdrLen > data.byteLength) {
    throw new BtfError(`BTF.ext: hdr_len ${hdrLen} at offset 4 is outside ${BTF_EXT_HEADER_MIN}..${data.byteLength}`);
  }
  const hasCore = hdrLen >= BTF_EXT_HEADER_CORE;
  return {
    littleEndian: le, version, flags, hdrLen,
    funcInfoOff: dv.getUint32(8, le),
    funcInfoLen: dv.getUint32(12, le),
    lineInfoOff: dv.getUint32(16, le),
    lineInfoLen: dv.getUint32(20, le),
    coreReloOff: hasCore ? dv.getUint32(24, le) : 0,
    coreReloLen: hasCore ? dv.getUint32(28, le) : 0,
  };
}

/** Parse .BTF.ext against the .BTF it came with (for strings and type id bounds). */
export function parseBtfExt(data: Uint8Array, btf: BtfExtTarget): BtfExt {
  const header = parseBtfExtHeader(data);
  const dv = viewOf(data);
  const le = header.littleEndian;
  const str = (off: number, what: string): string => {
    if (!btf.strings.has(off)) throw new BtfError(`BTF.ext: ${what} string offset ${off} is outside the .BTF string table`);
    return btf.strings.get(off);
  };
  const typeId = (id: number, what: string): number => {
    if (id >= btf.nextTypeId) throw new BtfError(`BTF.ext: ${what} refers to type id ${id}, but the last type id is ${btf.nextTypeId - 1}`);
    return id;
  };

  const func = readBlock(dv, header, 'func_info', header.funcInfoOff, header.funcInfoLen, 8, (at, where) => ({
    insnOff: dv.getUint32(at, le),
    typeId: typeId(dv.getUint32(at + 4, le), where),
  }), str);
  const line = readBlock(dv, header, 'line_info', header.lineInfoOff, header.lineInfoLen, 16, (at, where) => {
    const fileNameOff = dv.getUint32(at + 4, le);
    const lineOff = dv.getUint32(at + 8, le);
    const lineCol = dv.getUint32(at + 12, le);
    return {
      insnOff: dv.getUint32(at, le), fileNameOff, lineOff, lineCol,
      fileName: str(fileNameOff, `${where} file name`),
      lineText: str(lineOff, `${where} line`),
      line: lineCol >>> 10,
      column: lineCol & 0x3ff,
    };
  }, str);
  const core = readBlock(dv, header, 'core_relo', header.coreReloOff, header.coreReloLen, 16, (at, where) => {
    const accessStrOff = dv.getUint32(at + 8, le);
    return {
      insnOff: dv.getUint32(at, le),
      typeId: typeId(dv.getUint32(at + 4, le), where),
      accessStrOff,
      accessStr: str(accessStrOff, `${where} access`),
      kind: dv.getUint32(at + 12, le),
    };
  }, str);

  return {
    header,
    funcInfoRecSize: func.recSize, lineInfoRecSize: line.recSize, coreReloRecSize: core.recSize,
    funcInfos: func.sections, lineInfos: line.sections, coreRelos: core.sections,
  };
}

/** One info block, validated like libbpf's btf_ext_setup_info. */
function readBlock<T>(
  dv: DataView, header: BtfExtHeader, what: string, off: number, len: number, minRecSize: number,
  readRecord: (at: number, where: string) => T,
  str: (off: number, what: string) => string,
): { recSize: number; sections: ExtSection<T>[] } {
  const sections: ExtSection<T>[] = [];
  if (len === 0) return { recSize: 0, sections };
  const le = header.littleEndian;
  const start = header.hdrLen + off;
  const end = start + len;
  if (off % 4 !== 0) throw new BtfError(`BTF.ext: ${what} offset ${off} is not 4-byte aligned`);
  if (end > dv.byteLength) {
    throw new BtfError(`BTF.ext: ${what} [${start}, ${end}) runs past the end of the data (${dv.byteLength} bytes)`);
  }
  if (len < 4) throw new BtfError(`BTF.ext: ${what} at offset ${start} is too short to hold its record size`);
  const recSize = dv.getUint32(start, le);
  if (recSize < minRecSize || recSize % 4 !== 0) {
    throw new BtfError(`BTF.ext: ${what} record size ${recSize} at offset ${start} is below ${minRecSize} or not a multiple of 4`);
  }
  let pos = start + 4;
  while (pos < end) {
    if (pos + 8 > end) throw new BtfError(`BTF.ext: ${what} section header at offset ${pos} runs past the block end ${end}`);
    const nameOff = dv.getUint32(pos, le);
    const num = dv.getUint32(pos + 4, le);
    if (num === 0) throw new BtfError(`BTF.ext: ${what} section at offset ${pos} has no records`);
    // num * recSize may exceed 2^53 only when it is far past `end` anyway.
    if (pos + 8 + num * recSize > end) {
      throw new BtfError(`BTF.ext: ${what} section at offset ${pos}: ${num} records of ${recSize} bytes run past the block end ${end}`);
    }
    const section = str(nameOff, `${what} section name at offset ${pos}`);
    const records: T[] = new Array(num);
    for (let i = 0; i < num; i++) {
      const at = pos + 8 + i * recSize;
      records[i] = readRecord(at, `${what} record at offset ${at}`);
    }
    sections.push({ sectionNameOff: nameOff, section, records });
    pos += 8 + num * recSize;
  }
  return { recSize, sections };
}
