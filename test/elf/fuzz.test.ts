// Bounded, deterministic fuzzing: ~2000 mutated copies of three real objects
// (seeded PRNG, so a failure reproduces exactly). Whatever the mutation, only
// ElfError may escape, and each parse+walk must finish quickly: no hang from
// a forged count, no huge allocation from a forged size.

import test from 'ava';
import { performance } from 'node:perf_hooks';
import { ElfError, SHT_REL, SHT_RELA, SHT_STRTAB, SHT_SYMTAB, parseElf } from '../../src/elf/index.ts';
import { fixture } from './helpers/fixtures.ts';
import { walk } from './helpers/walk.ts';
import { prng } from '../helpers/prng.ts';

const SEED = 0x5eed_e1f;
const ITERATIONS_PER_OBJECT = 667; // 3 objects, ~2000 in all
const MAX_MS_PER_ITERATION = 250; // normal is well under 1 ms; this only catches hangs


/** Byte ranges the parser interprets (header, section headers, tables), where mutations matter most. */
function structuralRanges(bytes: Uint8Array): [number, number][] {
  const elf = parseElf(bytes);
  const ranges: [number, number][] = [[0, 64], [elf.header.shoff, elf.header.shoff + elf.sections.length * 64]];
  for (const s of elf.sections) {
    if ([SHT_SYMTAB, SHT_STRTAB, SHT_REL, SHT_RELA].includes(s.type) && s.size > 0) ranges.push([s.offset, s.offset + s.size]);
  }
  return ranges;
}

const INTERESTING = [
  0n, 1n, 2n, 3n, 8n, 16n, 24n, 64n, 0x7fn, 0x80n, 0xffn, 0xff00n, 0xfff1n, 0xffffn, 0x7fff_ffffn,
  0x8000_0000n, 0xffff_ffffn, 1n << 32n, (1n << 53n) - 1n, 1n << 53n, (1n << 63n), (1n << 64n) - 1n,
];

function mutate(base: Uint8Array, ranges: [number, number][], rnd: () => number): Uint8Array {
  const int = (n: number) => Math.floor(rnd() * n);
  let b = base.slice();
  const v = new DataView(b.buffer);
  const inRange = () => {
    const [lo, hi] = ranges[int(ranges.length)]!;
    return lo + int(hi - lo);
  };
  const edits = 1 + int(4);
  for (let e = 0; e < edits; e++) {
    const kind = int(10);
    if (kind < 2) {
      b[int(b.length)] = int(256); // anywhere
    } else if (kind < 5) {
      b[inRange()] = int(256); // a structural byte
    } else if (kind < 9) {
      // An interesting value over a structural field of width 2, 4 or 8.
      const width = [2, 4, 8][int(3)]!;
      const at = Math.min(inRange() & ~(width - 1), b.length - width);
      const pick = int(4) === 0 ? BigInt(base.length + int(128) - 64) : INTERESTING[int(INTERESTING.length)]!;
      const val = BigInt.asUintN(width * 8, pick);
      const le = rnd() < 0.5;
      if (width === 2) v.setUint16(at, Number(val), le);
      else if (width === 4) v.setUint32(at, Number(val), le);
      else v.setBigUint64(at, val, le);
    } else {
      b = b.subarray(0, int(b.length)); // truncate
      break;
    }
  }
  return b;
}

const OBJECTS = [
  'corpus/cilium-ebpf/loader-clang-14-el.elf',
  'corpus/exectrace-upstream/handler-bpfel.o',
  'corpus/wasm-bpf/bootstrap.bpf.o',
];

for (const [n, path] of OBJECTS.entries()) {
  test(`fuzz: ${ITERATIONS_PER_OBJECT} mutations of ${path} only ever raise ElfError`, (t) => {
    const base = fixture(path);
    const ranges = structuralRanges(base);
    const rnd = prng(SEED + n);
    let parsed = 0;
    let refused = 0;
    let slowest = 0;
    for (let i = 0; i < ITERATIONS_PER_OBJECT; i++) {
      const bytes = mutate(base, ranges, rnd);
      const start = performance.now();
      try {
        walk(parseElf(bytes));
        parsed++;
      } catch (err) {
        if (!(err instanceof ElfError)) {
          t.fail(`iteration ${i} (seed ${SEED + n}): non-ElfError ${String(err)}\n${(err as Error).stack ?? ''}`);
          return;
        }
        if (!/^ELF: .+ at offset -?0x[0-9a-f]+: /.test(err.message)) {
          t.fail(`iteration ${i}: message without an offset: ${err.message}`);
          return;
        }
        refused++;
      }
      slowest = Math.max(slowest, performance.now() - start);
    }
    t.log(`${parsed} parsed, ${refused} refused, slowest ${slowest.toFixed(2)} ms`);
    t.true(slowest < MAX_MS_PER_ITERATION, `slowest iteration took ${slowest} ms`);
    // Both outcomes must occur, or the mutator is not exercising the parser.
    t.true(parsed > 0);
    t.true(refused > 0);
  });
}
