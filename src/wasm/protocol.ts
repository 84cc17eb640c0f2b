// What a guest's worker thread and the main thread say to each other.
//
// The guest runs in a worker; every kernel object it creates lives on the
// main thread (which alone loads ffi-rs: a worker that touched ffi-rs must
// never be terminated, and a guest worker must be terminable). A wasm_bpf
// host function is synchronous for the guest, so the worker posts a `call`
// and blocks in Atomics.wait until the main thread has posted the reply on
// the reply port and bumped the sequence word; the worker then takes the
// reply with receiveMessageOnPort. Output and the final status travel on
// the worker's parentPort, in order with the calls.
import type { MessagePort } from 'node:worker_threads';
import type { WasmModule } from './webassembly.ts';

/** Indexes of the shared Int32Array between a guest worker and the main thread. */
export const Ctrl = {
  /** Bumped by the main thread after each reply is posted. */
  REPLY_SEQ: 0,
  /** 1 once the host asked the guest to stop (SIGINT/SIGTERM); notified, so sleeps wake. */
  STOP: 1,
  /** Never written: a place to sleep that only a timeout (or terminate()) ends. */
  IDLE: 2,
  LENGTH: 3,
} as const;

export type Call =
  | { op: 'load'; bytes: Uint8Array }
  | { op: 'attach'; handle: number; name: string; target: string }
  | { op: 'mapFd'; handle: number; name: string }
  | { op: 'mapInfo'; fd: number }
  | { op: 'mapOperate'; fd: number; cmd: number; key: Uint8Array | null; value: Uint8Array | null; flags: number }
  | { op: 'poll'; handle: number; fd: number; max: number; timeoutMs: number }
  | { op: 'close'; handle: number };

export interface MapShape {
  keySize: number;
  /** Bytes a lookup writes: per-CPU maps hold a slot per possible CPU. */
  valueSize: number;
}

export interface Reply {
  /** The host function's result: a handle, an fd, 0, or a negated WASI errno. */
  code: number;
  map?: MapShape;
  /** Lookup: the value; get-next-key: the next key. */
  data?: Uint8Array;
  /** Poll: records back to back in `data`, with their lengths. */
  lengths?: number[];
  /** Poll: ring buffer callbacks may stop the delivery (negative return); perf buffer callbacks may not. */
  kind?: 'ring' | 'perf';
  /** Close: map fds that are no longer the guest's. */
  closedFds?: number[];
}

export type GuestExitHow = 'exit' | 'trap' | 'error';

/** The exit status of a trapped guest, as wasmtime reports one (128 + SIGABRT). */
export const TRAP_EXIT_CODE = 134;

export type WorkerMessage =
  | { t: 'call'; call: Call }
  | { t: 'out'; fd: 1 | 2; data: Uint8Array }
  | { t: 'done'; code: number; how: GuestExitHow; message?: string };

export interface GuestWorkerData {
  module: WasmModule;
  name: string;
  args: string[];
  env: Record<string, string>;
  preopens: Record<string, string>;
  ctrl: Int32Array;
  replies: MessagePort;
}

/** wasm_bpf_map_operate commands (the BPF_MAP_* numbers of enum bpf_cmd). */
export const MapCmd = { LOOKUP: 1, UPDATE: 2, DELETE: 3, GET_NEXT_KEY: 4 } as const;
