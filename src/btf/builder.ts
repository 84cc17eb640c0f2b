/**
 * A mutable list of types on its way to becoming raw BTF.
 *
 * The loader's sanitiser starts from a parsed object's BTF
 * (`BtfBuilder.from(btf)`), replaces what the running kernel does not
 * understand (say, a DECL_TAG by an INT, a FLOAT by a STRUCT of the same
 * size) keeping every id in place, and encodes. The original string table
 * is kept verbatim, so .BTF.ext offsets into it stay valid.
 */
import type { Btf } from './btf.ts';
import { VOID } from './btf.ts';
import { encodeBtf } from './encode.ts';
import { BtfError } from './errors.ts';
import type { KindLayout } from './layout.ts';
import { StringTableBuilder } from './string-builder.ts';
import type { Type, TypeId, TypeLookup, TypeSpec } from './types.ts';

export interface BtfBuilderOptions {
  /** Encode as split BTF on top of this base: ids and strings continue after it. */
  readonly base?: Btf;
  /** String table to intern into; default a fresh one (chained to base's strings). */
  readonly strings?: StringTableBuilder;
  /** Output byte order; default little-endian (or the base's). */
  readonly littleEndian?: boolean;
  /** Layout section to emit (see EncodeOptions.layout). */
  readonly layout?: readonly KindLayout[];
}

export class BtfBuilder implements TypeLookup {
  readonly base: Btf | undefined;
  readonly strings: StringTableBuilder;
  littleEndian: boolean;
  /** Layout section to emit; set to undefined when targeting kernels that predate it. */
  layout: readonly KindLayout[] | undefined;
  private readonly list: TypeSpec[] = [];

  constructor(opts: BtfBuilderOptions = {}) {
    this.base = opts.base;
    this.strings = opts.strings ?? new StringTableBuilder(opts.base ? { base: opts.base.strings } : {});
    this.littleEndian = opts.littleEndian ?? opts.base?.littleEndian ?? true;
    this.layout = opts.layout;
  }

  /**
   * A builder holding all of `btf`'s own types (same ids) and its string
   * table bytes unchanged; encoding it untouched reproduces the input.
   */
  static from(btf: Btf): BtfBuilder {
    const b = new BtfBuilder({
      ...(btf.base ? { base: btf.base } : {}),
      strings: StringTableBuilder.from(btf.strings),
      littleEndian: btf.littleEndian,
      ...(btf.layout ? { layout: btf.layout } : {}),
    });
    for (const t of btf.types()) b.list.push(t as TypeSpec);
    return b;
  }

  /** Id of the first type this builder holds. */
  get firstTypeId(): number {
    return this.base ? this.base.nextTypeId : 1;
  }

  /** Id the next added type will get. */
  get nextTypeId(): number {
    return this.firstTypeId + this.list.length;
  }

  /** Append a type; returns its id. */
  add(t: TypeSpec): TypeId {
    this.list.push(t);
    return this.nextTypeId - 1;
  }

  /** Put `t` in place of type `id` (which keeps its id: references to it stay valid). */
  replace(id: TypeId, t: TypeSpec): void {
    this.list[this.localIndex(id)] = t;
  }

  /** The type with this id, including the base's and void. */
  typeById(id: TypeId): Type {
    if (id === 0) return VOID;
    if (this.base && id > 0 && id < this.firstTypeId) return this.base.typeById(id);
    const t = this.list[this.localIndex(id)]!;
    return (t as Type).id === id ? (t as Type) : ({ ...t, id } as Type);
  }

  /** This builder's own types, in id order. */
  specs(): readonly TypeSpec[] {
    return this.list;
  }

  encode(): Uint8Array {
    return encodeBtf(this.list, this.strings, {
      littleEndian: this.littleEndian,
      firstTypeId: this.firstTypeId,
      ...(this.layout ? { layout: this.layout } : {}),
    });
  }

  private localIndex(id: TypeId): number {
    const i = id - this.firstTypeId;
    if (!Number.isInteger(id) || i < 0 || i >= this.list.length) {
      throw new BtfError(`BTF builder: type id ${id} is not one of ours (${this.firstTypeId} to ${this.nextTypeId - 1})`);
    }
    return i;
  }
}
