// The JSON exec line written straight from the ring's bytes. Nearly every
// exec has arguments of shell-safe characters and a plain ASCII filename;
// such bytes need neither JSON escaping nor shell quoting, so they are
// copied from the record into the batch's buffer — no ExecEvent, no string
// per argument, nothing to join and encode again. Anything else (quotes,
// spaces, empty or non-ASCII arguments, odd filenames, a malformed record)
// returns false and the caller takes the general path (decodeExecEvent and
// execLineJson), whose output this equals byte for byte.
import { EXEC_EVENT_HEADER, EXEC_EVENT_OFFSETS as OFF, ExecFlags, execRecordComm } from '../tracer/index.ts';
import { errnoName } from './format.ts';
import { SHELL_SAFE_CHARS } from './shell-quote.ts';
import { monotonicToWallNs, rfc3339Nano } from './clock.ts';
import type { LineBuffer } from './line-buffer.ts';

/** 1 for the bytes of a word that needs no shell quoting (shell-quote.ts). */
const SHELL_SAFE = new Uint8Array(256);
for (const c of SHELL_SAFE_CHARS) SHELL_SAFE[c.charCodeAt(0)] = 1;
/** 1 for each pair of bytes that are both shell-safe or NUL (argv's separator): checks argv two bytes a lookup. */
const SAFE_PAIR = new Uint8Array(65536);
{
  // Row by row (a copy per safe high byte): a loop over all 65,536 pairs
  // runs in the interpreter at module load, ~3 ms of every start-up.
  const safeOrNul = Uint8Array.from(SHELL_SAFE);
  safeOrNul[0] = 1;
  for (let high = 0; high < 256; high++) if (safeOrNul[high] === 1) SAFE_PAIR.set(safeOrNul, high << 8);
}

/** Where argv's NULs are, filled by scanArgv (grown when a record has more). */
let nuls = new Int32Array(1024);
/** A 32-bit view of the last ring (or buffer) scanned, for reading argv four bytes at a time. */
let wordsOf: ArrayBufferLike | undefined;
let words: Uint32Array<ArrayBufferLike> = new Uint32Array(0);

function noteNul(count: number, at: number): void {
  if (count === nuls.length) {
    const next = new Int32Array(nuls.length * 2);
    next.set(nuls);
    nuls = next;
  }
  nuls[count] = at;
}

/**
 * Checks that argv[start, end) holds only shell-safe bytes and NULs, and
 * notes the NULs' positions in `nuls`; returns how many, or -1. This reads
 * every argv byte, so it reads them four at a time where the bytes are
 * aligned (the ring's records are) — a byte loop costs ~1.5 ns a byte here.
 */
function scanArgv(data: Buffer, start: number, end: number): number {
  let count = 0;
  let i = start;
  const abs = data.byteOffset + start;
  if ((abs & 3) === 0 && end - start >= 4) {
    if (wordsOf !== data.buffer) {
      wordsOf = data.buffer;
      words = new Uint32Array(data.buffer, 0, data.buffer.byteLength >>> 2);
    }
    // Locals, so the loop keeps them in registers.
    const view = words;
    const pair = SAFE_PAIR;
    const first = abs >>> 2;
    const last = first + ((end - start) >>> 2);
    for (let w = first; w < last; w++) {
      const v = view[w]!;
      if ((pair[v & 0xffff]! & pair[v >>> 16]!) === 0) return -1;
      // Has a zero byte (exact): find which, byte by byte.
      if (((v - 0x01010101) & ~v & 0x80808080) !== 0) {
        const at = start + ((w - first) << 2);
        for (let k = at; k < at + 4; k++) if (data[k] === 0) noteNul(count++, k);
      }
    }
    i = start + ((last - first) << 2);
  }
  for (; i < end; i++) {
    const c = data[i]!;
    if (c === 0) noteNul(count++, i);
    else if (SHELL_SAFE[c] !== 1) return -1;
  }
  return count;
}

const CUT = ExecFlags.ARGV_TRUNCATED | ExecFlags.FILENAME_TRUNCATED;
const q = JSON.stringify;

/** The constant parts of a line, encoded once for a set of labels. */
export class ExecLineTemplate {
  readonly afterTs: Buffer;
  static readonly beforeFilename = Buffer.from('","event":{"filename":"');
  static readonly beforeArgv = Buffer.from('","argv":[');

  /** `labelsJson` is JSON.stringify(labels). */
  constructor(labelsJson: string) {
    this.afterTs = Buffer.from(`","level":"INFO","msg":"exec","fields":{"labels":${labelsJson},"cmdline":"`);
  }
}

/**
 * Appends the record's exec line to `out` and returns true, or returns false
 * (having written nothing) when the record needs the general path.
 */
export function appendExecLine(out: LineBuffer, tpl: ExecLineTemplate, data: Buffer, offset: number, length: number): boolean {
  if (length < EXEC_EVENT_HEADER) return false;
  const argvLen = data.readUInt32LE(offset + OFF.argvLen);
  const filenameLen = data.readUInt16LE(offset + OFF.filenameLen);
  if (EXEC_EVENT_HEADER + argvLen + filenameLen > length) return false;
  const argvStart = offset + EXEC_EVENT_HEADER;
  const argvEnd = argvStart + argvLen;
  const fileEnd = argvEnd + filenameLen;
  // Bytes after the last NUL are a cut argument, left out (they are
  // scanned too: an unsafe byte there only sends the record the general way).
  const count = scanArgv(data, argvStart, argvEnd);
  if (count < 0) return false;
  for (let k = 0; k < count; k++) if (nuls[k] === (k === 0 ? argvStart : nuls[k - 1]! + 1)) return false; // '' is quoted
  const wholeEnd = count === 0 ? argvStart : nuls[count - 1]! + 1;

  // Room for the worst case: argv twice (cmdline, then argv with `","`
  // for each NUL), the filename, and the rest.
  const b = out.reserve(tpl.afterTs.length + 2 * argvLen + 2 * count + filenameLen + 512);
  let p = out.pos;
  p += b.write('{"ts":"', p, 'latin1');
  p += b.write(rfc3339Nano(monotonicToWallNs(data.readBigUInt64LE(offset + OFF.ktime))), p, 'latin1');
  p += tpl.afterTs.copy(b, p);

  // cmdline: the words as they are, NULs between them made spaces.
  const cmdline = p;
  if (count > 0) {
    p += data.copy(b, p, argvStart, wholeEnd - 1);
    for (let k = 0; k < count - 1; k++) b[cmdline + nuls[k]! - argvStart] = 0x20;
  }

  p += ExecLineTemplate.beforeFilename.copy(b, p);
  for (let i = argvEnd; i < fileEnd; i++) {
    const c = data[i]!;
    // Printable ASCII other than `"` and `\`: JSON as it is.
    if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) return false;
    b[p++] = c;
  }
  p += ExecLineTemplate.beforeArgv.copy(b, p);
  // argv: each word again, quoted, copied from the cmdline just written.
  for (let k = 0, from = argvStart; k < count; from = nuls[k]! + 1, k++) {
    if (k > 0) b[p++] = 0x2c;
    b[p++] = 0x22;
    b.copyWithin(p, cmdline + from - argvStart, cmdline + nuls[k]! - argvStart);
    p += nuls[k]! - from;
    b[p++] = 0x22;
  }
  out.pos = p;

  const flags = data.readUInt16LE(offset + OFF.flags);
  const retval = data.readInt32LE(offset + OFF.retval);
  const truncated = (flags & CUT) !== 0 || wholeEnd < argvEnd;
  out.append(
    `],"truncated":${truncated},"pid":${data.readUInt32LE(offset + OFF.pid)},"uid":${data.readUInt32LE(offset + OFF.uid)},` +
      `"gid":${data.readUInt32LE(offset + OFF.gid)},"comm":${q(execRecordComm(data, offset))},"ppid":${data.readUInt32LE(offset + OFF.ppid)},` +
      `"ns_pid":${data.readUInt32LE(offset + OFF.nsPid)},"tid":${data.readUInt32LE(offset + OFF.tid)},` +
      `"syscall":"${(flags & ExecFlags.EXECVEAT) !== 0 ? 'execveat' : 'execve'}","ret":${retval}` +
      `${retval !== 0 ? `,"error":${q(errnoName(retval))}` : ''}}}}\n`,
  );
  return true;
}
