// Builds small synthetic ELF64 objects for tests: the cases clang never emits
// for BPF (SHT_RELA, extended section numbering, SHN_XINDEX, SHN_COMMON) and
// precise breakage that would be tedious to patch into a real object.
//
// Layout: Elf64_Ehdr, then each section's bytes (8-aligned), then the section
// header table. A `.shstrtab` is appended as the last section unless
// `noNames` is set.

import { Buffer } from 'node:buffer';

export interface SectionSpec {
  name: string;
  type: number;
  flags?: number;
  data?: Uint8Array;
  /** sh_size for SHT_NOBITS (no bytes written). */
  size?: number;
  link?: number;
  info?: number;
  addralign?: number;
  entsize?: number;
}

export interface BuildOptions {
  littleEndian?: boolean;
  /** e_type, default ET_REL. */
  type?: number;
  /** e_machine, default EM_BPF. */
  machine?: number;
  /** Store the section count and name-table index in section 0 (e_shnum = 0, e_shstrndx = SHN_XINDEX). */
  extendedNumbering?: boolean;
  /** No .shstrtab: e_shstrndx = SHN_UNDEF. */
  noNames?: boolean;
  /** Omit the section header table entirely (e_shoff = 0). */
  noSectionTable?: boolean;
}

/** Endian-aware little writer over a growable byte array. */
export class Writer {
  private buf = new Uint8Array(256);
  length = 0;
  constructor(readonly littleEndian: boolean) {}

  private grow(n: number): DataView {
    if (this.length + n > this.buf.length) {
      const next = new Uint8Array(Math.max(this.buf.length * 2, this.length + n));
      next.set(this.buf);
      this.buf = next;
    }
    const v = new DataView(this.buf.buffer, this.length, n);
    this.length += n;
    return v;
  }
  u8(x: number): this { this.grow(1).setUint8(0, x); return this; }
  u16(x: number): this { this.grow(2).setUint16(0, x, this.littleEndian); return this; }
  u32(x: number): this { this.grow(4).setUint32(0, x >>> 0, this.littleEndian); return this; }
  u64(x: number | bigint): this { this.grow(8).setBigUint64(0, BigInt.asUintN(64, BigInt(x)), this.littleEndian); return this; }
  bytes(b: Uint8Array): this { const v = this.grow(b.length); new Uint8Array(v.buffer, v.byteOffset, b.length).set(b); return this; }
  align(n: number): this { while (this.length % n !== 0) this.u8(0); return this; }
  done(): Uint8Array { return this.buf.slice(0, this.length); }
}

/** A string table and the offset of each string in it (offset 0 is the empty string). */
export function strtab(names: readonly string[]): { data: Uint8Array; offsets: Map<string, number> } {
  const offsets = new Map<string, number>([['', 0]]);
  const parts: Buffer[] = [Buffer.from([0])];
  let at = 1;
  for (const n of names) {
    if (offsets.has(n)) continue;
    offsets.set(n, at);
    const b = Buffer.from(`${n}\0`, 'utf8');
    parts.push(b);
    at += b.length;
  }
  return { data: new Uint8Array(Buffer.concat(parts)), offsets };
}

export interface SymSpec {
  nameOffset: number;
  value?: number | bigint;
  size?: number | bigint;
  type?: number;
  bind?: number;
  other?: number;
  shndx: number;
}

export function symtabBytes(le: boolean, syms: readonly SymSpec[]): Uint8Array {
  const w = new Writer(le);
  for (const s of syms) {
    w.u32(s.nameOffset).u8(((s.bind ?? 0) << 4) | (s.type ?? 0)).u8(s.other ?? 0).u16(s.shndx);
    w.u64(s.value ?? 0).u64(s.size ?? 0);
  }
  return w.done();
}

export interface RelSpec {
  offset: number | bigint;
  sym: number;
  type: number;
  addend?: number | bigint;
}

export function relBytes(le: boolean, rels: readonly RelSpec[], withAddend: boolean): Uint8Array {
  const w = new Writer(le);
  for (const r of rels) {
    w.u64(r.offset).u64((BigInt(r.sym) << 32n) | BigInt(r.type));
    if (withAddend) w.u64(r.addend ?? 0);
  }
  return w.done();
}

export function u32Bytes(le: boolean, values: readonly number[]): Uint8Array {
  const w = new Writer(le);
  for (const v of values) w.u32(v);
  return w.done();
}

export function buildElf(specs: readonly SectionSpec[], opts: BuildOptions = {}): Uint8Array {
  const le = opts.littleEndian ?? true;
  const all: SectionSpec[] = [{ name: '', type: 0 }, ...specs];
  let shstrndx = 0;
  let names = new Map<string, number>();
  if (!opts.noNames) {
    const t = strtab([...all.map((s) => s.name), '.shstrtab']);
    names = t.offsets;
    shstrndx = all.length;
    all.push({ name: '.shstrtab', type: 3, data: t.data, addralign: 1 });
  }

  const w = new Writer(le);
  w.bytes(new Uint8Array(64)); // header, patched below
  const placed = all.map((s, i) => {
    if (i === 0 || s.type === 8 || s.data === undefined) return { offset: i === 0 ? 0 : w.length, size: s.size ?? s.data?.length ?? 0 };
    w.align(8);
    const offset = w.length;
    w.bytes(s.data);
    return { offset, size: s.data.length };
  });
  w.align(8);
  const shoff = opts.noSectionTable ? 0 : w.length;
  if (!opts.noSectionTable) {
    all.forEach((s, i) => {
      const p = placed[i]!;
      let size: number = p.size;
      let link = s.link ?? 0;
      if (i === 0 && opts.extendedNumbering) {
        size = all.length;
        link = shstrndx;
      }
      w.u32(names.get(s.name) ?? 0).u32(s.type).u64(s.flags ?? 0).u64(0);
      w.u64(p.offset).u64(size).u32(link).u32(s.info ?? 0).u64(s.addralign ?? 0).u64(s.entsize ?? 0);
    });
  }
  const out = w.done();

  const h = new Writer(le);
  h.bytes(new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 2, le ? 1 : 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]));
  h.u16(opts.type ?? 1).u16(opts.machine ?? 247).u32(1).u64(0).u64(0).u64(shoff).u32(0);
  h.u16(64).u16(0).u16(0).u16(opts.noSectionTable ? 0 : 64);
  h.u16(opts.noSectionTable || opts.extendedNumbering ? 0 : all.length);
  h.u16(opts.extendedNumbering ? 0xffff : shstrndx);
  out.set(h.done(), 0);
  return out;
}
