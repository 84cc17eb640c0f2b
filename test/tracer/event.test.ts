// decodeExecEvent on records built here (no kernel): argv splitting, the
// intact-prefix rule, and non-UTF-8 arguments, checked against a plain
// argument-by-argument reading on random records.
import test from 'ava';
import { decodeExecEvent, EXEC_EVENT_HEADER, ExecFlags } from '../../src/tracer/event.ts';
import { prng } from '../helpers/prng.ts';

function record(argvBytes: Buffer, filename = '/bin/x', flags = 0): Buffer {
  const file = Buffer.from(filename);
  const b = Buffer.alloc(EXEC_EVENT_HEADER + argvBytes.length + file.length);
  b.writeUInt16LE(file.length, 36);
  b.writeUInt16LE(flags, 38);
  b.writeUInt32LE(argvBytes.length, 40);
  b.write('caller', 48);
  argvBytes.copy(b, EXEC_EVENT_HEADER);
  file.copy(b, EXEC_EVENT_HEADER + argvBytes.length);
  return b;
}

/** The reading the decoder must agree with: whole NUL-terminated arguments, raw bytes kept where not UTF-8. */
function reference(argvBytes: Buffer): { argv: string[]; raw: [number, string][]; cut: boolean } {
  const argv: string[] = [];
  const raw: [number, string][] = [];
  let start = 0;
  for (let nul = argvBytes.indexOf(0); nul >= 0; nul = argvBytes.indexOf(0, start)) {
    const part = argvBytes.subarray(start, nul);
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(part);
    } catch {
      text = part.toString('utf8');
      raw.push([argv.length, part.toString('hex')]);
    }
    argv.push(text);
    start = nul + 1;
  }
  return { argv, raw, cut: start < argvBytes.length };
}

const decode = (argvBytes: Buffer, flags = 0) => {
  const r = record(argvBytes, '/bin/x', flags);
  return decodeExecEvent(r, 0, r.length);
};

test('argv: empty arguments, no arguments, one empty argument', (t) => {
  t.deepEqual(decode(Buffer.from('a\0\0b\0')).argv, ['a', '', 'b']);
  t.deepEqual(decode(Buffer.alloc(0)).argv, []);
  t.deepEqual(decode(Buffer.from('\0')).argv, ['']);
  t.false(decode(Buffer.from('a\0b\0')).truncated);
});

test('bytes after the last NUL are a cut argument: dropped, and truncated is set', (t) => {
  const ev = decode(Buffer.from('ls\0-la\0/very/long/pa'));
  t.deepEqual(ev.argv, ['ls', '-la']);
  t.true(ev.truncated);
  const none = decode(Buffer.from('no-nul-at-all'));
  t.deepEqual(none.argv, []);
  t.true(none.truncated);
  t.true(decode(Buffer.from('a\0'), ExecFlags.ARGV_TRUNCATED).truncated, 'the kernel side says it cut whole arguments');
});

test('UTF-8 arguments decode; arguments that are not UTF-8 keep their raw bytes', (t) => {
  t.deepEqual(decode(Buffer.from('grüß\0日本\0')).argv, ['grüß', '日本']);
  const ev = decode(Buffer.concat([Buffer.from('ok\0'), Buffer.from([0x61, 0xff, 0x62, 0]), Buffer.from('é\0')]));
  t.deepEqual(ev.argv, ['ok', 'a\ufffdb', 'é']);
  t.deepEqual([...(ev.rawArgv ?? [])].map(([i, b]) => [i, b.toString('hex')]), [[1, '61ff62']]);
});

test('random records: the decoder agrees with an argument-by-argument reading', (t) => {
  const rand = prng(20261203);
  const alphabet = [0, 0, 0x20, 0x41, 0x61, 0x7f, 0x80, 0xc3, 0xa9, 0xe6, 0x97, 0xa5, 0xff, 0x2d];
  for (let i = 0; i < 3000; i++) {
    const len = Math.floor(rand() * 40);
    const bytes = Buffer.from(Array.from({ length: len }, () => alphabet[Math.floor(rand() * alphabet.length)]!));
    const ev = decode(bytes);
    const want = reference(bytes);
    t.deepEqual(ev.argv, want.argv, bytes.toString('hex'));
    t.deepEqual([...(ev.rawArgv ?? [])].map(([k, b]) => [k, b.toString('hex')]), want.raw, bytes.toString('hex'));
    t.is(ev.truncated, want.cut, bytes.toString('hex'));
  }
});
