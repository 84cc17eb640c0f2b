/**
 * The one file of this module that touches the filesystem: reading the
 * running kernel's BTF from /sys/kernel/btf (CONFIG_DEBUG_INFO_BTF). All
 * parsing lives elsewhere and takes bytes, so it works on recorded BTF,
 * ELF sections and test fixtures alike.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Btf } from './btf.ts';
import { BtfError } from './errors.ts';

export const KERNEL_BTF_DIR = '/sys/kernel/btf';

function read(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new BtfError(`BTF: cannot read ${path} (is the kernel built with CONFIG_DEBUG_INFO_BTF?)`, { cause: err });
  }
}

/** Parse the running kernel's vmlinux BTF (lazily indexed, ~5 MB read). */
export function loadKernelBtf(dir: string = KERNEL_BTF_DIR): Btf {
  return Btf.parse(read(join(dir, 'vmlinux')));
}

/** Names of kernel modules that publish split BTF (every entry but vmlinux). */
export function kernelBtfModules(dir: string = KERNEL_BTF_DIR): string[] {
  try {
    return readdirSync(dir).filter((n) => n !== 'vmlinux').sort();
  } catch (err) {
    throw new BtfError(`BTF: cannot list ${dir}`, { cause: err });
  }
}

/** Parse a module's split BTF on top of `base` (the vmlinux BTF). */
export function loadModuleBtf(module: string, base: Btf, dir: string = KERNEL_BTF_DIR): Btf {
  if (module.includes('/') || module === '' || module === '.' || module === '..') {
    throw new BtfError(`BTF: invalid module name ${JSON.stringify(module)}`);
  }
  return Btf.parse(read(join(dir, module)), { base });
}
