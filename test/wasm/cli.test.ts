import test from 'ava';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { kernelTest } from '../helpers/kernel.ts';
import { makeMarker } from '../helpers/marker.ts';
import { CORPUS } from '../helpers/corpus.ts';

const CLI = new URL('../../src/cli/exectrace-wasm.ts', import.meta.url).pathname;
const W = `${CORPUS}wasm-bpf`;
const run = (...args: string[]) => spawnSync(process.execPath, ['--import=tsx', CLI, ...args], { encoding: 'utf8', timeout: 30000 });

test('run: the guest\'s exit status is the command\'s', (t) => {
  const ok = run('run', `${W}/normal_exit.wasm`);
  t.is(ok.status, 0, ok.stderr);
  t.is(ok.stderr, '', 'no experimental-feature warning or other noise');
  t.is(run('run', `${W}/abnormal_exit.wasm`).status, 1);
});

test('usage errors exit 2 with the help text; unreadable or invalid modules exit 1 with the reason', (t) => {
  const none = run();
  t.is(none.status, 2);
  t.regex(none.stdout, /Usage:/);
  const bad = run('frobnicate', 'x.wasm');
  t.is(bad.status, 2);
  t.regex(bad.stderr, /unknown command "frobnicate"/);
  t.is(run('run', '--grace-ms', 'soon', `${W}/normal_exit.wasm`).status, 2);
  const missing = run('run', '/nonexistent/x.wasm');
  t.is(missing.status, 1);
  t.regex(missing.stderr, /cannot read \/nonexistent\/x\.wasm/);
  const dir = mkdtempSync(`${tmpdir()}/wasm-cli-`);
  writeFileSync(`${dir}/junk.wasm`, 'junk');
  const junk = run('run', `${dir}/junk.wasm`);
  t.is(junk.status, 1);
  t.regex(junk.stderr, /exectrace-wasm: junk\.wasm: /);
});

/** Starts the CLI; resolves when stdout has a line matching `re`, with the process. */
function startUntil(args: string[], re: RegExp, poke: () => void) {
  const child = spawn(process.execPath, ['--import=tsx', CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const seen = new Promise<string>((resolve, reject) => {
    const timer = setInterval(poke, 200);
    const fail = setTimeout(() => {
      clearInterval(timer);
      reject(new Error(`no line matching ${re} in 20 s; stdout: ${out.slice(-1000)} stderr: ${err}`));
    }, 20000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => re.test(l));
      if (line !== undefined) {
        clearInterval(timer);
        clearTimeout(fail);
        resolve(line);
      }
    });
  });
  return { child, exited, seen, output: () => ({ out, err }) };
}

kernelTest('run execve.wasm: the marker exec is printed as it happens; SIGINT makes the guest leave its loop and exit 0', async (t) => {
  const marker = makeMarker();
  const p = startUntil(['run', `${W}/execve.wasm`], new RegExp(` -> ${marker.path}`), () => marker.run());
  try {
    const line = await p.seen;
    t.regex(line, /^\[\d+\] \S+ -> /);
    t.is(p.child.exitCode, null, 'still running when the line arrived');
    p.child.kill('SIGINT');
    t.is(await p.exited, 0, p.output().err);
  } finally {
    p.child.kill('SIGKILL');
    marker.remove();
  }
});

kernelTest('run go-execve.wasm: a guest that ignores the stop is terminated after --grace-ms with 128 + SIGTERM', async (t) => {
  const marker = makeMarker();
  const p = startUntil(['run', '--grace-ms', '300', `${W}/go-execve.wasm`], new RegExp(`-> ${marker.path}`), () => marker.run());
  try {
    await p.seen;
    const t0 = Date.now();
    p.child.kill('SIGTERM');
    t.is(await p.exited, 143);
    t.true(Date.now() - t0 < 5000);
    t.regex(p.output().err, /go-execve\.wasm was terminated: still running 300 ms after SIGTERM/);
  } finally {
    p.child.kill('SIGKILL');
    marker.remove();
  }
});
