// Endian-aware, bounds-checked integer reads over the caller's bytes.
//
// ELF stores every multi-byte field in the byte order named by e_ident[EI_DATA],
// so all reads go through one object that knows it. 64-bit fields come back as
// JS numbers: offsets and sizes must index a Uint8Array anyway, and a value
// above 2^53-1 cannot be represented exactly, so it is reported as an ElfError
// instead of being silently rounded (no real eBPF object has such values).

import { ElfError, hex } from './errors.ts';

const TWO_32 = 0x1_0000_0000;

export class ByteReader {
  readonly length: number;
  private readonly view: DataView;

  constructor(
    readonly bytes: Uint8Array,
    readonly littleEndian: boolean,
  ) {
    this.length = bytes.length;
    // A view over exactly the caller's window: the Uint8Array may be a
    // subarray of a larger buffer (e.g. a Node Buffer from the shared pool).
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  u8(offset: number): number {
    this.need(offset, 1);
    return this.view.getUint8(offset);
  }

  u16(offset: number): number {
    this.need(offset, 2);
    return this.view.getUint16(offset, this.littleEndian);
  }

  u32(offset: number): number {
    this.need(offset, 4);
    return this.view.getUint32(offset, this.littleEndian);
  }

  /** Unsigned 64-bit field; `where`/`field` name it if it does not fit a number. */
  u64(offset: number, where: string, field: string): number {
    const [hi, lo] = this.halves(offset);
    const value = hi * TWO_32 + lo;
    if (!Number.isSafeInteger(value)) {
      throw new ElfError(where, offset, `${field} ${big(hi, lo)} is too large (above 2^53-1)`);
    }
    return value;
  }

  /** Signed 64-bit field (r_addend). */
  i64(offset: number, where: string, field: string): number {
    const [hi, lo] = this.halves(offset);
    const shi = hi | 0; // reinterpret the high word as signed
    const value = shi * TWO_32 + lo;
    if (!Number.isSafeInteger(value)) {
      const v = BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo));
      throw new ElfError(where, offset, `${field} ${v} is out of range (beyond ±(2^53-1))`);
    }
    return value;
  }

  /** The high and low 32-bit words of a 64-bit field, in file byte order. */
  private halves(offset: number): [number, number] {
    this.need(offset, 8);
    const a = this.view.getUint32(offset, this.littleEndian);
    const b = this.view.getUint32(offset + 4, this.littleEndian);
    return this.littleEndian ? [b, a] : [a, b];
  }

  // Callers range-check whole records first and produce specific messages;
  // this is the last line of defence so no read can ever go out of bounds.
  private need(offset: number, size: number): void {
    if (!Number.isSafeInteger(offset) || offset < 0 || offset + size > this.length) {
      throw new ElfError('read', offset, `${size}-byte field beyond end of file (${hex(this.length)})`);
    }
  }
}

function big(hi: number, lo: number): string {
  return `0x${((BigInt(hi) << 32n) | BigInt(lo)).toString(16)}`;
}
