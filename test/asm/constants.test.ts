import test from 'ava';
import * as asm from '../../src/asm/index.ts';
import { Class, Helper, JumpOp, Mode, Size, helperName, sizeBytes } from '../../src/asm/index.ts';

test('helper ids from bpf.h', (t) => {
  const expected: Record<string, number> = {
    map_lookup_elem: 1, map_update_elem: 2, map_delete_elem: 3, probe_read: 4, ktime_get_ns: 5,
    trace_printk: 6, get_prandom_u32: 7, get_smp_processor_id: 8, tail_call: 12,
    get_current_pid_tgid: 14, get_current_uid_gid: 15, get_current_comm: 16, perf_event_output: 25,
    get_current_task: 35, probe_read_str: 45, probe_read_user: 112, probe_read_kernel: 113,
    probe_read_user_str: 114, probe_read_kernel_str: 115, get_ns_current_pid_tgid: 120,
    ktime_get_boot_ns: 125, ringbuf_output: 130, ringbuf_reserve: 131, ringbuf_submit: 132,
    ringbuf_discard: 133, ringbuf_query: 134, get_current_task_btf: 158, loop: 181,
    ringbuf_reserve_dynptr: 198,
  };
  for (const [name, id] of Object.entries(expected)) {
    t.is((Helper as Record<string, number>)[name], id, name);
    t.is(helperName(id) as string | undefined, name);
  }
  // Dense from 0: position in the list is the id.
  Object.values(Helper).forEach((id, i) => t.is(id as number, i));
  t.is(helperName(100000), undefined);
  t.is(helperName(-1), undefined);
});

test('opcode constants match the kernel headers', (t) => {
  t.deepEqual(Class, { LD: 0, LDX: 1, ST: 2, STX: 3, ALU: 4, JMP: 5, JMP32: 6, ALU64: 7 });
  t.deepEqual(Size, { W: 0x00, H: 0x08, B: 0x10, DW: 0x18 });
  t.deepEqual(Mode, { IMM: 0x00, ABS: 0x20, IND: 0x40, MEM: 0x60, MEMSX: 0x80, ATOMIC: 0xc0 });
  t.is(JumpOp.JSLE, 0xd0);
  t.is(JumpOp.CALL, 0x80);
  t.is(asm.BPF_PSEUDO_MAP_FD, 1);
  t.is(asm.BPF_PSEUDO_MAP_VALUE, 2);
  t.is(asm.BPF_PSEUDO_BTF_ID, 3);
  t.is(asm.BPF_PSEUDO_FUNC, 4);
  t.is(asm.BPF_PSEUDO_MAP_IDX, 5);
  t.is(asm.BPF_PSEUDO_MAP_IDX_VALUE, 6);
  t.is(asm.BPF_PSEUDO_CALL, 1);
  t.is(asm.BPF_PSEUDO_KFUNC_CALL, 2);
  t.is(asm.BPF_XCHG, 0xe1);
  t.is(asm.BPF_CMPXCHG, 0xf1);
  t.is(asm.BPF_ALU64 | asm.BPF_MOV | asm.BPF_K, 0xb7);
  t.is(asm.R.R10, 10);
  t.deepEqual([Size.W, Size.H, Size.B, Size.DW].map(sizeBytes), [4, 2, 1, 8]);
});
