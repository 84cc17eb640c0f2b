// The `wasm_bpf` host functions as the guest sees them (worker side): every
// pointer and length is checked against the guest's memory here, the bytes
// are copied out, and the kernel work is asked of the main thread. Nothing
// here trusts the guest: a bad pointer, handle, fd or name becomes a
// negative WASI errno (0 for a failed load), never an exception.
//
// Record delivery follows libbpf's ring_buffer__poll / perf_buffer__poll as
// wasm-bpf uses them: each record is copied into the guest's buffer (cut to
// its size) and the guest's callback called as (ctx, buf, size). A ring
// buffer callback returning a negative value stops the batch and that value
// is returned; the records not yet delivered are kept for the next poll.
import type { GuestMemory } from './guest-memory.ts';
import type { GuestOutput } from './guest-output.ts';
import type { SyncCaller } from './sync-call.ts';
import { MapCmd, type MapShape } from './protocol.ts';
import { WasiErrno } from './errno.ts';
import { Wasm } from './webassembly.ts';

type Callback = (ctx: number, data: number, size: number) => unknown;

/** Records back to back in `data`; `next` is the index of the first not yet delivered. */
interface Batch {
  data: Uint8Array;
  lengths: number[];
  next: number;
  offset: number;
  kind: 'ring' | 'perf';
}

const EINVAL = -WasiErrno.EINVAL;
const EFAULT = -WasiErrno.EFAULT;
const EINTR = -WasiErrno.EINTR;
const ECANCELED = -WasiErrno.ECANCELED;

/** A handle from the guest (an i64) as a number, or undefined when it cannot be one of ours. */
function toHandle(obj: unknown): number | undefined {
  if (typeof obj !== 'bigint' || obj <= 0n || obj > 0x7fffffffn) return undefined;
  return Number(obj);
}

export class BpfImports {
  readonly #mem: GuestMemory;
  readonly #out: GuestOutput;
  readonly #caller: SyncCaller;
  readonly #exports: () => Record<string, unknown>;
  readonly #shapes = new Map<number, MapShape>();
  readonly #pending = new Map<string, Batch>();
  #stopReported = false;

  constructor(mem: GuestMemory, out: GuestOutput, caller: SyncCaller, exports: () => Record<string, unknown>) {
    this.#mem = mem;
    this.#out = out;
    this.#caller = caller;
    this.#exports = exports;
  }

  /** The `wasm_bpf` import module. */
  wasmBpf(): Record<string, (...args: any[]) => number | bigint> {
    return {
      wasm_load_bpf_object: (ptr: number, size: number) => this.load(ptr, size),
      wasm_attach_bpf_program: (obj: bigint, name: number, target: number) => this.attach(obj, name, target),
      wasm_bpf_map_fd_by_name: (obj: bigint, name: number) => this.mapFdByName(obj, name),
      wasm_bpf_map_operate: (fd: number, cmd: number, key: number, value: number, next: number, flags: bigint) =>
        this.mapOperate(fd, cmd, key, value, next, flags),
      wasm_bpf_buffer_poll: (obj: bigint, fd: number, fn: number, ctx: number, buf: number, max: number, timeout: number) =>
        this.poll(obj, fd, this.#tableCallback(fn), ctx, buf, max, timeout),
      wasm_close_bpf_object: (obj: bigint) => this.close(obj),
    };
  }

  /**
   * The `callback-wrapper` import module of TinyGo guests, which cannot
   * export a function table: the callback is their `go-callback` export.
   */
  callbackWrapper(): Record<string, (...args: any[]) => number> {
    return {
      wasm_bpf_buffer_poll: (obj: bigint, fd: number, ctx: number, buf: number, max: number, timeout: number) =>
        this.poll(obj, fd, this.#exportCallback('go-callback'), ctx, buf, max, timeout),
    };
  }

  load(ptr: number, size: number): bigint {
    if (!Number.isInteger(size) || size <= 0) return 0n;
    const bytes = this.#mem.read(ptr, size);
    if (!bytes) return 0n;
    const r = this.#caller.call({ op: 'load', bytes }, [bytes.buffer as ArrayBuffer]);
    return r.code > 0 ? BigInt(r.code) : 0n;
  }

  attach(obj: bigint, namePtr: number, targetPtr: number): number {
    const handle = toHandle(obj);
    if (handle === undefined) return EINVAL;
    const name = this.#mem.cString(namePtr);
    // A NULL target (0) means "by section name", as an empty one does.
    const target = targetPtr === 0 ? '' : this.#mem.cString(targetPtr);
    if (name === undefined || target === undefined) return EFAULT;
    return this.#caller.call({ op: 'attach', handle, name, target }).code;
  }

  mapFdByName(obj: bigint, namePtr: number): number {
    const handle = toHandle(obj);
    if (handle === undefined) return EINVAL;
    const name = this.#mem.cString(namePtr);
    if (name === undefined) return EFAULT;
    const r = this.#caller.call({ op: 'mapFd', handle, name });
    if (r.code >= 0 && r.map) this.#shapes.set(r.code, r.map);
    return r.code;
  }

  #shape(fd: number): MapShape | number {
    const known = this.#shapes.get(fd);
    if (known) return known;
    const r = this.#caller.call({ op: 'mapInfo', fd });
    if (r.code < 0 || !r.map) return r.code < 0 ? r.code : EINVAL;
    this.#shapes.set(fd, r.map);
    return r.map;
  }

  mapOperate(fd: number, cmd: number, key: number, value: number, next: number, flags: bigint): number {
    if (typeof flags !== 'bigint' || flags < 0n || flags > BigInt(Number.MAX_SAFE_INTEGER)) return EINVAL;
    if (cmd < MapCmd.LOOKUP || cmd > MapCmd.GET_NEXT_KEY) return EINVAL;
    const shape = this.#shape(fd);
    if (typeof shape === 'number') return shape;
    const mem = this.#mem;
    const f = Number(flags);
    switch (cmd) {
      case MapCmd.LOOKUP: {
        const k = mem.read(key, shape.keySize);
        if (!k || !mem.inRange(value, shape.valueSize)) return EFAULT;
        const r = this.#caller.call({ op: 'mapOperate', fd, cmd, key: k, value: null, flags: f });
        if (r.code === 0 && r.data && !mem.write(value, r.data)) return EFAULT;
        return r.code;
      }
      case MapCmd.UPDATE: {
        const k = mem.read(key, shape.keySize);
        const v = mem.read(value, shape.valueSize);
        if (!k || !v) return EFAULT;
        return this.#caller.call({ op: 'mapOperate', fd, cmd, key: k, value: v, flags: f }).code;
      }
      case MapCmd.DELETE: {
        const k = mem.read(key, shape.keySize);
        if (!k) return EFAULT;
        return this.#caller.call({ op: 'mapOperate', fd, cmd, key: k, value: null, flags: f }).code;
      }
      default: {
        // GET_NEXT_KEY: a NULL key asks for the first key.
        const k = key === 0 ? null : mem.read(key, shape.keySize);
        if (k === undefined || !mem.inRange(next, shape.keySize)) return EFAULT;
        const r = this.#caller.call({ op: 'mapOperate', fd, cmd, key: k, value: null, flags: f });
        if (r.code === 0 && r.data && !mem.write(next, r.data)) return EFAULT;
        return r.code;
      }
    }
  }

  close(obj: bigint): number {
    const handle = toHandle(obj);
    if (handle === undefined) return EINVAL;
    const r = this.#caller.call({ op: 'close', handle });
    for (const fd of r.closedFds ?? []) this.#shapes.delete(fd);
    for (const key of [...this.#pending.keys()]) if (key.startsWith(`${handle}:`)) this.#pending.delete(key);
    return r.code;
  }

  poll(obj: bigint, fd: number, cb: Callback | number, ctx: number, buf: number, max: number, timeoutMs: number): number {
    const handle = toHandle(obj);
    if (handle === undefined) return EINVAL;
    if (typeof cb === 'number') return cb;
    if (!Number.isInteger(max) || max <= 0) return EINVAL;
    if (!this.#mem.inRange(buf, max)) return EFAULT;
    if (this.#caller.stopping) return this.#stopCode(timeoutMs);
    const key = `${handle}:${fd}`;
    let batch = this.#pending.get(key);
    if (batch) {
      this.#pending.delete(key);
    } else {
      const r = this.#caller.call({ op: 'poll', handle, fd, max, timeoutMs });
      if (r.code < 0) return r.code;
      batch = { data: r.data ?? new Uint8Array(0), lengths: r.lengths ?? [], next: 0, offset: 0, kind: r.kind ?? 'ring' };
    }
    const code = this.#deliver(key, batch, cb, ctx, buf);
    if (code < 0) return code;
    return this.#caller.stopping ? this.#stopCode(timeoutMs) : 0;
  }

  /**
   * After a stop request the guest's poll loop must end through its own
   * code. The first poll gets -EINTR, which libbpf-style loops treat as
   * Ctrl-C and leave cleanly; a guest that ignores EINTR gets -ECANCELED from
   * then on, each after its timeout so a loop that ignores every error does
   * not spin until the grace period kills it.
   */
  #stopCode(timeoutMs: number): number {
    if (!this.#stopReported) {
      this.#stopReported = true;
      return EINTR;
    }
    this.#caller.sleep(timeoutMs < 0 || timeoutMs > 1000 ? 1000 : timeoutMs, false);
    return ECANCELED;
  }

  #deliver(key: string, batch: Batch, cb: Callback, ctx: number, buf: number): number {
    const { data, lengths, kind } = batch;
    this.#out.hold();
    try {
      while (batch.next < lengths.length) {
        const len = lengths[batch.next++]!;
        const at = batch.offset;
        batch.offset += len;
        if (!this.#mem.write(buf, data.subarray(at, at + len))) return EFAULT;
        const r = cb(ctx, buf, len);
        if (kind === 'ring' && typeof r === 'number' && r < 0) {
          if (batch.next < lengths.length) this.#pending.set(key, batch);
          return r;
        }
      }
      return 0;
    } finally {
      this.#out.release();
    }
  }

  #tableCallback(index: number): Callback | number {
    const table = this.#exports().__indirect_function_table;
    if (!(table instanceof Wasm.Table)) return EINVAL;
    if (!Number.isInteger(index) || index < 0 || index >= table.length) return EINVAL;
    return checkCallback(table.get(index));
  }

  #exportCallback(name: string): Callback | number {
    return checkCallback(this.#exports()[name]);
  }
}

/** A callback must be a guest function of three parameters (ctx, data, size). */
function checkCallback(fn: unknown): Callback | number {
  if (typeof fn !== 'function' || fn.length !== 3) return EINVAL;
  return fn as Callback;
}
