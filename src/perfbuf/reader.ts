// Reader of a BPF perf event array (BPF_MAP_TYPE_PERF_EVENT_ARRAY), the
// pre-ring-buffer way for programs to stream records (bpf_perf_event_output).
//
// One BPF output event is opened per online CPU and stored in the map at key
// `cpu`; a program's output lands in the ring of the CPU it runs on. Each
// ring is mmap'd: one header page (struct perf_event_mmap_page) and a data
// area of 2^n pages. The kernel advances data_head as it writes; we advance
// data_tail once we are done with the bytes. Unlike a BPF ring buffer, the
// data area is mapped once, so a record that wraps around its end is copied
// into a scratch buffer before it is handed out.
//
// Memory ordering (include/uapi/linux/perf_event.h, "User-space reading the
// @data_head value should issue an smp_rmb()", and data_tail written after
// the reads with an smp_mb()): data_head is loaded, and data_tail stored,
// with Atomics (sequentially consistent), which covers both barriers, as in
// src/ringbuf/reader.ts.
import { Mapping, OwnedFd, PollRegistration, pageSize, perfEventOpenBpfOutput, perfEnable, abi } from '../syscall/index.ts';
import type { BpfMap } from '../map/index.ts';
import { onlineCpus } from './cpus.ts';

const { MapType } = abi;

// struct perf_event_mmap_page offsets (checked against the UAPI header in test/perfbuf).
const DATA_HEAD = 1024;
const DATA_TAIL = 1032;
const DATA_OFFSET = 1040;
const DATA_SIZE = 1048;
// struct perf_event_header { u32 type; u16 misc; u16 size; }
const HEADER_SIZE = 8;
const PERF_RECORD_LOST = 2;
const PERF_RECORD_SAMPLE = 9;

/**
 * Called for each sample with a view: `data[offset, offset+length)` is valid
 * only during the call. `length` is the raw sample's size as the kernel
 * reports it (the program's bytes, padded to keep records 8-byte aligned),
 * as libbpf's perf_buffer passes it.
 */
export type PerfRecordCallback = (data: Buffer, offset: number, length: number, cpu: number) => void;

export interface PerfBufferOptions {
  /** Data pages per CPU ring, a power of two (default 64, as wasm-bpf uses). */
  pages?: number;
  /** Told about records the kernel dropped because a CPU's ring was full. */
  onLost?: (count: number, cpu: number) => void;
}

class CpuRing {
  readonly cpu: number;
  readonly event: OwnedFd;
  readonly mapping: Mapping;
  readonly poll: PollRegistration;
  readonly head: BigUint64Array;
  readonly tail: BigUint64Array;
  readonly data: Buffer;
  readonly base: number;
  readonly size: number;

  constructor(cpu: number, event: OwnedFd, mapping: Mapping, poll: PollRegistration, pagesBytes: number) {
    this.cpu = cpu;
    this.event = event;
    this.mapping = mapping;
    this.poll = poll;
    const v = mapping.view;
    this.head = new BigUint64Array(v.buffer, v.byteOffset + DATA_HEAD, 1);
    this.tail = new BigUint64Array(v.buffer, v.byteOffset + DATA_TAIL, 1);
    // data_offset/data_size are filled in since Linux 4.1; before, the data
    // area starts at the second page.
    const off = Number(v.readBigUInt64LE(DATA_OFFSET));
    const size = Number(v.readBigUInt64LE(DATA_SIZE));
    this.base = size > 0 ? off : pageSize();
    this.size = size > 0 ? size : pagesBytes;
    this.data = v;
  }
}

export class PerfBufferReader implements Disposable {
  readonly name: string;
  readonly #map: BpfMap;
  readonly #rings: CpuRing[] = [];
  readonly #onLost: ((count: number, cpu: number) => void) | undefined;
  #scratch = Buffer.alloc(4096);
  #lost = 0;
  #closed = false;

  constructor(map: BpfMap, opts: PerfBufferOptions = {}) {
    if (map.type !== MapType.PERF_EVENT_ARRAY) throw new Error(`map ${map.label} is ${map.typeName}, not a PERF_EVENT_ARRAY`);
    const pages = opts.pages ?? 64;
    if (!Number.isInteger(pages) || pages < 1 || (pages & (pages - 1)) !== 0) throw new RangeError(`perf buffer pages must be a power of two, got ${pages}`);
    this.name = map.name;
    this.#map = map;
    this.#onLost = opts.onLost;
    const page = pageSize();
    const cpus = onlineCpus().filter((c) => c < map.maxEntries);
    if (cpus.length === 0) throw new Error(`perf event array ${map.label} has ${map.maxEntries} slots: no online CPU fits`);
    try {
      for (const cpu of cpus) this.#open(cpu, pages, page);
    } catch (e) {
      this.close();
      throw e;
    }
  }

  #open(cpu: number, pages: number, page: number): void {
    const label = `perf buffer ${this.#map.label} cpu ${cpu}`;
    const event = new OwnedFd(perfEventOpenBpfOutput(cpu, this.#map.label), 'perf event', label);
    let mapping: Mapping | undefined;
    let poll: PollRegistration | undefined;
    try {
      // Read-write: the header page's data_tail is ours to write.
      mapping = new Mapping(event.fd, page * (1 + pages), 0, true, label);
      perfEnable(event.fd, label);
      poll = new PollRegistration(event.fd);
      const key = Buffer.alloc(4);
      key.writeUInt32LE(cpu);
      const value = Buffer.alloc(4);
      value.writeUInt32LE(event.fd);
      this.#map.update(key, value);
      this.#rings.push(new CpuRing(cpu, event, mapping, poll, page * pages));
    } catch (e) {
      poll?.close();
      mapping?.close();
      event.close();
      throw e;
    }
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** CPUs with a ring. */
  get cpus(): number[] {
    return this.#rings.map((r) => r.cpu);
  }

  /** Records the kernel reported lost (PERF_RECORD_LOST) so far. */
  get lost(): number {
    return this.#lost;
  }

  /** Bytes written by the kernel and not yet consumed, over every CPU. */
  pending(): number {
    if (this.#closed) return 0;
    let n = 0;
    for (const r of this.#rings) n += Number(Atomics.load(r.head, 0) - Atomics.load(r.tail, 0));
    return n;
  }

  /**
   * Consumes the samples written so far on every CPU, calling `cb` for each
   * (no allocation per record unless one wraps the ring's end). Returns the
   * number of samples delivered. If `cb` throws, that record counts as
   * consumed and the error propagates.
   */
  drain(cb: PerfRecordCallback, limit = Number.POSITIVE_INFINITY): number {
    if (this.#closed) return 0;
    let delivered = 0;
    for (const r of this.#rings) {
      if (delivered >= limit) break;
      delivered += this.#drainRing(r, cb, limit - delivered);
    }
    return delivered;
  }

  #drainRing(r: CpuRing, cb: PerfRecordCallback, limit: number): number {
    const { data, base, size } = r;
    const releaseEvery = size >>> 2;
    let tail = Number(Atomics.load(r.tail, 0));
    let published = tail;
    let delivered = 0;
    try {
      let head = Number(Atomics.load(r.head, 0));
      while (tail < head && delivered < limit) {
        // Records are 8-byte aligned and the ring a multiple of 8, so a header never wraps.
        const at = tail % size;
        const type = data.readUInt32LE(base + at);
        const recSize = data.readUInt16LE(base + at + 6);
        if (recSize < HEADER_SIZE) throw new Error(`perf buffer ${this.name} cpu ${r.cpu}: corrupt record header (size ${recSize})`);
        let buf = data;
        let off = base + at;
        if (at + recSize > size) {
          // Wraps the end of the ring: make it contiguous.
          if (this.#scratch.length < recSize) this.#scratch = Buffer.alloc(Math.max(recSize, this.#scratch.length * 2));
          const first = size - at;
          data.copy(this.#scratch, 0, base + at, base + size);
          data.copy(this.#scratch, first, base, base + recSize - first);
          buf = this.#scratch;
          off = 0;
        }
        tail += recSize;
        if (type === PERF_RECORD_SAMPLE) {
          // PERF_SAMPLE_RAW only: { header; u32 size; u8 data[size]; }
          const rawSize = Math.min(buf.readUInt32LE(off + HEADER_SIZE), recSize - HEADER_SIZE - 4);
          delivered++;
          cb(buf, off + HEADER_SIZE + 4, rawSize, r.cpu);
        } else if (type === PERF_RECORD_LOST) {
          // { header; u64 id; u64 lost; }
          const n = Number(buf.readBigUInt64LE(off + HEADER_SIZE + 8));
          this.#lost += n;
          this.#onLost?.(n, r.cpu);
        }
        if (tail - published >= releaseEvery) {
          Atomics.store(r.tail, 0, BigInt(tail));
          published = tail;
        }
        if (tail >= head) head = Number(Atomics.load(r.head, 0));
      }
    } finally {
      if (tail !== published && !this.#closed) Atomics.store(r.tail, 0, BigInt(tail));
    }
    return delivered;
  }

  /** Resolves when some CPU's ring may have samples (or on close). Never blocks the event loop. */
  wait(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    return Promise.race(this.#rings.map((r) => r.poll.wait()));
  }

  /** Drains and waits until closed or aborted. */
  async consume(cb: PerfRecordCallback, opts: { signal?: AbortSignal } = {}): Promise<void> {
    const { signal } = opts;
    const onAbort = () => {
      for (const r of this.#rings) r.poll.cancel();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      while (!this.#closed && !signal?.aborted) {
        this.drain(cb);
        if (this.#closed || signal?.aborted) break;
        await this.wait();
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /**
   * Empties the map's slots, unmaps the rings and closes the events; wakes a
   * pending wait at once. The map itself stays open (its owner closes it).
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const r of this.#rings.splice(0)) {
      r.poll.close();
      // The map holds its own reference to each event: without this the
      // events would live as long as the map does.
      if (!this.#map.closed) {
        const key = Buffer.alloc(4);
        key.writeUInt32LE(r.cpu);
        try {
          this.#map.delete(key);
        } catch {
          // The slot is ours; a failure here only delays the event's release to the map's.
        }
      }
      r.mapping.close();
      r.event.close();
    }
  }

  [Symbol.dispose](): void {
    this.close();
  }
}
