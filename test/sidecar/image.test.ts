// No Docker engine runs here: the Dockerfile's final stage is the output of
// docker/assemble.sh, so we run that script into a directory and check the
// image's layout and entry point from there.
import test from 'ava';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { kernelTest } from '../helpers/kernel.ts';

const root = new URL('../..', import.meta.url).pathname;
let dest: string | undefined;
function image(): string {
  if (!dest) {
    dest = mkdtempSync(`${tmpdir()}/et-image-`);
    execFileSync('sh', ['docker/assemble.sh', dest], { cwd: root, stdio: 'pipe' });
  }
  return dest;
}

test('the Dockerfile builds with docker/assemble.sh and ships /opt/exectrace', (t) => {
  const df = readFileSync(`${root}Dockerfile`, 'utf8');
  t.regex(df, /RUN sh docker\/assemble\.sh \/opt/);
  t.regex(df, /ENTRYPOINT \["\/opt\/exectrace"\]/);
});

test('image layout: entry point, compiled code, BPF object, production dependencies only', (t) => {
  const d = image();
  t.true(existsSync(`${d}/exectrace`));
  t.true(existsSync(`${d}/exectrace-app/dist/bundle/main.cjs`));
  t.true(existsSync(`${d}/exectrace-app/dist/bundle/exectrace.cjs`));
  t.true(existsSync(`${d}/exectrace-app/bpf/exectrace.bpf.o`));
  const modules = readdirSync(`${d}/exectrace-app/node_modules`);
  for (const dep of ['ffi-rs', 'pino']) t.true(modules.includes(dep), dep);
  for (const dev of ['ava', 'typescript', 'tsx', '@types']) t.false(modules.includes(dev), `${dev} is a dev dependency`);
  t.false(existsSync(`${d}/exectrace-app/src`), 'no TypeScript sources');
  const r = spawnSync(`${d}/exectrace`, ['--version'], { encoding: 'utf8' });
  t.is(r.status, 0, r.stderr);
  t.regex(r.stdout, /^exectrace \d+\.\d+\.\d+/);
  const h = spawnSync(`${d}/exectrace`, ['--help'], { encoding: 'utf8' });
  t.regex(h.stdout, /--init-address HOST:PORT/);
});

kernelTest('the image entry point traces (--local) and stops cleanly on SIGTERM', async (t) => {
  const d = image();
  const child = spawn(`${d}/exectrace`, ['--local', '--format', 'json'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  for (let i = 0; i < 200 && !out.includes('"msg":"tracing"'); i++) await new Promise((r) => setTimeout(r, 25));
  t.true(out.includes('"msg":"tracing"'), out);
  spawnSync('/bin/true', ['image-check']);
  await new Promise((r) => setTimeout(r, 100));
  child.kill('SIGTERM');
  t.is(await exited, 0);
  t.true(out.includes('"cmdline":"/bin/true image-check"'));
});
