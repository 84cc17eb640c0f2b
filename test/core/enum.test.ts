// Enum value relocations: enum and enum64, flavoured enumerator names,
// libbpf's sign extension of 32-bit values, poisoning of LD_IMM64.

import test from 'ava';
import { CoreReloKind as K } from '../../src/btf/index.ts';
import { CORE_POISON_IMM, isPoisonInstruction } from '../../src/core/index.ts';
import { Tiny, exit, ld64, mov, one, relo, run } from './helpers.ts';

function local() {
  const b = new Tiny();
  const e = b.enum('state___v2', { IDLE: 0, RUNNING___new: 1, GONE: 2 });
  const td = b.typedef('state_t', e);
  const big = b.enum('big', { HUGE: 1 });
  return { btf: b.build(), e, td, big };
}

test('ENUMVAL_VALUE and ENUMVAL_EXISTS by essential enumerator name', (t) => {
  const l = local();
  const tb = new Tiny();
  const te = tb.enum('state', { RUNNING: 7, IDLE: 3 });
  tb.typedef('state_t', te);
  const res = run(l.btf, [tb.build()], [mov(1), mov(1), mov(1), mov(0), mov(1), exit()], [
    relo(K.ENUMVAL_VALUE, l.e, '1', 0), // RUNNING___new -> RUNNING = 7
    relo(K.ENUMVAL_EXISTS, l.e, '1', 1),
    relo(K.ENUMVAL_VALUE, l.td, '1', 2), // through the typedef
    relo(K.ENUMVAL_VALUE, l.e, '0', 3), // IDLE = 3
    relo(K.ENUMVAL_EXISTS, l.e, '2', 4), // GONE: missing -> 0
  ]);
  t.deepEqual(res.errors, []);
  t.deepEqual(res.insns.slice(0, 5).map((i) => i.imm), [7, 1, 7, 3, 0]);
  t.is(res.relocations[0]!.target?.spec, `[${te}] enum state::RUNNING = 7`);
  t.is(res.relocations[0]!.localSpec, `[${l.e}] enum state___v2::RUNNING___new = 1`);
});

test('ENUMVAL_VALUE of a missing enumerator poisons both LD_IMM64 slots', (t) => {
  const l = local();
  const tb = new Tiny();
  tb.enum('state', { IDLE: 3 });
  const res = one(l.btf, tb.build(), ld64(2n), relo(K.ENUMVAL_VALUE, l.e, '2'));
  t.is(res.relocations[0]!.status, 'poisoned');
  t.true(isPoisonInstruction(res.insns[0]!));
  t.true(isPoisonInstruction(res.insns[1]!));
  t.is(res.insns[0]!.imm64, undefined);
  t.is(res.insns.length, 3);
  t.deepEqual(res.poisoned[0], {
    section: 'test', program: undefined, insnIndex: 0, programInsnIndex: undefined, kind: K.ENUMVAL_VALUE,
    accessStr: '2', localTypeId: l.e, localType: 'enum state___v2', slots: 2,
    reason: `none of 1 candidate(s) has the enumerator [${l.e}] enum state___v2::GONE = 2: [1] in vmlinux`,
  });
});

test('enum64 targets: values above 32 bits through LD_IMM64', (t) => {
  const l = local();
  const tb = new Tiny();
  tb.enum64('big', { HUGE: 1n << 40n });
  const res = one(l.btf, tb.build(), ld64(1n), relo(K.ENUMVAL_VALUE, l.big, '0'));
  t.deepEqual(res.errors, []);
  t.is(res.insns[0]!.imm64, 1n << 40n);
  t.deepEqual([res.insns[0]!.imm, res.insns[1]!.imm], [0, 256]);
  // An ALU immediate keeps only the low 32 bits, as libbpf's assignment to __s32 does.
  t.is(one(l.btf, tb.build(), mov(1), relo(K.ENUMVAL_VALUE, l.big, '0')).insns[0]!.imm, 0);
});

test('32-bit enumerator values are sign-extended, as libbpf reads btf_enum.val (__s32)', (t) => {
  const l = local();
  const signed = new Tiny();
  signed.enum('big', { HUGE: -1 }, 4, true);
  const neg = one(l.btf, signed.build(), ld64(1n), relo(K.ENUMVAL_VALUE, l.big, '0'));
  t.is(neg.insns[0]!.imm64, 0xffffffffffffffffn);
  const unsigned = new Tiny();
  unsigned.enum('big', { HUGE: 0x80000000 });
  const hi = one(l.btf, unsigned.build(), ld64(1n), relo(K.ENUMVAL_VALUE, l.big, '0'));
  t.is(hi.insns[0]!.imm64, 0xffffffff80000000n);
});

test('candidate enums that disagree are ambiguous; agreeing ones are fine', (t) => {
  const l = local();
  const build = (second: number) => {
    const b = new Tiny();
    b.enum('state', { RUNNING: 7 });
    b.enum('state___x', { RUNNING: second });
    return b.build();
  };
  t.is(one(l.btf, build(7), mov(1), relo(K.ENUMVAL_VALUE, l.e, '1')).insns[0]!.imm, 7);
  const bad = one(l.btf, build(8), mov(1), relo(K.ENUMVAL_VALUE, l.e, '1'));
  t.regex(bad.errors[0]!.message, /relocation decision ambiguity: \[1\] enum state::RUNNING = 7 in vmlinux gives 7, \[2\] enum state___x::RUNNING = 8 in vmlinux gives 8$/);
  // Existence is the same answer from both: no ambiguity.
  t.is(one(l.btf, build(8), mov(1), relo(K.ENUMVAL_EXISTS, l.e, '1')).relocations[0]!.status, 'patched');
  t.is(CORE_POISON_IMM, 0xbad2310);
});
