import { spawnSync } from 'node:child_process';
import { BpfProgram } from '../../src/prog/index.ts';
import { KernelError } from '../../src/syscall/index.ts';
import { kernelTest, bpfFdsOfProcess, assertNoLeaks } from '../helpers/kernel.ts';
import { returnConstant, uninitialisedRead } from '../helpers/programs.ts';

kernelTest('PROG_LOAD and PROG_TEST_RUN: an XDP program returns its constant', async (t) => {
  const before = await bpfFdsOfProcess();
  const prog = BpfProgram.load({ type: 'XDP', name: 'ret7', insns: returnConstant(7) });
  const r = prog.testRun({ dataIn: Buffer.alloc(64), repeat: 3 });
  t.is(r.retval, 7);
  const info = prog.info();
  t.is(info.name, 'ret7');
  t.is(info.type, 6);
  t.true(info.id > 0);
  prog.close();
  prog.close(); // harmless
  t.throws(() => prog.fd, { message: /program "ret7" is closed/ });
  await assertNoLeaks(t, before);
});

kernelTest('a program the verifier rejects: the error carries the verifier log', (t) => {
  const err = t.throws(() => BpfProgram.load({ type: 'XDP', name: 'bad', insns: uninitialisedRead() }));
  t.true(err instanceof KernelError);
  const k = err as KernelError;
  t.is(k.code, 'EACCES');
  t.regex(k.message, /bpf\(BPF_PROG_LOAD\) for program "bad" failed: EACCES \(13\)/);
  t.regex(k.message, /R2 !read_ok/, "the verifier's words are in the message");
  t.regex(k.log ?? '', /R2 !read_ok/);
});

kernelTest('a malformed instruction stream is refused before the kernel', (t) => {
  t.throws(() => BpfProgram.load({ type: 'XDP', name: 'odd', insns: new Uint8Array(12) }), { message: /multiple of 8/ });
});

kernelTest('without capabilities, EPERM names the missing privilege', (t) => {
  // setpriv drops every capability (bounding set included) from a root child.
  const script = `
    import { BpfMap } from './src/map/index.ts';
    import { BpfProgram } from './src/prog/index.ts';
    import { returnConstant } from './test/helpers/programs.ts';
    const out = [];
    try { BpfMap.create({ type: 'ARRAY', keySize: 4, valueSize: 4, maxEntries: 1, name: 'x' }); out.push('map ok'); } catch (e) { out.push(e.message); }
    try { BpfProgram.load({ type: 'TRACEPOINT', name: 'y', insns: returnConstant(0) }); out.push('prog ok'); } catch (e) { out.push(e.message); }
    console.log(JSON.stringify(out));
  `;
  const r = spawnSync(
    'setpriv',
    ['--inh-caps=-all', '--ambient-caps=-all', '--bounding-set=-all', '--', process.execPath, '--import=tsx', '--input-type=module', '-e', script],
    { encoding: 'utf8', cwd: process.cwd() },
  );
  t.is(r.status, 0, r.stderr);
  const [mapErr, progErr] = JSON.parse(r.stdout.trim().split('\n').pop()!) as string[];
  t.regex(mapErr!, /BPF_MAP_CREATE.*EPERM \(1\).*creating BPF maps and loading BTF needs CAP_BPF or CAP_SYS_ADMIN; this process lacks CAP_BPF/);
  t.regex(progErr!, /BPF_PROG_LOAD.*EPERM.*loading tracing programs needs CAP_BPF \+ CAP_PERFMON or CAP_SYS_ADMIN; this process lacks CAP_BPF, CAP_PERFMON/);
});

kernelTest('a log buffer too small for the verifier grows until the whole log fits (ENOSPC retry)', (t) => {
  const err = t.throws(() => BpfProgram.load({ type: 'XDP', name: 'bad', insns: uninitialisedRead(), logSize: 16 })) as KernelError;
  t.regex(err.log ?? '', /^0: \(bf\) r0 = r2\nR2 !read_ok/m, 'the log is complete, from its first line');
  t.true((err.log ?? '').includes('processed 1 insns') || (err.log ?? '').includes('R2 !read_ok'));
});
