// Small BPF programs assembled by hand for the kernel tests and benchmarks.
// They exercise the syscall layer without needing the ELF loader.
import { Assembler, R, Helper, encode } from '../../src/asm/index.ts';
import { BpfProgram } from '../../src/prog/index.ts';
import type { BpfMap } from '../../src/map/index.ts';

/** Record written by execveRecorder: ktime u64, pid_tgid u64, comm[16], filename[64]. */
export const EXECVE_RECORD_SIZE = 96;

export interface ExecveRecord {
  ktime: bigint;
  pid: number;
  tgid: number;
  comm: string;
  filename: string;
}

const cstr = (b: Buffer) => {
  const nul = b.indexOf(0);
  return b.subarray(0, nul < 0 ? b.length : nul).toString('utf8');
};

export function parseExecveRecord(d: Buffer, off = 0): ExecveRecord {
  const pidTgid = d.readBigUInt64LE(off + 8);
  return {
    ktime: d.readBigUInt64LE(off),
    pid: Number(pidTgid & 0xffffffffn),
    tgid: Number(pidTgid >> 32n),
    comm: cstr(d.subarray(off + 16, off + 32)),
    filename: cstr(d.subarray(off + 32, off + 96)),
  };
}

/**
 * TRACEPOINT program for syscalls/sys_enter_execve: emits one
 * EXECVE_RECORD to `ring` per exec, with bpf_ringbuf_output `flags`.
 */
export function execveRecorder(ring: BpfMap, flags = 0): BpfProgram {
  const a = new Assembler()
    .mov64Reg(R.R6, R.R1)
    .call(Helper.ktime_get_ns)
    .stxDW(R.R10, -96, R.R0)
    .call(Helper.get_current_pid_tgid)
    .stxDW(R.R10, -88, R.R0)
    .mov64Reg(R.R1, R.R10)
    .add64Imm(R.R1, -80)
    .mov64Imm(R.R2, 16)
    .call(Helper.get_current_comm)
    // args[0] of the syscall (the filename pointer) is at offset 16 of the context.
    .ldxDW(R.R3, R.R6, 16)
    .mov64Reg(R.R1, R.R10)
    .add64Imm(R.R1, -64)
    .mov64Imm(R.R2, 64)
    .call(Helper.probe_read_user_str)
    .ldMapFd(R.R1, ring.fd)
    .mov64Reg(R.R2, R.R10)
    .add64Imm(R.R2, -96)
    .mov64Imm(R.R3, EXECVE_RECORD_SIZE)
    .mov64Imm(R.R4, flags)
    .call(Helper.ringbuf_output)
    .mov64Imm(R.R0, 0)
    .exit();
  return BpfProgram.load({ type: 'TRACEPOINT', name: 'test_execve', insns: encode(a.assemble()), license: 'GPL' });
}

/** Record written by execRawRecorder: ktime u64, pid_tgid u64, comm[16] (the new image's). */
export const RAW_EXEC_RECORD_SIZE = 32;

/** RAW_TRACEPOINT program for sched_process_exec. */
export function execRawRecorder(ring: BpfMap): BpfProgram {
  const a = new Assembler()
    .call(Helper.ktime_get_ns)
    .stxDW(R.R10, -32, R.R0)
    .call(Helper.get_current_pid_tgid)
    .stxDW(R.R10, -24, R.R0)
    .mov64Reg(R.R1, R.R10)
    .add64Imm(R.R1, -16)
    .mov64Imm(R.R2, 16)
    .call(Helper.get_current_comm)
    .ldMapFd(R.R1, ring.fd)
    .mov64Reg(R.R2, R.R10)
    .add64Imm(R.R2, -32)
    .mov64Imm(R.R3, RAW_EXEC_RECORD_SIZE)
    .mov64Imm(R.R4, 0)
    .call(Helper.ringbuf_output)
    .mov64Imm(R.R0, 0)
    .exit();
  return BpfProgram.load({ type: 'RAW_TRACEPOINT', name: 'test_raw_exec', insns: encode(a.assemble()), license: 'GPL' });
}

/**
 * TRACEPOINT program that emits a 16-byte record (ktime, pid_tgid) for every
 * hit by process `tgid` — attached to a cheap syscall and driven in a tight
 * loop, it floods the ring for the benchmark.
 */
export function floodRecorder(ring: BpfMap, tgid: number, flags = 0): BpfProgram {
  const a = new Assembler()
    .call(Helper.get_current_pid_tgid)
    .mov64Reg(R.R7, R.R0)
    .alu64Imm('RSH', R.R0, 32)
    .jmpImm('JNE', R.R0, tgid, 'out')
    .call(Helper.ktime_get_ns)
    .stxDW(R.R10, -16, R.R0)
    .stxDW(R.R10, -8, R.R7)
    .ldMapFd(R.R1, ring.fd)
    .mov64Reg(R.R2, R.R10)
    .add64Imm(R.R2, -16)
    .mov64Imm(R.R3, 16)
    .mov64Imm(R.R4, flags)
    .call(Helper.ringbuf_output)
    .label('out')
    .mov64Imm(R.R0, 0)
    .exit();
  return BpfProgram.load({ type: 'TRACEPOINT', name: 'bench_flood', insns: encode(a.assemble()), license: 'GPL' });
}

/** A program the verifier must reject: it reads r2, which was never written. */
export function uninitialisedRead(): Uint8Array {
  return encode(new Assembler().mov64Reg(R.R0, R.R2).exit().assemble());
}

/** `r0 = value; exit` */
export function returnConstant(value: number): Uint8Array {
  return encode(new Assembler().mov64Imm(R.R0, value).exit().assemble());
}

/**
 * Appends "add 1 to the u64 at key 0 of `map`" (an ARRAY), using the stack
 * word at `stackOff` for the key; jumps to `done` when the lookup fails.
 */
export function incrementSlot0(a: Assembler, map: BpfMap, stackOff: number, done: string): Assembler {
  return a
    .stW(R.R10, stackOff, 0)
    .ldMapFd(R.R1, map.fd)
    .mov64Reg(R.R2, R.R10)
    .add64Imm(R.R2, stackOff)
    .call(Helper.map_lookup_elem)
    .jmpImm('JEQ', R.R0, 0, done)
    .mov64Imm(R.R1, 1)
    .atomicAdd('DW', R.R0, 0, R.R1);
}
