// The libc functions exectrace calls, declared once. This file and ffi.ts
// (which loads the module) are the only ones in the project that use ffi-rs:
// everything that touches the kernel goes through the typed wrappers below.
//
// Facts about ffi-rs 1.3.7 this relies on (measured, see README design notes):
// - a Buffer passed as U8Array is passed by address, not copied, so the
//   kernel writes straight into it;
// - `memmove(p, p, 0)` returns p, which is how we learn a Buffer's address to
//   put inside kernel structs (bpf_attr fields are u64 pointers);
// - each call costs a few microseconds, so nothing here is on a per-event path.
import type { FieldType, DataType as DataTypes } from 'ffi-rs';
import { ffi } from './ffi.ts';
import { arch } from 'node:os';

const { open, load, DataType, createExternalBuffer, createPointer, unwrapPointer } = ffi;
const LIB = 'libc';
open({ library: LIB, path: 'libc.so.6' });

/** What a raw libc call returned, with errno as read right after the call. */
export interface RawResult<T> {
  value: T;
  errno: number;
}

type Ret = DataTypes.I64 | DataTypes.I32 | DataTypes.BigInt;

function declare<T>(funcName: string, retType: Ret, paramsType: FieldType[]) {
  return (...paramsValue: unknown[]): RawResult<T> => {
    const r = load({
      library: LIB,
      funcName,
      retType,
      paramsType,
      paramsValue,
      errno: true,
      freeResultMemory: false,
    }) as unknown as { value: T; errnoCode: number };
    return { value: r.value, errno: r.errnoCode };
  };
}

const I64 = DataType.I64;
const I32 = DataType.I32;
const PTR = DataType.U8Array;
const ADDR = DataType.BigInt;

/** Syscall numbers from the kernel's arch/<arch>/entry/syscalls tables. */
const SYSCALL_NUMBERS: Record<string, { bpf: number; perf_event_open: number }> = {
  x64: { bpf: 321, perf_event_open: 298 },
  arm64: { bpf: 280, perf_event_open: 241 },
};
const nr = (() => {
  const n = SYSCALL_NUMBERS[arch()];
  if (!n) throw new Error(`exectrace: unsupported CPU architecture ${arch()} (supported: x64, arm64)`);
  return n;
})();

// syscall(2) is variadic; every argument is passed as a 64-bit integer so the
// upper halves of the registers are defined whatever the kernel reads.
const syscallPtr = declare<number>('syscall', I64, [I64, I64, PTR, I64]);
const syscallPerf = declare<number>('syscall', I64, [I64, PTR, I64, I64, I64, I64]);

/** bpf(2): `attr` is the bpf_attr for `cmd`; returns the raw result and errno. */
export function bpf(cmd: number, attr: Buffer): RawResult<number> {
  return syscallPtr(nr.bpf, cmd, attr, attr.length);
}

/** perf_event_open(2). */
export function perfEventOpen(attr: Buffer, pid: number, cpu: number, groupFd: number, flags: number): RawResult<number> {
  return syscallPerf(nr.perf_event_open, attr, pid, cpu, groupFd, flags);
}

export const close = declare<number>('close', I32, [I32]);
export const ioctl = declare<number>('ioctl', I32, [I32, I64, I64]);
export const write = declare<number>('write', I64, [I32, PTR, I64]);
export const read = declare<number>('read', I64, [I32, PTR, I64]);
export const eventfd = declare<number>('eventfd', I32, [I32, I32]);
export const epollCreate1 = declare<number>('epoll_create1', I32, [I32]);
export const epollCtl = declare<number>('epoll_ctl', I32, [I32, I32, I32, PTR]);
/** Blocks the calling thread: only ever called from the poller's worker. */
export const epollWait = declare<number>('epoll_wait', I32, [I32, PTR, I32, I32]);
export const fcntl = declare<number>('fcntl', I32, [I32, I32, I64]);
const mountRaw = declare<number>('mount', I32, [PTR, PTR, PTR, I64, I64]);

/** mount(2) with no flags and no data: `mount -t FSTYPE SOURCE TARGET`. */
export function mount(source: string, target: string, fstype: string): RawResult<number> {
  const z = (s: string) => Buffer.from(`${s}\0`);
  return mountRaw(z(source), z(target), z(fstype), 0, 0);
}
const mmapRaw = declare<bigint>('mmap', ADDR, [ADDR, I64, I32, I32, I32, I64]);
const munmapRaw = declare<number>('munmap', I32, [ADDR, I64]);
const memmoveAddr = declare<bigint>('memmove', ADDR, [PTR, PTR, I64]);
const sysconf = declare<number>('sysconf', I64, [I32]);
const pthreadSigmask = declare<number>('pthread_sigmask', I32, [I32, PTR, PTR]);

// <signal.h>: SIG_BLOCK and SIG_SETMASK; glibc's sigset_t is 1024 bits.
const SIG_BLOCK = 0;
const SIG_SETMASK = 2;
const SIGSET_BYTES = 128;

/**
 * Runs `fn` with every signal blocked on the calling thread, then restores
 * the thread's mask (signals that arrived meanwhile are delivered then).
 * The verifier abandons a load with EAGAIN whenever a signal is pending; a
 * sampling profiler's SIGPROF every millisecond would otherwise make a
 * program that takes longer than that to verify impossible to load.
 */
export function withSignalsBlocked<T>(fn: () => T): T {
  const all = Buffer.alloc(SIGSET_BYTES, 0xff);
  const old = Buffer.alloc(SIGSET_BYTES);
  const r = pthreadSigmask(SIG_BLOCK, all, old);
  // pthread_sigmask returns the error number rather than setting errno.
  if (r.value !== 0) throw new Error(`pthread_sigmask(SIG_BLOCK) failed with error ${r.value}`);
  try {
    return fn();
  } finally {
    pthreadSigmask(SIG_SETMASK, old, all);
  }
}

/** The address of a Buffer's first byte, for pointer fields of kernel structs. */
export function addressOf(buf: Buffer): bigint {
  if (buf.length === 0) throw new Error('addressOf: empty buffer has no stable address');
  return memmoveAddr(buf, buf, 0).value;
}

const _SC_PAGESIZE = 30;
let pageSizeCache = 0;
export function pageSize(): number {
  if (pageSizeCache === 0) pageSizeCache = sysconf(_SC_PAGESIZE).value;
  return pageSizeCache;
}

export const PROT_READ = 1;
export const PROT_WRITE = 2;
export const MAP_SHARED = 1;
export const MAP_PRIVATE = 2;
const MAP_FAILED = (1n << 64n) - 1n;

/** mmap(2) of `fd`; returns the mapping's address. */
export function mmap(length: number, prot: number, flags: number, fd: number, offset: number): RawResult<bigint> {
  const r = mmapRaw(0n, length, prot, flags, fd, offset);
  // ffi-rs returns MAP_FAILED as -1n (signed) — normalise both spellings.
  if (r.value === -1n || r.value === MAP_FAILED) return { value: -1n, errno: r.errno };
  return { value: r.value, errno: 0 };
}

export function munmap(addr: bigint, length: number): RawResult<number> {
  return munmapRaw(addr, length);
}

/** A Buffer that *is* the memory at `addr` (no copy). The caller keeps the memory alive. */
export function externalView(addr: bigint, length: number): Buffer {
  const ext = unwrapPointer(createPointer({ paramsType: [DataType.BigInt], paramsValue: [addr] }));
  return createExternalBuffer(ext[0]!, length);
}
