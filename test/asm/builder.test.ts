import test from 'ava';
import { Assembler, Helper, R, decode, disassembleProgram, encode } from '../../src/asm/index.ts';
import type { Register } from '../../src/asm/index.ts';
import { toHex } from './_hex.ts';

test('the README example assembles', (t) => {
  const p = new Assembler();
  p.mov64Reg(R.R6, R.R1).call(Helper.get_current_pid_tgid).stxDW(R.R10, -8, R.R0)
    .ldMapFd(R.R1, 3).movImm(R.R2, 0).jmpImm('JEQ', R.R0, 0, 'out')
    .label('out').movImm(R.R0, 0).exit();
  const insns = p.assemble();
  t.is(insns.length, 9);
  t.is(insns[6]?.off, 0); // 'out' is the very next instruction
  t.deepEqual(p.bytes(), encode(insns));
  t.is(
    disassembleProgram(insns),
    [
      '0: r6 = r1',
      '1: call 14',
      '2: *(u64 *)(r10 -8) = r0',
      '3: r1 = map[fd:3]',
      '5: r2 = 0',
      '6: if r0 == 0x0 goto +0',
      '7: r0 = 0',
      '8: exit',
    ].join('\n'),
  );
});

test('bytes match llvm-mc encodings', (t) => {
  // Expected bytes come from `llvm-mc-19 -triple bpfel -mcpu=v3 -show-encoding`
  // (and bpfeb) on the equivalent assembly text.
  const p = new Assembler()
    .mov64Reg(R.R6, R.R1).call(14).stxDW(R.R10, -8, R.R0)
    .ldImm64(R.R1, 0x1122334455667788n).movImm(R.R2, 0).jmpImm('JEQ', R.R0, 0, 'a')
    .add64Imm(R.R1, -8).label('a').alu32Imm('ADD', R.R1, 5).ldxW(R.R0, R.R1, 0).stW(R.R10, -4, 7)
    .atomicAdd('DW', R.R10, -8, R.R1).atomicAdd('DW', R.R10, -8, R.R1, true)
    .atomicAdd('W', R.R10, -8, R.R2, true).jmp32Reg('JSLT', R.R1, R.R2, -3)
    .jmpImm('JGT', R.R1, 16, 'b').label('b').endian('be', R.R1, 16).neg32(R.R3)
    .emit({ code: 0x30, dst: 0, src: 0, off: 0, imm: 12 }).exit();
  t.is(
    toHex(p.bytes()),
    'bf 16 00 00 00 00 00 00 85 00 00 00 0e 00 00 00 7b 0a f8 ff 00 00 00 00 ' +
      '18 01 00 00 88 77 66 55 00 00 00 00 44 33 22 11 b7 02 00 00 00 00 00 00 ' +
      '15 00 01 00 00 00 00 00 07 01 00 00 f8 ff ff ff 04 01 00 00 05 00 00 00 ' +
      '61 10 00 00 00 00 00 00 62 0a fc ff 07 00 00 00 db 1a f8 ff 00 00 00 00 ' +
      'db 1a f8 ff 01 00 00 00 c3 2a f8 ff 01 00 00 00 ce 21 fd ff 00 00 00 00 ' +
      '25 01 00 00 10 00 00 00 dc 01 00 00 10 00 00 00 84 03 00 00 00 00 00 00 ' +
      '30 00 00 00 0c 00 00 00 95 00 00 00 00 00 00 00',
  );
  t.is(
    toHex(p.bytes(false).subarray(0, 40)),
    'bf 61 00 00 00 00 00 00 85 00 00 00 00 00 00 0e 7b a0 ff f8 00 00 00 00 ' +
      '18 10 00 00 55 66 77 88 00 00 00 00 11 22 33 44',
  );
});

test('forward and backward jumps resolve relative to the next instruction', (t) => {
  const insns = new Assembler()
    .label('top') //                              0
    .movImm(R.R1, 0) //                           0
    .label('loop')
    .add64Imm(R.R1, 1) //                         1
    .ldImm64(R.R2, 1n << 40n) //                  2, 3
    .jmpImm('JGE', R.R1, 10, 'done') //           4 -> 7: +2
    .jmp32Reg('JNE', R.R1, R.R2, 'loop') //       5 -> 1: -5
    .ja('top') //                                 6 -> 0: -7
    .label('done')
    .exit() //                                    7
    .assemble();
  t.is(insns[4]?.off, 2);
  t.is(insns[5]?.off, -5);
  t.is(insns[6]?.off, -7);
  t.is(insns[6]?.code, 0x05);
});

test('pseudo calls resolve into imm, counting ld_imm64 as two slots', (t) => {
  const insns = new Assembler()
    .callLabel('sub') //           0 -> 5: imm +4
    .ldImm64(R.R1, 7) //           1, 2
    .movImm(R.R0, 0) //            3
    .exit() //                     4
    .label('sub')
    .callLabel('sub2') //          5 -> 7: imm +1
    .exit() //                     6
    .label('sub2')
    .callLabel('sub') //           7 -> 5: imm -3
    .exit()
    .assemble();
  t.deepEqual(insns[0], { code: 0x85, dst: 0, src: 1, off: 0, imm: 4 });
  t.is(insns[5]?.imm, 1);
  t.is(insns[7]?.imm, -3);
  t.is(toHex(encode([insns[0]!])), '85 10 00 00 04 00 00 00');
});

test('numeric targets are raw offsets', (t) => {
  const insns = new Assembler().ja(-1).callLabel(5).jmp32Imm('JLT', R.R0, 1, 3).assemble();
  t.is(insns[0]?.off, -1);
  t.is(insns[1]?.imm, 5);
  t.is(insns[2]?.off, 3);
});

test('assemble is repeatable and returns copies', (t) => {
  const p = new Assembler().jmpImm('JEQ', R.R0, 0, 'x').label('x').exit();
  const a = p.assemble();
  a[0]!.off = 99;
  t.is(p.assemble()[0]?.off, 0);
  p.movImm(R.R0, 1);
  t.is(p.assemble().length, 3);
  t.is(p.length, 3);
});

test('alu 64/32, imm/reg, all binary ops', (t) => {
  const ops = ['ADD', 'SUB', 'MUL', 'DIV', 'OR', 'AND', 'LSH', 'RSH', 'MOD', 'XOR', 'MOV', 'ARSH'] as const;
  const codes = [0x00, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x90, 0xa0, 0xb0, 0xc0];
  ops.forEach((op, i) => {
    const insns = new Assembler()
      .alu64Imm(op, R.R1, 3).alu64Reg(op, R.R1, R.R2).alu32Imm(op, R.R1, 3).alu32Reg(op, R.R1, R.R2)
      .assemble();
    t.deepEqual(insns.map((x) => x.code), [0x07, 0x0f, 0x04, 0x0c].map((c) => c | codes[i]!), op);
    t.deepEqual(insns.map((x) => [x.dst, x.src, x.imm]), [[1, 0, 3], [1, 2, 0], [1, 0, 3], [1, 2, 0]]);
  });
  const neg = new Assembler().neg64(R.R4).neg32(R.R4).assemble();
  t.deepEqual(neg.map((x) => x.code), [0x87, 0x84]);
  const mov = new Assembler().movImm(R.R0, -1).mov64Imm(R.R0, 1).mov32Imm(R.R0, 0xffffffff).mov32Reg(R.R0, R.R1).assemble();
  t.deepEqual(mov.map((x) => [x.code, x.imm]), [[0xb7, -1], [0xb7, 1], [0xb4, -1], [0xbc, 0]]);
});

test('loads and stores for every size', (t) => {
  const p = new Assembler()
    .ldxB(R.R0, R.R1, 1).ldxH(R.R0, R.R1, 2).ldxW(R.R0, R.R1, 4).ldxDW(R.R0, R.R1, 8)
    .stxB(R.R10, -1, R.R1).stxH(R.R10, -2, R.R1).stxW(R.R10, -4, R.R1).stxDW(R.R10, -8, R.R1)
    .stB(R.R10, -1, 0xff).stH(R.R10, -2, 2).stW(R.R10, -4, 0xffffffff).stDW(R.R10, -8, -1);
  const insns = p.assemble();
  t.deepEqual(insns.map((x) => x.code), [0x71, 0x69, 0x61, 0x79, 0x73, 0x6b, 0x63, 0x7b, 0x72, 0x6a, 0x62, 0x7a]);
  t.deepEqual(insns[3], { code: 0x79, dst: 0, src: 1, off: 8, imm: 0 });
  t.deepEqual(insns[7], { code: 0x7b, dst: 10, src: 1, off: -8, imm: 0 });
  t.deepEqual(insns[11], { code: 0x7a, dst: 10, src: 0, off: -8, imm: -1 });
  t.is(insns[10]?.imm, -1);
});

test('atomic operations', (t) => {
  const insns = new Assembler()
    .atomicAdd('W', R.R1, 0, R.R2).atomicAdd('DW', R.R1, 0, R.R2, true)
    .atomic('XOR', 'DW', R.R1, 0, R.R2).atomic('XCHG', 'DW', R.R1, 0, R.R2, true)
    .atomic('CMPXCHG', 'W', R.R1, 0, R.R2)
    .assemble();
  t.deepEqual(insns.map((x) => [x.code, x.imm]), [[0xc3, 0x00], [0xdb, 0x01], [0xdb, 0xa0], [0xdb, 0xe1], [0xc3, 0xf1]]);
});

test('map value load carries the offset in the second slot', (t) => {
  const insns = new Assembler().ldMapValue(R.R1, 4, 24).assemble();
  t.deepEqual(insns[0], { code: 0x18, dst: 1, src: 2, off: 0, imm: 4, imm64: (24n << 32n) | 4n });
  t.deepEqual(insns[1], { code: 0, dst: 0, src: 0, off: 0, imm: 24 });
  t.deepEqual(decode(encode(insns)), insns);
});

test('unknown label names the label and the referencing instruction', (t) => {
  const p = new Assembler().movImm(R.R0, 0).jmpImm('JEQ', R.R0, 0, 'nowhere').exit();
  t.throws(() => p.assemble(), { message: 'unknown label "nowhere" (referenced by instruction 1)' });
  const c = new Assembler().callLabel('missing_fn').exit();
  t.throws(() => c.assemble(), { message: /unknown label "missing_fn"/ });
});

test('duplicate label throws at definition', (t) => {
  const p = new Assembler().label('a').exit();
  t.throws(() => p.label('a'), { message: 'duplicate label "a" (already at instruction 0)' });
});

test('label past the last instruction is rejected when referenced', (t) => {
  const p = new Assembler().ja('end').exit().label('end');
  t.throws(() => p.assemble(), { message: /label "end" is at the end of the program/ });
});

test('jump offsets beyond int16 name the label', (t) => {
  const p = new Assembler().jmpImm('JEQ', R.R0, 0, 'far');
  for (let i = 0; i < 0x8000; i++) p.movImm(R.R0, 0);
  p.label('far').exit();
  t.throws(() => p.assemble(), { message: /jump from instruction 0 to label "far" needs offset 32768, outside the int16 range/ });

  const ok = new Assembler().jmpImm('JEQ', R.R0, 0, 'near');
  for (let i = 0; i < 0x7fff; i++) ok.movImm(R.R0, 0);
  ok.label('near').exit();
  t.is(ok.assemble()[0]?.off, 0x7fff);

  // Calls use the 32-bit imm, so the same distance is fine.
  const call = new Assembler().callLabel('fn');
  for (let i = 0; i < 0x8000; i++) call.movImm(R.R0, 0);
  call.label('fn').exit();
  t.is(call.assemble()[0]?.imm, 0x8000);
});

test('operand validation', (t) => {
  const p = new Assembler();
  t.throws(() => p.movImm(11 as Register, 0), { message: /register 11 is not r0..r10/ });
  t.throws(() => p.movImm(R.R0, 0x80000000), { message: /use ldImm64/ });
  t.notThrows(() => p.mov32Imm(R.R0, 0x80000000));
  t.throws(() => p.jmpImm('JEQ', R.R0, 0, 0x8000), { message: /jump offset 32768/ });
  t.throws(() => p.ldxW(R.R0, R.R1, -0x8001), { message: /memory offset -32769/ });
  t.throws(() => p.ldImm64(R.R0, 2 ** 60), { message: /pass a bigint/ });
  t.throws(() => p.ldImm64(R.R0, 1n << 64n), { message: /does not fit/ });
  t.throws(() => p.ldMapFd(R.R1, -1), { message: /map fd -1/ });
  t.throws(() => p.ldMapValue(R.R1, 3, -4), { message: /map value offset -4/ });
  t.throws(() => p.call(-1), { message: /helper id -1/ });
  t.throws(() => p.label(''), { message: /must not be empty/ });
  t.is(p.length, 1); // only the valid mov32Imm was appended
});
