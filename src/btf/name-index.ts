/**
 * Name -> type ids, without decoding every name up front.
 *
 * Two strategies, chosen per kind by how often that kind is asked about:
 *
 * - The first few lookups scan the records of the requested kind (a chain
 *   the record walk already built) and compare name bytes in place, most
 *   rejected on the first byte. A tracer asks for five structs; hashing all
 *   ~10k struct names of vmlinux for that costs more than the scans.
 * - After SCANS_BEFORE_INDEX lookups of a kind, a CO-RE loader is clearly
 *   resolving many names, so we build a chained hash table for the kind in
 *   two typed arrays (~12 bytes per named record, no JS strings) and answer
 *   from it from then on.
 */
import type { RecordIndex } from './record-index.ts';
import { hashBytes, type StringTable } from './strings.ts';

const utf8 = new TextEncoder();

/** Lookups of one kind answered by scanning before that kind gets a hash index. */
export const SCANS_BEFORE_INDEX = 8;

/** Key for "any kind". */
const ALL = -1;

export class NameLookup {
  private readonly records: RecordIndex;
  private readonly strings: StringTable;
  private readonly scans = new Map<number, number>();
  private readonly tables = new Map<number, HashTable>();

  constructor(records: RecordIndex, strings: StringTable) {
    this.records = records;
    this.strings = strings;
  }

  /** Local indices (ascending) of records named exactly `name`, of numeric `kind` if given. */
  lookup(name: string, kind: number | undefined): number[] {
    if (name === '') return [];
    const key = kind ?? ALL;
    const query = utf8.encode(name);
    let table = this.tables.get(key);
    if (table === undefined) {
      const n = (this.scans.get(key) ?? 0) + 1;
      if (n <= SCANS_BEFORE_INDEX) {
        this.scans.set(key, n);
        return this.scan(kind, query);
      }
      table = this.build(kind);
      this.tables.set(key, table);
    }
    const out: number[] = [];
    for (let e = table.heads[hashBytes(query) & table.mask]!; e !== 0; e = table.chain[e - 1]!) {
      const i = table.records[e - 1]!;
      if (this.strings.equalsAt(this.records.nameOffs[i]!, query)) out.push(i);
    }
    return out;
  }

  /** Compare the query against every record of the kind, rejecting most on the first byte. */
  private scan(kind: number | undefined, query: Uint8Array): number[] {
    const strings = this.strings;
    const { nameOffs, kindLast, kindPrev } = this.records;
    const local = strings.bytes;
    const shift = strings.baseLength;
    const first = query[0]!;
    const out: number[] = [];
    // Base-table names (split BTF) skip the first-byte shortcut; they are the rare case.
    if (kind === undefined) {
      for (let i = 0; i < nameOffs.length; i++) {
        const off = nameOffs[i]!;
        if ((off < shift || local[off - shift] === first) && off !== 0 && strings.equalsAt(off, query)) out.push(i);
      }
      return out;
    }
    for (let e = kindLast[kind] ?? 0; e !== 0; e = kindPrev[e - 1]!) {
      const off = nameOffs[e - 1]!;
      if ((off < shift || local[off - shift] === first) && off !== 0 && strings.equalsAt(off, query)) out.push(e - 1);
    }
    return out.reverse(); // the chain runs newest first
  }

  /** Hash every named record of the kind (all kinds if undefined). */
  private build(kind: number | undefined): HashTable {
    const { nameOffs, kindLast, kindPrev, kindCount } = this.records;
    const count = kind === undefined ? nameOffs.length : (kindCount[kind] ?? 0);
    const records = new Uint32Array(count);
    // Fill ascending: the chain is newest first, so fill from the end.
    if (kind === undefined) {
      for (let i = 0; i < count; i++) records[i] = i;
    } else {
      let n = count;
      for (let e = kindLast[kind] ?? 0; e !== 0; e = kindPrev[e - 1]!) records[--n] = e - 1;
    }
    let size = 16;
    while (size < count) size *= 2;
    const heads = new Uint32Array(size);
    const chain = new Uint32Array(count);
    const mask = size - 1;
    // Inserted last-to-first so that each bucket lists records in id order.
    for (let j = count - 1; j >= 0; j--) {
      const off = nameOffs[records[j]!]!;
      if (off === 0) continue; // anonymous: never found by name
      const b = this.strings.hashAt(off) & mask;
      chain[j] = heads[b]!;
      heads[b] = j + 1;
    }
    return { heads, chain, records, mask };
  }
}

interface HashTable {
  /** bucket -> entry + 1 (0 = empty). */
  readonly heads: Uint32Array;
  /** entry -> next entry + 1 in the same bucket (0 = end). */
  readonly chain: Uint32Array;
  /** entry -> local record index. */
  readonly records: Uint32Array;
  readonly mask: number;
}
