// Candidate search: flavours, vmlinux before modules, lazy module BTF,
// libbpf's per-object candidate narrowing.

import test from 'ava';
import { CoreReloKind as K } from '../../src/btf/index.ts';
import { CoreTargets, createCoreContext, findCandidates } from '../../src/core/index.ts';
import { Tiny, exit, mov, one, relo, run } from './helpers.ts';

function localFoo() {
  const b = new Tiny();
  const int = b.int('int', 4, true);
  const foo = b.struct('foo___mine', 8, [['a', int, 0], ['b', int, 32]]);
  return { btf: b.build(), foo };
}

test('candidates: every type with the same essential name and a compatible kind, by id', (t) => {
  const l = localFoo();
  const b = new Tiny();
  const int = b.int('int', 4, true);
  const names = ['foo___a', 'foobar', 'foo', 'foo___a___b', 'foo___b', 'afoo', 'foo_', 'foo____x'];
  const ids = names.map((n) => b.struct(n, 4, [['a', int, 0]]));
  b.typedef('foo', int);
  b.union('foo___u', 4, []);
  const tg = b.build();
  const got = findCandidates(l.btf, l.foo, new CoreTargets([tg])).map((c) => c.id);
  // foo___a, foo, foo___b; not foo___a___b (its essential name is foo___a), nor the typedef or union.
  t.deepEqual(got, [ids[0], ids[2], ids[4]]);
});

test('vmlinux wins: modules are only searched (and loaded) when vmlinux has no candidate', (t) => {
  const l = localFoo();
  const vb = new Tiny();
  const vint = vb.int('int', 4, true);
  vb.struct('foo', 8, [['a', vint, 0], ['b', vint, 32]]);
  vb.struct('unrelated', 4, []);
  const vmlinux = vb.build();

  const mb = new Tiny(vmlinux);
  const mfoo = mb.struct('foo', 16, [['b', vint, 0], ['a', vint, 64]]);
  const mod = mb.build();
  t.is(mfoo, vmlinux.nextTypeId);

  let loads = 0;
  const lazy = { name: 'foo_mod', btf: () => { loads++; return mod; } };
  const r1 = one(l.btf, [vmlinux, lazy], mov(0), relo(K.FIELD_BYTE_OFFSET, l.foo, '0:0'));
  t.is(r1.insns[0]!.imm, 0);
  t.is(loads, 0);

  // A vmlinux without foo: the module's type is used, and its id is in the split numbering.
  const bare = new Tiny();
  bare.int('int', 4, true);
  const vmlinux2 = bare.build();
  const mb2 = new Tiny(vmlinux2);
  const int2 = 1;
  const mfoo2 = mb2.struct('foo', 16, [['b', int2, 0], ['a', int2, 64]]);
  const mod2 = mb2.build();
  const ctx = createCoreContext(l.btf, [vmlinux2, { name: 'foo_mod', btf: () => { loads++; return mod2; } }]);
  const r2 = run(l.btf, [], [mov(0), mov(1), exit()], [
    relo(K.FIELD_BYTE_OFFSET, l.foo, '0:0', 0),
    relo(K.TYPE_ID_TARGET, l.foo, '0', 1),
  ], ctx);
  t.deepEqual(r2.errors, []);
  t.deepEqual(r2.insns.slice(0, 2).map((i) => i.imm), [8, mfoo2]);
  t.is(r2.relocations[0]!.target?.btf, 'foo_mod');
  t.is(loads, 1); // produced once, remembered
  t.true(ctx.targets.loaded(1));
});

test('candidates from several modules must agree', (t) => {
  const l = localFoo();
  const vb = new Tiny();
  vb.int('int', 4, true);
  const vmlinux = vb.build();
  const mod = (offsetOfA: number) => {
    const b = new Tiny(vmlinux);
    b.struct('foo', 16, [['a', 1, offsetOfA]]);
    return b.build();
  };
  const ok = one(l.btf, [vmlinux, mod(32), mod(32)], mov(0), relo(K.FIELD_BYTE_OFFSET, l.foo, '0:0'));
  t.is(ok.insns[0]!.imm, 4);
  t.is(ok.relocations[0]!.matches, 2);
  const bad = one(l.btf, [vmlinux, { name: 'm1', btf: mod(32) }, { name: 'm2', btf: mod(64) }], mov(0), relo(K.FIELD_BYTE_OFFSET, l.foo, '0:0'));
  t.regex(bad.errors[0]!.reason, /field offset ambiguity: .* in m1 is at bit 32, .* in m2 at bit 64/);
});

test('a lazy target that fails to load fails the relocations that needed it', (t) => {
  const l = localFoo();
  const vb = new Tiny();
  vb.int('int', 4, true);
  const res = one(l.btf, [vb.build(), { name: 'broken', btf: () => { throw new Error('no such file'); } }], mov(0), relo(K.FIELD_BYTE_OFFSET, l.foo, '0:0'));
  t.is(res.relocations[0]!.status, 'failed');
  t.regex(res.errors[0]!.message, /loading target BTF broken failed: no such file/);
  t.true(res.errors[0]!.cause instanceof Error);
});

test('no targets at all is a failure', (t) => {
  const l = localFoo();
  const res = one(l.btf, [], mov(0), relo(K.FIELD_BYTE_OFFSET, l.foo, '0:0'));
  t.regex(res.errors[0]!.reason, /no target BTF/);
});

// libbpf keeps, per local type, only the candidates that matched the
// previous relocation (bpf_core_calc_relo_insn's `cands->len = j`).
test('candidate narrowing carries over between relocations of one object', (t) => {
  const lb = new Tiny();
  const int = lb.int('int', 4, true);
  const foo = lb.struct('foo', 12, [['a', int, 0], ['b', int, 32], ['c', int, 64]]);
  const l = lb.build();
  const tb = new Tiny();
  const tint = tb.int('int', 4, true);
  tb.struct('foo', 8, [['a', tint, 0], ['b', tint, 32]]);
  tb.struct('foo___v2', 8, [['a', tint, 0], ['c', tint, 32]]);
  const tg = tb.build();
  const relos = [
    relo(K.FIELD_BYTE_OFFSET, foo, '0:0', 0), // a: both match (same offset)
    relo(K.FIELD_BYTE_OFFSET, foo, '0:1', 1), // b: only foo -> narrowed to [foo]
    relo(K.FIELD_BYTE_OFFSET, foo, '0:2', 2), // c: foo___v2 is no longer considered
  ];
  const insns = [mov(0), mov(4), mov(8), exit()];
  const shared = run(l, [tg], insns, relos);
  t.deepEqual(shared.relocations.map((r) => [r.status, r.candidates, r.matches]), [['patched', 2, 2], ['patched', 2, 1], ['poisoned', 1, 0]]);
  t.regex(shared.relocations[2]!.reason!, /narrowed from 2 by earlier relocations/);
  // Alone (a fresh context), c resolves through foo___v2.
  const alone = run(l, [tg], insns, [relos[2]!]);
  t.is(alone.insns[2]!.imm, 4);
  // One context shared across sections narrows across sections too.
  const ctx = createCoreContext(l, [tg]);
  run(l, [], insns, [relos[1]!], ctx);
  t.is(run(l, [], insns, [relos[2]!], ctx).relocations[0]!.status, 'poisoned');
});
