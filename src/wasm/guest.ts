// One running guest, seen from the main thread: its worker, the host calls
// it makes (answered here, where the kernel objects live), its output on
// the way to the caller, and how it ends.
//
// Stopping: stop() raises the shared STOP word, which the guest's next poll
// sees (it returns -EINTR, see bpf-imports.ts) and which wakes a sleeping
// guest once; a poll waiting here is answered at once. A guest that has not
// exited when the grace period ends is terminated: its worker never loaded
// ffi-rs, so terminate() is safe. However the guest ends, every kernel
// object it created is closed when its worker has exited.
import { MessageChannel, type Worker } from 'node:worker_threads';
import { GuestObjects, type KernelObjectIds } from './guest-objects.ts';
import { startWorker, sibling } from './start-worker.ts';
import { Wasm, type WasmModule } from './webassembly.ts';
import { Ctrl, type Call, type Reply, type WorkerMessage, type GuestWorkerData } from './protocol.ts';

export type StopSignal = 'SIGINT' | 'SIGTERM';

/** Where a guest's stdout or stderr goes: a stream, or a function given each chunk. */
export type OutputSink = NodeJS.WritableStream | ((chunk: Buffer) => void);

export interface WasmBpfOptions {
  /** argv[1..] of the guest (argv[0] is `name`). */
  args?: string[];
  env?: Record<string, string>;
  /** Host directories the guest may open: guest path → host path (WASI preopens). */
  preopens?: Record<string, string>;
  stdout?: OutputSink;
  stderr?: OutputSink;
  /** Aborting asks the guest to stop, as SIGINT does when the reason is 'SIGINT', else as SIGTERM. */
  signal?: AbortSignal;
  /** How long a stopped guest may take to exit before it is terminated (default 2000 ms). */
  graceMs?: number;
  /** The guest's argv[0] and the name in messages (default `guest`). */
  name?: string;
  /** Told why a host call failed (a load the loader refused, an attach, a poll): the guest only sees a code. */
  onHostError?: (message: string) => void;
}

export interface WasmBpfExit {
  /** The exit status: the guest's own, 134 after a trap, 128 + signal number when terminated. */
  code: number;
  /** `exit`: the guest exited; `trap`: it trapped; `killed`: terminated after the grace period; `error`: the host failed to run it. */
  how: 'exit' | 'trap' | 'killed' | 'error';
  message?: string;
}

const SIGNAL_NUMBERS: Record<StopSignal, number> = { SIGINT: 2, SIGTERM: 15 };
const SIGKILL_EXIT = 128 + 9;
/** How long a busy buffer's records may gather before an empty poll waits on the ring (see #poll). */
const COALESCE_MS = 5;

export class WasmBpfGuest {
  readonly name: string;
  /** Resolves once the guest has ended and its kernel objects are closed. */
  readonly exited: Promise<WasmBpfExit>;
  readonly #worker: Worker;
  readonly #ctrl: Int32Array;
  readonly #replies: MessageChannel;
  readonly #objects: GuestObjects;
  readonly #stdout: OutputSink;
  readonly #stderr: OutputSink;
  readonly #graceMs: number;
  readonly #signal: AbortSignal | undefined;
  readonly #stopWaiters = new Set<() => void>();
  #resolve!: (e: WasmBpfExit) => void;
  #done: WasmBpfExit | undefined;
  #killedWith: { code: number; why: string } | undefined;
  #stopSignal: StopSignal | undefined;
  #grace: NodeJS.Timeout | undefined;
  #ended = false;
  readonly #onAbort = () => this.stop(this.#signal?.reason === 'SIGINT' ? 'SIGINT' : 'SIGTERM');

  constructor(module: WasmModule, opts: WasmBpfOptions = {}) {
    checkModule(module);
    this.name = opts.name ?? 'guest';
    this.#stdout = opts.stdout ?? process.stdout;
    this.#stderr = opts.stderr ?? process.stderr;
    this.#graceMs = opts.graceMs ?? 2000;
    this.#signal = opts.signal;
    const report = opts.onHostError ?? (() => {});
    this.#objects = new GuestObjects(this.name, report);
    this.#ctrl = new Int32Array(new SharedArrayBuffer(Ctrl.LENGTH * 4));
    this.#replies = new MessageChannel();
    this.exited = new Promise((r) => (this.#resolve = r));
    const data: GuestWorkerData = {
      module,
      name: this.name,
      args: opts.args ?? [],
      env: opts.env ?? {},
      preopens: opts.preopens ?? {},
      ctrl: this.#ctrl,
      replies: this.#replies.port2,
    };
    this.#worker = startWorker(sibling('guest-worker', import.meta.url), data, [this.#replies.port2]);
    this.#worker.on('message', (m: WorkerMessage) => this.#onMessage(m));
    this.#worker.on('error', (e) => {
      this.#done ??= { code: 1, how: 'error', message: `${e.name}: ${e.message}` };
    });
    this.#worker.on('exit', () => this.#finish());
    if (this.#signal) {
      if (this.#signal.aborted) this.#onAbort();
      else this.#signal.addEventListener('abort', this.#onAbort, { once: true });
    }
  }

  /** Kernel objects (BPF objects) the guest has open now. */
  get openObjects(): number {
    return this.#objects.count;
  }

  /** Kernel IDs of the guest's programs, maps and bpf links open now. */
  kernelObjectIds(): KernelObjectIds {
    return this.#objects.ids();
  }

  /** Asks the guest to stop; terminates it if it has not exited after the grace period. */
  stop(signal: StopSignal = 'SIGTERM'): void {
    if (this.#ended || this.#stopSignal) return;
    this.#stopSignal = signal;
    Atomics.store(this.#ctrl, Ctrl.STOP, 1);
    Atomics.notify(this.#ctrl, Ctrl.STOP);
    for (const wake of this.#stopWaiters) wake();
    this.#grace = setTimeout(() => this.#kill(128 + SIGNAL_NUMBERS[signal], `still running ${this.#graceMs} ms after ${signal}`), this.#graceMs);
  }

  /** Terminates the guest now. */
  kill(): void {
    this.#kill(this.#stopSignal ? 128 + SIGNAL_NUMBERS[this.#stopSignal] : SIGKILL_EXIT, 'killed on request');
  }

  #kill(code: number, why: string): void {
    if (this.#ended || this.#done) return;
    this.#killedWith = { code, why };
    void this.#worker.terminate();
  }

  #onMessage(m: WorkerMessage): void {
    switch (m.t) {
      case 'out':
        write(m.fd === 1 ? this.#stdout : this.#stderr, Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength));
        return;
      case 'done':
        this.#done = { code: m.code, how: m.how, ...(m.message ? { message: m.message } : {}) };
        // The thread has nothing left to run; should anything keep it alive, end it (it never loaded ffi-rs).
        setTimeout(() => void this.#worker.terminate(), 1000).unref();
        return;
      case 'call':
        void this.#serve(m.call);
    }
  }

  async #serve(call: Call): Promise<void> {
    let reply: Reply;
    try {
      reply = await this.#answer(call);
    } catch (e) {
      // A host bug must not leave the guest blocked for ever.
      reply = { code: -29 /* EIO */ };
      process.emitWarning(`exectrace-wasm: host call ${call.op} failed: ${(e as Error).stack ?? String(e)}`);
    }
    if (this.#ended) return;
    const transfer = reply.data && reply.data.byteOffset === 0 && reply.data.byteLength === reply.data.buffer.byteLength ? [reply.data.buffer as ArrayBuffer] : [];
    this.#replies.port1.postMessage(reply, transfer);
    Atomics.add(this.#ctrl, Ctrl.REPLY_SEQ, 1);
    Atomics.notify(this.#ctrl, Ctrl.REPLY_SEQ);
  }

  async #answer(call: Call): Promise<Reply> {
    const o = this.#objects;
    switch (call.op) {
      case 'load':
        return { code: o.load(call.bytes) };
      case 'attach':
        return { code: o.attach(call.handle, call.name, call.target) };
      case 'mapFd':
        return o.mapFd(call.handle, call.name);
      case 'mapInfo':
        return o.mapInfo(call.fd);
      case 'mapOperate':
        return o.mapOperate(call.fd, call.cmd, call.key, call.value, call.flags);
      case 'close':
        return o.close(call.handle);
      case 'poll':
        return this.#poll(call.handle, call.fd, call.max, call.timeoutMs);
    }
  }

  async #poll(handle: number, fd: number, max: number, timeoutMs: number): Promise<Reply> {
    const source = this.#objects.source(handle, fd);
    if (typeof source === 'number') return { code: source };
    const wasBusy = source.busy;
    let batch = source.collect(max);
    if (!batch && timeoutMs !== 0 && !this.#stopSignal) {
      // The guest blocks meanwhile (as in libbpf's epoll_wait); this thread does not.
      const deadline = timeoutMs > 0 ? Date.now() + timeoutMs : Number.POSITIVE_INFINITY;
      // Under load a record lands right after every drain, and waking for
      // each one (an epoll wake-up, two thread hops and a reply) costs far
      // more than the record: after a poll that found records, let a batch
      // gather for a moment before waiting on the ring itself.
      if (wasBusy) {
        await this.#sleep(Math.min(COALESCE_MS, deadline - Date.now()));
        batch = this.#ended ? undefined : source.collect(max);
      }
      if (!batch && !this.#stopSignal && !this.#ended && Date.now() < deadline) {
        await this.#sleep(deadline - Date.now(), source.wait());
        batch = this.#ended ? undefined : source.collect(max);
      }
    }
    return batch ? { code: 0, data: batch.data, lengths: batch.lengths, kind: source.kind } : { code: 0, kind: source.kind };
  }

  /** Resolves after `ms` (never when infinite), when `also` resolves, or when the guest is asked to stop. */
  async #sleep(ms: number, also?: Promise<void>): Promise<void> {
    if (this.#stopSignal) return;
    let timer: NodeJS.Timeout | undefined;
    let wake: (() => void) | undefined;
    await Promise.race([
      ...(also ? [also] : []),
      new Promise<void>((r) => {
        wake = r;
        this.#stopWaiters.add(r);
        if (Number.isFinite(ms)) timer = setTimeout(r, Math.max(0, ms));
      }),
    ]);
    clearTimeout(timer);
    this.#stopWaiters.delete(wake!);
  }

  #finish(): void {
    if (this.#ended) return;
    this.#ended = true;
    clearTimeout(this.#grace);
    this.#signal?.removeEventListener('abort', this.#onAbort);
    for (const wake of this.#stopWaiters) wake();
    this.#replies.port1.close();
    let exit: WasmBpfExit;
    if (this.#done) exit = this.#done;
    else if (this.#killedWith !== undefined) exit = { code: this.#killedWith.code, how: 'killed', message: this.#killedWith.why };
    else exit = { code: 1, how: 'error', message: 'the guest thread ended without reporting' };
    try {
      this.#objects.closeAll();
    } finally {
      this.#resolve(exit);
    }
  }
}

function write(sink: OutputSink, chunk: Buffer): void {
  if (typeof sink === 'function') sink(chunk);
  else sink.write(chunk);
}

/** A wasm-bpf application is a WASI command: it exports `_start` and its memory. */
function checkModule(module: WasmModule): void {
  const exports = new Set(Wasm.Module.exports(module).map((e) => e.name));
  if (!exports.has('_start')) throw new Error('the module exports no _start: not a WASI command module');
  if (!exports.has('memory')) throw new Error('the module exports no memory');
  const known = new Set(['wasi_snapshot_preview1', 'wasm_bpf', 'callback-wrapper']);
  for (const i of Wasm.Module.imports(module)) {
    if (!known.has(i.module)) throw new Error(`the module imports ${i.module}.${i.name}, which this host does not provide (only wasi_snapshot_preview1, wasm_bpf and callback-wrapper)`);
  }
}
