// The global WebAssembly object, typed for what the host uses. TypeScript
// declares WebAssembly only in its DOM library, which this project does not
// include, and @types/node 20 does not declare it either; so rather than a
// global declaration that would clash with a DOM lib one day, the host
// reaches it through this small typed view.

/** A compiled module (opaque). */
export interface WasmModule {
  readonly [Symbol.toStringTag]: string;
}

export interface WasmMemory {
  readonly buffer: ArrayBuffer;
}

export interface WasmTable {
  readonly length: number;
  get(index: number): unknown;
}

export interface WasmInstance {
  readonly exports: Record<string, unknown>;
}

export interface WasmImportDescriptor {
  module: string;
  name: string;
  kind: string;
}

export type WasmImports = Record<string, Record<string, unknown>>;

interface WasmApi {
  Module: {
    new (bytes: Uint8Array | ArrayBuffer): WasmModule;
    prototype: WasmModule;
    imports(module: WasmModule): WasmImportDescriptor[];
    exports(module: WasmModule): { name: string; kind: string }[];
  };
  Instance: { new (module: WasmModule, imports: WasmImports): WasmInstance; prototype: WasmInstance };
  Memory: { new (descriptor: { initial: number; maximum?: number }): WasmMemory; prototype: WasmMemory };
  Table: { new (descriptor: { element: 'anyfunc'; initial: number }): WasmTable; prototype: WasmTable };
  RuntimeError: ErrorConstructor;
  compile(bytes: Uint8Array | ArrayBuffer): Promise<WasmModule>;
}

export const Wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
