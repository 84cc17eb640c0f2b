import test from 'ava';
import {
  Assembler, BPF_PSEUDO_MAP_FD, Helper, LD_IMM64, R, decode, disassemble, disassembleProgram,
  encode, isCall, isExit, isHelperCall, isJump, isKfuncCall, isLdImm64, isPseudoCall,
  joinImm64, ldImm64, setImm64, splitImm64,
} from '../../src/asm/index.ts';
import type { Instruction } from '../../src/asm/index.ts';
import { fromHex, toHex } from './_hex.ts';

const slot = (code: number, dst = 0, src = 0, off = 0, imm = 0): Instruction => ({ code, dst, src, off, imm });

test('known bytes decode to r0 = 7; exit', (t) => {
  const insns = decode(fromHex('b7 00 00 00 07 00 00 00 95 00 00 00 00 00 00 00'));
  t.deepEqual(insns, [slot(0xb7, 0, 0, 0, 7), slot(0x95)]);
  t.deepEqual(insns.map((i) => disassemble(i)), ['r0 = 7', 'exit']);
});

test('encode/decode round trip, little and big endian', (t) => {
  const insns = new Assembler()
    .mov64Reg(R.R6, R.R1).call(Helper.get_current_pid_tgid).stxDW(R.R10, -8, R.R0)
    .ldMapFd(R.R1, 7).ldImm64(R.R2, -2n).mov64Reg(R.R3, R.R10).add64Imm(R.R3, -8)
    .jmpImm('JNE', R.R0, -1, 'x').jmp32Reg('JSLE', R.R1, R.R9, 'x').stDW(R.R10, -16, -5)
    .label('x').ldxH(R.R7, R.R6, 0x7fff).ldMapValue(R.R4, 9, 0xfffffff0).movImm(R.R0, 0).exit()
    .assemble();
  for (const le of [true, false]) {
    const bytes = encode(insns, le);
    t.is(bytes.length, insns.length * 8);
    t.deepEqual(decode(bytes, le), insns);
    t.deepEqual(encode(decode(bytes, le), le), bytes);
  }
});

test('decode accepts a Uint8Array view at a non-zero offset', (t) => {
  const backing = fromHex('ff ff ff b7 00 00 00 07 00 00 00');
  t.deepEqual(decode(backing.subarray(3)), [slot(0xb7, 0, 0, 0, 7)]);
});

test('register nibbles: dst low on little-endian, high on big-endian', (t) => {
  const insn = slot(0xbf, 1, 6); // r1 = r6
  t.is(toHex(encode([insn], true)), 'bf 61 00 00 00 00 00 00');
  t.is(toHex(encode([insn], false)), 'bf 16 00 00 00 00 00 00');
  const st = slot(0x7b, 10, 1, -8); // *(u64 *)(r10 -8) = r1
  t.is(toHex(encode([st], true)), '7b 1a f8 ff 00 00 00 00');
  t.is(toHex(encode([st], false)), '7b a1 ff f8 00 00 00 00');
});

test('ld_imm64 of a map fd uses the kernel two-slot layout', (t) => {
  const insns = new Assembler().ldMapFd(R.R1, 0x1234).assemble();
  t.is(insns.length, 2);
  t.deepEqual(insns[0], { code: 0x18, dst: 1, src: BPF_PSEUDO_MAP_FD, off: 0, imm: 0x1234, imm64: 0x1234n });
  t.deepEqual(insns[1], slot(0, 0, 0, 0, 0));
  t.is(toHex(encode(insns)), '18 11 00 00 34 12 00 00 00 00 00 00 00 00 00 00');
});

test('ld_imm64 splits a constant into low (slot 0) and high (slot 1) imm', (t) => {
  const bytes = new Assembler().ldImm64(R.R1, 0x1122334455667788n).bytes();
  // From `llvm-mc -triple bpfel -show-encoding` for `r1 = 0x1122334455667788 ll`.
  t.is(toHex(bytes), '18 01 00 00 88 77 66 55 00 00 00 00 44 33 22 11');
  const [first, second] = decode(bytes);
  t.is(first?.imm64, 0x1122334455667788n);
  t.is(second?.imm, 0x11223344);
  t.is(disassemble(first!), 'r1 = 0x1122334455667788 ll');
});

test('imm64 helpers: split/join, signed input, setImm64', (t) => {
  t.deepEqual(splitImm64(-1n), [-1, -1]);
  t.deepEqual(splitImm64(0xffffffffn), [-1, 0]);
  t.is(joinImm64(-1, -1), 0xffffffffffffffffn);
  t.is(joinImm64(0x123, 0), 0x123n);
  t.throws(() => splitImm64(1n << 64n), { message: /does not fit/ });
  const insns = [...ldImm64(2, 5n), slot(0x95)];
  setImm64(insns, 0, 0x100000002n);
  t.is(insns[0]?.imm, 2);
  t.is(insns[1]?.imm, 1);
  t.is(insns[0]?.imm64, 0x100000002n);
  t.throws(() => setImm64(insns, 2, 1n), { message: /instruction 2 is not an LD_IMM64/ });
});

test('decode errors name the byte offset', (t) => {
  t.throws(() => decode(new Uint8Array(13)), { message: /length 13 is not a multiple of 8.*byte offset 8/ });
  const truncated = fromHex('b7 00 00 00 07 00 00 00 18 01 00 00 01 00 00 00');
  t.throws(() => decode(truncated), { message: /truncated LD_IMM64 at byte offset 8/ });
  const bad = fromHex('18 01 00 00 01 00 00 00 07 00 00 00 00 00 00 00');
  t.throws(() => decode(bad), { message: /malformed LD_IMM64 at byte offset 0: second slot at byte offset 8/ });
});

test('encode errors name the instruction and byte offset', (t) => {
  t.throws(() => encode([slot(0x95), { ...slot(LD_IMM64, 1), imm64: 0n }]), {
    message: /instruction 1 \(byte offset 8\): truncated LD_IMM64/,
  });
  t.throws(() => encode([slot(0xb7, 16)]), { message: /instruction 0 .*dst 16/ });
  t.throws(() => encode([slot(0x7b, 10, 1, 0x8000)]), { message: /off 32768 is not an int16/ });
  t.throws(() => encode([slot(0xb7, 0, 0, 0, 2 ** 32)]), { message: /imm 4294967296/ });
  t.throws(() => encode([{ ...slot(0xb7), imm64: 1n }]), { message: /not LD_IMM64/ });
  const stale = ldImm64(1, 5n);
  stale[0] = { ...stale[0], imm: 6 };
  t.throws(() => encode(stale), { message: /instruction 0 .*imm64 0x5 disagrees.*0x6/ });
});

test('encode accepts imm spelled unsigned and normalizes it', (t) => {
  const bytes = encode([slot(0x54, 1, 0, 0, 0xffffffff)]); // w1 &= 0xffffffff
  t.is(toHex(bytes), '54 01 00 00 ff ff ff ff');
  t.is(decode(bytes)[0]?.imm, -1);
});

test('encode without imm64 on an LD_IMM64 uses the slot fields', (t) => {
  const bytes = encode([slot(LD_IMM64, 3, 0, 0, 1), slot(0, 0, 0, 0, 2)]);
  t.is(decode(bytes)[0]?.imm64, 0x200000001n);
});

test('instruction predicates', (t) => {
  const [ld] = ldImm64(1, 1n);
  t.true(isLdImm64(ld));
  t.true(isCall(slot(0x85, 0, 0, 0, 14)));
  t.true(isHelperCall(slot(0x85, 0, 0, 0, 14)));
  t.false(isPseudoCall(slot(0x85, 0, 0, 0, 14)));
  t.true(isPseudoCall(slot(0x85, 0, 1, 0, 3)));
  t.true(isKfuncCall(slot(0x85, 0, 2, 0, 1000)));
  t.true(isExit(slot(0x95)));
  t.false(isExit(slot(0x96))); // JMP32 | EXIT is not a valid exit
  t.true(isJump(slot(0x05, 0, 0, 3))); // goto
  t.true(isJump(slot(0x15, 0, 0, 3))); // if r0 == 0
  t.true(isJump(slot(0x16, 0, 0, 3))); // if w0 == 0
  t.false(isJump(slot(0x85, 0, 0, 0, 14)));
  t.false(isJump(slot(0x95)));
  t.false(isJump(slot(0xb7)));
});

test('disassembleProgram folds the LD_IMM64 second slot and keeps kernel indexes', (t) => {
  const insns = new Assembler().ldImm64(R.R1, 0x123).movImm(R.R0, 0).exit().assemble();
  t.is(disassembleProgram(insns), ['0: r1 = 0x123 ll', '2: r0 = 0', '3: exit'].join('\n'));
});
