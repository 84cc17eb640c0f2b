// Exec storm benchmark for the sidecar: two workers fork+exec a static,
// libc-free target as fast as the machine allows, inside a PID namespace,
// once untraced and once traced by the sidecar (built JavaScript, JSON to a
// file), with short and with long (20 × 100-byte) argv. Prints figures;
// asserts nothing.
//
//   npm run build && node --import=tsx bench/exec-storm.bench.ts [EXECS_PER_WORKER] [ROUNDS]
//
// This VM's exec rate moves by a third from one run to the next, so each
// shape runs ROUNDS (default 3) rounds of untraced-then-traced and the
// summary gives medians with their range.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, openSync, readlinkSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { awaitReady, listenPort, dropFullCodeCache, SIDECAR_ENV } from './sidecar.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import { sys } from '../src/syscall/index.ts';
import { ProgInfo } from '../src/syscall/abi/index.ts';

const N = Number(process.argv[2] ?? 5000);
const ROUNDS = Number(process.argv[3] ?? 3);
const WORKERS = 2;
const root = new URL('..', import.meta.url).pathname;
const dir = mkdtempSync(`${tmpdir()}/exec-storm-`);
execFileSync('gcc', ['-O2', '-static', '-nostdlib', '-o', `${dir}/et-target`, `${root}bench/native/target.c`]);
execFileSync('gcc', ['-O2', '-o', `${dir}/exec-storm`, `${root}bench/native/exec-storm.c`]);
execFileSync('npm', ['run', '--silent', 'build'], { cwd: root });
const TARGET = `${dir}/et-target`;
const MAIN = `${root}dist/bundle/exectrace.cjs`;
const TICK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }));

const statsFile = '/proc/sys/kernel/bpf_stats_enabled';
const statsBefore = readFileSync(statsFile, 'utf8').trim();
writeFileSync(statsFile, '1');

interface Storm {
  inode: number;
  go(): void;
  result: Promise<{ execs: number; ns: number }>;
}

async function stormInPidns(mode: 'short' | 'long'): Promise<Storm> {
  const child = spawn('unshare', ['--pid', '--fork', 'sh', '-c', `read go; exec ${dir}/exec-storm ${WORKERS} ${N} ${TARGET} ${mode}`], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  const result = new Promise<{ execs: number; ns: number }>((resolve) =>
    child.on('exit', () => {
      const [execs, ns] = out.trim().split(' ').map(Number);
      resolve({ execs: execs!, ns: ns! });
    }),
  );
  const mine = readlinkSync('/proc/self/ns/pid');
  for (;;) {
    try {
      const link = readlinkSync(`/proc/${child.pid}/ns/pid_for_children`);
      if (link !== mine) return { inode: Number(/\[(\d+)\]/.exec(link)![1]), go: () => child.stdin.end('go\n'), result };
    } catch {
      // not yet
    }
    await sleep(2);
  }
}

function cpuTicks(pid: number): { user: number; system: number } {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return { user: Number(rest[11]), system: Number(rest[12]) };
}

/** CPU ticks (user + system) per thread: the main thread, and the rest together (Node names them all "node"). */
function threadTicks(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const f = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = tid === String(pid) ? 'main' : 'other threads';
      const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
      out.set(name, (out.get(name) ?? 0) + Number(rest[11]) + Number(rest[12]));
      out.set(`${name} (kernel)`, (out.get(`${name} (kernel)`) ?? 0) + Number(rest[12]));
    } catch {
      // the thread ended
    }
  }
  return out;
}

function statusKb(pid: number, key: string): number {
  const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}

/** run_time_ns and run_cnt of the sidecar's programs (ids not in `before`). */
function progStats(before: Set<number>): Map<string, { ns: bigint; cnt: bigint }> {
  const out = new Map<string, { ns: bigint; cnt: bigint }>();
  for (let id = sys.nextId('PROG', 0); id !== undefined; id = sys.nextId('PROG', id)) {
    if (before.has(id)) continue;
    const fd = sys.fdById('PROG', id);
    if (fd === undefined) continue;
    const info = sys.objGetInfo(fd, ProgInfo);
    sys.closeFd(fd);
    out.set(info.name, { ns: info.run_time_ns, cnt: info.run_cnt });
  }
  return out;
}

function allProgIds(): Set<number> {
  const s = new Set<number>();
  for (let id = sys.nextId('PROG', 0); id !== undefined; id = sys.nextId('PROG', id)) s.add(id);
  return s;
}


interface Round {
  ratio: number;
  uRate: number;
  tRate: number;
  execs: number;
  logged: number;
  lost: number;
  cpuUs: number;
  sysUs: number;
  bpfNs: number;
  rssMb: number;
  readyMs: number;
  /** µs per event by thread. */
  threads: string;
}

/** One untraced storm, then the same storm traced by a freshly started sidecar. */
async function round(mode: 'short' | 'long'): Promise<Round> {
  const untraced = await stormInPidns(mode);
  untraced.go();
  const u = await untraced.result;
  const uRate = u.execs / (u.ns / 1e9);

  const storm = await stormInPidns(mode);
  const before = allProgIds();
  const outFile = `${dir}/sidecar-${mode}.jsonl`;
  const port = listenPort();
  // A first start, as in a new container: only the build's code cache.
  dropFullCodeCache(`${root}dist/bundle`);
  const t0 = process.hrtime.bigint();
  const sc = spawn(process.execPath, [...(process.env.SIDECAR_NODE_FLAGS ?? '--max-semi-space-size=2 --single-threaded-gc').split(' ').filter(Boolean), MAIN, '--init-address', `127.0.0.1:${port}`, '--format', 'json'], {
    stdio: ['ignore', openSync(outFile, 'w'), 'inherit'],
    env: SIDECAR_ENV,
  });
  let exited = false;
  sc.on('exit', () => (exited = true));
  // Ready: the handshake answered (204 comes only once tracing is live).
  const readyMs = await awaitReady(port, String(storm.inode), t0, () => exited);
  const cpu0 = cpuTicks(sc.pid!);
  const threads0 = threadTicks(sc.pid!);
  const p0 = progStats(before);
  storm.go();
  const s = await storm.result;
  const tRate = s.execs / (s.ns / 1e9);
  // Let the sidecar drain and write what is still in the ring (interval reader).
  const count = () => readFileSync(outFile, 'utf8').split('\n').filter((l) => l.includes(`"filename":"${TARGET}"`)).length;
  let logged = count();
  for (let i = 0; i < 50; i++) {
    await sleep(50);
    const c = count();
    if (c === logged && c >= s.execs) break;
    logged = c;
  }
  logged = count();
  const cpu1 = cpuTicks(sc.pid!);
  const threads1 = threadTicks(sc.pid!);
  const p1 = progStats(before);
  const rssKb = statusKb(sc.pid!, 'VmHWM');
  sc.kill('SIGTERM');
  await new Promise((r) => sc.on('exit', r));
  const lost = readFileSync(outFile, 'utf8').split('\n').filter((l) => l.includes('"msg":"events lost"')).length;

  let bpfNs = 0n;
  for (const [name, a] of p1) {
    const b = p0.get(name);
    if (b) bpfNs += a.ns - b.ns;
  }
  const perEvent = (ticks: number) => ((ticks / TICK) * 1e6) / Math.max(1, logged);
  const cpuUsPerEvent = perEvent(cpu1.user - cpu0.user + cpu1.system - cpu0.system);
  const threads = [...threads1]
    .map(([name, ticks]) => [name, perEvent(ticks - (threads0.get(name) ?? 0))] as const)
    .filter(([, us]) => us > 0)
    .map(([name, us]) => `${name} ${us.toFixed(1)}`)
    .join(', ');
  const sysUsPerEvent = perEvent(cpu1.system - cpu0.system);
  return {
    ratio: tRate / uRate, uRate, tRate, execs: s.execs, logged, lost, cpuUs: cpuUsPerEvent, sysUs: sysUsPerEvent,
    bpfNs: Number(bpfNs) / s.execs, rssMb: rssKb / 1024, readyMs, threads,
  };
}

const median = (xs: number[]): number => {
  const v = [...xs].sort((x, y) => x - y);
  return v.length % 2 ? v[(v.length - 1) / 2]! : (v[v.length / 2 - 1]! + v[v.length / 2]!) / 2;
};
const span = (xs: number[], digits: number): string =>
  `${median(xs).toFixed(digits)} (${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)})`;

console.log(`exec storm: ${WORKERS} workers × ${N} execs of a static no-libc binary, in a PID namespace, ${ROUNDS} rounds of untraced then traced per argv shape (node ${process.version}, ${new Date().toISOString()})`);
try {
  for (const mode of ['short', 'long'] as const) {
    const rounds: Round[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const r = await round(mode);
      rounds.push(r);
      console.log(
        `  ${mode} round ${i + 1}: untraced ${r.uRate.toFixed(0)} execs/s, traced ${r.tRate.toFixed(0)} execs/s, ratio ${r.ratio.toFixed(3)}; ` +
          `logged ${r.logged} of ${r.execs} (${r.lost} "events lost" warnings); sidecar CPU ${r.cpuUs.toFixed(1)} µs/event (${r.sysUs.toFixed(1)} in the kernel; by thread: ${r.threads}); ` +
          `BPF ${r.bpfNs.toFixed(0)} ns/exec; RSS peak ${r.rssMb.toFixed(1)} MB; ready ${r.readyMs.toFixed(0)} ms`,
      );
    }
    const execs = rounds.reduce((n, r) => n + r.execs, 0);
    const logged = rounds.reduce((n, r) => n + r.logged, 0);
    console.log(
      `${mode} argv, median (min–max) of ${ROUNDS}: ratio ${span(rounds.map((r) => r.ratio), 3)}; logged ${logged} of ${execs} (loss ${(((execs - logged) / execs) * 100).toFixed(2)} %); ` +
        `sidecar CPU ${span(rounds.map((r) => r.cpuUs), 1)} µs/event; BPF ${span(rounds.map((r) => r.bpfNs), 0)} ns/exec; ` +
        `RSS peak ${span(rounds.map((r) => r.rssMb), 1)} MB; ready ${span(rounds.map((r) => r.readyMs), 0)} ms`,
    );
  }
} finally {
  writeFileSync(statsFile, statsBefore);
}
