// Hand-built guests for the host's tests, and helpers to run guests.
import { WasmBuilder, op, type ValType } from './wasm-builder.ts';
import { corpus } from '../helpers/corpus.ts';

export const WASM_DIR = 'wasm-bpf/';
export const corpusWasm = (name: string) => corpus(`${WASM_DIR}${name}.wasm`);

/** The BPF object a wasm-bpf C guest embeds in its data (an ELF64 relocatable, contiguous in C guests). */
export function embeddedObject(wasm: Uint8Array): Uint8Array {
  const b = Buffer.from(wasm);
  const at = b.indexOf(Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]));
  if (at < 0) throw new Error('no ELF object in the module');
  const shoff = Number(b.readBigUInt64LE(at + 0x28));
  const size = shoff + b.readUInt16LE(at + 0x3c) * b.readUInt16LE(at + 0x3a);
  return Uint8Array.from(b.subarray(at, at + size));
}

/** A guest whose _start traps (unreachable). */
export function trappingGuest(): Uint8Array {
  const w = new WasmBuilder();
  w.exportFunc('_start', w.func([], [], [op.unreachable()]));
  return w.build();
}

/** A guest that loops for ever without calling the host: only terminate() ends it. */
export function spinningGuest(): Uint8Array {
  const w = new WasmBuilder();
  w.exportFunc('_start', w.func([], [], [op.forever()]));
  return w.build();
}

/** A guest that imports something no host provides. */
export function unlinkableGuest(): Uint8Array {
  const w = new WasmBuilder();
  w.import('env', 'mystery', []);
  w.exportFunc('_start', w.func([], [], []));
  return w.build();
}

export type Arg = number | bigint | { local: number };

export interface Step {
  /** Index of the imported function to call. */
  fn: number;
  args: Arg[];
  ret: ValType;
  /** Keep the result in this local of _start as well. */
  save?: number;
}

const MEM_PAGES = 2;
export const MEM_SIZE = MEM_PAGES * 65536;
/** Where things live in the hostile guest's memory. */
export const At = {
  GARBAGE: 0x10,
  IOV: 0x100,
  NWRITTEN: 0x120,
  STR: 0x200,
  KEY: 0x400,
  VALUE: 0x480,
  VALUE_SIZE: 64,
  BUF: 0x800,
  RESULTS: 0x2000,
  OBJECT: 0x4000,
  UNTERMINATED: MEM_SIZE - 8,
} as const;

export interface HostileGuest {
  bytes: Uint8Array;
  /** Address of each string given to build(). */
  str: Record<string, number>;
  fns: Record<'load' | 'attach' | 'fdByName' | 'operate' | 'poll' | 'close', number>;
}

/**
 * A guest that makes the host calls `script` lists (with the BPF object
 * `object` at At.OBJECT and `strings` in memory), writes every result as an
 * i64 to stdout followed by the 64-byte value buffer, and returns (or traps).
 * Table slot 0 holds a valid sample callback (ctx, data, size) → 0, slot 1
 * a function of the wrong shape.
 */
export function hostileGuest(object: Uint8Array, strings: string[], script: (g: Omit<HostileGuest, 'bytes'>) => Step[], end: 'return' | 'trap' = 'return'): HostileGuest {
  const w = new WasmBuilder().memory(MEM_PAGES);
  const fns = {
    load: w.import('wasm_bpf', 'wasm_load_bpf_object', ['i32', 'i32'], ['i64']),
    attach: w.import('wasm_bpf', 'wasm_attach_bpf_program', ['i64', 'i32', 'i32'], ['i32']),
    fdByName: w.import('wasm_bpf', 'wasm_bpf_map_fd_by_name', ['i64', 'i32'], ['i32']),
    operate: w.import('wasm_bpf', 'wasm_bpf_map_operate', ['i32', 'i32', 'i32', 'i32', 'i32', 'i64'], ['i32']),
    poll: w.import('wasm_bpf', 'wasm_bpf_buffer_poll', ['i64', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32'], ['i32']),
    close: w.import('wasm_bpf', 'wasm_close_bpf_object', ['i64'], ['i32']),
  };
  const fdWrite = w.import('wasi_snapshot_preview1', 'fd_write', ['i32', 'i32', 'i32', 'i32'], ['i32']);
  const str: Record<string, number> = {};
  let at: number = At.STR;
  for (const s of strings) {
    str[s] = at;
    w.data(at, Buffer.from(`${s}\0`));
    at += Buffer.byteLength(s) + 1;
  }
  const steps = script({ str, fns });
  const cb = w.func(['i32', 'i32', 'i32'], ['i32'], [op.i32(0)]);
  const badCb = w.func(['i32'], ['i32'], [op.i32(0)]);
  w.table([cb, badCb]);
  const body: number[][] = [];
  steps.forEach((s, i) => {
    body.push(op.i32(At.RESULTS + 8 * i));
    for (const a of s.args) body.push(typeof a === 'bigint' ? op.i64(a) : typeof a === 'number' ? op.i32(a) : op.get(a.local));
    body.push(op.call(s.fn));
    if (s.save !== undefined) body.push(op.tee(s.save));
    if (s.ret === 'i32') body.push(op.extendI32());
    body.push(op.storeI64(0));
  });
  body.push(op.i32(1), op.i32(At.IOV), op.i32(2), op.i32(At.NWRITTEN), op.call(fdWrite), op.drop());
  if (end === 'trap') body.push(op.unreachable());
  // Locals of _start: 0 = i64 (a handle), 1..3 = i32 (fds).
  w.exportFunc('_start', w.func([], [], body, ['i64', 'i32', 'i32', 'i32']));
  const iov = Buffer.alloc(16);
  iov.writeUInt32LE(At.RESULTS, 0);
  iov.writeUInt32LE(8 * steps.length, 4);
  iov.writeUInt32LE(At.VALUE, 8);
  iov.writeUInt32LE(At.VALUE_SIZE, 12);
  w.data(At.IOV, iov);
  w.data(At.GARBAGE, Buffer.from('this is not an ELF object, just text for the loader to refuse'));
  w.data(At.OBJECT, object);
  w.data(At.UNTERMINATED, Buffer.from('AAAAAAAA'));
  return { bytes: w.build(), str, fns };
}

/** Splits a hostile guest's stdout into its results and value buffer. */
export function hostileResults(out: Buffer, steps: number): { results: bigint[]; value: Buffer } {
  const results: bigint[] = [];
  for (let i = 0; i < steps; i++) results.push(out.readBigInt64LE(8 * i));
  return { results, value: out.subarray(8 * steps, 8 * steps + At.VALUE_SIZE) };
}

/** Collects a guest's output, and tells when a line matching `re` appears. */
export class Collector {
  text = '';
  #watchers: { re: RegExp; resolve: (line: string) => void }[] = [];

  readonly sink = (chunk: Buffer): void => {
    this.text += chunk.toString('utf8');
    for (const w of [...this.#watchers]) {
      const line = this.text.split('\n').find((l) => w.re.test(l));
      if (line !== undefined) {
        this.#watchers.splice(this.#watchers.indexOf(w), 1);
        w.resolve(line);
      }
    }
  };

  /** Resolves with the first line matching `re` (already seen or to come), rejects after `ms`. */
  line(re: RegExp, ms: number): Promise<string> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no line matching ${re} within ${ms} ms; output so far:\n${this.text.slice(-2000)}`)), ms);
      this.#watchers.push({ re, resolve: (l) => { clearTimeout(timer); resolve(l); } });
      this.sink(Buffer.alloc(0));
    });
  }
}
