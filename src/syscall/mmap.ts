// Shared memory mappings of kernel objects (ring buffers, mmapable arrays),
// exposed as zero-copy Buffers. munmap is deterministic (close()); a mapping
// collected while open is reported but NOT unmapped from the finalizer: a
// view handed out earlier might still be read, and reading unmapped memory
// would crash the process instead of leaking a few pages.
import * as libc from './libc.ts';
import { KernelError } from './errors.ts';

const registry = new FinalizationRegistry<string>((label) => {
  process.emitWarning(`memory mapping of ${label} was garbage-collected without close(); it stays mapped until exit`, {
    type: 'ExectraceLeakWarning',
  });
});

export class Mapping implements Disposable {
  readonly label: string;
  readonly length: number;
  #addr: bigint;
  #view: Buffer | undefined;

  constructor(fd: number, length: number, offset: number, writable: boolean, label: string) {
    const prot = libc.PROT_READ | (writable ? libc.PROT_WRITE : 0);
    const r = libc.mmap(length, prot, libc.MAP_SHARED, fd, offset);
    if (r.value === -1n) {
      throw new KernelError({ operation: 'mmap', errno: r.errno, object: `${label} (${length} bytes at offset ${offset})` });
    }
    this.label = label;
    this.length = length;
    this.#addr = r.value;
    this.#view = libc.externalView(r.value, length);
    registry.register(this, label, this);
  }

  /** The mapped memory. Invalid (and dangerous to touch) after close(). */
  get view(): Buffer {
    if (!this.#view) throw new Error(`memory mapping of ${this.label} is closed`);
    return this.#view;
  }

  close(): void {
    if (!this.#view) return;
    this.#view = undefined;
    registry.unregister(this);
    libc.munmap(this.#addr, this.length);
  }

  [Symbol.dispose](): void {
    this.close();
  }
}
