// Instruction patching and the failure paths of bpf_core_patch_insn, plus
// program attribution and message format.

import test from 'ava';
import { BPF_ALU64, BPF_DW, BPF_JEQ, BPF_JMP, BPF_K, BPF_LDX, BPF_MEM, BPF_X, BPF_ADD, encode } from '../../src/asm/index.ts';
import { CoreReloKind as K } from '../../src/btf/index.ts';
import { CoreError, createCoreContext, relocateSection } from '../../src/core/index.ts';
import { Tiny, exit, ld64, ldx, mov, one, relo, run } from './helpers.ts';

// local struct s { int a; unsigned int u; struct in x; }; target moves everything far away.
function fixture() {
  const lb = new Tiny();
  const int = lb.int('int', 4, true);
  const uint = lb.int('unsigned int', 4);
  const inner = lb.struct('in', 4, [['v', int, 0]]);
  const s = lb.struct('s', 12, [['a', int, 0], ['u', uint, 32], ['x', inner, 64]]);
  const tb = new Tiny();
  const tint = tb.int('int', 4, true);
  const u128 = tb.int('unsigned __int128', 16);
  const tinner = tb.struct('in', 16, [['v', tint, 0]]);
  tb.struct('s', 70000, [['a', tint, 40000 * 8], ['u', u128, 128], ['x', tinner, 256]]);
  return { l: lb.build(), s, tg: tb.build() };
}

test('the instruction must hold the value the local BTF predicts', (t) => {
  const { l, s, tg } = fixture();
  const res = one(l, tg, mov(5), relo(K.FIELD_BYTE_OFFSET, s, '0:1'));
  t.is(res.relocations[0]!.status, 'failed');
  t.is(res.errors[0]!.message, 'CO-RE: test insn #0: FIELD_BYTE_OFFSET of struct s access 0:1 — unexpected insn value: ALU imm is 5, expected 4 (-> 16)');
  t.deepEqual(res.insns[0], mov(5)); // left alone
  const ld = one(l, tg, ldx(4, 8), relo(K.FIELD_BYTE_OFFSET, s, '0:1'));
  t.regex(ld.errors[0]!.reason, /LDX\/ST\/STX offset is 8, expected 4/);
  const wide = one(l, tg, ld64(5n), relo(K.FIELD_BYTE_OFFSET, s, '0:1'));
  t.regex(wide.errors[0]!.reason, /LD_IMM64 constant is 5, expected 4/);
});

test('offsets beyond the 16-bit instruction offset fail; ALU immediates take them', (t) => {
  const { l, s, tg } = fixture();
  const ld = one(l, tg, ldx(4, 0), relo(K.FIELD_BYTE_OFFSET, s, '0:0'));
  t.regex(ld.errors[0]!.reason, /offset 40000 does not fit/);
  t.is(one(l, tg, mov(0), relo(K.FIELD_BYTE_OFFSET, s, '0:0')).insns[0]!.imm, 40000);
});

test('resizing: only to 1/2/4/8 bytes, from the size the instruction really has', (t) => {
  const { l, s, tg } = fixture();
  // unsigned int -> unsigned __int128: unsigned both, but no 16-byte load exists.
  t.regex(one(l, tg, ldx(4, 4), relo(K.FIELD_BYTE_OFFSET, s, '0:1')).errors[0]!.reason, /target field size 16 cannot be loaded/);
  // A 2-byte load of a 4-byte field whose size changes.
  t.regex(one(l, tg, ldx(2, 4), relo(K.FIELD_BYTE_OFFSET, s, '0:1')).errors[0]!.reason, /instruction accesses 2 bytes, field is 4/);
  // A struct field that grew cannot be loaded by a resized instruction: poisoned.
  const st = one(l, tg, ldx(4, 8), relo(K.FIELD_BYTE_OFFSET, s, '0:2'));
  t.is(st.relocations[0]!.status, 'poisoned');
});

test('only ALU-immediate, LDX/ST/STX and plain LD_IMM64 instructions are relocatable', (t) => {
  const { l, s, tg } = fixture();
  const r = relo(K.FIELD_BYTE_OFFSET, s, '0:1');
  const jmp = { code: BPF_JMP | BPF_JEQ | BPF_K, dst: 1, src: 0, off: 1, imm: 4 };
  t.regex(one(l, tg, jmp, r).errors[0]!.reason, /cannot relocate instruction with opcode 0x15/);
  const aluX = { code: BPF_ALU64 | BPF_ADD | BPF_X, dst: 1, src: 2, off: 0, imm: 4 };
  t.regex(one(l, tg, aluX, r).errors[0]!.reason, /register operand/);
  const pseudo = ld64(4n);
  pseudo[0] = { ...pseudo[0]!, src: 2 };
  t.regex(one(l, tg, pseudo, r).errors[0]!.reason, /LD_IMM64 instruction has an unexpected form/);
});

test('record positions: misaligned or past the end', (t) => {
  const { l, s, tg } = fixture();
  const res = run(l, [tg], [mov(4), exit()], [
    { ...relo(K.FIELD_BYTE_OFFSET, s, '0:1'), insnOff: 4 },
    relo(K.FIELD_BYTE_OFFSET, s, '0:1', 9),
  ]);
  t.deepEqual(res.errors.map((e) => e.reason), [
    'insn_off 4 is not a multiple of 8',
    'instruction #9 is past the end of the section (2 instructions)',
  ]);
});

test('patching returns a new array and never mutates the input', (t) => {
  const { l, s, tg } = fixture();
  const insns = [mov(4), ...ld64(4n), exit()];
  const before = structuredClone(insns);
  const res = run(l, [tg], insns, [relo(K.FIELD_BYTE_OFFSET, s, '0:1', 0), relo(K.FIELD_BYTE_OFFSET, s, '0:1', 1)]);
  t.deepEqual(insns, before);
  t.not(res.insns, insns);
  t.is(res.insns[3], insns[3]); // untouched entries are shared
  t.deepEqual(res.insns.slice(0, 3).map((i) => i.imm), [16, 16, 0]);
  t.is(res.insns[1]!.imm64, 16n);
  t.notThrows(() => encode(res.insns));
});

test('programs: reports name the program and count from its start; orphan records are skipped', (t) => {
  const { l, s, tg } = fixture();
  const ctx = createCoreContext(l, [tg]);
  const insns = [exit(), mov(4), mov(5), exit(), mov(4)];
  const res = relocateSection(ctx, {
    section: 'tracepoint/foo',
    insns,
    relos: [relo(K.FIELD_BYTE_OFFSET, s, '0:1', 1), relo(K.FIELD_BYTE_OFFSET, s, '0:1', 2), relo(K.FIELD_BYTE_OFFSET, s, '0:1', 4)],
    programs: [{ name: 'first', start: 0, length: 1 }, { name: 'handle', start: 1, length: 3 }],
  });
  t.deepEqual(res.relocations.map((r) => [r.status, r.program, r.insnIndex, r.programInsnIndex]), [
    ['patched', 'handle', 1, 0], ['failed', 'handle', 2, 1], ['skipped', undefined, 4, undefined],
  ]);
  const err = res.errors[0]!;
  t.true(err instanceof CoreError);
  t.is(err.message, 'CO-RE: tracepoint/foo program handle insn #1: FIELD_BYTE_OFFSET of struct s access 0:1 — unexpected insn value: ALU imm is 5, expected 4 (-> 16)');
  t.like(err, { section: 'tracepoint/foo', program: 'handle', insnIndex: 2, programInsnIndex: 1, kindName: 'FIELD_BYTE_OFFSET', accessStr: '0:1', localType: 'struct s' });
  t.deepEqual(res.insns[4], mov(4));
});

test('an LDX keeps its registers and mode when resized', (t) => {
  const lb = new Tiny();
  const u16 = lb.int('unsigned short', 2);
  const s = lb.struct('s', 2, [['v', u16, 0]]);
  const tb = new Tiny();
  const u64 = tb.int('unsigned long', 8);
  tb.struct('s', 16, [['pad', u64, 0], ['v', u64, 64]]);
  const res = one(lb.build(), tb.build(), { ...ldx(2, 0), dst: 7, src: 9 }, relo(K.FIELD_BYTE_OFFSET, s, '0:0'));
  t.deepEqual(res.insns[0], { code: BPF_LDX | BPF_MEM | BPF_DW, dst: 7, src: 9, off: 8, imm: 0 });
});
