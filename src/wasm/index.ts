// A host for wasm-bpf applications: WASI preview1 modules whose user-space
// half runs in WebAssembly and whose eBPF objects are loaded, attached and
// read by exectrace's own loader on their behalf.
import { Wasm, type WasmModule } from './webassembly.ts';
import { WasmBpfGuest, type WasmBpfOptions, type WasmBpfExit } from './guest.ts';

export { WasmBpfGuest };
export type { WasmBpfOptions, WasmBpfExit, OutputSink, StopSignal } from './guest.ts';
export type { KernelObjectIds } from './guest-objects.ts';
export { WasiErrno, guestError } from './errno.ts';
export { TRAP_EXIT_CODE } from './protocol.ts';

export type WasmSource = Uint8Array | ArrayBuffer | WasmModule;

async function compile(source: WasmSource): Promise<WasmModule> {
  if (source instanceof Wasm.Module) return source;
  return Wasm.compile(source);
}

/**
 * Starts a guest in its own worker thread. Rejects when the module is not
 * valid WebAssembly or not a WASI command this host can link.
 */
export async function startWasmBpf(source: WasmSource, opts: WasmBpfOptions = {}): Promise<WasmBpfGuest> {
  return new WasmBpfGuest(await compile(source), opts);
}

/** Runs a guest to its end and resolves to its exit code (see WasmBpfExit for how it ended). */
export async function runWasmBpf(source: WasmSource, opts: WasmBpfOptions = {}): Promise<number> {
  const exit: WasmBpfExit = await (await startWasmBpf(source, opts)).exited;
  return exit.code;
}
