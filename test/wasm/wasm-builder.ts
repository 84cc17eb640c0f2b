// A tiny WebAssembly binary encoder for test guests: enough to declare
// imports, one memory, a function table, data segments and functions made
// of a handful of instructions. Test guests are written here rather than
// compiled so the tests need no WebAssembly toolchain.

const enum Section {
  Type = 1, Import = 2, Function = 3, Table = 4, Memory = 5, Export = 7, Element = 9, Code = 10, Data = 11,
}

export type ValType = 'i32' | 'i64';
const VAL: Record<ValType, number> = { i32: 0x7f, i64: 0x7e };

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

function sleb(v: bigint): number[] {
  const out: number[] = [];
  for (;;) {
    const b = Number(v & 0x7fn);
    v >>= 7n;
    const done = (v === 0n && (b & 0x40) === 0) || (v === -1n && (b & 0x40) !== 0);
    out.push(done ? b : b | 0x80);
    if (done) return out;
  }
}

const name = (s: string) => [...uleb(Buffer.byteLength(s)), ...Buffer.from(s)];
const vec = (items: number[][]) => [...uleb(items.length), ...items.flat()];

/** Instructions, as byte arrays. */
export const op = {
  i32: (v: number) => [0x41, ...sleb(BigInt(v | 0))],
  i64: (v: bigint | number) => [0x42, ...sleb(BigInt.asIntN(64, BigInt(v)))],
  call: (f: number) => [0x10, ...uleb(f)],
  drop: () => [0x1a],
  get: (l: number) => [0x20, ...uleb(l)],
  set: (l: number) => [0x21, ...uleb(l)],
  tee: (l: number) => [0x22, ...uleb(l)],
  /** i64.store at the address on the stack + offset. */
  storeI64: (offset: number) => [0x37, 3, ...uleb(offset)],
  extendI32: () => [0xac],
  wrapI64: () => [0xa7],
  unreachable: () => [0x00],
  /** An endless loop. */
  forever: () => [0x03, 0x40, 0x0c, 0x00, 0x0b],
  ret: () => [0x0f],
};

interface Func {
  type: number;
  locals: ValType[];
  body: number[];
}

export class WasmBuilder {
  readonly #types: string[] = [];
  readonly #imports: { module: string; name: string; type: number }[] = [];
  readonly #funcs: Func[] = [];
  readonly #exports: { name: string; kind: number; index: number }[] = [];
  readonly #data: { offset: number; bytes: Uint8Array }[] = [];
  #table: number[] | undefined;
  #memPages = 1;

  #type(params: ValType[], results: ValType[]): number {
    const key = `${params.join(',')}>${results.join(',')}`;
    let i = this.#types.indexOf(key);
    if (i < 0) i = this.#types.push(key) - 1;
    return i;
  }

  /** Declares an imported function; returns its function index. Imports must all come before functions. */
  import(module: string, field: string, params: ValType[], results: ValType[] = []): number {
    if (this.#funcs.length > 0) throw new Error('imports first');
    this.#imports.push({ module, name: field, type: this.#type(params, results) });
    return this.#imports.length - 1;
  }

  /** Defines a function; returns its index. Parameters are locals 0..n-1, `locals` follow. */
  func(params: ValType[], results: ValType[], body: number[][], locals: ValType[] = []): number {
    this.#funcs.push({ type: this.#type(params, results), locals, body: body.flat() });
    return this.#imports.length + this.#funcs.length - 1;
  }

  exportFunc(name: string, index: number): this {
    this.#exports.push({ name, kind: 0, index });
    return this;
  }

  /** A funcref table holding `funcs` from index 0, exported as __indirect_function_table. */
  table(funcs: number[]): this {
    this.#table = funcs;
    return this;
  }

  memory(pages: number): this {
    this.#memPages = pages;
    return this;
  }

  data(offset: number, bytes: Uint8Array): this {
    this.#data.push({ offset, bytes });
    return this;
  }

  build(): Uint8Array {
    const sections: number[] = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
    const section = (id: Section, body: number[]) => sections.push(id, ...uleb(body.length), ...body);
    section(Section.Type, vec(this.#types.map((k) => {
      const [p, r] = k.split('>') as [string, string];
      const list = (s: string) => (s ? s.split(',').map((t) => VAL[t as ValType]) : []);
      return [0x60, ...vec(list(p).map((x) => [x])), ...vec(list(r).map((x) => [x]))];
    })));
    section(Section.Import, vec(this.#imports.map((i) => [...name(i.module), ...name(i.name), 0x00, ...uleb(i.type)])));
    section(Section.Function, vec(this.#funcs.map((f) => uleb(f.type))));
    if (this.#table) section(Section.Table, vec([[0x70, 0x00, ...uleb(this.#table.length)]]));
    section(Section.Memory, vec([[0x00, ...uleb(this.#memPages)]]));
    const exports = [...this.#exports, { name: 'memory', kind: 2, index: 0 }];
    if (this.#table) exports.push({ name: '__indirect_function_table', kind: 1, index: 0 });
    section(Section.Export, vec(exports.map((e) => [...name(e.name), e.kind, ...uleb(e.index)])));
    if (this.#table) section(Section.Element, vec([[0x00, ...op.i32(0), 0x0b, ...vec(this.#table.map((f) => uleb(f)))]]));
    section(Section.Code, vec(this.#funcs.map((f) => {
      const locals = f.locals.length === 0 ? [0x00] : vec(f.locals.map((t) => [0x01, VAL[t]]));
      const body = [...locals, ...f.body, 0x0b];
      return [...uleb(body.length), ...body];
    })));
    section(Section.Data, vec(this.#data.map((d) => [0x00, ...op.i32(d.offset), 0x0b, ...uleb(d.bytes.length), ...d.bytes])));
    return Uint8Array.from(sections);
  }
}
