// A hand-assembled producer for the perf buffer tests: for every
// sys_enter_getppid of process `tgid` it writes one 100-byte sample with
// bpf_perf_event_output (ktime u64, pid_tgid u64, then 21 words 0x5a000000+i),
// and counts every sample it submitted, accepted or dropped, in `counter` (ARRAY, key 0, u64).
// 100 bytes make 112-byte records, which do not divide a ring's size, so
// records regularly wrap around the end of the ring.
import { Assembler, R, Helper, encode } from '../../src/asm/index.ts';
import { BpfProgram } from '../../src/prog/index.ts';
import type { BpfMap } from '../../src/map/index.ts';
import { incrementSlot0 } from '../helpers/programs.ts';

export const SAMPLE_SIZE = 100;
export const PATTERN_WORDS = 21;
const BPF_F_CURRENT_CPU = 0xffffffffn;

export function perfOutputFlood(events: BpfMap, counter: BpfMap, tgid: number): BpfProgram {
  const a = new Assembler()
    .mov64Reg(R.R6, R.R1)
    .call(Helper.get_current_pid_tgid)
    .mov64Reg(R.R7, R.R0)
    .alu64Imm('RSH', R.R0, 32)
    .jmpImm('JNE', R.R0, tgid, 'out')
    .call(Helper.ktime_get_ns)
    .stxDW(R.R10, -104, R.R0)
    .stxDW(R.R10, -96, R.R7);
  for (let i = 0; i < PATTERN_WORDS; i++) a.stW(R.R10, -88 + 4 * i, 0x5a000000 + i);
  a.mov64Reg(R.R1, R.R6)
    .ldMapFd(R.R2, events.fd)
    .ldImm64(R.R3, BPF_F_CURRENT_CPU)
    .mov64Reg(R.R4, R.R10)
    .add64Imm(R.R4, -104)
    .mov64Imm(R.R5, SAMPLE_SIZE)
    .call(Helper.perf_event_output);
  incrementSlot0(a, counter, -112, 'out')
    .label('out')
    .mov64Imm(R.R0, 0)
    .exit();
  return BpfProgram.load({ type: 'TRACEPOINT', name: 'perf_flood', insns: encode(a.assemble()), license: 'GPL' });
}

/** Checks one sample's bytes; returns what is wrong, or undefined. */
export function checkSample(d: Buffer, off: number, len: number, tgid: number): string | undefined {
  // The kernel pads raw samples so records stay 8-byte aligned: 100 bytes + the u32 size = 104.
  if (len !== SAMPLE_SIZE) return `length ${len}`;
  if (Number(d.readBigUInt64LE(off + 8) >> 32n) !== tgid) return 'pid';
  for (let i = 0; i < PATTERN_WORDS; i++) {
    if (d.readUInt32LE(off + 16 + 4 * i) !== 0x5a000000 + i) return `word ${i}`;
  }
  return undefined;
}
