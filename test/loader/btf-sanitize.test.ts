import test from 'ava';
import { parseBtf } from '../../src/btf/index.ts';
import { parseObject } from '../../src/object/index.ts';
import { sanitizeBtf, ALL_FEATURES, type BtfFeatures } from '../../src/loader/index.ts';
import { KernelBtf } from '../../src/prog/index.ts';
import { kernelTest } from '../helpers/kernel.ts';
import { corpus } from '../helpers/corpus.ts';

const NONE: BtfFeatures = { datasec: false, func: false, funcGlobal: false, float: false, declTag: false, typeTag: false, enum64: false };

test('DATASEC sizes and variable offsets come from the ELF sections and symbols', (t) => {
  const spec = parseObject(corpus('cilium-ebpf/loader-clang-14-el.elf'));
  t.is(spec.btf!.findByName('.maps', 'datasec')!.kind === 'datasec' && (spec.btf!.findByName('.maps', 'datasec') as { size: number }).size, 0, 'clang leaves .maps at size 0');
  const out = parseBtf(sanitizeBtf(spec, spec.btf!, ALL_FEATURES));
  const maps = out.findByName('.maps', 'datasec') as { size: number; vars: readonly { offset: number }[] };
  t.is(maps.size, spec.sections.get('.maps')!.size);
  const offsets = maps.vars.map((v) => v.offset);
  t.deepEqual(offsets, [...offsets].sort((a, b) => a - b), 'sorted by offset');
  t.true(new Set(offsets).size === offsets.length, 'each variable at its own offset');
});

test('with no optional kind supported, none of them is left and ids stay in place', (t) => {
  const spec = parseObject(corpus('cilium-ebpf/tags-el.elf'));
  const before = spec.btf!;
  const out = parseBtf(sanitizeBtf(spec, before, NONE));
  t.is(out.nextTypeId, before.nextTypeId);
  const kinds = new Set([...out.types()].map((x) => x.kind));
  for (const k of ['datasec', 'var', 'func', 'func_proto', 'float', 'decl_tag', 'type_tag', 'enum64']) t.false(kinds.has(k as never), k);
});

for (const [name, features] of [['all features', ALL_FEATURES], ['no optional feature', NONE]] as const) {
  kernelTest(`sanitised BTF of every corpus object with BTF loads into the kernel (${name})`, (t) => {
    for (const f of ['loader-clang-14-el.elf', 'tags-el.elf', 'relocs-el.elf', 'btf_map_init-el.elf', 'fwd_decl-el.elf', 'errors-el.elf', 'arena-el.elf']) {
      const spec = parseObject(corpus(`cilium-ebpf/${f}`));
      t.notThrows(() => KernelBtf.load(sanitizeBtf(spec, spec.btf!, features), f).close(), f);
    }
    const handler = parseObject(corpus('exectrace-upstream/handler-bpfel.o'));
    t.notThrows(() => KernelBtf.load(sanitizeBtf(handler, handler.btf!, features), 'handler').close());
  });
}
