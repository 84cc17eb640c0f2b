/**
 * A parsed raw BTF blob (.BTF section, /sys/kernel/btf/vmlinux, or a
 * module's split BTF): the header and string table checked up front, an
 * offset index of the type records, and everything else decoded on demand.
 */
import { decodeRecord, type DecodeContext } from './decode.ts';
import { BtfError } from './errors.ts';
import { parseHeader, viewOf, type BtfHeader } from './header.ts';
import { KIND_NAMES, kindFromName, type KindName } from './kinds.ts';
import { findMember, type MemberMatch } from './members.ts';
import { NameLookup } from './name-index.ts';
import { parseLayout, type KindLayout } from './layout.ts';
import { UAPI_SHAPE, indexRecords, kindOfInfo, shapeWithLayout, type RecordIndex } from './record-index.ts';
import { sizeOf, skipQualifiers } from './resolve.ts';
import { StringTable } from './strings.ts';
import { typeName } from './format.ts';
import type { Type, TypeId, TypeLookup, VoidType } from './types.ts';

export interface ParseOptions {
  /**
   * The BTF this blob was split from (vmlinux, for a module). Its type ids
   * and string offsets continue after the base's.
   */
  readonly base?: Btf;
  /** Size of a pointer for sizeOf(); BTF does not record it. Default 8 (BPF, 64-bit kernels). */
  readonly pointerSize?: number;
}

export const VOID: VoidType = Object.freeze({ kind: 'void', id: 0, name: '' });

export class Btf implements TypeLookup {
  readonly header: BtfHeader;
  readonly littleEndian: boolean;
  /** Strings of this blob, chained to the base's strings for split BTF. */
  readonly strings: StringTable;
  readonly base: Btf | undefined;
  /** Id of this blob's first type: 1, or the base's nextTypeId for split BTF. */
  readonly firstTypeId: number;
  /** Number of types in this blob (not counting the base, nor void). */
  readonly typeCount: number;
  readonly pointerSize: number;
  /** The raw bytes this was parsed from (not copied). */
  readonly data: Uint8Array;
  /** The layout section decoded, if the blob has one: entry i describes kind i. */
  readonly layout: readonly KindLayout[] | undefined;

  private readonly ctx: DecodeContext;
  private readonly offsets: Uint32Array;
  private readonly records: RecordIndex;
  private readonly cache = new Map<number, Type>();
  private readonly names: NameLookup;

  private constructor(data: Uint8Array, opts: ParseOptions) {
    const header = parseHeader(data);
    const base = opts.base;
    if (base && base.littleEndian !== header.littleEndian) {
      throw new BtfError('BTF: split BTF and its base have different byte orders');
    }
    const strStart = header.hdrLen + header.strOff;
    const strings = StringTable.parse(data.subarray(strStart, strStart + header.strLen), base?.strings);
    const dv = viewOf(data);
    const layoutStart = header.hdrLen + header.layoutOff;
    this.layout = header.layoutLen > 0
      ? parseLayout(data.subarray(layoutStart, layoutStart + header.layoutLen), header.littleEndian)
      : undefined;
    const shape = this.layout ? shapeWithLayout(this.layout) : UAPI_SHAPE;
    this.firstTypeId = base ? base.nextTypeId : 1;
    this.records = indexRecords(
      data, header.hdrLen + header.typeOff, header.typeLen, header.littleEndian, this.firstTypeId, shape,
    );
    this.offsets = this.records.offsets;
    this.header = header;
    this.littleEndian = header.littleEndian;
    this.strings = strings;
    this.base = base;
    this.typeCount = this.offsets.length;
    this.pointerSize = opts.pointerSize ?? base?.pointerSize ?? 8;
    this.data = data;
    this.ctx = { dv, littleEndian: header.littleEndian, strings, nextTypeId: this.firstTypeId + this.typeCount, shape };
    this.names = new NameLookup(this.records, strings);
  }

  /**
   * Parse raw BTF. Only the header, the string table bounds and the record
   * offsets are examined here; types are decoded when first asked for.
   */
  static parse(data: Uint8Array, opts: ParseOptions = {}): Btf {
    return new Btf(data, opts);
  }

  /** One past the highest type id, base included: the id the next added type would get. */
  get nextTypeId(): number {
    return this.firstTypeId + this.typeCount;
  }

  /** The type with this id (0 = void), decoding and caching it on first use. */
  typeById(id: TypeId): Type {
    if (id === 0) return VOID;
    if (this.base && id < this.firstTypeId && id > 0) return this.base.typeById(id);
    const local = this.localIndex(id);
    let t = this.cache.get(id);
    if (t === undefined) {
      t = decodeRecord(this.ctx, this.offsets[local]!, id);
      this.cache.set(id, t);
    }
    return t;
  }

  /** How many types have been decoded so far (laziness is observable, and testable). */
  get decodedCount(): number {
    return this.cache.size;
  }

  /** The kind of a type, read from its record without decoding it. */
  kindOf(id: TypeId): KindName | 'void' | 'unknown' {
    if (id === 0) return 'void';
    if (this.base && id < this.firstTypeId && id > 0) return this.base.kindOf(id);
    const info = this.ctx.dv.getUint32(this.offsets[this.localIndex(id)]! + 4, this.littleEndian);
    return (KIND_NAMES[kindOfInfo(info)] as KindName | undefined) ?? 'unknown';
  }

  /** This blob's own types in id order (not the base's). Decodes each one. */
  *types(): IterableIterator<Type> {
    for (let id = this.firstTypeId; id < this.nextTypeId; id++) yield this.typeById(id);
  }

  /**
   * Ids of all types named exactly `name` (base first, then this blob),
   * optionally only those of one kind. See name-index.ts for how.
   */
  idsByName(name: string, kind?: KindName): TypeId[] {
    const want = kind === undefined ? undefined : kindFromName(kind);
    if (kind !== undefined && (want === undefined || want === 0)) throw new BtfError(`BTF: unknown kind '${kind}'`);
    const out = this.base ? this.base.idsByName(name, kind) : [];
    for (const i of this.names.lookup(name, want)) out.push(this.firstTypeId + i);
    return out;
  }

  /**
   * The one type named `name` (of `kind`, if given); undefined if there is
   * none, BtfError if several match, because picking one silently is how
   * a loader ends up relocating against the wrong struct.
   */
  findByName(name: string, kind?: KindName): Type | undefined {
    const ids = this.idsByName(name, kind);
    if (ids.length > 1) {
      throw new BtfError(`BTF: ${ids.length} types named '${name}'${kind ? ` of kind ${kind}` : ''}: ids ${ids.join(', ')}`);
    }
    return ids.length === 1 ? this.typeById(ids[0]!) : undefined;
  }

  /** Index into this blob's records of one of its own type ids. */
  private localIndex(id: TypeId): number {
    const local = id - this.firstTypeId;
    if (!Number.isInteger(id) || local < 0 || local >= this.typeCount) {
      throw new BtfError(`BTF: type id ${id} is out of range (valid ids are 0 to ${this.nextTypeId - 1})`);
    }
    return local;
  }

  /** See resolve.ts: follow typedef/const/volatile/restrict/type_tag. */
  skipQualifiers(id: TypeId): Type {
    return skipQualifiers(this, id);
  }

  /** See resolve.ts: size in bytes, BtfError for unsized types. */
  sizeOf(id: TypeId): number {
    return sizeOf(this, id, this.pointerSize);
  }

  /** See format.ts: a C-like spelling of the type. */
  typeName(id: TypeId): string {
    return typeName(this, id);
  }

  /** See members.ts: a member by name, looking through anonymous members. */
  findMember(id: TypeId, name: string): MemberMatch | undefined {
    return findMember(this, id, name);
  }
}

/** Functional spelling of Btf.parse. */
export function parseBtf(data: Uint8Array, opts: ParseOptions = {}): Btf {
  return Btf.parse(data, opts);
}
