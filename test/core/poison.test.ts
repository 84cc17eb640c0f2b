import test from 'ava';
import { BPF_CALL, BPF_JMP, disassemble, encode } from '../../src/asm/index.ts';
import { CoreReloKind as K } from '../../src/btf/index.ts';
import {
  CORE_POISON_IMM, coreErrorForPoison, isPoisonInstruction, poisonInstruction, poisonedInsnFromVerifierLog,
} from '../../src/core/index.ts';
import { Tiny, ld64, one, relo } from './helpers.ts';

test('the poison instruction is libbpf\'s call 0xbad2310', (t) => {
  t.deepEqual(poisonInstruction(), { code: BPF_JMP | BPF_CALL, dst: 0, src: 0, off: 0, imm: 0xbad2310 });
  t.is(CORE_POISON_IMM, 195896080);
  t.true(isPoisonInstruction(poisonInstruction()));
  t.false(isPoisonInstruction({ ...poisonInstruction(), imm: 1 }));
  t.regex(disassemble(poisonInstruction()), /^call /);
});

test('a poisoned LD_IMM64 encodes as two calls', (t) => {
  const lb = new Tiny();
  const e = lb.enum('e', { A: 1 });
  const tb = new Tiny();
  tb.enum('e', { B: 1 });
  const res = one(lb.build(), tb.build(), ld64(1n), relo(K.ENUMVAL_VALUE, e, '0'));
  const bytes = encode(res.insns);
  t.deepEqual([...bytes.subarray(0, 16)], [0x85, 0, 0, 0, 0x10, 0x23, 0xad, 0x0b, 0x85, 0, 0, 0, 0x10, 0x23, 0xad, 0x0b]);
});

test('verifier logs: the reached poison call is found, and explained with the relocation', (t) => {
  const log = [
    'func#0 @0',
    '0: R1=ctx() R10=fp0',
    '0: (b7) r0 = 0                        ; R0_w=0',
    '1: (85) call unknown#195896080',
    'invalid func unknown#195896080',
    'processed 2 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0',
  ].join('\n');
  t.is(poisonedInsnFromVerifierLog(log), 1);
  t.is(poisonedInsnFromVerifierLog('0: (85) call bpf_ktime_get_ns#5\ninvalid func unknown#123'), undefined);
  const err = coreErrorForPoison({
    section: 'tracepoint/syscalls/sys_enter_execve', program: 'handle', insnIndex: 7, programInsnIndex: 1,
    kind: K.FIELD_BYTE_OFFSET, accessStr: '0:5:1', localTypeId: 3, localType: 'struct task_struct___x', slots: 1,
    reason: 'no struct named \'task_struct\'',
  });
  t.is(err.message, 'CO-RE: tracepoint/syscalls/sys_enter_execve program handle insn #1: FIELD_BYTE_OFFSET of struct task_struct___x access 0:5:1 — ' +
    'the target has no match (no struct named \'task_struct\'), and the instruction was reached: guard it with an existence check');
});
