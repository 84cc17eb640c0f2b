// Bounded fuzz: mutated corpus objects must only ever produce ObjectError
// (never a crash, another exception type, or a hang).
import test from 'ava';
import { parseObject, ObjectError } from '../../src/object/index.ts';
import { corpus } from '../helpers/corpus.ts';
import { prng } from '../helpers/prng.ts';


const OBJECTS = ['cilium-ebpf/loader-clang-14-el.elf', 'cilium-ebpf/btf_map_init-el.elf', 'cilium-ebpf/relocs-el.elf', 'exectrace-upstream/handler-bpfel.o'];

for (const path of OBJECTS) {
  test(`fuzz: 400 mutations of ${path} give only ObjectError`, (t) => {
    const original = corpus(path);
    const rnd = prng(path.length * 7919);
    let refused = 0;
    for (let i = 0; i < 400; i++) {
      const b = Buffer.from(original);
      const edits = 1 + Math.floor(rnd() * 8);
      for (let k = 0; k < edits; k++) b[Math.floor(rnd() * b.length)] = Math.floor(rnd() * 256);
      const input = rnd() < 0.1 ? b.subarray(0, Math.floor(rnd() * b.length)) : b;
      const t0 = performance.now();
      try {
        parseObject(input, { name: 'fuzzed' });
      } catch (e) {
        if (!(e instanceof ObjectError)) t.fail(`mutation ${i}: ${(e as Error).constructor.name}: ${(e as Error).stack}`);
        refused++;
      }
      const ms = performance.now() - t0;
      if (ms > 2000) t.fail(`mutation ${i} took ${ms} ms`);
    }
    t.log(`${refused} of 400 mutations refused`);
    t.pass();
  });
}
