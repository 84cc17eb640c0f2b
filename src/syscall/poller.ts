// Waiting for kernel descriptors (ring buffers, perf buffers) without ever
// blocking the Node event loop.
//
// Node cannot watch an arbitrary fd (a BPF map is an anon inode, which libuv
// refuses as a stream), and a synchronous epoll_wait would freeze the event
// loop. So one worker thread per process blocks in epoll_wait on a shared
// epoll set and posts ready tokens back; the main thread adds, re-arms and
// removes descriptors with epoll_ctl, which is safe across threads. Each
// registration is one-shot: armed by wait(), disarmed by the kernel when it
// fires, so a slow consumer never makes the worker spin. The libuv thread pool
// (ffi-rs runInNewThread) is left alone: a reader would hold one of its four
// threads forever and starve fs and dns.
//
// Lifetime: the worker is ref'd only while somebody awaits, so an idle
// reader never keeps the process alive; it is stopped (an eventfd write
// wakes it) when the last registration closes, and on process exit, because
// Node joins worker threads at exit and one stuck in epoll_wait would hang it.
import { createRequire } from 'node:module';
import type { Worker } from 'node:worker_threads';
import * as libc from './libc.ts';
import { KernelError } from './errors.ts';
import { OwnedFd } from './fd.ts';
import {
  EPOLL_CLOEXEC, EPOLL_CTL_ADD, EPOLL_CTL_DEL, EPOLL_CTL_MOD, EPOLLIN, EPOLLONESHOT, EFD_CLOEXEC,
  EPOLL_EVENT_SIZE, EPOLL_DATA_OFFSET,
} from './abi/epoll.ts';

function epollEvent(events: number, token: number): Buffer {
  const ev = Buffer.alloc(EPOLL_EVENT_SIZE);
  ev.writeUInt32LE(events >>> 0, 0);
  ev.writeUInt32LE(token, EPOLL_DATA_OFFSET);
  return ev;
}

const ONE = (() => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(1n);
  return b;
})();

/**
 * Starts the worker. From TypeScript sources (tests, development) the worker
 * must load .ts through tsx, whose --import hook does not reach a worker's
 * entry module on Node 20; the built package runs plain .js.
 */
function startWorker(entry: URL, workerData: unknown): Worker {
  // Loaded here, not at import: the interval reader (the sidecar's) never needs a thread.
  const load = createRequire(import.meta.url);
  const { Worker } = load('node:worker_threads') as typeof import('node:worker_threads');
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry, { workerData });
  const api = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(api)}).then((m) => (m.tsImport ? m : m.default).tsImport(${JSON.stringify(entry.href)}, ${JSON.stringify(entry.href)}))`;
  return new Worker(boot, { eval: true, workerData });
}

class Poller {
  readonly epoll: OwnedFd;
  readonly stopFd: OwnedFd;
  readonly worker: Worker;
  readonly #waiting = new Map<number, () => void>();
  #registrations = 0;
  #stopped = false;
  // Set by the worker once it has left epoll_wait for good (see stop()).
  readonly #stoppedFlag = new Int32Array(new SharedArrayBuffer(4));
  readonly #onExit = () => this.stop();

  constructor() {
    const ep = libc.epollCreate1(EPOLL_CLOEXEC);
    if (ep.value < 0) throw new KernelError({ operation: 'epoll_create1', errno: ep.errno });
    this.epoll = new OwnedFd(ep.value, 'epoll', 'ring buffer poller');
    const ev = libc.eventfd(0, EFD_CLOEXEC);
    if (ev.value < 0) {
      this.epoll.close();
      throw new KernelError({ operation: 'eventfd', errno: ev.errno });
    }
    this.stopFd = new OwnedFd(ev.value, 'eventfd', 'ring buffer poller stop');
    this.#ctl(EPOLL_CTL_ADD, this.stopFd.fd, EPOLLIN, 0);
    const self = import.meta.url;
    this.worker = startWorker(new URL(`./poller-worker${self.endsWith('.ts') ? '.ts' : '.js'}`, self), {
      epfd: this.epoll.fd,
      stopped: this.#stoppedFlag,
    });
    this.worker.unref();
    this.worker.on('message', (m: number[] | { errno: number }) => {
      if (!Array.isArray(m)) {
        const err = new KernelError({ operation: 'epoll_wait', errno: m.errno, object: 'ring buffer poller' });
        process.emitWarning(err.message, { type: 'ExectracePollerWarning' });
        return;
      }
      for (const token of m) this.#fire(token);
    });
    this.worker.on('exit', () => this.#closeFds());
    process.once('exit', this.#onExit);
  }

  #ctl(op: number, fd: number, events: number, token: number): void {
    const r = libc.epollCtl(this.epoll.fd, op, fd, epollEvent(events, token));
    if (r.value < 0) throw new KernelError({ operation: 'epoll_ctl', errno: r.errno, object: `fd ${fd}` });
  }

  add(fd: number, token: number): void {
    // Added disarmed-equivalent: one-shot, armed immediately; the first wait()
    // re-arms anyway, and an early event is simply delivered to nobody.
    this.#ctl(EPOLL_CTL_ADD, fd, EPOLLIN | EPOLLONESHOT, token);
    this.#registrations++;
  }

  arm(fd: number, token: number, wake: () => void): void {
    this.#waiting.set(token, wake);
    this.worker.ref();
    this.#ctl(EPOLL_CTL_MOD, fd, EPOLLIN | EPOLLONESHOT, token);
  }

  cancel(token: number): void {
    this.#fire(token);
  }

  remove(fd: number, token: number): void {
    this.#fire(token);
    this.#ctl(EPOLL_CTL_DEL, fd, 0, token);
    if (--this.#registrations === 0) this.stop();
  }

  #fire(token: number): void {
    const wake = this.#waiting.get(token);
    if (!wake) return;
    this.#waiting.delete(token);
    if (this.#waiting.size === 0) this.worker.unref();
    wake();
  }

  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    if (shared === this) shared = undefined;
    process.off('exit', this.#onExit);
    libc.write(this.stopFd.fd, ONE, 8);
    // Close deterministically: wait (briefly, off the per-event path) until the
    // worker is out of epoll_wait, so its fds can be closed now without it
    // ever waiting on a closed — or reused — descriptor number.
    if (Atomics.wait(this.#stoppedFlag, 0, 0, STOP_TIMEOUT_MS) !== 'timed-out') this.#closeFds();
  }

  #closeFds(): void {
    this.stopFd.close();
    this.epoll.close();
  }
}

const STOP_TIMEOUT_MS = 2000;
let shared: Poller | undefined;
let nextToken = 1;

/** A descriptor registered with the process's poller. */
export class PollRegistration implements Disposable {
  readonly #poller: Poller;
  readonly #fd: number;
  readonly #token: number;
  #pending: Promise<void> | undefined;
  #closed = false;

  constructor(fd: number) {
    shared ??= new Poller();
    this.#poller = shared;
    this.#fd = fd;
    this.#token = nextToken++;
    if (nextToken > 0xffffffff) nextToken = 1;
    this.#poller.add(fd, this.#token);
  }

  /** Resolves when the descriptor is readable, or at once when cancelled or closed. */
  wait(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#pending ??= new Promise<void>((resolve) => {
      this.#poller.arm(this.#fd, this.#token, () => {
        this.#pending = undefined;
        resolve();
      });
    });
    return this.#pending;
  }

  /** Wakes a pending wait() now. */
  cancel(): void {
    this.#poller.cancel(this.#token);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#poller.remove(this.#fd, this.#token);
  }

  [Symbol.dispose](): void {
    this.close();
  }
}
