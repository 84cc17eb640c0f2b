// The exec line written from a record's bytes must be the general path's
// line (decodeExecEvent + execLineJson) byte for byte, or not written at all.
import test from 'ava';
import { appendExecLine, ExecLineTemplate } from '../../src/sidecar/exec-line-bytes.ts';
import { LineBuffer } from '../../src/sidecar/line-buffer.ts';
import { execLineJson } from '../../src/sidecar/format.ts';
import { monotonicToWallNs, rfc3339Nano } from '../../src/sidecar/clock.ts';
import { decodeExecEvent, EXEC_EVENT_HEADER, EXEC_EVENT_OFFSETS as OFF, ExecFlags } from '../../src/tracer/index.ts';
import { prng } from '../helpers/prng.ts';

interface Fields {
  argv: Buffer;
  filename: Buffer;
  comm?: Buffer;
  flags?: number;
  retval?: number;
  ktime?: bigint;
  ids?: number[];
}

/** A record as bpf/exectrace.h lays it out, at `pad` bytes into a larger buffer. */
function record(f: Fields, pad = 0): { data: Buffer; offset: number; length: number } {
  const length = EXEC_EVENT_HEADER + f.argv.length + f.filename.length;
  const data = Buffer.alloc(pad + length + 8);
  const o = pad;
  data.writeBigUInt64LE(f.ktime ?? 5_000_000_123n, o + OFF.ktime);
  const [pid, tid, ppid, nsPid, uid, gid] = f.ids ?? [4242, 4243, 4200, 7, 1000, 1001];
  data.writeUInt32LE(pid!, o + OFF.pid);
  data.writeUInt32LE(tid!, o + OFF.tid);
  data.writeUInt32LE(ppid!, o + OFF.ppid);
  data.writeUInt32LE(nsPid!, o + OFF.nsPid);
  data.writeUInt32LE(uid!, o + OFF.uid);
  data.writeUInt32LE(gid!, o + OFF.gid);
  data.writeInt32LE(f.retval ?? 0, o + OFF.retval);
  data.writeUInt16LE(f.filename.length, o + OFF.filenameLen);
  data.writeUInt16LE(f.flags ?? 0, o + OFF.flags);
  data.writeUInt32LE(f.argv.length, o + OFF.argvLen);
  (f.comm ?? Buffer.from('bash')).copy(data, o + OFF.comm, 0, 16);
  f.argv.copy(data, o + EXEC_EVENT_HEADER);
  f.filename.copy(data, o + EXEC_EVENT_HEADER + f.argv.length);
  return { data, offset: o, length };
}

const labelsJson = JSON.stringify({ workspace: 'alice-dev', 'we"ird': 'ünï\\' });
const template = new ExecLineTemplate(labelsJson);

/** Runs both paths; returns whether the byte path took the record. */
function check(t: import('ava').ExecutionContext, r: { data: Buffer; offset: number; length: number }, what: string): boolean {
  const out = new LineBuffer(64);
  out.append('before\n');
  const ok = appendExecLine(out, template, r.data, r.offset, r.length);
  const got = out.take().toString('latin1');
  if (!ok) {
    t.is(got, 'before\n', `${what}: nothing written when the record is refused`);
    return false;
  }
  const ev = decodeExecEvent(r.data, r.offset, r.length);
  const want = execLineJson(ev, labelsJson, rfc3339Nano(monotonicToWallNs(ev.ktimeNs)));
  t.is(got, `before\n${Buffer.from(want).toString('latin1')}`, what);
  return true;
}

const args = (...a: string[]) => Buffer.from(a.map((x) => `${x}\0`).join(''), 'latin1');

test('plain records are written from their bytes, exactly as the general path writes them', (t) => {
  const long = Array.from({ length: 20 }, (_, i) => String.fromCharCode(97 + i).repeat(100));
  for (const [argv, what] of [
    [args('ls', '-la', '/tmp'), 'short'],
    [args('t', ...long), '20 × 100 bytes'],
    [args('x'), 'one argument'],
    [Buffer.alloc(0), 'no arguments'],
    [args('a=b,c:d@e%f+g/h.i-j_k', 'Z9'), 'every safe punctuation'],
  ] as const) {
    for (let pad = 0; pad < 8; pad++) t.true(check(t, record({ argv, filename: Buffer.from('/usr/bin/ls') }, pad), `${what}, at +${pad}`), what);
  }
  t.true(check(t, record({ argv: args('nope'), filename: Buffer.from('/bin/nope'), retval: -2 }), 'failed attempt'));
  t.true(check(t, record({ argv: args('sh'), filename: Buffer.from('/bin/sh'), flags: ExecFlags.EXECVEAT | ExecFlags.PATH_FROM_FILE }), 'execveat'));
  t.true(check(t, record({ argv: Buffer.from('ls\0-la\0/very/long/pa'), filename: Buffer.from('/bin/ls') }), 'cut argument: truncated'));
  t.true(check(t, record({ argv: args('ls'), filename: Buffer.from('/bin/ls'), flags: ExecFlags.FILENAME_TRUNCATED }), 'cut filename'));
  t.true(check(t, record({ argv: args('ls'), filename: Buffer.from('/x'), comm: Buffer.from('c"o\\m\u00e9', 'utf8') }), 'comm is escaped'));
  t.true(check(t, record({ argv: args('ls'), filename: Buffer.from('/x'), comm: Buffer.from('0123456789abcdefXYZ') }), '16-byte comm without NUL'));
  t.true(check(t, record({ argv: args('ls'), filename: Buffer.from('/x'), ids: [0xffffffff, 1, 2, 3, 0xfffffffe, 0] }), 'large ids'));
});

test('records that need escaping or quoting go the general way', (t) => {
  const refused = [
    [args('echo', 'a b'), '/bin/echo', 'space'],
    [args('echo', ''), '/bin/echo', 'empty argument'],
    [Buffer.from('\0'), '/bin/echo', 'one empty argument'],
    [args('echo', "it's"), '/bin/echo', 'quote'],
    [args('echo', 'a"b'), '/bin/echo', 'double quote'],
    [args('echo', 'grüß'), '/bin/echo', 'UTF-8'],
    [Buffer.from([0x61, 0xff, 0]), '/bin/echo', 'not UTF-8'],
  ] as const;
  for (const [argv, filename, what] of refused) t.false(check(t, record({ argv, filename: Buffer.from(filename) }), what), what);
  t.true(check(t, record({ argv: args('ls'), filename: Buffer.from('/bin/l s') }), 'a space in the filename needs no JSON escape'));
  for (const f of ['/bin/"q', '/bin/b\\s', '/bin/\n', '/bin/ü']) t.false(check(t, record({ argv: args('ls'), filename: Buffer.from(f) }), f), f);
  t.false(check(t, { ...record({ argv: args('ls'), filename: Buffer.from('/bin/ls') }), length: 40 }, 'short record'));
  const r = record({ argv: args('ls'), filename: Buffer.from('/bin/ls') });
  t.false(check(t, { ...r, length: r.length - 1 }, 'lengths beyond the record'));
});

test('random records: the byte path equals the general path whenever it writes', (t) => {
  const rand = prng(20261204);
  const alphabet = [0, 0, 0, 0x2d, 0x2f, 0x41, 0x61, 0x61, 0x7a, 0x30, 0x3d, 0x20, 0x22, 0x27, 0x5c, 0x0a, 0x7f, 0xc3, 0xa9, 0xff];
  let taken = 0;
  for (let i = 0; i < 3000; i++) {
    const pick = (n: number) => Buffer.from(Array.from({ length: n }, () => alphabet[Math.floor(rand() * alphabet.length)]!));
    // Mostly safe bytes, so that both outcomes are common.
    const safe = (n: number) => Buffer.from(Array.from({ length: n }, () => (rand() < 0.04 ? 0 : 0x61 + Math.floor(rand() * 26))));
    const argv = rand() < 0.5 ? safe(Math.floor(rand() * 300)) : pick(Math.floor(rand() * 60));
    const filename = rand() < 0.7 ? Buffer.from('/usr/bin/x') : pick(Math.floor(rand() * 12));
    const flags = Math.floor(rand() * 64);
    const retval = rand() < 0.8 ? 0 : -Math.floor(rand() * 140);
    if (check(t, record({ argv, filename, flags, retval, ktime: BigInt(Math.floor(rand() * 2 ** 52)) }, Math.floor(rand() * 8)), `${argv.toString('hex')} ${filename.toString('hex')}`)) taken++;
  }
  t.true(taken > 300 && taken < 2900, `both paths exercised (${taken} of 3000 by bytes)`);
});

test('LineBuffer grows without losing what it holds, and take() hands over a copy', (t) => {
  const b = new LineBuffer(4);
  b.append('ab');
  b.append('çdefghijklmnop');
  const first = b.take();
  t.is(first.toString(), 'abçdefghijklmnop');
  t.true(b.empty);
  b.append('q');
  t.is(first.toString(), 'abçdefghijklmnop', 'the taken bytes are not reused');
  t.is(b.take().toString(), 'q');
});
