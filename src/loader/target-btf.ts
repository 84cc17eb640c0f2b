// The BTF that CO-RE relocations and tracing attach points are resolved
// against: the running kernel's (vmlinux, then module BTF only when needed),
// or a BTF file given by the user (raw, gzip'd raw, or an ELF object's .BTF).
import { readFileSync } from 'node:fs';
import { gunzipSync } from './gunzip.ts';
import { parseBtf, loadKernelBtf, kernelBtfModules, loadModuleBtf, KERNEL_BTF_DIR, type Btf } from '../btf/index.ts';
import { mapFileForever } from '../syscall/index.ts';
import { parseElf } from '../elf/index.ts';

export class TargetBtf {
  readonly source: string;
  readonly #load: () => Btf;
  readonly #moduleNames: () => string[];
  readonly #loadModule: (name: string, base: Btf) => Btf;
  #vmlinux: Btf | undefined;
  readonly #modules = new Map<string, Btf>();

  private constructor(source: string, load: () => Btf, moduleNames: () => string[], loadModule: (name: string, base: Btf) => Btf) {
    this.source = source;
    this.#load = load;
    this.#moduleNames = moduleNames;
    this.#loadModule = loadModule;
  }

  /** The running kernel's BTF from /sys/kernel/btf. */
  static kernel(): TargetBtf {
    const path = `${KERNEL_BTF_DIR}/vmlinux`;
    const load = () => {
      // Mapped where the kernel allows it (6.16+), read otherwise.
      const mapped = mapFileForever(path);
      return mapped ? parseBtf(mapped) : loadKernelBtf();
    };
    return new TargetBtf(path, load, () => kernelBtfModules(), (n, base) => loadModuleBtf(n, base));
  }

  /** BTF from a file: raw BTF, gzip'd raw BTF, or an ELF object whose .BTF is used. */
  static file(path: string): TargetBtf {
    return new TargetBtf(path, () => parseBtf(btfBytesOf(readFileSync(path), path)), () => [], () => {
      throw new Error('a BTF file has no modules');
    });
  }

  static fromBytes(bytes: Uint8Array, source: string): TargetBtf {
    return new TargetBtf(source, () => parseBtf(btfBytesOf(bytes, source)), () => [], () => {
      throw new Error('in-memory BTF has no modules');
    });
  }

  get vmlinux(): Btf {
    return (this.#vmlinux ??= this.#load());
  }

  /** Module BTFs as lazy CO-RE targets: each parsed only if asked for. */
  moduleTargets(): { name: string; btf: () => Btf }[] {
    return this.#moduleNames().map((name) => ({
      name,
      btf: () => {
        let btf = this.#modules.get(name);
        if (!btf) {
          btf = this.#loadModule(name, this.vmlinux);
          this.#modules.set(name, btf);
        }
        return btf;
      },
    }));
  }

  /** Module BTFs, parsed on first use each, in name order. */
  *modules(): IterableIterator<{ name: string; btf: Btf }> {
    for (const name of this.#moduleNames()) {
      let btf = this.#modules.get(name);
      if (!btf) {
        btf = this.#loadModule(name, this.vmlinux);
        this.#modules.set(name, btf);
      }
      yield { name, btf };
    }
  }
}

/** Raw BTF bytes from raw, gzip'd or ELF input. */
export function btfBytesOf(bytes: Uint8Array, source: string): Uint8Array {
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) return btfBytesOf(gunzipSync(bytes), source);
  if (bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c && bytes[3] === 0x46) {
    const elf = parseElf(bytes);
    const sec = elf.sectionByName('.BTF');
    if (!sec) throw new Error(`${source}: ELF file has no .BTF section`);
    return elf.sectionData(sec);
  }
  return bytes;
}
