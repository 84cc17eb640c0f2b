// A guest's thread: instantiates the module with node:wasi and the wasm_bpf
// host functions, runs _start, and reports how it ended. It never loads
// ffi-rs (nothing here imports src/syscall), so the main thread may
// terminate it at any moment; the kernel objects are the main thread's.
import { parentPort, workerData } from 'node:worker_threads';
import { GuestMemory } from './guest-memory.ts';
import { GuestOutput } from './guest-output.ts';
import { SyncCaller } from './sync-call.ts';
import { BpfImports } from './bpf-imports.ts';
import { wasiOverrides } from './wasi-overrides.ts';
import { Wasm, type WasmInstance, type WasmMemory } from './webassembly.ts';
import { TRAP_EXIT_CODE, type GuestWorkerData, type WorkerMessage, type GuestExitHow } from './protocol.ts';

// node:wasi warns that it is experimental on every thread that loads it:
// once per guest would be noise on the guest's stderr, so that one warning
// is dropped (the host's documentation says what node:wasi is).
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
  if (String(typeof warning === 'string' ? warning : warning.message).startsWith('WASI is an experimental')) return;
  (emitWarning as (...a: unknown[]) => void)(warning, ...rest);
}) as typeof process.emitWarning;
const { WASI } = await import('node:wasi');

const data = workerData as GuestWorkerData;
const post = (m: WorkerMessage, transfer?: ArrayBuffer[]) => parentPort!.postMessage(m, transfer ?? []);

let instance: WasmInstance | undefined;
const exportsOf = () => instance!.exports;
const mem = new GuestMemory(() => exportsOf().memory as WasmMemory);
const out = new GuestOutput(post);
const caller = new SyncCaller(post, data.ctrl, data.replies);
const bpf = new BpfImports(mem, out, caller, exportsOf);

const wasi = new WASI({
  version: 'preview1',
  args: [data.name, ...data.args],
  env: data.env,
  preopens: data.preopens,
  returnOnExit: true,
});
const wasiImport = (wasi.getImportObject() as { wasi_snapshot_preview1: Record<string, (...args: any[]) => number> }).wasi_snapshot_preview1;

let code = 0;
let how: GuestExitHow = 'exit';
let message: string | undefined;
try {
  instance = new Wasm.Instance(data.module, {
    wasi_snapshot_preview1: { ...wasiImport, ...wasiOverrides(wasiImport, mem, out, caller) },
    wasm_bpf: bpf.wasmBpf(),
    'callback-wrapper': bpf.callbackWrapper(),
  });
  code = wasi.start(instance) ?? 0;
} catch (e) {
  // A trap (RuntimeError), or the guest's stack running out (RangeError), ends the guest like a crash.
  if (e instanceof Wasm.RuntimeError || e instanceof RangeError) {
    how = 'trap';
    code = TRAP_EXIT_CODE;
  } else {
    how = 'error';
    code = 1;
  }
  message = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
} finally {
  out.flush();
}
post({ t: 'done', code, how, ...(message ? { message } : {}) });
data.replies.close();
