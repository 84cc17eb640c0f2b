/**
 * The lazy index: where each type record starts.
 *
 * Records are variable-length (a 12-byte struct btf_type followed by
 * kind-specific data whose length depends on vlen), so the only way to find
 * type N is to walk the N-1 records before it. We walk once, keep the start
 * offsets in a Uint32Array (4 bytes per type instead of a decoded object),
 * and decode records only when asked for. This walk is the whole cost of
 * opening vmlinux, so it is table-driven and reads native-endian words
 * directly when it can.
 */
import { BtfError } from './errors.ts';
import { BtfKind, MAX_KIND, kindToName } from './kinds.ts';
import { UAPI_LAYOUT, type KindLayout } from './layout.ts';

/** sizeof(struct btf_type): name_off, info, size/type. */
export const TYPE_HEADER_SIZE = 12;

/** info bits: kind in 24-30 (7 bits in the newest UAPI; 5 in 6.1, with 29-30 unused). */
export const kindOfInfo = (info: number): number => (info >>> 24) & 0x7f;
/** info bits: vlen in 0-23 (16 bits in 6.1, with 16-23 unused, so valid old data reads the same). */
export const vlenOfInfo = (info: number): number => info & 0xffffff;

/**
 * Record shape per kind: `fixed` bytes after btf_type plus `perElem` bytes
 * per vlen element; fixed = -1 marks a kind we cannot size.
 */
export interface RecordShape {
  readonly fixed: Int32Array;
  readonly perElem: Int32Array;
}

/** Shapes from include/uapi/linux/btf.h (see UAPI_LAYOUT); kind 0 (UNKN) is never valid. */
export const UAPI_SHAPE: RecordShape = (() => {
  const fixed = new Int32Array(128).fill(-1);
  const perElem = new Int32Array(128);
  UAPI_LAYOUT.forEach((l, kind) => {
    if (kind === BtfKind.Unknown) return;
    fixed[kind] = l.infoSize;
    perElem[kind] = l.elemSize;
  });
  return { fixed, perElem };
})();

/** Bytes after btf_type for a known kind (used by the encoder). */
export function trailingSize(kind: number, vlen: number): number | undefined {
  const f = UAPI_SHAPE.fixed[kind];
  return f === undefined || f < 0 ? undefined : f + UAPI_SHAPE.perElem[kind]! * vlen;
}

/**
 * UAPI shapes, plus the sizes a layout section gives for kinds newer than
 * ours. A layout that contradicts the UAPI for a known kind means we would
 * misread every such record, so it is an error.
 */
export function shapeWithLayout(layout: readonly KindLayout[]): RecordShape {
  const fixed = UAPI_SHAPE.fixed.slice();
  const perElem = UAPI_SHAPE.perElem.slice();
  layout.forEach((l, kind) => {
    if (kind === 0 || kind >= fixed.length) return;
    if (kind <= MAX_KIND) {
      if (l.infoSize !== fixed[kind] || l.elemSize !== perElem[kind]) {
        throw new BtfError(
          `BTF: layout section says ${kindToName(kind)} records are ${l.infoSize} + vlen * ${l.elemSize} bytes, ` +
            `but the UAPI says ${fixed[kind]} + vlen * ${perElem[kind]}`,
        );
      }
      return;
    }
    fixed[kind] = l.infoSize;
    perElem[kind] = l.elemSize;
  });
  return { fixed, perElem };
}

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * The result of the walk. Besides each record's offset, records of the same
 * kind are chained together (newest first), so that indexing the names of
 * one kind (say, the ~10k structs of vmlinux) visits only those records and
 * not all ~130k: cheap to record while we are reading each info word anyway.
 */
export interface RecordIndex {
  /** Absolute byte offset of each record, by local index (type id - first id). */
  readonly offsets: Uint32Array;
  /** Per kind: local index + 1 of the last record of that kind (0 = none). */
  readonly kindLast: Uint32Array;
  /** Per record: local index + 1 of the previous record of the same kind (0 = none). */
  readonly kindPrev: Uint32Array;
  /** Per kind: number of records. */
  readonly kindCount: Uint32Array;
  /** Per record: its name_off, copied out so name lookups touch one typed array. */
  readonly nameOffs: Uint32Array;
}

/**
 * Walk the type section [start, start+len) of `data` and return the absolute
 * offset of every record. `firstId` only labels error messages.
 */
export function indexRecords(
  data: Uint8Array, start: number, len: number, littleEndian: boolean, firstId: number, shape: RecordShape = UAPI_SHAPE,
): RecordIndex {
  const end = start + len;
  // Every record is at least 12 bytes, which bounds the count; trim afterwards.
  const max = Math.floor(len / TYPE_HEADER_SIZE);
  const out = new Uint32Array(max);
  const prev = new Uint32Array(max);
  const names = new Uint32Array(max);
  const kindLast = new Uint32Array(128);
  const kindCount = new Uint32Array(128);
  const { fixed, perElem } = shape;
  let n = 0;
  let pos = start;
  const fail = (why: string, info?: number): never => {
    const kind = info === undefined ? '' : ` (${kindToName(kindOfInfo(info))})`;
    throw new BtfError(`BTF: type [${firstId + n}]${kind} at offset ${pos}: ${why}`);
  };

  if (littleEndian === HOST_LITTLE_ENDIAN && (data.byteOffset + start) % 4 === 0) {
    // Fast path: info words straight out of a typed array, no DataView calls.
    const words = new Uint32Array(data.buffer, data.byteOffset + start, len >>> 2);
    const base = start;
    while (pos < end) {
      if (pos + TYPE_HEADER_SIZE > end) fail(`${end - pos} bytes left, too few for a record header`);
      const w = (pos - base) >>> 2;
      const info = words[w + 1]!;
      const kind = (info >>> 24) & 0x7f;
      const f = fixed[kind]!;
      if (f < 0 || kind === 0) fail(`unknown kind ${kind}`);
      const next = pos + TYPE_HEADER_SIZE + f + perElem[kind]! * (info & 0xffffff);
      if (next > end) fail(`record of ${next - pos} bytes runs past the end of the type section at ${end}`, info);
      prev[n] = kindLast[kind]!;
      kindCount[kind]!++;
      names[n] = words[w]!;
      out[n++] = pos;
      kindLast[kind] = n;
      pos = next;
    }
  } else {
    const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
    while (pos < end) {
      if (pos + TYPE_HEADER_SIZE > end) fail(`${end - pos} bytes left, too few for a record header`);
      const info = dv.getUint32(pos + 4, littleEndian);
      const kind = (info >>> 24) & 0x7f;
      const f = fixed[kind]!;
      if (f < 0 || kind === 0) fail(`unknown kind ${kind}`);
      const next = pos + TYPE_HEADER_SIZE + f + perElem[kind]! * (info & 0xffffff);
      if (next > end) fail(`record of ${next - pos} bytes runs past the end of the type section at ${end}`, info);
      prev[n] = kindLast[kind]!;
      kindCount[kind]!++;
      names[n] = dv.getUint32(pos, littleEndian);
      out[n++] = pos;
      kindLast[kind] = n;
      pos = next;
    }
  }
  return { offsets: out.slice(0, n), kindPrev: prev.slice(0, n), kindLast, kindCount, nameOffs: names.slice(0, n) };
}
