// A guest's stdout and stderr on their way to the caller. A write is posted
// to the main thread at once, so output shows as the guest writes it;
// while the host is delivering a batch of records to the guest's callback
// (which typically prints a line per record), writes are held and posted
// together when the batch ends, one message instead of one per line.
import type { WorkerMessage } from './protocol.ts';

const FLUSH_BYTES = 64 * 1024;

export class GuestOutput {
  readonly #post: (m: WorkerMessage, transfer?: ArrayBuffer[]) => void;
  #held = 0;
  #chunks: Uint8Array[] = [];
  #fd: 1 | 2 = 1;
  #bytes = 0;

  constructor(post: (m: WorkerMessage, transfer?: ArrayBuffer[]) => void) {
    this.#post = post;
  }

  write(fd: 1 | 2, data: Uint8Array): void {
    if (data.length === 0) return;
    if (this.#held === 0) {
      this.#send(fd, data);
      return;
    }
    if (fd !== this.#fd) this.flush(); // keep stdout and stderr in the order written
    this.#fd = fd;
    this.#chunks.push(data);
    this.#bytes += data.length;
    if (this.#bytes >= FLUSH_BYTES) this.flush();
  }

  /** Hold writes until the matching release(). */
  hold(): void {
    this.#held++;
  }

  release(): void {
    if (this.#held > 0 && --this.#held === 0) this.flush();
  }

  flush(): void {
    if (this.#chunks.length === 0) return;
    const data = this.#chunks.length === 1 ? this.#chunks[0]! : Buffer.concat(this.#chunks);
    this.#chunks = [];
    this.#bytes = 0;
    this.#send(this.#fd, data);
  }

  #send(fd: 1 | 2, data: Uint8Array): void {
    // data is always our own copy of guest memory: hand its buffer over.
    const whole = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength && data.buffer instanceof ArrayBuffer;
    this.#post({ t: 'out', fd, data }, whole ? [data.buffer as ArrayBuffer] : undefined);
  }
}
