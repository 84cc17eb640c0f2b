// Type-based relocations: TYPE_ID_LOCAL/TARGET, TYPE_EXISTS, TYPE_SIZE and
// TYPE_MATCHES (with libbpf's bpf_core_types_match rules).

import test from 'ava';
import { CoreReloKind as K, type Btf, type TypeId } from '../../src/btf/index.ts';
import { typesAreCompat, typesMatch } from '../../src/core/index.ts';
import { Tiny, exit, ld64, mov, one, relo, run } from './helpers.ts';

test('TYPE_ID_LOCAL needs no target and no name; TYPE_ID_TARGET is the target id and is not validated', (t) => {
  const lb = new Tiny();
  const int = lb.int('int', 4, true);
  const anon = lb.struct('', 4, [['a', int, 0]]);
  const s = lb.struct('s', 4, [['a', int, 0]]);
  const l = lb.build();
  const tb = new Tiny();
  tb.int('char', 1, true);
  tb.int('int', 4, true);
  tb.struct('other', 4, []);
  const ts = tb.struct('s', 8, []);
  const tg = tb.build();
  const res = run(l, [], [...ld64(BigInt(anon)), ...ld64(BigInt(s)), exit()], [
    relo(K.TYPE_ID_LOCAL, anon, '0', 0),
    relo(K.TYPE_ID_LOCAL, s, '0', 2),
  ]);
  t.deepEqual(res.errors, []);
  t.deepEqual(res.insns.map((i) => i.imm).slice(0, 4), [anon, 0, s, 0]);
  // The compiler wrote the local id (3); the target's is 4.
  const tgt = one(l, tg, ld64(3n), relo(K.TYPE_ID_TARGET, s, '0'));
  t.is(tgt.insns[0]!.imm64, BigInt(ts));
  t.is(tgt.relocations[0]!.before, BigInt(s));
  // Anonymous types cannot be looked up in the target.
  const bad = one(l, tg, ld64(2n), relo(K.TYPE_ID_TARGET, anon, '0'));
  t.regex(bad.errors[0]!.message, /^CO-RE: test insn #0: TYPE_ID_TARGET of struct \(anon\) access 0 — local type \[2\] is anonymous/);
});

test('TYPE_EXISTS and TYPE_SIZE; a missing type gives 0 and is never poisoned', (t) => {
  const lb = new Tiny();
  const int = lb.int('int', 4, true);
  const s = lb.struct('s___old', 4, [['a', int, 0]]);
  const td = lb.typedef('s_t', s);
  const gone = lb.struct('gone', 4, []);
  const l = lb.build();
  const tb = new Tiny();
  const tint = tb.int('int', 4, true);
  const ts = tb.struct('s', 24, [['b', tint, 0]]);
  tb.typedef('s_t', ts);
  const tg = tb.build();
  const res = run(l, [tg], [mov(1), mov(4), mov(4), mov(1), mov(4), mov(4), exit()], [
    relo(K.TYPE_EXISTS, s, '0', 0),
    relo(K.TYPE_SIZE, s, '0', 1),
    relo(K.TYPE_SIZE, td, '0', 2),
    relo(K.TYPE_EXISTS, gone, '0', 3),
    relo(K.TYPE_SIZE, gone, '0', 4),
    relo(K.TYPE_ID_TARGET, gone, '0', 5),
  ]);
  t.deepEqual(res.errors, []);
  t.deepEqual(res.poisoned, []);
  t.deepEqual(res.insns.slice(0, 6).map((i) => i.imm), [1, 24, 24, 0, 0, 0]);
  t.is(res.relocations[3]!.reason, 'no matching target: resolved to 0');
  t.regex(res.relocations[3]!.localSpec!, /struct gone/);
});

test('candidates need a compatible kind: a typedef is not a struct, enum and enum64 are interchangeable', (t) => {
  const lb = new Tiny();
  const s = lb.struct('thing', 4, []);
  const e = lb.enum('mode', { A: 0 });
  const l = lb.build();
  const tb = new Tiny();
  const tint = tb.int('int', 4, true);
  tb.typedef('thing', tint);
  tb.enum64('mode', { A: 0n });
  const res = run(l, [tb.build()], [mov(1), mov(4), exit()], [relo(K.TYPE_EXISTS, s, '0', 0), relo(K.TYPE_SIZE, e, '0', 1)]);
  t.deepEqual(res.insns.slice(0, 2).map((i) => i.imm), [0, 8]);
});

test('typesAreCompat: pointers and arrays recurse, ints with bit offsets are refused, prototypes compare arity', (t) => {
  const b = new Tiny();
  const int = b.int('int', 4, true);
  const long = b.int('long', 8, true);
  const oddInt = b.int('int', 4, true, 8, 4);
  const p1 = b.ptr(int);
  const p2 = b.ptr(long);
  const ps = b.ptr(b.struct('x', 4, []));
  const f1 = b.proto(int, [int]);
  const f2 = b.proto(long, [long]);
  const f3 = b.proto(int, [int, int]);
  const fv = b.proto(int, [int], true);
  const fv2 = b.proto(int, [int, int]);
  const btf = b.build();
  const c = (a: TypeId, x: TypeId) => typesAreCompat(btf, a, btf, x);
  t.true(c(p1, p2)); // any ints are compatible
  t.false(c(p1, ps));
  t.false(c(int, oddInt));
  t.true(c(f1, f2));
  t.false(c(f1, f3));
  t.false(c(fv, fv2)); // the variadic sentinel is a void parameter, not an int
  t.true(c(fv, fv));
});

// TYPE_MATCHES.
function matchFixture(): { l: Btf; tg: Btf; ids: Record<string, TypeId>; tids: Record<string, TypeId> } {
  const lb = new Tiny();
  const int = lb.int('int', 4, true);
  const n = lb.struct('n', 4, [['v', int, 0]]);
  const m = lb.struct('m', 16, [['a', int, 0], ['p', lb.ptr(n), 64]]);
  const e = lb.enum('e', { A: 0, B: 1 });
  const arr = lb.typedef('arr_t', lb.array(int, 4));
  const fn = lb.typedef('fn_t', lb.ptr(lb.proto(int, [int])));
  const un = lb.struct('un', 8, [['p', lb.ptr(lb.union('w', 4, [])), 0]]);
  const l = lb.build();

  const tb = new Tiny();
  const tint = tb.int('int', 4, true);
  const tuint = tb.int('unsigned int', 4);
  const tlong = tb.int('long', 8, true);
  const fwdN = tb.fwd('n');
  const fwdW = tb.fwd('w');
  const tids = {
    // m with an extra member and n only forward-declared (fine behind a pointer)
    m: tb.struct('m', 24, [['z', tlong, 0], ['a', tint, 64], ['p', tb.ptr(fwdN), 128]]),
    // m___unsigned: a is unsigned
    m___unsigned: tb.struct('m___unsigned', 16, [['a', tuint, 0], ['p', tb.ptr(fwdN), 64]]),
    // m___nop: no member p
    m___nop: tb.struct('m___nop', 16, [['a', tint, 0]]),
    e: tb.enum('e', { C: 2, B: 1, A: 0 }),
    e___64: tb.enum64('e___64', { A: 0n, B: 1n }),
    e___small: tb.enum('e___small', { A: 0, C: 2 }),
    arr_t: tb.typedef('arr_t', tb.array(tint, 4)),
    arr_t___5: tb.typedef('arr_t___5', tb.array(tint, 5)),
    fn_t: tb.typedef('fn_t', tb.ptr(tb.proto(tint, [tint]))),
    fn_t___2: tb.typedef('fn_t___2', tb.ptr(tb.proto(tint, [tint, tint]))),
    // behind a pointer, struct fwd 'w' does not stand in for union w
    un: tb.struct('un', 8, [['p', tb.ptr(fwdW), 0]]),
  };
  return { l, tg: tb.build(), ids: { m, e, arr, fn, un }, tids };
}

test('typesMatch: bpf_core_types_match rules', (t) => {
  const { l, tg, ids, tids } = matchFixture();
  const m = (local: TypeId, target: TypeId) => typesMatch(l, local, tg, target);
  t.true(m(ids.m!, tids.m!));
  t.false(m(ids.m!, tids.m___unsigned!));
  t.false(m(ids.m!, tids.m___nop!));
  t.true(m(ids.e!, tids.e!)); // names, not values or order
  t.false(m(ids.e!, tids.e___64!)); // size differs
  t.false(m(ids.e!, tids.e___small!)); // B missing
  t.true(m(ids.arr!, tids.arr_t!));
  t.false(m(ids.arr!, tids.arr_t___5!));
  t.true(m(ids.fn!, tids.fn_t!));
  t.false(m(ids.fn!, tids.fn_t___2!));
  t.false(m(ids.un!, tids.un!));
});

test('TYPE_MATCHES relocations: 1 only when some candidate matches, and candidates must agree', (t) => {
  const { l, tg, ids } = matchFixture();
  // m has candidates m (matches), m___unsigned and m___nop (do not): the match wins, no ambiguity.
  const res = run(l, [tg], [mov(1), mov(1), mov(1), exit()], [
    relo(K.TYPE_MATCHES, ids.m!, '0', 0),
    relo(K.TYPE_MATCHES, ids.arr!, '0', 1),
    relo(K.TYPE_MATCHES, ids.un!, '0', 2),
  ]);
  t.deepEqual(res.errors, []);
  t.deepEqual(res.insns.slice(0, 3).map((i) => i.imm), [1, 1, 0]);
  t.is(res.relocations[0]!.candidates, 3);
  t.is(res.relocations[0]!.matches, 1);
});
