/**
 * The BTF string section: NUL-terminated strings addressed by byte offset.
 *
 * Names are looked up on demand; nothing is decoded up front, because
 * vmlinux carries megabytes of strings of which a tracer needs a dozen.
 *
 * Split BTF (a kernel module on top of vmlinux) continues the offset space:
 * offsets below the base table's length address the base strings, larger
 * ones address this table at (offset - base length).
 */
import { BtfError } from './errors.ts';
import { BTF_MAX_NAME_OFFSET } from './header.ts';

/** Anything that resolves a string offset: a StringTable, or a test double. */
export interface StringLookup {
  get(offset: number): string;
}

const utf8 = new TextDecoder('utf-8');

export class StringTable implements StringLookup {
  /** This table's own bytes (for split BTF, without the base). */
  readonly bytes: Uint8Array;
  readonly base: StringTable | undefined;
  /** Offset of this table's first byte in the combined offset space. */
  readonly baseLength: number;

  private constructor(bytes: Uint8Array, base: StringTable | undefined) {
    this.bytes = bytes;
    this.base = base;
    this.baseLength = base ? base.length : 0;
  }

  /**
   * Validate a string section the way libbpf's btf_parse_str_sec does: a base
   * table is non-empty, starts with the empty string (offset 0 = no name) and
   * ends with NUL, so every lookup terminates inside the table. A split
   * table may be empty (a module that adds no strings).
   */
  static parse(bytes: Uint8Array, base?: StringTable): StringTable {
    if (bytes.byteLength === 0) {
      if (base) return new StringTable(bytes, base);
      throw new BtfError('BTF: string section is empty (it must at least hold the empty string at offset 0)');
    }
    if (bytes.byteLength - 1 > BTF_MAX_NAME_OFFSET) {
      throw new BtfError(`BTF: string section of ${bytes.byteLength} bytes exceeds the 24-bit offset limit`);
    }
    if (!base && bytes[0] !== 0) {
      throw new BtfError('BTF: string section does not start with the empty string at offset 0');
    }
    if (bytes[bytes.byteLength - 1] !== 0) {
      throw new BtfError(`BTF: string section does not end with NUL (last byte at offset ${bytes.byteLength - 1})`);
    }
    return new StringTable(bytes, base);
  }

  /** Combined length: base strings plus this table. Valid offsets are below it. */
  get length(): number {
    return this.baseLength + this.bytes.byteLength;
  }

  /** Whether `offset` addresses a byte of this table or its base. */
  has(offset: number): boolean {
    return Number.isInteger(offset) && offset >= 0 && offset < this.length;
  }

  /** The string starting at `offset` (which may point into the middle of a longer string). */
  get(offset: number): string {
    if (offset < this.baseLength && this.base) return this.base.get(offset);
    const local = offset - this.baseLength;
    if (!(local >= 0 && local < this.bytes.byteLength)) {
      throw new BtfError(`BTF: string offset ${offset} is out of range (string table is ${this.length} bytes)`);
    }
    const end = this.bytes.indexOf(0, local); // found: parse() checked the final NUL
    return decode(this.bytes, local, end);
  }

  /** FNV-1a hash of the string at `offset`; used to build the name index without decoding. */
  hashAt(offset: number): number {
    if (offset < this.baseLength && this.base) return this.base.hashAt(offset);
    const b = this.bytes;
    let i = offset - this.baseLength;
    if (!(i >= 0 && i < b.byteLength)) return 0;
    let h = 0x811c9dc5;
    for (let c = b[i]!; c !== 0; c = b[++i]!) h = Math.imul(h ^ c, 0x01000193);
    return h >>> 0;
  }

  /** Whether the string at `offset` is exactly `query` (UTF-8 bytes). */
  equalsAt(offset: number, query: Uint8Array): boolean {
    if (offset < this.baseLength && this.base) return this.base.equalsAt(offset, query);
    const b = this.bytes;
    const start = offset - this.baseLength;
    if (!(start >= 0 && start + query.byteLength < b.byteLength)) return false;
    for (let j = 0; j < query.byteLength; j++) if (b[start + j] !== query[j]) return false;
    return b[start + query.byteLength] === 0;
  }
}

/** FNV-1a of a UTF-8 byte string; must agree with StringTable.hashAt. */
export function hashBytes(query: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < query.byteLength; i++) h = Math.imul(h ^ query[i]!, 0x01000193);
  return h >>> 0;
}

/** ASCII fast path: type names are C identifiers; only source text needs real UTF-8 decoding. */
function decode(b: Uint8Array, start: number, end: number): string {
  if (end - start <= 64) {
    let s = '';
    for (let i = start; i < end; i++) {
      const c = b[i]!;
      if (c >= 0x80) return utf8.decode(b.subarray(start, end));
      s += String.fromCharCode(c);
    }
    return s;
  }
  return utf8.decode(b.subarray(start, end));
}
