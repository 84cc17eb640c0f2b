// Bounds-checked access to a guest's linear memory. Every pointer and
// length a guest hands the host goes through here: wasm i32 arguments reach
// JS as signed numbers, so a pointer is read as unsigned and a length must
// be a non-negative integer, and the range must lie inside the memory as it
// is now (memory.grow detaches the old ArrayBuffer, so the view is taken
// afresh on every access).
import type { WasmMemory } from './webassembly.ts';

export class GuestMemory {
  readonly #memory: () => WasmMemory;
  // Views of the current buffer, remade when memory.grow replaces it.
  #buffer: ArrayBuffer | undefined;
  #u8 = new Uint8Array(0);
  #dv = new DataView(new ArrayBuffer(0));

  constructor(memory: () => WasmMemory) {
    this.#memory = memory;
  }

  #refresh(): void {
    const b = this.#memory().buffer;
    if (b !== this.#buffer) {
      this.#buffer = b;
      this.#u8 = new Uint8Array(b);
      this.#dv = new DataView(b);
    }
  }

  get bytes(): Uint8Array {
    this.#refresh();
    return this.#u8;
  }

  /** True when [ptr, ptr+len) lies inside the memory. */
  inRange(ptr: number, len: number): boolean {
    if (!Number.isInteger(ptr) || !Number.isInteger(len) || len < 0) return false;
    const p = ptr >>> 0;
    return p + len <= this.bytes.length;
  }

  /** A copy of [ptr, ptr+len), or undefined when out of range. */
  read(ptr: number, len: number): Uint8Array | undefined {
    if (!this.inRange(ptr, len)) return undefined;
    const p = ptr >>> 0;
    return this.bytes.slice(p, p + len);
  }

  /** Copies `data` to `ptr`; false (and nothing written) when it does not fit. */
  write(ptr: number, data: Uint8Array): boolean {
    if (!this.inRange(ptr, data.length)) return false;
    this.bytes.set(data, ptr >>> 0);
    return true;
  }

  /** A NUL-terminated UTF-8 string of at most `max` bytes, or undefined when it runs off the memory or is too long. */
  cString(ptr: number, max = 4096): string | undefined {
    if (!this.inRange(ptr, 0)) return undefined;
    const bytes = this.bytes;
    const p = ptr >>> 0;
    const end = bytes.indexOf(0, p);
    if (end < 0 || end - p > max) return undefined;
    return Buffer.from(bytes.buffer, p, end - p).toString('utf8');
  }

  writeU32(ptr: number, v: number): boolean {
    if (!this.inRange(ptr, 4)) return false;
    this.#dv.setUint32(ptr >>> 0, v >>> 0, true);
    return true;
  }

  writeU64(ptr: number, v: bigint): boolean {
    if (!this.inRange(ptr, 8)) return false;
    this.#dv.setBigUint64(ptr >>> 0, BigInt.asUintN(64, v), true);
    return true;
  }

  view(): DataView {
    this.#refresh();
    return this.#dv;
  }
}
