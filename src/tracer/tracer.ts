// The exec tracer: loads bpf/exectrace.bpf.o with exectrace's own loader,
// attaches it, and yields one ExecEvent per exec attempt. The namespace
// filter can change while it runs, so a caller can attach first and filter
// later without missing anything in between.
import { readFileSync, existsSync } from 'node:fs';
import { parseObject, type CollectionSpec } from '../object/index.ts';
import { loadCollection, attachBySection, relocateCore, type Collection, type TargetBtf, type RelocatedProgram } from '../loader/index.ts';
import { attachTracepoint, type Attachment } from '../link/index.ts';
import { RingBufferReader, type RecordCallback } from '../ringbuf/index.ts';
import { possibleCpus, type BpfMap } from '../map/index.ts';
import { decodeExecEvent, type ExecEvent } from './event.ts';

export type { ExecEvent };

/** What to trace: every PID namespace, one namespace (by inode) and those below it, or nothing yet. */
export type TraceFilter = { kind: 'all' } | { kind: 'pidns'; inode: number } | { kind: 'none' };

export interface TracerOptions {
  /** Default `{ kind: 'none' }`: attached, but logging nothing until setFilter(). */
  filter?: TraceFilter;
  /** Bytes of argv kept per exec (default 32 KiB; at most 128 KiB - 1). */
  argvBudget?: number;
  /** Log failed exec attempts too (default true). */
  logFailures?: boolean;
  /** Ring buffer size in bytes, a power of two (default 4 MiB: 400 ms of a 10,000 execs/s storm with 1 KiB argv). */
  ringSize?: number;
  /**
   * `interval` (default): the program never wakes the reader (a wake-up is
   * the costliest part of the kernel's event path) and the reader drains
   * every `intervalMs` on a timer — no thread, bounded latency;
   * `data`: the kernel wakes the reader (through the poller's thread) when
   * a record lands in an empty ring — lowest latency, highest cost.
   */
  wakeup?: 'interval' | 'data';
  intervalMs?: number;
  /** Stop when aborted (same as close()). */
  signal?: AbortSignal;
  /** CO-RE target (default: the running kernel's BTF). */
  target?: TargetBtf;
  /** The BPF object (default: the package's bpf/exectrace.bpf.o). */
  objectPath?: string;
}

export interface TracerStats {
  /** Records submitted by the program. */
  events: bigint;
  /** Records the program could not submit because the ring was full. */
  dropped: bigint;
  /** Exec attempts the program could not follow (its in-flight table was full). */
  untracked: bigint;
  /** Records lost because a CPU's scratch buffer was in use (preemption mid-record). */
  busy: bigint;
}

const ENTRY_PROGRAMS = ['enter_execve', 'enter_execveat'];
/** The programs loaded, with one of the two exit programs (bpf_loop, or the bounded loop for kernels without it). */
const programsWith = (exit: string) => [...ENTRY_PROGRAMS, 'on_exec', exit];
const DEFAULT_RING_SIZE = 4 * 1024 * 1024;
const CONFIG = { size: 24, mode: 0, targetPidns: 4, argvBudget: 8, logFailures: 12, wakeupBytes: 16 };
const MODE = { none: 0, all: 1, pidns: 2 } as const;
const ARGV_MAX = 128 * 1024;

/** The package's compiled BPF object, found from this file's location (sources or dist/). */
export function defaultObjectPath(): string {
  for (let dir = new URL('.', import.meta.url); dir.pathname !== '/'; dir = new URL('..', dir)) {
    const candidate = new URL('bpf/exectrace.bpf.o', dir);
    if (existsSync(candidate)) return candidate.pathname;
  }
  throw new Error('bpf/exectrace.bpf.o not found above the exectrace package files');
}

export class ExecTracer implements AsyncIterable<ExecEvent>, Disposable {
  readonly #collection: Collection;
  readonly #attachments: Attachment[] = [];
  readonly #reader: RingBufferReader;
  readonly #config: BpfMap;
  readonly #stats: BpfMap;
  readonly #opts: Required<Pick<TracerOptions, 'argvBudget' | 'logFailures'>> & { wakeupBytes: number };
  #filter: TraceFilter;
  #closed = false;
  #error: Error | undefined;
  readonly #onAbort = () => this.close();
  readonly #signal: AbortSignal | undefined;

  private constructor(collection: Collection, reader: RingBufferReader, opts: TracerOptions, ringSize: number) {
    this.#collection = collection;
    this.#reader = reader;
    this.#config = collection.maps.get('config')!;
    this.#stats = collection.maps.get('stats')!;
    const budget = opts.argvBudget ?? 32 * 1024;
    if (!Number.isInteger(budget) || budget < 1 || budget >= ARGV_MAX) {
      throw new RangeError(`argv budget must be an integer from 1 to ${ARGV_MAX - 1} bytes, got ${budget}`);
    }
    this.#opts = {
      argvBudget: budget,
      logFailures: opts.logFailures ?? true,
      // 0: default kernel wake-ups; all ones: BPF_RB_NO_WAKEUP on every record.
      wakeupBytes: (opts.wakeup ?? 'interval') === 'interval' ? 0xffffffff : 0,
    };
    this.#filter = opts.filter ?? { kind: 'none' };
    this.#signal = opts.signal;
  }

  /**
   * The tracer's programs relocated (CO-RE) against `target` (default: the
   * running kernel's BTF) without loading anything: whether this object
   * fits a kernel, and the start-up's JavaScript without the kernel's BPF.
   */
  static relocate(opts: Pick<TracerOptions, 'objectPath' | 'target'> = {}): Map<string, RelocatedProgram> {
    const spec = parseObject(readFileSync(opts.objectPath ?? defaultObjectPath()), { name: 'exectrace.bpf.o' });
    prepare(spec, DEFAULT_RING_SIZE);
    return relocateCore(spec, { name: 'exectrace.bpf.o', programs: programsWith('exit_execve'), ...(opts.target ? { target: opts.target } : {}) });
  }

  /** Loads and attaches the BPF program; the filter decides what is logged. */
  static start(opts: TracerOptions = {}): ExecTracer {
    const path = opts.objectPath ?? defaultObjectPath();
    const spec = parseObject(readFileSync(path), { name: 'exectrace.bpf.o' });
    const ringSize = opts.ringSize ?? DEFAULT_RING_SIZE;
    if (ringSize < 4096 || (ringSize & (ringSize - 1)) !== 0) throw new RangeError(`ring size must be a power of two of at least 4096, got ${ringSize}`);
    prepare(spec, ringSize);
    const load = (exit: string) =>
      loadCollection(spec, { name: 'exectrace.bpf.o', programs: programsWith(exit), ...(opts.target ? { target: opts.target } : {}) });
    let c: Collection;
    try {
      c = load('exit_execve');
    } catch (e) {
      // Kernels before 5.17 have no bpf_loop: the bounded-loop variant then.
      if (!/bpf_loop|unknown func/.test(String((e as { log?: string }).log ?? (e as Error).message))) throw e;
      c = load('exit_execve_bounded');
    }
    const exitName = c.programs.has('exit_execve') ? 'exit_execve' : 'exit_execve_bounded';
    let tracer: ExecTracer | undefined;
    try {
      const wakeup = opts.wakeup ?? 'interval';
      const reader = new RingBufferReader(c.maps.get('events')!, { wakeup, intervalMs: opts.intervalMs ?? 10 });
      tracer = new ExecTracer(c, reader, opts, ringSize);
      tracer.#writeConfig();
      // Attach the outcome handlers before the entry handlers, so no attempt
      // is remembered at entry without an exit handler to forget it. One exit
      // program serves execve and execveat (same context).
      tracer.#attachments.push(attachBySection(c.programs.get('on_exec')!, spec.programs.get('on_exec')!));
      tracer.#attachments.push(attachTracepoint(c.programs.get(exitName)!, 'syscalls', 'sys_exit_execve'));
      tracer.#attachments.push(attachTracepoint(c.programs.get(exitName)!, 'syscalls', 'sys_exit_execveat'));
      for (const name of ENTRY_PROGRAMS) tracer.#attachments.push(attachBySection(c.programs.get(name)!, spec.programs.get(name)!));
      if (opts.signal) {
        if (opts.signal.aborted) tracer.close();
        else opts.signal.addEventListener('abort', tracer.#onAbort, { once: true });
      }
      return tracer;
    } catch (e) {
      if (tracer) tracer.close();
      else c.close();
      throw e;
    }
  }

  get filter(): TraceFilter {
    return this.#filter;
  }

  /** Changes what is traced; effective for every exec that completes after this returns. */
  setFilter(filter: TraceFilter): void {
    if (filter.kind === 'pidns' && (!Number.isInteger(filter.inode) || filter.inode <= 0 || filter.inode > 0xffffffff)) {
      throw new RangeError(`a PID namespace inode is an integer from 1 to 4294967295, got ${filter.inode}`);
    }
    this.#filter = filter;
    this.#writeConfig();
  }

  #writeConfig(): void {
    const v = Buffer.alloc(CONFIG.size);
    v.writeUInt32LE(MODE[this.#filter.kind], CONFIG.mode);
    v.writeUInt32LE(this.#filter.kind === 'pidns' ? this.#filter.inode : 0, CONFIG.targetPidns);
    v.writeUInt32LE(this.#opts.argvBudget, CONFIG.argvBudget);
    v.writeUInt32LE(this.#opts.logFailures ? 1 : 0, CONFIG.logFailures);
    v.writeUInt32LE(this.#opts.wakeupBytes, CONFIG.wakeupBytes);
    this.#config.update(Buffer.alloc(4), v);
  }

  /** The program's counters, summed over CPUs. */
  stats(): TracerStats {
    const sum = (i: number): bigint => {
      const k = Buffer.alloc(4);
      k.writeUInt32LE(i);
      const v = this.#stats.lookup(k);
      let total = 0n;
      if (v) for (let off = 0; off < v.length; off += 8) total += v.readBigUInt64LE(off);
      return total;
    };
    return { dropped: sum(0), untracked: sum(1), busy: sum(2), events: sum(3) };
  }

  /**
   * Delivers events as they are drained (the throughput API), and tells
   * `onBatch` after each drained batch; resolves when the tracer is closed.
   * A decoding failure closes the tracer and rejects.
   */
  run(onEvent: (ev: ExecEvent) => void, onBatch?: (events: number) => void): Promise<void> {
    return this.runRecords((d, off, len) => onEvent(decodeExecEvent(d, off, len)), onBatch);
  }

  /**
   * Like run(), with each record as the ring's bytes (`data[offset,
   * offset+length)`, laid out as bpf/exectrace.h and EXEC_EVENT_OFFSETS
   * say), valid only during the call: for a consumer that formats records
   * without building an ExecEvent. A throw from `onRecord` closes the
   * tracer and rejects.
   */
  async runRecords(onRecord: RecordCallback, onBatch?: (records: number) => void): Promise<void> {
    await this.#reader.consume((d, off, len) => {
      if (this.#error) return;
      try {
        onRecord(d, off, len);
      } catch (e) {
        this.#error = e as Error;
        this.close();
      }
    }, onBatch ? { onDrained: onBatch } : {});
    if (this.#error) throw this.#error;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<ExecEvent> {
    const queue: ExecEvent[] = [];
    const take = (d: Buffer, off: number, len: number) => void queue.push(decodeExecEvent(d, off, len));
    while (!this.#closed) {
      const n = this.#reader.drain(take, 1024);
      while (queue.length > 0) yield queue.shift()!;
      if (n === 0 && !this.#closed) await this.#reader.wait();
    }
    if (this.#error) throw this.#error;
  }

  /** Drains what the kernel has already written (before close, to lose nothing). */
  drain(onEvent: (ev: ExecEvent) => void): number {
    return this.drainRecords((d, off, len) => onEvent(decodeExecEvent(d, off, len)));
  }

  /** drain() with each record as the ring's bytes (see runRecords). */
  drainRecords(onRecord: RecordCallback): number {
    return this.#reader.drain(onRecord);
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Detaches, closes every kernel object, and ends iteration. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#signal?.removeEventListener('abort', this.#onAbort);
    for (const a of this.#attachments.splice(0)) a.close();
    this.#reader.close();
    this.#collection.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

/** Sizes that depend on this machine: one scratch buffer per possible CPU, the ring. */
function prepare(spec: CollectionSpec, ringSize: number): void {
  const scratch = spec.maps.get('scratch');
  const events = spec.maps.get('events');
  if (!scratch || !events || !spec.maps.get('config') || !spec.maps.get('stats')) {
    throw new Error('exectrace.bpf.o lacks one of its maps (scratch, events, config, stats): is it the right object?');
  }
  scratch.maxEntries = possibleCpus();
  events.maxEntries = ringSize;
}
