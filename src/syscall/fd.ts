// Ownership of kernel objects. Every map, program, link, BTF object and perf
// event is a JS object that owns exactly one file descriptor. close() is
// idempotent; an object that is garbage-collected while still open is a leak
// in the caller's code: we close the fd so the kernel object goes away, and
// report it (a warning, plus any listener registered with onLeak) rather than
// ignore it.
import * as libc from './libc.ts';

export interface OwnedFdInfo {
  /** map, program, link, btf, perf event, epoll, ... */
  kind: string;
  /** A human name: the map's or program's name, the tracepoint, ... */
  label: string;
  fd: number;
}

export type LeakListener = (leak: OwnedFdInfo) => void;

const open = new Map<number, OwnedFdInfo>();
const leakListeners = new Set<LeakListener>();

const registry = new FinalizationRegistry<OwnedFdInfo>((info) => {
  // Still registered means close() never ran: the fd number is still ours.
  open.delete(info.fd);
  libc.close(info.fd);
  if (leakListeners.size > 0) {
    for (const l of leakListeners) l(info);
  } else {
    process.emitWarning(
      `${info.kind} ${info.label} (fd ${info.fd}) was garbage-collected without close(); exectrace closed it`,
      { type: 'ExectraceLeakWarning' },
    );
  }
});

/** Be told about leaked objects instead of the default process warning. */
export function onLeak(listener: LeakListener): () => void {
  leakListeners.add(listener);
  return () => leakListeners.delete(listener);
}

/** Every kernel object this process holds open through exectrace. */
export function openFds(): OwnedFdInfo[] {
  return [...open.values()];
}

export class ClosedError extends Error {
  constructor(info: { kind: string; label: string }) {
    super(`${info.kind} ${info.label} is closed`);
    this.name = 'ClosedError';
  }
}

export class OwnedFd implements Disposable {
  #fd: number;
  readonly kind: string;
  readonly label: string;

  constructor(fd: number, kind: string, label: string) {
    if (!Number.isInteger(fd) || fd < 0) throw new Error(`${kind} ${label}: invalid file descriptor ${fd}`);
    this.#fd = fd;
    this.kind = kind;
    this.label = label;
    const info = { fd, kind, label };
    open.set(fd, info);
    registry.register(this, info, this);
  }

  /** The file descriptor; throws once closed so a stale number is never reused. */
  get fd(): number {
    if (this.#fd < 0) throw new ClosedError(this);
    return this.#fd;
  }

  get closed(): boolean {
    return this.#fd < 0;
  }

  close(): void {
    const fd = this.#fd;
    if (fd < 0) return;
    this.#fd = -1;
    registry.unregister(this);
    open.delete(fd);
    libc.close(fd);
  }

  [Symbol.dispose](): void {
    this.close();
  }
}
