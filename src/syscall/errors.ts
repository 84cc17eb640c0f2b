// Errors from the kernel carry what a user needs to act on them: the errno's
// name and number, the command, the object it was about, and (for loads) the
// verifier's own words.
import { constants } from 'node:os';
import { missingCapabilitiesFor, type Privileged } from './capabilities.ts';

const errnoNames = new Map<number, string>();
for (const [name, value] of Object.entries(constants.errno)) {
  // Several names share a number (EWOULDBLOCK = EAGAIN): keep the first, the canonical one.
  if (!errnoNames.has(value)) errnoNames.set(value, name);
}
// ENOTSUPP (524) is kernel-internal but bpf(2) leaks it to user space.
errnoNames.set(524, 'ENOTSUPP');

const errnoText: Record<string, string> = {
  EPERM: 'operation not permitted',
  ENOENT: 'no such file or object',
  EBADF: 'bad file descriptor',
  E2BIG: 'argument too large (the kernel does not know a field that is set, or a size is too big)',
  EINVAL: 'invalid argument',
  EACCES: 'permission denied (for a program load: the verifier rejected it)',
  EFAULT: 'bad address',
  ENOSPC: 'no space left (buffer too small or map full)',
  EEXIST: 'already exists',
  ENOMEM: 'out of memory',
  ENOTSUPP: 'not supported by this kernel',
  EOPNOTSUPP: 'operation not supported',
  EBUSY: 'device or resource busy',
};

export function errnoName(errno: number): string {
  return errnoNames.get(errno) ?? `errno ${errno}`;
}

export interface KernelErrorDetails {
  /** The operation, e.g. `bpf(BPF_PROG_LOAD)` or `perf_event_open`. */
  operation: string;
  errno: number;
  /** The object the operation was about, e.g. `program "handle_exec"`. */
  object?: string | undefined;
  /** The verifier's or BTF checker's log, when the kernel wrote one. */
  log?: string | undefined;
  /** What privilege the operation needs, to explain EPERM. */
  needs?: Privileged | undefined;
}

/** A failed system call, with the kernel's reason. */
export class KernelError extends Error {
  readonly operation: string;
  readonly errno: number;
  readonly code: string;
  readonly object: string | undefined;
  readonly log: string | undefined;

  constructor(d: KernelErrorDetails) {
    const code = errnoName(d.errno);
    let msg = `${d.operation}${d.object ? ` for ${d.object}` : ''} failed: ${code} (${d.errno}): ${errnoText[code] ?? 'error'}`;
    if (d.errno === constants.errno.EPERM && d.needs) msg += `. ${missingCapabilitiesFor(d.needs)}`;
    if (d.log) msg += `\n${tail(d.log, 40)}`;
    super(msg);
    this.name = 'KernelError';
    this.operation = d.operation;
    this.errno = d.errno;
    this.code = code;
    this.object = d.object;
    this.log = d.log;
  }
}

/** The last `lines` lines of a verifier log: that is where it says why. */
export function tail(log: string, lines: number): string {
  const all = log.trimEnd().split('\n');
  if (all.length <= lines) return all.join('\n');
  return [`... (${all.length - lines} earlier lines of the log omitted)`, ...all.slice(-lines)].join('\n');
}
