// BTF loaded into the kernel (BPF_BTF_LOAD), referenced by maps and programs.
import { sys, OwnedFd } from '../syscall/index.ts';

export class KernelBtf extends OwnedFd {
  /** Loads raw BTF; a rejected blob throws a KernelError with the kernel's BTF log. */
  static load(raw: Uint8Array, name = 'BTF'): KernelBtf {
    return new KernelBtf(sys.btfLoad(raw, name), 'btf', name);
  }
}
