// Shared memory mappings of kernel objects (ring buffers, mmapable arrays),
// exposed as zero-copy Buffers. munmap is deterministic (close()); a mapping
// collected while open is reported but NOT unmapped from the finalizer: a
// view handed out earlier might still be read, and reading unmapped memory
// would crash the process instead of leaking a few pages.
import { closeSync, fstatSync, openSync } from 'node:fs';
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

/** Files mapped by mapFileForever, by path: each is mapped once per process. */
const forever = new Map<string, Buffer>();

/**
 * A read-only, private mapping of a whole file that lives as long as the
 * process, as a zero-copy Buffer; undefined when the file cannot be mapped
 * (then read it instead). For the kernel's vmlinux BTF: sysfs hands it out a
 * page per read(2), ~1,350 system calls and 5-9 ms here, where mapping it
 * (Linux 6.16 and later) takes ~0.1 ms and touches nothing that is not read.
 * Never unmapped: a view of it may be held anywhere, and the file does not
 * change while the kernel runs.
 */
export function mapFileForever(path: string): Buffer | undefined {
  const known = forever.get(path);
  if (known) return known;
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return undefined;
  }
  try {
    const size = fstatSync(fd).size;
    if (size === 0) return undefined;
    const r = libc.mmap(size, libc.PROT_READ, libc.MAP_PRIVATE, fd, 0);
    if (r.value === -1n) return undefined;
    const view = libc.externalView(r.value, size);
    forever.set(path, view);
    return view;
  } finally {
    closeSync(fd);
  }
}
