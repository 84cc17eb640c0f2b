// WebAssembly host benchmark: during an exec storm (two workers fork+exec a
// static, libc-free target as fast as they can), how many events per second
// wasm-bpf's execve.wasm handles on our host — each one read from the ring
// buffer on the main thread, copied into the guest, formatted by the guest's
// printf and streamed back as a line — and how much CPU the host process
// spends per 10,000 events; beside the same storm traced by exectrace's own
// ExecTracer in the same process. Prints figures; asserts nothing.
//
//   node --import=tsx bench/wasm.bench.ts [EXECS_PER_WORKER]
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { startWasmBpf } from '../src/wasm/index.ts';
import { ExecTracer } from '../src/tracer/index.ts';

const N = Number(process.argv[2] ?? 5000);
const WORKERS = 2;
const root = new URL('..', import.meta.url).pathname;
const dir = mkdtempSync(`${tmpdir()}/wasm-bench-`);
execFileSync('gcc', ['-O2', '-static', '-nostdlib', '-o', `${dir}/et-target`, `${root}bench/native/target.c`]);
execFileSync('gcc', ['-O2', '-o', `${dir}/exec-storm`, `${root}bench/native/exec-storm.c`]);
const TARGET = `${dir}/et-target`;

interface StormResult {
  execs: number;
  seconds: number;
}

function storm(): Promise<StormResult> {
  const child = spawn(`${dir}/exec-storm`, [String(WORKERS), String(N), TARGET, 'short'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  return new Promise((resolve) =>
    child.on('exit', () => {
      const [execs, ns] = out.trim().split(' ').map(Number);
      resolve({ execs: execs!, seconds: ns! / 1e9 });
    }),
  );
}

interface Traced {
  storm: StormResult;
  /** Events of the storm's target delivered to us. */
  matched: number;
  /** Every event delivered (the machine's other execs too). */
  events: number;
  /** From the storm's start to the last storm event delivered. */
  seconds: number;
  cpuMs: number;
  setupMs: number;
}

/** Waits until `count()` stops growing (or reaches `want`). */
async function settle(count: () => number, want: number): Promise<void> {
  let last = -1;
  for (let i = 0; i < 100; i++) {
    const c = count();
    if (c >= want || c === last) return;
    last = c;
    await sleep(100);
  }
}

async function viaWasm(): Promise<Traced> {
  const t0 = Date.now();
  let matched = 0;
  let events = 0;
  let lastMatch = 0n;
  let pending = '';
  const sink = (chunk: Buffer) => {
    pending += chunk.toString('latin1');
    const nl = pending.lastIndexOf('\n');
    if (nl < 0) return;
    const lines = pending.slice(0, nl).split('\n');
    pending = pending.slice(nl + 1);
    for (const l of lines) {
      if (l.length === 0) continue;
      events++;
      // The guest prints `[pid] comm -> argv`: the storm's children still have the storm's comm when they exec.
      if (l.includes('] exec-storm -> ')) {
        matched++;
        lastMatch = process.hrtime.bigint();
      }
    }
  };
  const guest = await startWasmBpf(readFileSync(`${root}test/fixtures/corpus/wasm-bpf/execve.wasm`), { name: 'execve.wasm', stdout: sink, stderr: () => {} });
  // Attached once the guest polls: wait for its first event (our own exec of true).
  while (events === 0) {
    execFileSync('true');
    await sleep(20);
  }
  const setupMs = Date.now() - t0;
  events = 0;
  matched = 0;
  const cpu0 = process.cpuUsage();
  const start = process.hrtime.bigint();
  const s = await storm();
  await settle(() => matched, s.execs);
  const cpu = process.cpuUsage(cpu0);
  guest.stop('SIGINT');
  await guest.exited;
  return { storm: s, matched, events, seconds: Number(lastMatch - start) / 1e9, cpuMs: (cpu.user + cpu.system) / 1000, setupMs };
}

async function viaTracer(): Promise<Traced> {
  const t0 = Date.now();
  const tracer = ExecTracer.start({ filter: { kind: 'all' } });
  let matched = 0;
  let events = 0;
  let lastMatch = 0n;
  const running = tracer.run((ev) => {
    events++;
    if (ev.filename === TARGET) {
      matched++;
      lastMatch = process.hrtime.bigint();
    }
  });
  const setupMs = Date.now() - t0;
  const cpu0 = process.cpuUsage();
  const start = process.hrtime.bigint();
  const s = await storm();
  await settle(() => matched, s.execs);
  const cpu = process.cpuUsage(cpu0);
  tracer.close();
  await running;
  return { storm: s, matched, events, seconds: Number(lastMatch - start) / 1e9, cpuMs: (cpu.user + cpu.system) / 1000, setupMs };
}

function report(name: string, r: Traced, baseline: number): void {
  const rate = r.matched / r.seconds;
  console.log(
    `${name}: ${rate.toFixed(0)} storm events/s handled (${r.matched} of ${r.storm.execs} execs, loss ${(((r.storm.execs - r.matched) / r.storm.execs) * 100).toFixed(2)} %), ` +
      `storm ${(r.storm.execs / r.storm.seconds).toFixed(0)} execs/s traced vs ${baseline.toFixed(0)} untraced; ` +
      `host CPU ${((r.cpuMs / Math.max(1, r.events)) * 10000).toFixed(0)} ms per 10,000 events (${r.events} events in all, ${r.cpuMs.toFixed(0)} ms); ready in ${r.setupMs} ms`,
  );
}

console.log(`wasm host benchmark: exec storm of ${WORKERS} workers × ${N} execs (node ${process.version}, ${new Date().toISOString()})`);
const untraced = await storm();
const baseline = untraced.execs / untraced.seconds;
report('execve.wasm on exectrace-wasm', await viaWasm(), baseline);
report('ExecTracer (exectrace\'s own) ', await viaTracer(), baseline);
