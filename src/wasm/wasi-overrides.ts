// The few WASI functions the host answers itself instead of node:wasi.
//
// - stdout/stderr (fd 1, 2): fd_write copies the bytes out of guest memory
//   and posts them to the caller. fd_fdstat_get reports a character device
//   without seek/tell rights, which is what wasi-libc's isatty() looks for,
//   so the guest's stdio is line-buffered and each printf'd line leaves at
//   once instead of when a 1 KiB buffer fills or the guest exits.
// - fd_close / fd_renumber on fds 0-2 never reach node:wasi, which would
//   close (or dup over) the host process's own stdio.
// - poll_oneoff with only clock subscriptions (sleep, usleep) sleeps in
//   Atomics.wait: node:wasi sleeps in native code that terminate() cannot
//   interrupt, so a sleeping guest could outlive its grace period. The first
//   sleep in progress when a stop is requested (or the first one after)
//   returns early, as a signal interrupts nanosleep: a guest that sleeps
//   between reports gets to print one last report.
import type { GuestMemory } from './guest-memory.ts';
import type { GuestOutput } from './guest-output.ts';
import type { SyncCaller } from './sync-call.ts';
import { WasiErrno } from './errno.ts';

type WasiFn = (...args: any[]) => number;

const FILETYPE_CHARACTER_DEVICE = 2;
const RIGHTS_FD_WRITE = 1n << 6n;
const RIGHTS_POLL_FD_READWRITE = 1n << 27n;
const EVENTTYPE_CLOCK = 0;
const SUBSCRIPTION_SIZE = 48;
const EVENT_SIZE = 32;
const CLOCK_REALTIME = 0;
const CLOCK_MONOTONIC = 1;
const SUBCLOCKFLAG_ABSTIME = 1;

export function wasiOverrides(base: Record<string, WasiFn>, mem: GuestMemory, out: GuestOutput, caller: SyncCaller): Record<string, WasiFn> {
  const closed = new Set<number>();
  let sleepInterrupted = false;
  const isStdio = (fd: number) => fd === 1 || fd === 2;

  const fd_write: WasiFn = (fd: number, iovs: number, iovsLen: number, nwritten: number) => {
    if (!isStdio(fd)) return base.fd_write!(fd, iovs, iovsLen, nwritten);
    if (closed.has(fd)) return WasiErrno.EBADF;
    const n = iovsLen >>> 0;
    if (!mem.inRange(iovs, n * 8)) return WasiErrno.EFAULT;
    const dv = mem.view();
    const pieces: [number, number][] = [];
    let total = 0;
    for (let i = 0; i < n; i++) {
      const p = dv.getUint32((iovs >>> 0) + i * 8, true);
      const len = dv.getUint32((iovs >>> 0) + i * 8 + 4, true);
      if (!mem.inRange(p, len)) return WasiErrno.EFAULT;
      pieces.push([p, len]);
      total += len;
    }
    if (!mem.inRange(nwritten, 4)) return WasiErrno.EFAULT;
    const data = new Uint8Array(total);
    const bytes = mem.bytes;
    let at = 0;
    for (const [p, len] of pieces) {
      data.set(bytes.subarray(p, p + len), at);
      at += len;
    }
    mem.writeU32(nwritten, total);
    out.write(fd as 1 | 2, data);
    return WasiErrno.SUCCESS;
  };

  const fd_fdstat_get: WasiFn = (fd: number, ptr: number) => {
    if (!isStdio(fd) || closed.has(fd)) return base.fd_fdstat_get!(fd, ptr);
    if (!mem.inRange(ptr, 24)) return WasiErrno.EFAULT;
    const dv = mem.view();
    const p = ptr >>> 0;
    for (let i = 0; i < 24; i++) dv.setUint8(p + i, 0);
    dv.setUint8(p, FILETYPE_CHARACTER_DEVICE);
    dv.setBigUint64(p + 8, RIGHTS_FD_WRITE | RIGHTS_POLL_FD_READWRITE, true);
    return WasiErrno.SUCCESS;
  };

  const fd_seek: WasiFn = (fd: number, ...rest: unknown[]) => (isStdio(fd) ? WasiErrno.ESPIPE : base.fd_seek!(fd, ...rest));

  const fd_close: WasiFn = (fd: number) => {
    if (fd < 0 || fd > 2) return base.fd_close!(fd);
    if (closed.has(fd)) return WasiErrno.EBADF;
    closed.add(fd);
    return WasiErrno.SUCCESS;
  };

  const fd_read: WasiFn = (fd: number, ...rest: unknown[]) => (fd === 0 && closed.has(0) ? WasiErrno.EBADF : base.fd_read!(fd, ...rest));

  const fd_renumber: WasiFn = (from: number, to: number) => (from >= 0 && from <= 2) || (to >= 0 && to <= 2) ? WasiErrno.ENOTSUP : base.fd_renumber!(from, to);

  const poll_oneoff: WasiFn = (inPtr: number, outPtr: number, nsubs: number, neventsPtr: number) => {
    const n = nsubs >>> 0;
    if (n === 0) return WasiErrno.EINVAL;
    if (!mem.inRange(inPtr, n * SUBSCRIPTION_SIZE) || !mem.inRange(outPtr, n * EVENT_SIZE) || !mem.inRange(neventsPtr, 4)) return WasiErrno.EFAULT;
    const dv = mem.view();
    const waits: { userdata: bigint; ns: bigint }[] = [];
    for (let i = 0; i < n; i++) {
      const s = (inPtr >>> 0) + i * SUBSCRIPTION_SIZE;
      const clock = dv.getUint32(s + 16, true);
      if (dv.getUint8(s + 8) !== EVENTTYPE_CLOCK || (clock !== CLOCK_REALTIME && clock !== CLOCK_MONOTONIC)) {
        return base.poll_oneoff!(inPtr, outPtr, nsubs, neventsPtr); // fds or CPU-time clocks: node:wasi's business
      }
      const timeout = dv.getBigUint64(s + 24, true);
      const abs = (dv.getUint16(s + 40, true) & SUBCLOCKFLAG_ABSTIME) !== 0;
      const now = clock === CLOCK_REALTIME ? BigInt(Date.now()) * 1_000_000n : process.hrtime.bigint();
      const ns = abs ? timeout - now : timeout;
      waits.push({ userdata: dv.getBigUint64(s, true), ns: ns < 0n ? 0n : ns });
    }
    const first = waits.reduce((a, b) => (b.ns < a ? b.ns : a), waits[0]!.ns);
    if (caller.sleep(Number(first) / 1e6, !sleepInterrupted)) sleepInterrupted = true;
    const fired = waits.filter((w) => w.ns === first);
    const ev = mem.view();
    for (let i = 0; i < fired.length; i++) {
      const e = (outPtr >>> 0) + i * EVENT_SIZE;
      for (let j = 0; j < EVENT_SIZE; j++) ev.setUint8(e + j, 0);
      ev.setBigUint64(e, fired[i]!.userdata, true);
      ev.setUint8(e + 10, EVENTTYPE_CLOCK);
    }
    mem.writeU32(neventsPtr, fired.length);
    return WasiErrno.SUCCESS;
  };

  return { fd_write, fd_fdstat_get, fd_seek, fd_close, fd_read, fd_renumber, poll_oneoff };
}
