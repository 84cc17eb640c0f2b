import test from 'ava';
import { Assembler, R, decode, disassemble, ldImm64 } from '../../src/asm/index.ts';
import type { Instruction } from '../../src/asm/index.ts';
import { fromHex } from './_hex.ts';

const slot = (code: number, dst = 0, src = 0, off = 0, imm = 0): Instruction => ({ code, dst, src, off, imm });

// Each row: bytes (as llvm-mc encodes them, little-endian) and the expected text.
const cases: [string, string][] = [
  ['bf a1 00 00 00 00 00 00', 'r1 = r10'],
  ['07 01 00 00 f8 ff ff ff', 'r1 += -8'],
  ['04 01 00 00 05 00 00 00', 'w1 += 5'],
  ['7b 1a f8 ff 00 00 00 00', '*(u64 *)(r10 -8) = r1'],
  ['61 10 00 00 00 00 00 00', 'r0 = *(u32 *)(r1 +0)'],
  ['71 21 02 00 00 00 00 00', 'r1 = *(u8 *)(r2 +2)'],
  ['62 0a fc ff 07 00 00 00', '*(u32 *)(r10 -4) = 7'],
  ['85 00 00 00 0e 00 00 00', 'call 14'],
  ['55 00 02 00 00 00 00 00', 'if r0 != 0x0 goto +2'],
  ['ce 21 fd ff 00 00 00 00', 'if w1 s< w2 goto -3'],
  ['25 01 00 00 ff ff ff ff', 'if r1 > 0xffffffff goto +0'],
  ['05 00 fe ff 00 00 00 00', 'goto -2'],
  ['95 00 00 00 00 00 00 00', 'exit'],
  ['db 1a f8 ff 00 00 00 00', 'lock *(u64 *)(r10 -8) += r1'],
  ['db 1a f8 ff 01 00 00 00', 'r1 = atomic64_fetch_add((u64 *)(r10 -8), r1)'],
  ['c3 2a f8 ff 51 00 00 00', 'r2 = atomic_fetch_and((u32 *)(r10 -8), r2)'],
  ['db 1a f8 ff e1 00 00 00', 'r1 = atomic64_xchg((u64 *)(r10 -8), r1)'],
  ['db 1a f8 ff f1 00 00 00', 'r0 = atomic64_cmpxchg((u64 *)(r10 -8), r0, r1)'],
  ['dc 01 00 00 10 00 00 00', 'r1 = be16 r1'],
  ['d4 01 00 00 20 00 00 00', 'r1 = le32 r1'],
  ['84 03 00 00 00 00 00 00', 'w3 = -w3'],
  ['87 03 00 00 00 00 00 00', 'r3 = -r3'],
  ['30 00 00 00 0c 00 00 00', 'r0 = *(u8 *)skb[12]'],
  ['c7 01 00 00 03 00 00 00', 'r1 s>>= 3'],
  ['85 10 00 00 03 00 00 00', 'call pc+3'],
];

for (const [hex, text] of cases) {
  test(`disassemble ${text}`, (t) => {
    const [insn] = decode(fromHex(hex));
    t.is(disassemble(insn!), text);
  });
}

test('disassemble v6.6 sign-extending forms', (t) => {
  t.is(disassemble(slot(0x91, 1, 2, 4)), 'r1 = *(s8 *)(r2 +4)'); // LDX | MEMSX | B
  t.is(disassemble(slot(0xbf, 1, 2, 16)), 'r1 = (s16)r2'); // movsx
  t.is(disassemble(slot(0x3f, 1, 2, 1)), 'r1 s/= r2'); // sdiv
  t.is(disassemble(slot(0xd7, 1, 0, 0, 32)), 'r1 = bswap32 r1');
  t.is(disassemble(slot(0x06, 0, 0, 0, 70000)), 'gotol +70000');
});

test('disassemble ld_imm64 pseudo forms', (t) => {
  const mapFd = new Assembler().ldMapFd(R.R1, 5).assemble();
  t.is(disassemble(mapFd[0]!), 'r1 = map[fd:5]');
  const mapValue = new Assembler().ldMapValue(R.R2, 5, 16).assemble();
  t.is(disassemble(mapValue[0]!), 'r2 = map[fd:5][0]+16');
  // Without imm64, the high half comes from the second slot passed alongside.
  const { imm64: _, ...bare } = mapValue[0]!;
  t.is(disassemble(bare, mapValue[1]), 'r2 = map[fd:5][0]+16');
  const [lo, hi] = ldImm64(3, -1n);
  t.is(disassemble({ ...lo, imm64: undefined }, hi), 'r3 = 0xffffffffffffffff ll');
  t.is(disassemble(hi), '(ld_imm64 high half 0xffffffff)');
});

test('disassemble never throws on invalid opcodes', (t) => {
  t.regex(disassemble(slot(0xe7)), /^\(bad 0xe7/);
  t.regex(disassemble(slot(0x96)), /^\(bad 0x96/); // JMP32 | EXIT
  t.regex(disassemble(slot(0x8d)), /^\(bad 0x8d/); // JMP | CALL | X
});
