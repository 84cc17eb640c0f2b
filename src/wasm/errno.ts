// Error codes as a WebAssembly guest understands them. wasm-bpf guests are
// built against wasi-libc, whose errno values are WASI's, not Linux's
// (EINTR is 27, not 4): a guest compares a host function's result with
// `-EINTR` or prints `strerror(-err)` in its own numbering. So every
// negative code the host returns is a negated WASI errno, translated from
// the kernel's errno by name.
import { constants } from 'node:os';

/** WASI preview1 errno values (wasi_snapshot_preview1 `errno`, as in wasi-libc's api.h). */
export const WasiErrno = {
  SUCCESS: 0, E2BIG: 1, EACCES: 2, EADDRINUSE: 3, EADDRNOTAVAIL: 4, EAFNOSUPPORT: 5, EAGAIN: 6,
  EALREADY: 7, EBADF: 8, EBADMSG: 9, EBUSY: 10, ECANCELED: 11, ECHILD: 12, ECONNABORTED: 13,
  ECONNREFUSED: 14, ECONNRESET: 15, EDEADLK: 16, EDESTADDRREQ: 17, EDOM: 18, EDQUOT: 19,
  EEXIST: 20, EFAULT: 21, EFBIG: 22, EHOSTUNREACH: 23, EIDRM: 24, EILSEQ: 25, EINPROGRESS: 26,
  EINTR: 27, EINVAL: 28, EIO: 29, EISCONN: 30, EISDIR: 31, ELOOP: 32, EMFILE: 33, EMLINK: 34,
  EMSGSIZE: 35, EMULTIHOP: 36, ENAMETOOLONG: 37, ENETDOWN: 38, ENETRESET: 39, ENETUNREACH: 40,
  ENFILE: 41, ENOBUFS: 42, ENODEV: 43, ENOENT: 44, ENOEXEC: 45, ENOLCK: 46, ENOLINK: 47,
  ENOMEM: 48, ENOMSG: 49, ENOPROTOOPT: 50, ENOSPC: 51, ENOSYS: 52, ENOTCONN: 53, ENOTDIR: 54,
  ENOTEMPTY: 55, ENOTRECOVERABLE: 56, ENOTSOCK: 57, ENOTSUP: 58, ENOTTY: 59, ENXIO: 60,
  EOVERFLOW: 61, EOWNERDEAD: 62, EPERM: 63, EPIPE: 64, ERANGE: 65, EROFS: 66, ESPIPE: 67,
  ESRCH: 68, ESTALE: 69, ETIMEDOUT: 70, ETXTBSY: 71, EXDEV: 72, ENOTCAPABLE: 73,
} as const;

export type WasiErrnoName = keyof typeof WasiErrno;

// Linux names WASI spells differently.
const ALIASES: Record<string, WasiErrnoName> = {
  EOPNOTSUPP: 'ENOTSUP',
  ENOTSUPP: 'ENOTSUP', // kernel-internal 524, which bpf(2) leaks
  EWOULDBLOCK: 'EAGAIN',
  EDEADLOCK: 'EDEADLK',
};

/** The negated WASI errno for a Linux errno name (`ENOENT`), EIO when WASI has no such error. */
export function guestError(linuxName: string): number {
  const name = (ALIASES[linuxName] ?? linuxName) as WasiErrnoName;
  return -(WasiErrno[name] ?? WasiErrno.EIO);
}

/** The negated WASI errno for a Linux errno number. */
export function guestErrorFromErrno(errno: number): number {
  for (const [name, value] of Object.entries(constants.errno)) if (value === errno) return guestError(name);
  return errno === 524 ? guestError('ENOTSUPP') : -WasiErrno.EIO;
}
