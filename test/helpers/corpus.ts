import { readFileSync, readdirSync } from 'node:fs';

export const CORPUS = new URL('../fixtures/corpus/', import.meta.url).pathname;

export function corpus(path: string): Buffer {
  return readFileSync(`${CORPUS}${path}`);
}

/** Every BPF object of the corpus, as [relative path, bytes]. */
export function corpusObjects(): [string, Buffer][] {
  const out: [string, Buffer][] = [];
  for (const dir of ['cilium-ebpf', 'exectrace-upstream', 'wasm-bpf']) {
    for (const f of readdirSync(`${CORPUS}${dir}`)) if (/\.(elf|o)$/.test(f)) out.push([`${dir}/${f}`, corpus(`${dir}/${f}`)]);
  }
  return out;
}
