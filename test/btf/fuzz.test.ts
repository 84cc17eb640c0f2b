/**
 * Bounded, seeded fuzzing: 2000 mutations of small real fixtures. Whatever
 * the bytes, parsing and every helper may only fail with BtfError (never a
 * RangeError, TypeError or a hang), and whatever parses and decodes fully
 * must survive encode -> parse unchanged.
 */
import test from 'ava';
import { isDeepStrictEqual } from 'node:util';
import {
  Btf, BtfBuilder, BtfError, KIND_NAMES, parseBtfExt, type KindName, type Type,
} from '../../src/btf/index.ts';
import { fixture, rng } from './helpers.ts';

const ITERATIONS = 2000;
const SEED = 0x5eed_b7f;

const INTERESTING = [0, 1, 2, 3, 4, 5, 12, 24, 0x7f, 0xff, 0xffff, 0xffffff, 0x7fffffff, 0x80000000, 0xffffffff];

function mutate(src: Uint8Array, rand: () => number): Uint8Array {
  let b: Uint8Array = src.slice();
  const ops = 1 + Math.floor(rand() * 4);
  for (let i = 0; i < ops; i++) {
    const r = rand();
    const at = Math.floor(rand() * b.byteLength) & ~3;
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    if (r < 0.3) {
      b[Math.floor(rand() * b.byteLength)] = Math.floor(rand() * 256);
    } else if (r < 0.55 && at + 4 <= b.byteLength) {
      dv.setUint32(at, INTERESTING[Math.floor(rand() * INTERESTING.length)]!, true);
    } else if (r < 0.75 && at + 4 <= b.byteLength) {
      // An info word: kind (sometimes unknown), vlen, kind_flag.
      const kind = Math.floor(rand() * 24);
      const vlen = rand() < 0.8 ? Math.floor(rand() * 4) : Math.floor(rand() * 0xffffff);
      dv.setUint32(at, ((rand() < 0.2 ? 1 : 0) << 31 | kind << 24 | vlen) >>> 0, true);
    } else if (r < 0.85) {
      b = b.slice(0, Math.floor(rand() * b.byteLength));
    } else if (r < 0.95 && at + 4 <= b.byteLength) {
      dv.setUint32(at, (dv.getUint32(at, true) + (rand() < 0.5 ? 1 : -1)) >>> 0, true);
    } else {
      // Splice: copy a chunk over another place.
      const from = Math.floor(rand() * b.byteLength);
      const len = Math.floor(rand() * 64);
      b.copyWithin(Math.floor(rand() * b.byteLength), from, from + len);
    }
  }
  return b;
}

const KINDS = KIND_NAMES.slice(1) as KindName[];

interface Tally { parsed: number; decodedAll: number; rejected: number; extParsed: number; mismatches: string[]; foreign: string[] }

/** Run everything a loader would on the blob; collect non-BtfError failures. */
function exercise(btfBytes: Uint8Array, extBytes: Uint8Array, tally: Tally): void {
  const guard = (what: string, fn: () => void): boolean => {
    try {
      fn();
      return true;
    } catch (err) {
      if (!(err instanceof BtfError)) tally.foreign.push(`${what}: ${String(err)}`);
      return false;
    }
  };
  let btf: Btf | undefined;
  if (!guard('parse', () => { btf = Btf.parse(btfBytes); })) {
    tally.rejected++;
    return;
  }
  const b = btf!;
  tally.parsed++;
  const types: Type[] = [];
  let all = true;
  for (let id = 0; id < b.nextTypeId; id++) {
    const ok = guard(`typeById(${id})`, () => {
      const ty = b.typeById(id);
      types.push(ty);
      b.kindOf(id);
      guard('typeName', () => b.typeName(id));
      guard('sizeOf', () => b.sizeOf(id));
      guard('skipQualifiers', () => b.skipQualifiers(id));
      if (ty.kind === 'struct' || ty.kind === 'union') {
        guard('findMember', () => b.findMember(id, 'foo'));
        for (const m of ty.members) guard('findMember', () => b.findMember(id, m.name));
      }
    });
    all &&= ok;
  }
  for (const name of ['s', 'u', 'int', 'prog', 'char', 'td']) {
    guard('idsByName', () => b.idsByName(name));
    for (const k of KINDS) guard('idsByName', () => b.idsByName(name, k));
  }
  if (all) {
    tally.decodedAll++;
    guard('encode', () => {
      const again = Btf.parse(BtfBuilder.from(b).encode());
      const back = [...again.types()];
      if (!isDeepStrictEqual([again.typeById(0), ...back], types)) tally.mismatches.push(`types differ after encode (${types.length} types)`);
    });
  }
  if (guard('ext', () => parseBtfExt(extBytes, b))) tally.extParsed++;
}

test(`${ITERATIONS} seeded mutations of tags-el and relocs_read-el: only BtfError, and round trips hold`, (t) => {
  const sources = ['tags-el', 'relocs_read-el'].map((n) => ({ btf: fixture(`${n}.btf`), ext: fixture(`${n}.btf.ext`) }));
  const rand = rng(SEED);
  const tally: Tally = { parsed: 0, decodedAll: 0, rejected: 0, extParsed: 0, mismatches: [], foreign: [] };
  const started = performance.now();
  for (let i = 0; i < ITERATIONS; i++) {
    const src = sources[i % sources.length]!;
    const mutateBtf = rand() < 0.75;
    const btfBytes = mutateBtf ? mutate(src.btf, rand) : src.btf;
    const extBytes = mutateBtf && rand() < 0.7 ? src.ext : mutate(src.ext, rand);
    exercise(btfBytes, extBytes, tally);
  }
  t.log(`${ITERATIONS} mutations in ${Math.round(performance.now() - started)} ms: ${tally.rejected} rejected at parse, ` +
    `${tally.parsed} parsed, ${tally.decodedAll} fully decoded and re-encoded, ${tally.extParsed} BTF.ext accepted`);
  t.deepEqual(tally.foreign.slice(0, 5), []);
  t.deepEqual(tally.mismatches.slice(0, 5), []);
  // The mutations must exercise both outcomes, or the test proves little.
  t.true(tally.rejected > ITERATIONS / 10);
  t.true(tally.decodedAll > ITERATIONS / 10);
});
