// Ring buffer reader benchmark: how many records per second the reader
// drains while a BPF program floods the ring, what each record costs the
// reader, and how long a record takes from the kernel's timestamp to the JS
// callback (wake-up latency). Prints figures; asserts nothing.
//
//   node --import=tsx bench/ringbuf.bench.ts
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { BpfMap } from '../src/map/index.ts';
import { RingBufferReader, type RingBufferOptions } from '../src/ringbuf/index.ts';
import { attachTracepoint } from '../src/link/index.ts';
import { floodRecorder } from '../test/helpers/programs.ts';

const producerBin = (() => {
  const out = `${mkdtempSync(`${tmpdir()}/rb-bench-`)}/syscall-loop`;
  execFileSync('cc', ['-O2', '-o', out, new URL('./native/syscall-loop.c', import.meta.url).pathname]);
  return out;
})();

interface Run {
  records: number;
  seconds: number;
  cpuUs: number;
  latenciesNs: number[];
}

async function run(count: number, gapUs: number, flags: number, opts: RingBufferOptions, ringBytes: number): Promise<Run> {
  const child = spawn(producerBin, [String(count), String(gapUs)], { stdio: ['pipe', 'ignore', 'inherit'] });
  const ring = BpfMap.create({ type: 'RINGBUF', keySize: 0, valueSize: 0, maxEntries: ringBytes, name: 'bench' });
  const prog = floodRecorder(ring, child.pid!, flags);
  const link = attachTracepoint(prog, 'syscalls', 'sys_enter_getppid');
  const reader = new RingBufferReader(ring, opts);
  const latenciesNs: number[] = [];
  let records = 0;
  const wantLatency = gapUs > 0;
  const exited = new Promise<void>((r) => child.on('exit', () => r()));
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const done = reader.consume((d, off) => {
    records++;
    if (wantLatency) latenciesNs.push(Number(process.hrtime.bigint() - d.readBigUInt64LE(off)));
  });
  child.stdin!.end('g');
  await exited;
  // Let the reader catch up with what is already in the ring.
  for (let i = 0; i < 100 && reader.pending() > 0; i++) await new Promise((r) => setTimeout(r, 5));
  await new Promise((r) => setTimeout(r, opts.wakeup === 'interval' ? (opts.intervalMs ?? 10) * 2 : 5));
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  reader.close();
  await done;
  link.close();
  prog.close();
  ring.close();
  return { records, seconds, cpuUs: cpu.user + cpu.system, latenciesNs };
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};

const FLOOD = 3_000_000;
console.log(`ring buffer reader benchmark (node ${process.version}, ${new Date().toISOString()})`);

// The poller's worker thread starts with the first data-mode reader and
// stops with the last. Its start shows as the first records' latency; keep
// one idle reader open afterwards so the runs below measure the steady state.
{
  const cold = await run(50, 1000, 0, { wakeup: 'data' }, 1024 * 1024);
  console.log(
    `cold start (poller worker started by the first reader, ${import.meta.url.endsWith('.ts') ? 'TypeScript sources via tsx' : 'built JavaScript'}): ` +
      `first record after ${(cold.latenciesNs[0]! / 1e6).toFixed(1)} ms`,
  );
}
const idleRing = BpfMap.create({ type: 'RINGBUF', keySize: 0, valueSize: 0, maxEntries: 4096, name: 'idle' });
const idle = new RingBufferReader(idleRing);
await run(200, 500, 0, { wakeup: 'data' }, 1024 * 1024); // warm-up

for (const [label, flags, opts] of [
  ['wake on data (adaptive wake-ups)', 0, { wakeup: 'data' }],
  ['interval 10 ms, producers BPF_RB_NO_WAKEUP', 1, { wakeup: 'interval', intervalMs: 10 }],
] as const) {
  const r = await run(FLOOD, 0, flags, opts, 16 * 1024 * 1024);
  console.log(
    `flood, ${label}: ${r.records} of ${FLOOD} records in ${r.seconds.toFixed(2)} s = ${(r.records / r.seconds / 1e6).toFixed(2)} M records/s drained; ` +
      `reader CPU ${((r.cpuUs * 1000) / r.records).toFixed(0)} ns/record; lost (ring full) ${FLOOD - r.records}`,
  );
}
for (const [label, flags, opts] of [
  ['wake on data', 0, { wakeup: 'data' }],
  ['wake on data, BPF_RB_FORCE_WAKEUP', 2, { wakeup: 'data' }],
  ['interval 10 ms, BPF_RB_NO_WAKEUP', 1, { wakeup: 'interval', intervalMs: 10 }],
] as const) {
  const r = await run(2000, 1000, flags, opts, 1024 * 1024);
  const l = r.latenciesNs;
  console.log(
    `latency, one record per ~1 ms, ${label}: ${l.length} records, kernel timestamp -> JS callback p50 ${(pct(l, 50) / 1000).toFixed(0)} µs, ` +
      `p99 ${(pct(l, 99) / 1000).toFixed(0)} µs, max ${(Math.max(...l) / 1000).toFixed(0)} µs; reader CPU ${(r.cpuUs / r.records).toFixed(1)} µs/record`,
  );
}

idle.close();
idleRing.close();
