// Decoding the records of bpf/exectrace.bpf.c (layout in bpf/exectrace.h).
import { isAscii, isUtf8 } from 'node:buffer';

/** Offsets in struct exec_event (bpf/exectrace.h); argv follows the header, then the filename. */
export const EXEC_EVENT_OFFSETS = {
  ktime: 0, pid: 8, tid: 12, ppid: 16, nsPid: 20, uid: 24, gid: 28, retval: 32,
  filenameLen: 36, flags: 38, argvLen: 40, nsLevel: 44, comm: 48,
} as const;
const OFF = EXEC_EVENT_OFFSETS;
export const EXEC_EVENT_HEADER = 64;
const COMM_LEN = 16;

export const ExecFlags = {
  ARGV_TRUNCATED: 1 << 0,
  FILENAME_TRUNCATED: 1 << 1,
  EXECVEAT: 1 << 2,
  PATH_FROM_FILE: 1 << 3,
  NO_ENTRY_STATE: 1 << 4,
  ARGV_UNREADABLE: 1 << 5,
} as const;

export interface ExecEvent {
  /** Kernel time of the outcome (CLOCK_MONOTONIC, ns). */
  ktimeNs: bigint;
  /** Process id (host view); after a successful exec, the process running the new image. */
  pid: number;
  /** The thread that called exec (differs from pid when a non-leader thread exec'd). */
  tid: number;
  ppid: number;
  /** The pid as seen inside the target PID namespace (0 when tracing every namespace). */
  nsPid: number;
  /** How many namespaces below the target the process is (0 = in it). */
  nsLevel: number;
  uid: number;
  gid: number;
  /** 0 for a successful exec, else the negative errno of the failed attempt. */
  retval: number;
  /** The caller's command name before exec (at most 15 bytes). */
  comm: string;
  /** The file as named to exec; for an exec of a file descriptor, the file's own path. */
  filename: string;
  argv: string[];
  /** True exactly when something was cut (argv beyond the budget, or an overlong filename). */
  truncated: boolean;
  /** The syscall was execveat(2). */
  execveat: boolean;
  /** Raw bytes of argv elements that are not valid UTF-8 (so nothing is lost): index → bytes. */
  rawArgv?: Map<number, Buffer>;
  /** Raw filename bytes when they are not valid UTF-8. */
  rawFilename?: Buffer;
  flags: number;
}

const decoder = new TextDecoder('utf-8', { fatal: true });

function utf8(b: Buffer): { text: string; valid: boolean } {
  try {
    return { text: decoder.decode(b), valid: true };
  } catch {
    return { text: b.toString('utf8'), valid: false };
  }
}

/** The caller's comm of the record at `offset`: up to its NUL, at most 16 bytes. */
export function execRecordComm(data: Buffer, offset: number): string {
  const start = offset + OFF.comm;
  const nul = data.indexOf(0, start);
  return data.toString('utf8', start, nul < 0 || nul > start + COMM_LEN ? start + COMM_LEN : nul);
}

/** Decodes one record; `data[offset, offset+length)` is the ring buffer's view (copied out here). */
export function decodeExecEvent(data: Buffer, offset: number, length: number): ExecEvent {
  if (length < EXEC_EVENT_HEADER) throw new Error(`exec record of ${length} bytes is shorter than its ${EXEC_EVENT_HEADER}-byte header`);
  const argvLen = data.readUInt32LE(offset + OFF.argvLen);
  const filenameLen = data.readUInt16LE(offset + OFF.filenameLen);
  if (EXEC_EVENT_HEADER + argvLen + filenameLen > length) {
    throw new Error(`exec record of ${length} bytes claims ${argvLen} bytes of argv and ${filenameLen} of filename`);
  }
  const flags = data.readUInt16LE(offset + OFF.flags);
  const argvStart = offset + EXEC_EVENT_HEADER;
  const argvEnd = argvStart + argvLen;
  const fileEnd = argvEnd + filenameLen;

  // Offsets into `data` rather than a Buffer per argument: this runs for
  // every exec, and small objects are what the garbage collector pays for.
  let argvTruncated = (flags & ExecFlags.ARGV_TRUNCATED) !== 0;
  let argv: string[];
  let rawArgv: Map<number, Buffer> | undefined;
  const region = data.subarray(argvStart, argvEnd);
  // Arguments end at NULs; bytes after the last NUL are an argument the
  // budget cut, left out so that what is kept is an intact prefix.
  const lastNul = region.lastIndexOf(0);
  const wholeEnd = lastNul < 0 ? argvStart : argvStart + lastNul + 1;
  const ascii = isAscii(region);
  if (ascii || isUtf8(region)) {
    // The usual case: one decode of every argument, split on the NULs (a
    // NUL byte never occurs inside a UTF-8 sequence). ASCII decodes as
    // latin1, a plain copy.
    argv = lastNul < 0 ? [] : data.toString(ascii ? 'latin1' : 'utf8', argvStart, wholeEnd - 1).split('\0');
  } else {
    // Not valid UTF-8 somewhere: argument by argument, keeping the raw bytes of the bad ones.
    argv = [];
    for (let start = argvStart, nul = data.indexOf(0, start); start < wholeEnd; start = nul + 1, nul = data.indexOf(0, start)) {
      const part = data.subarray(start, nul);
      const d = utf8(part);
      if (!d.valid) (rawArgv ??= new Map()).set(argv.length, Buffer.from(part));
      argv.push(d.text);
    }
  }
  // Bytes after the last NUL belong to an argument cut by the budget: keep an intact prefix of whole arguments.
  if (wholeEnd < argvEnd) argvTruncated = true;
  const fileValid = isUtf8(data.subarray(argvEnd, fileEnd));
  const ev: ExecEvent = {
    ktimeNs: data.readBigUInt64LE(offset + OFF.ktime),
    pid: data.readUInt32LE(offset + OFF.pid),
    tid: data.readUInt32LE(offset + OFF.tid),
    ppid: data.readUInt32LE(offset + OFF.ppid),
    nsPid: data.readUInt32LE(offset + OFF.nsPid),
    nsLevel: data.readUInt32LE(offset + OFF.nsLevel),
    uid: data.readUInt32LE(offset + OFF.uid),
    gid: data.readUInt32LE(offset + OFF.gid),
    retval: data.readInt32LE(offset + OFF.retval),
    comm: execRecordComm(data, offset),
    filename: data.toString('utf8', argvEnd, fileEnd),
    argv,
    truncated: argvTruncated || (flags & ExecFlags.FILENAME_TRUNCATED) !== 0,
    execveat: (flags & ExecFlags.EXECVEAT) !== 0,
    flags,
  };
  if (rawArgv) ev.rawArgv = rawArgv;
  if (!fileValid) ev.rawFilename = Buffer.from(data.subarray(argvEnd, fileEnd));
  return ev;
}
