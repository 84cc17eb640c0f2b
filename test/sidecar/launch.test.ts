// The exectrace launcher (src/sidecar/launch.cjs): the bundle runs from the
// build's code cache, writes a fuller one once tracing is live, uses that
// next time, and runs as usual whatever the cache files hold.
import test from 'ava';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { kernelTest } from '../helpers/kernel.ts';

const root = new URL('../..', import.meta.url).pathname;
let built = false;
const copies: string[] = [];
/** A fresh copy of the built dist/bundle inside dist/ (so that node_modules, bpf/ and package.json are found above it). */
function bundleCopy(): string {
  if (!built) {
    execFileSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'pipe' });
    built = true;
  }
  const dir = `${root}dist/launch-test-${process.pid}-${copies.length}`;
  rmSync(dir, { recursive: true, force: true });
  cpSync(`${root}dist/bundle`, dir, { recursive: true });
  copies.push(dir);
  return dir;
}
test.after.always(() => {
  for (const dir of copies) rmSync(dir, { recursive: true, force: true });
});

const caches = (d: string) => readdirSync(d).filter((f) => f.endsWith('.v8cache')).sort();
/** The path of the `kind` cache in `d`: its name carries the build's hash. */
const cacheFile = (d: string, kind: 'init' | 'full') => `${d}/${caches(d)[0]!.replace(/\.init\.v8cache$/, `.${kind}.v8cache`)}`;
const run = (d: string, args: string[]) =>
  spawnSync(`${d}/exectrace.cjs`, args, { encoding: 'utf8', env: { ...process.env, EXECTRACE_DEBUG_CODE_CACHE: '1' } });

test('the build leaves the cache of the top-level code, and V8 takes it', (t) => {
  const d = bundleCopy();
  t.is(caches(d).length, 1);
  t.regex(caches(d)[0]!, new RegExp(`^main\\.cjs\\.[0-9a-f]{16}\\.${process.version}-${process.arch}\\.init\\.v8cache$`));
  const r = run(d, ['--version']);
  t.is(r.status, 0, r.stderr);
  t.regex(r.stdout, /^exectrace \d+\.\d+\.\d+/);
  t.regex(r.stderr, /code cache init/);
});

test('a cache file that is not V8\'s is refused and the command runs as usual', (t) => {
  const d = bundleCopy();
  writeFileSync(cacheFile(d, 'init'), 'not a cache');
  const r = run(d, ['--help']);
  t.is(r.status, 0, r.stderr);
  t.regex(r.stdout, /--init-address/);
  t.regex(r.stderr, /code cache none/);
});

kernelTest('once tracing is live a full cache is written, and the next start uses it', async (t) => {
  const d = bundleCopy();
  const child = spawn(`${d}/exectrace.cjs`, ['--use-local-pidns', '--format', 'json'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const full = cacheFile(d, 'full');
  for (let i = 0; i < 200 && !existsSync(full); i++) await new Promise((r) => setTimeout(r, 25));
  child.kill('SIGTERM');
  t.is(await exited, 0);
  t.true(out.includes('"msg":"tracing"'), out);
  t.true(existsSync(full), 'full cache written');
  t.false(caches(d).some((f) => f.endsWith('.tmp')), 'no temporary file left');
  const r = run(d, ['--version']);
  t.is(r.status, 0, r.stderr);
  t.regex(r.stderr, /code cache full/);
});
