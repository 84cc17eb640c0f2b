import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExecTracer, type ExecEvent } from '../../src/tracer/index.ts';
import { kernelTest, bpfFdsOfProcess, assertNoLeaks } from '../helpers/kernel.ts';
import { inNewPidns } from '../helpers/pidns.ts';
import { etExec } from '../helpers/sidecar.ts';
import { makeMarker } from '../helpers/marker.ts';

kernelTest('2,000 execs right after fork, with argv in not-yet-touched read-only data, are all logged whole', async (t) => {
  const before = await bpfFdsOfProcess();
  const helper = etExec();
  const marker = makeMarker();
  const ns = await inNewPidns(`${helper} storm 2000 ${marker.path}`);
  const tracer = ExecTracer.start({ filter: { kind: 'pidns', inode: ns.inode } });
  const got: ExecEvent[] = [];
  const run = tracer.run((ev) => {
    if (ev.filename === marker.path) got.push(ev);
  });
  ns.go();
  t.is(await ns.exited, 0);
  for (let i = 0; i < 100 && got.length < 2000; i++) await new Promise((r) => setTimeout(r, 20));
  const stats = tracer.stats();
  tracer.close();
  await run;
  t.is(got.length, 2000, `dropped ${stats.dropped}, busy ${stats.busy}`);
  t.true(got.every((e) => e.argv.join(' ') === 'et-storm-child literal-argument-one literal-argument-two' && !e.truncated));
  t.is(stats.dropped, 0n);
  marker.remove();
  await assertNoLeaks(t, before);
});

kernelTest('for await over the tracer; the filter set after start; AbortSignal ends the iteration', async (t) => {
  const marker = makeMarker();
  const ac = new AbortController();
  const tracer = ExecTracer.start({ signal: ac.signal });
  t.deepEqual(tracer.filter, { kind: 'none' });
  marker.run(); // not traced yet
  tracer.setFilter({ kind: 'all' });
  t.throws(() => tracer.setFilter({ kind: 'pidns', inode: -1 }), { message: /inode is an integer/ });
  const seen: string[] = [];
  const loop = (async () => {
    for await (const ev of tracer) {
      if (ev.filename === marker.path) {
        seen.push(ev.argv.join(' '));
        ac.abort();
      }
    }
  })();
  spawnSync(marker.path, ['second'], { argv0: 'marker' });
  await loop;
  t.deepEqual(seen, ['marker second'], 'only the exec after the filter was set');
  t.true(tracer.closed);
  marker.remove();
});

kernelTest('failed attempts are logged with their errno, or not at all with logFailures: false', async (t) => {
  for (const logFailures of [true, false]) {
    const tracer = ExecTracer.start({ filter: { kind: 'all' }, logFailures });
    const missing = `/nonexistent/et-${process.pid}-${logFailures}`;
    const got: ExecEvent[] = [];
    const run = tracer.run((ev) => {
      if (ev.filename === missing) got.push(ev);
    });
    spawnSync(missing, ['x']);
    await new Promise((r) => setTimeout(r, 100));
    tracer.close();
    await run;
    if (logFailures) t.like(got[0], { retval: -2, argv: [missing, 'x'] });
    else t.is(got.length, 0);
  }
});

kernelTest('a full ring buffer loses records, and the loss is counted', async (t) => {
  const helper = etExec();
  const marker = makeMarker();
  const ns = await inNewPidns(`${helper} storm 300 ${marker.path}`);
  // A 4 KiB ring drained once a second cannot hold 300 records.
  const tracer = ExecTracer.start({ filter: { kind: 'pidns', inode: ns.inode }, ringSize: 4096, intervalMs: 1000 });
  let got = 0;
  const run = tracer.run(() => got++);
  ns.go();
  await ns.exited;
  const s = tracer.stats();
  tracer.close();
  await run;
  t.true(s.dropped > 0n, 'drops were counted');
  t.is(Number(s.events + s.dropped), 301, '300 children and the helper itself: each either delivered or counted');
  marker.remove();
});

kernelTest('the program loads under a sampling profiler (SIGPROF every 100 µs interrupts the verifier)', (t) => {
  // The verifier abandons a load with EAGAIN when a signal is pending; the
  // loader's retries block signals, so a profiled process can still load.
  const dir = mkdtempSync(join(tmpdir(), 'et-prof-'));
  const tracerModule = new URL('../../src/tracer/index.ts', import.meta.url).pathname;
  const script = `import { ExecTracer } from ${JSON.stringify(tracerModule)}; for (let i = 0; i < 3; i++) ExecTracer.start().close(); console.log('loaded');`;
  const r = spawnSync(process.execPath, ['--import=tsx', '--cpu-prof', `--cpu-prof-dir=${dir}`, '--cpu-prof-interval', '100', '--input-type=module', '-e', script], { encoding: 'utf8', cwd: new URL('../..', import.meta.url).pathname });
  rmSync(dir, { recursive: true, force: true });
  t.is(r.status, 0, r.stderr.slice(-2000));
  t.is(r.stdout.trim(), 'loaded');
});
