// Fixture loading for the ELF tests: the reader is pure, so the tests do the I/O.

import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../fixtures/', import.meta.url));

/** Bytes of `test/fixtures/<rel>`. */
export function fixture(rel: string): Uint8Array {
  return new Uint8Array(readFileSync(root + rel));
}

/** Every BPF object in the third-party corpus, as paths relative to test/fixtures/. */
export function corpusObjects(): string[] {
  const list = (dir: string, re: RegExp) => readdirSync(root + dir).filter((f) => re.test(f)).sort().map((f) => `${dir}/${f}`);
  return [
    ...list('corpus/cilium-ebpf', /\.elf$/),
    ...list('corpus/exectrace-upstream', /\.o$/),
    ...list('corpus/wasm-bpf', /\.o$/),
  ];
}
