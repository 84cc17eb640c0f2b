// String tables (SHT_STRTAB): section names, symbol names.
//
// A name is referenced by byte offset into the table and runs to the next NUL.
// Both the offset and the terminator are untrusted: an offset past the end or
// a string running off the end of the section is an error, never a read into
// whatever follows the section in the file.
//
// Cost is bounded too. Every lookup scans and copies its string, so a forged
// table (one long run without NULs, thousands of symbols pointing at
// successive offsets into it) would cost O(symbols × table size) time and
// memory: a 400 KB file could take seconds and gigabytes. Each table therefore
// has a budget of bytes it may scan, proportional to its size; real tables
// stay far below it (each string is looked up about once, and tail merging
// only shares short suffixes).

import { ElfError, hex } from './errors.ts';

// ELF names are bytes; clang emits ASCII. Non-fatal UTF-8 decoding keeps odd
// bytes visible (as U+FFFD) instead of failing on a name we only display.
const decoder = new TextDecoder('utf-8', { fatal: false });

/** Budget: this many times the table size, plus a fixed allowance for tiny tables. */
const BUDGET_FACTOR = 16;
const BUDGET_BASE = 1 << 20;

export class ElfStringTable {
  // Symbol tables repeat names (relocations, section symbols); a lookup that
  // hits the cache costs nothing against the budget.
  private readonly cache = new Map<number, string>();
  private budget: number;

  /**
   * @param data   the table's bytes (zero-copy view into the file)
   * @param label  how to name the table in messages, e.g. `string table section 1 (.strtab)`
   */
  constructor(
    readonly data: Uint8Array,
    readonly label: string,
  ) {
    this.budget = BUDGET_FACTOR * data.length + BUDGET_BASE;
  }

  /**
   * The NUL-terminated string at `offset`. `where`/`whereOffset` name the
   * record that holds the reference, which is what errors point at.
   */
  get(offset: number, where: string, whereOffset: number, field: string): string {
    const cached = this.cache.get(offset);
    if (cached !== undefined) return cached;
    if (offset >= this.data.length) {
      throw new ElfError(
        where, whereOffset,
        `${field} ${hex(offset)} is beyond the end of ${this.label} (size ${hex(this.data.length)})`,
      );
    }
    const end = this.data.indexOf(0, offset);
    if (end < 0) {
      throw new ElfError(
        where, whereOffset,
        `${field} ${hex(offset)}: string in ${this.label} has no NUL terminator before the end of the table`,
      );
    }
    this.budget -= end - offset + 1;
    if (this.budget < 0) {
      throw new ElfError(
        where, whereOffset,
        `${field} ${hex(offset)}: references into ${this.label} overlap abnormally ` +
          `(more than ${BUDGET_FACTOR}x its size read back as strings)`,
      );
    }
    const s = decoder.decode(this.data.subarray(offset, end));
    this.cache.set(offset, s);
    return s;
  }
}
