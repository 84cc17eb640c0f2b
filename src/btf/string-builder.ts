/**
 * Builds a BTF string section.
 *
 * When re-encoding parsed BTF (e.g. sanitising it for an older kernel) the
 * existing table is kept byte for byte: .BTF.ext line_info and CO-RE records
 * point into it by offset, so moving a string would silently corrupt them.
 * New strings are appended, and adding a string that is already present
 * returns its existing offset.
 */
import { BtfError } from './errors.ts';
import { BTF_MAX_NAME_OFFSET } from './header.ts';
import type { StringTable } from './strings.ts';

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8');

export interface StringTableBuilderOptions {
  /** Bytes of an existing table to keep verbatim (must end in NUL). */
  readonly initial?: Uint8Array;
  /** For split BTF: the base table, searched first and preceding ours in offset space. */
  readonly base?: StringTable;
}

export class StringTableBuilder {
  readonly base: StringTable | undefined;
  readonly baseLength: number;
  private buf: Uint8Array;
  private used: number;
  /** string -> absolute offset of its first occurrence in our own bytes. */
  private readonly index = new Map<string, number>();
  private baseIndex: Map<string, number> | undefined;

  constructor(opts: StringTableBuilderOptions = {}) {
    this.base = opts.base;
    this.baseLength = opts.base ? opts.base.length : 0;
    const initial = opts.initial;
    if (initial && initial.byteLength > 0) {
      if (initial[initial.byteLength - 1] !== 0) throw new BtfError('BTF: initial string table does not end with NUL');
      this.buf = new Uint8Array(initial.byteLength + 256);
      this.buf.set(initial);
      this.used = initial.byteLength;
      indexStrings(initial, this.baseLength, this.index);
    } else if (opts.base) {
      // A split table starts empty: offset 0 (the empty string) belongs to the base.
      this.buf = new Uint8Array(256);
      this.used = 0;
    } else {
      this.buf = new Uint8Array(256);
      this.used = 1; // the mandatory empty string at offset 0
      this.index.set('', 0);
    }
  }

  /** A builder that keeps `table`'s own bytes and appends after them. */
  static from(table: StringTable): StringTableBuilder {
    return new StringTableBuilder(table.base ? { initial: table.bytes, base: table.base } : { initial: table.bytes });
  }

  /** Combined length (base included): the offset the next new string gets. */
  get length(): number {
    return this.baseLength + this.used;
  }

  /** Offset of `s`, appending it if it is not in the table yet. */
  add(s: string): number {
    if (s === '') return 0; // offset 0 is the empty string in every (base) table
    if (this.base) {
      this.baseIndex ??= indexStrings(this.base.bytes, this.base.baseLength, new Map(), this.base.base);
      const inBase = this.baseIndex.get(s);
      if (inBase !== undefined) return inBase;
    }
    const known = this.index.get(s);
    if (known !== undefined) return known;
    const bytes = utf8Encoder.encode(s);
    if (bytes.includes(0)) throw new BtfError(`BTF: string ${JSON.stringify(s)} contains NUL`);
    const offset = this.baseLength + this.used;
    if (offset + bytes.byteLength > BTF_MAX_NAME_OFFSET) {
      throw new BtfError(`BTF: string table would exceed the 24-bit offset limit adding ${JSON.stringify(s)}`);
    }
    this.reserve(bytes.byteLength + 1);
    this.buf.set(bytes, this.used);
    this.buf[this.used + bytes.byteLength] = 0;
    this.used += bytes.byteLength + 1;
    this.index.set(s, offset);
    return offset;
  }

  /** A copy of this table's own bytes (without the base). */
  finish(): Uint8Array {
    return this.buf.slice(0, this.used);
  }

  private reserve(n: number): void {
    if (this.used + n <= this.buf.byteLength) return;
    let size = this.buf.byteLength * 2;
    while (size < this.used + n) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.buf.subarray(0, this.used));
    this.buf = grown;
  }
}

/** Record every NUL-terminated string of `bytes` (first occurrence wins), offsets shifted by `shift`. */
function indexStrings(bytes: Uint8Array, shift: number, into: Map<string, number>, base?: StringTable): Map<string, number> {
  if (base) indexStrings(base.bytes, base.baseLength, into, base.base);
  let start = 0;
  while (start < bytes.byteLength) {
    let end = bytes.indexOf(0, start);
    if (end < 0) end = bytes.byteLength;
    const s = utf8Decoder.decode(bytes.subarray(start, end));
    if (!into.has(s)) into.set(s, shift + start);
    start = end + 1;
  }
  return into;
}
