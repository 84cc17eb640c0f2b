// A ring buffer or perf event array a guest polls, read on the main thread.
// Records are copied out of the kernel's memory into one buffer per batch
// (each cut to the guest's buffer size) that is handed to the guest's
// worker whole; the zero-copy views never leave this thread.
import { RingBufferReader } from '../ringbuf/index.ts';
import { PerfBufferReader } from '../perfbuf/index.ts';
import { abi } from '../syscall/index.ts';
import type { BpfMap } from '../map/index.ts';

/** Bytes of records handed over per poll at most; the rest stays in the kernel's ring for the next poll. */
const BATCH_BYTES = 1 << 20;
const DRAIN_STEP = 64;

export interface RecordBatch {
  data: Uint8Array;
  lengths: number[];
}

export class PollSource {
  readonly kind: 'ring' | 'perf';
  readonly #reader: RingBufferReader | PerfBufferReader;
  #scratch = Buffer.allocUnsafe(64 * 1024);
  /** The last collect() found records: the producer is busy. */
  busy = false;

  private constructor(kind: 'ring' | 'perf', reader: RingBufferReader | PerfBufferReader) {
    this.kind = kind;
    this.#reader = reader;
  }

  /** A source for `map`, or undefined when the map is neither a ring buffer nor a perf event array. */
  static open(map: BpfMap): PollSource | undefined {
    if (map.type === abi.MapType.RINGBUF) return new PollSource('ring', new RingBufferReader(map, { wakeup: 'data' }));
    if (map.type === abi.MapType.PERF_EVENT_ARRAY) return new PollSource('perf', new PerfBufferReader(map));
    return undefined;
  }

  /** Perf buffer records the kernel dropped (ring buffers count nothing: their producers see the failure). */
  get lost(): number {
    return this.#reader instanceof PerfBufferReader ? this.#reader.lost : 0;
  }

  /** Takes the records available now, each cut to `max` bytes; undefined when there are none. */
  collect(max: number): RecordBatch | undefined {
    const lengths: number[] = [];
    let used = 0;
    const take = (d: Buffer, off: number, len: number) => {
      const n = Math.min(len, max);
      if (used + n > this.#scratch.length) {
        const bigger = Buffer.allocUnsafe(Math.max(used + n, this.#scratch.length * 2));
        this.#scratch.copy(bigger, 0, 0, used);
        this.#scratch = bigger;
      }
      d.copy(this.#scratch, used, off, off + n);
      used += n;
      lengths.push(n);
    };
    while (used < BATCH_BYTES && this.#reader.drain(take, DRAIN_STEP) > 0);
    this.busy = lengths.length > 0;
    if (lengths.length === 0) return undefined;
    const data = new Uint8Array(used);
    data.set(this.#scratch.subarray(0, used));
    return { data, lengths };
  }

  wait(): Promise<void> {
    return this.#reader.wait();
  }

  close(): void {
    this.#reader.close();
  }
}
