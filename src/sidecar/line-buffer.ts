// The bytes of the lines of one drained batch. Exec lines are written here
// directly — from the ring's bytes where they need no escaping — so the
// per-event path builds no strings it would only join and encode again.
//
// A batch handed to the output stream is that stream's until it has been
// written; then it comes back (recycle) and is filled again. Fresh memory
// would cost a page fault every 4 KiB on first touch: ~1.5 µs per 4.5 KB
// exec line measured under an exec storm, as much as formatting the line.

/** Batches up to this size are reused; a larger one (a backlog) is left to the garbage collector. */
const REUSED_MAX = 1 << 20;
const SPARES = 3;

export class LineBuffer {
  buf: Buffer;
  pos = 0;
  readonly #initialBytes: number;
  readonly #spares: Buffer[] = [];

  constructor(initialBytes = 256 * 1024) {
    this.#initialBytes = initialBytes;
    this.buf = Buffer.allocUnsafeSlow(initialBytes);
  }

  /** Makes room for `bytes` more bytes at `pos` (the buffer may be replaced: read `buf` after this). */
  reserve(bytes: number): Buffer {
    const need = this.pos + bytes;
    if (need > this.buf.length) {
      let size = this.buf.length * 2;
      while (size < need) size *= 2;
      const next = Buffer.allocUnsafeSlow(size);
      this.buf.copy(next, 0, 0, this.pos);
      this.buf = next;
    }
    return this.buf;
  }

  /** Appends `text` as UTF-8. */
  append(text: string): void {
    this.reserve(text.length * 3);
    this.pos += this.buf.write(text, this.pos);
  }

  get empty(): boolean {
    return this.pos === 0;
  }

  /**
   * The bytes so far, and an empty batch in other memory: the returned
   * bytes stay as they are until given back with recycle() (or forever).
   */
  take(): Buffer {
    const out = this.buf.subarray(0, this.pos);
    this.buf = this.#spares.pop() ?? Buffer.allocUnsafeSlow(Math.max(this.#initialBytes, Math.min(this.buf.length, REUSED_MAX)));
    this.pos = 0;
    return out;
  }

  /** Gives back what take() returned, once nothing reads it any more. */
  recycle(taken: Buffer): void {
    const whole = taken.buffer;
    if (whole.byteLength <= REUSED_MAX && this.#spares.length < SPARES && whole !== this.buf.buffer) {
      this.#spares.push(Buffer.from(whole as ArrayBuffer));
    }
  }
}
