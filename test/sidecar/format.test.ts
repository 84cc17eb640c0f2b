import test from 'ava';
import { Writable } from 'node:stream';
import { execFields, execLine } from '../../src/sidecar/format.ts';
import { createLogger } from '../../src/sidecar/log.ts';
import type { ExecEvent } from '../../src/tracer/index.ts';

const ev: ExecEvent = {
  ktimeNs: 1n, pid: 920684, tid: 920684, ppid: 100, nsPid: 42, nsLevel: 0, uid: 101000, gid: 101000, retval: 0,
  comm: 'bash', filename: '/usr/bin/uname', argv: ['uname', '-a'], truncated: false, execveat: false, flags: 0,
};

test('exec lines have exactly the original envelope and field meanings', async (t) => {
  const chunks: string[] = [];
  const sink = new Writable({ write(c, _e, cb) { chunks.push(String(c)); cb(); } });
  const log = createLogger(sink);
  log.exec(execFields(ev, { team: 'x' }), '2022-02-28T20:29:38.038452202Z');
  log.endBatch();
  await log.flush();
  const text = chunks.join('').trim();
  // The pino path (diagnostics) writes the same envelope.
  chunks.length = 0;
  log.log('info', 'exec', execFields(ev, { team: 'x' }), '2022-02-28T20:29:38.038452202Z');
  await log.flush();
  t.is(chunks.join('').trim(), text);
  t.true(text.startsWith('{"ts":"2022-02-28T20:29:38.038452202Z","level":"INFO","msg":"exec","fields":{"labels":{"team":"x"},"cmdline":"uname -a","event":{"filename":"/usr/bin/uname","argv":["uname","-a"],"truncated":false,"pid":920684,"uid":101000,"gid":101000,"comm":"bash"'), text);
  const j = JSON.parse(text) as { fields: { event: Record<string, unknown> } };
  t.like(j.fields.event, { ppid: 100, ns_pid: 42, syscall: 'execve', ret: 0 });
  t.false('error' in j.fields.event);
});

test('a failed attempt carries its errno; the text line is compact', (t) => {
  const failed = { ...ev, retval: -2, argv: ['nope'], filename: '/bin/nope' };
  t.like((execFields(failed, {}) as { event: object }).event, { ret: -2, error: 'ENOENT' });
  t.is(execLine(ev, 'T'), 'T pid=920684 nspid=42 ppid=100 uid=101000 bash: /usr/bin/uname uname -a\n');
  t.regex(execLine(failed, 'T'), /\/bin\/nope \[ENOENT\] nope/);
});

test('diagnostics use the same envelope with other msgs and levels', async (t) => {
  const chunks: string[] = [];
  const log = createLogger(new Writable({ write(c, _e, cb) { chunks.push(String(c)); cb(); } }));
  log.log('warn', 'events lost', { count: 3, total: 7 });
  await log.flush();
  const j = JSON.parse(chunks.join('')) as Record<string, unknown>;
  t.deepEqual(Object.keys(j), ['ts', 'level', 'msg', 'fields']);
  t.like(j, { level: 'WARN', msg: 'events lost', fields: { count: 3, total: 7 } });
  t.regex(j.ts as string, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
});

test('the fast exec line is exactly the envelope around execFields, for every kind of event', async (t) => {
  const { execLineJson } = await import('../../src/sidecar/format.ts');
  const cases: ExecEvent[] = [
    ev,
    { ...ev, retval: -13, argv: ['a "quoted"', 'back\\slash', 'new\nline', '', 'ünï'], filename: '/x y', truncated: true, execveat: true },
    { ...ev, argv: ['/bin/sh', '-c', 'echo $HOME', 'plain', "it's", '\t', '\u2028', '\ud800', 'x'.repeat(5000), 'a=b,c:d@e%f+g/h.i-j_k'] },
    { ...ev, argv: [] },
    { ...ev, argv: ['x', 'a\ufffdb'], rawArgv: new Map([[1, Buffer.from([0x61, 0xff, 0x62])]]), rawFilename: Buffer.from([0xfe]) },
  ];
  for (const e of cases) {
    const labels = { team: 'x', 'k"ey': 'v\\al' };
    const fast = execLineJson(e, JSON.stringify(labels), 'T');
    t.true(fast.endsWith('\n'));
    t.deepEqual(JSON.parse(fast), { ts: 'T', level: 'INFO', msg: 'exec', fields: execFields(e, labels) });
    t.is(fast, `${JSON.stringify({ ts: 'T', level: 'INFO', msg: 'exec', fields: execFields(e, labels) })}\n`, 'byte for byte');
  }
});
