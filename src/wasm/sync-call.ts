// The worker's side of a host call: post the call, block until the main
// thread says the reply is there, take it. Blocking is what the guest
// expects (its host functions are synchronous) and costs the host nothing:
// the main thread's event loop keeps running, and terminate() interrupts
// Atomics.wait if the guest has to be killed meanwhile.
import { receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { Ctrl, type Call, type Reply, type WorkerMessage } from './protocol.ts';

export class SyncCaller {
  readonly #post: (m: WorkerMessage, transfer?: ArrayBuffer[]) => void;
  readonly #ctrl: Int32Array;
  readonly #replies: MessagePort;

  constructor(post: (m: WorkerMessage, transfer?: ArrayBuffer[]) => void, ctrl: Int32Array, replies: MessagePort) {
    this.#post = post;
    this.#ctrl = ctrl;
    this.#replies = replies;
  }

  call(call: Call, transfer?: ArrayBuffer[]): Reply {
    const seq = Atomics.load(this.#ctrl, Ctrl.REPLY_SEQ);
    this.#post({ t: 'call', call }, transfer);
    while (Atomics.load(this.#ctrl, Ctrl.REPLY_SEQ) === seq) Atomics.wait(this.#ctrl, Ctrl.REPLY_SEQ, seq);
    const r = receiveMessageOnPort(this.#replies);
    if (!r) throw new Error('exectrace-wasm: the host signalled a reply but none arrived');
    return r.message as Reply;
  }

  /** True once the host asked the guest to stop. */
  get stopping(): boolean {
    return Atomics.load(this.#ctrl, Ctrl.STOP) !== 0;
  }

  /**
   * Sleeps `ms` (or for ever when negative). `wakeOnStop`: return early when
   * a stop is requested, or at once if one already was. Returns true when
   * the sleep was cut short by a stop.
   */
  sleep(ms: number, wakeOnStop: boolean): boolean {
    const timeout = ms < 0 ? Number.POSITIVE_INFINITY : ms;
    if (!wakeOnStop) {
      if (timeout > 0) Atomics.wait(this.#ctrl, Ctrl.IDLE, 0, timeout);
      return false;
    }
    if (this.stopping) return true;
    if (timeout > 0) Atomics.wait(this.#ctrl, Ctrl.STOP, 0, timeout);
    return this.stopping;
  }
}
