/**
 * Which flavoured names (`foo___bar`) a BTF string table holds, by
 * essential name.
 *
 * Candidate search must find every target type whose essential name equals
 * the local one. Exact names come from the BTF's name index; flavoured ones
 * cannot be looked up that way, and decoding all ~100k vmlinux types to read
 * their names costs ~400 ms. Scanning the string bytes for `___` costs
 * ~10 ms, finds the few dozen flavoured strings, and each is then looked up
 * by exact name. Computed once per string table.
 *
 * (Assumes a type's name starts at the start of a string, which holds for
 * clang, pahole and libbpf output: none of them merges string suffixes.)
 */
import type { StringTable } from '../btf/index.ts';
import { essentialNameLength } from './names.ts';

const cache = new WeakMap<StringTable, ReadonlyMap<string, readonly string[]>>();
const utf8 = new TextDecoder('utf-8');
const MARK = Buffer.from('___');

/** essential name -> flavoured names in this table (not its base). */
function scanTable(table: StringTable): ReadonlyMap<string, readonly string[]> {
  let found = cache.get(table);
  if (found !== undefined) return found;
  const map = new Map<string, string[]>();
  const b = table.bytes;
  // Buffer#indexOf searches natively: jump from one "___" to the next
  // instead of visiting every byte in JavaScript (vmlinux: ~2 MB of strings).
  const buf = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  for (let at = buf.indexOf(MARK); at >= 0; ) {
    const start = buf.lastIndexOf(0, at) + 1;
    let end = buf.indexOf(0, at);
    if (end < 0) end = buf.length;
    const name = utf8.decode(b.subarray(start, end));
    const n = essentialNameLength(name);
    if (n < name.length) {
      const key = name.slice(0, n);
      const list = map.get(key);
      if (list === undefined) map.set(key, [name]);
      else if (!list.includes(name)) list.push(name);
    }
    at = end < buf.length ? buf.indexOf(MARK, end) : -1;
  }
  found = map;
  cache.set(table, found);
  return found;
}

/** Flavoured names with essential name `essential`, from the table and its bases. */
export function flavouredNames(strings: StringTable, essential: string): string[] {
  const out: string[] = [];
  for (let t: StringTable | undefined = strings; t !== undefined; t = t.base) {
    for (const name of scanTable(t).get(essential) ?? []) if (!out.includes(name)) out.push(name);
  }
  return out;
}
