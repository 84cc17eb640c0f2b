// The bytes of the lines of one drained batch. Exec lines are written here
// directly — from the ring's bytes where they need no escaping — so the
// per-event path builds no strings it would only join and encode again.

export class LineBuffer {
  buf: Buffer;
  pos = 0;

  constructor(initialBytes = 256 * 1024) {
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
   * The bytes so far, as a Buffer of their own (a stream may hold it after
   * write() returns), and an empty batch; the scratch space is kept.
   */
  take(): Buffer {
    const out = Buffer.allocUnsafeSlow(this.pos);
    this.buf.copy(out, 0, 0, this.pos);
    this.pos = 0;
    return out;
  }
}
