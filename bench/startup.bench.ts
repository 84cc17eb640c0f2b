// Start-up of the sidecar: from spawning the exectrace command (the
// launcher, as the image runs it) to the init handshake's 204, which the
// sidecar sends only once tracing is live. Each start POSTs this process's
// own PID namespace. Two series: as in a new container (only the code cache
// the build made) and as a restart on the same installation (the fuller
// cache a previous start wrote). Prints figures; asserts nothing.
//
//   npm run build && node --import=tsx bench/startup.bench.ts [STARTS]
import { spawn, execFileSync } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { awaitReady, listenPort, dropFullCodeCache, SIDECAR_ENV } from './sidecar.ts';
import { setTimeout as sleep } from 'node:timers/promises';

const STARTS = Number(process.argv[2] ?? 15);
const root = new URL('..', import.meta.url).pathname;
const bundle = `${root}dist/bundle`;
execFileSync('npm', ['run', '--silent', 'build'], { cwd: root });
const LAUNCHER = `${bundle}/exectrace.cjs`;
const inode = /\[(\d+)\]/.exec(readlinkSync('/proc/self/ns/pid'))![1]!;


/** ms from spawn to 204; the sidecar then runs `keepMs` (long enough to write its full code cache) and is stopped. */
async function start(keepMs: number): Promise<number> {
  const port = listenPort();
  const t0 = process.hrtime.bigint();
  const child = spawn(LAUNCHER, ['--init-address', `127.0.0.1:${port}`, '--format', 'json'], { stdio: 'ignore', env: SIDECAR_ENV });
  let gone = false;
  const exited = new Promise((r) => child.on('exit', () => r((gone = true))));
  const ms = await awaitReady(port, inode, t0, () => gone);
  await sleep(keepMs);
  child.kill('SIGTERM');
  await exited;
  return ms;
}

const summary = (xs: number[]) => {
  const v = [...xs].sort((a, b) => a - b);
  const q = (p: number) => v[Math.min(v.length - 1, Math.floor(p * v.length))]!;
  return `min ${v[0]!.toFixed(0)}, median ${q(0.5).toFixed(0)}, p90 ${q(0.9).toFixed(0)}, max ${v[v.length - 1]!.toFixed(0)} ms`;
};

console.log(`sidecar start → handshake answered, ${STARTS} starts per series (node ${process.version}, ${new Date().toISOString()})`);
const fresh: number[] = [];
for (let i = 0; i < STARTS; i++) {
  dropFullCodeCache(bundle);
  fresh.push(await start(0));
}
console.log(`  new container (build's code cache only): ${summary(fresh)}`);
dropFullCodeCache(bundle);
await start(1500); // writes the full cache
const warm: number[] = [];
for (let i = 0; i < STARTS; i++) warm.push(await start(0));
console.log(`  restart (full code cache):               ${summary(warm)}`);
