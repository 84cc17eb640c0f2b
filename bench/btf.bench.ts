/**
 * Cold-start cost of kernel BTF for a process tracer:
 *
 *   node --import=tsx bench/btf.bench.ts [path] [runs]
 *
 * path defaults to /sys/kernel/btf/vmlinux, runs to 7. Each run is a fresh
 * Node process (the cost that matters is the first, un-JITted one, and a
 * process can only be cold once), doing:
 *   - index: Btf.parse (header, string table bounds, record offset walk);
 *   - resolve: what exectrace's handler needs via CO-RE: task_struct and
 *     real_parent/tgid/pid/nsproxy/mm, nsproxy.pid_ns_for_children,
 *     pid_namespace.ns.inum/level/parent, mm_struct.arg_start/arg_end,
 *     sizeof(linux_binprm);
 *   - memory: heap, ArrayBuffer and RSS growth over both. The file is read
 *     before the baseline (its bytes are the input, as an ELF section would
 *     be), and reported separately.
 * Prints every run and the median; this machine may be shared, so the
 * spread is part of the answer.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Btf } from '../src/btf/index.ts';
import { tracerOffsets } from '../test/helpers/tracer-btf.ts';

interface Result {
  path: string; fileBytes: number; types: number; readMs: number; indexMs: number; resolveMs: number;
  heapDelta: number; heapRetained: number; arrayBuffersDelta: number; arrayBuffersRetained: number; rssDelta: number;
  offsets: Record<string, number>;
}

function measure(path: string): Result {
  const gc = (globalThis as { gc?: () => void }).gc;
  let t = performance.now();
  const raw = readFileSync(path);
  const readMs = performance.now() - t;
  gc?.();
  const before = process.memoryUsage();

  t = performance.now();
  const btf = Btf.parse(raw);
  const indexMs = performance.now() - t;

  t = performance.now();
  const offsets = tracerOffsets(btf);
  const resolveMs = performance.now() - t;

  const after = process.memoryUsage();
  gc?.();
  const retained = process.memoryUsage();
  return {
    path, fileBytes: raw.byteLength, types: btf.typeCount, readMs, indexMs, resolveMs,
    heapDelta: after.heapUsed - before.heapUsed,
    heapRetained: retained.heapUsed - before.heapUsed,
    arrayBuffersDelta: after.arrayBuffers - before.arrayBuffers,
    arrayBuffersRetained: retained.arrayBuffers - before.arrayBuffers,
    rssDelta: after.rss - before.rss,
    offsets,
  };
}

const mb = (n: number): string => `${(n / (1 << 20)).toFixed(2)} MiB`;
const ms = (n: number): string => `${n.toFixed(2)} ms`;
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

if (process.env['BTF_BENCH_CHILD']) {
  process.stdout.write(JSON.stringify(measure(process.argv[2]!)));
} else {
  const path = process.argv[2] ?? '/sys/kernel/btf/vmlinux';
  const runs = Number(process.argv[3] ?? 7);
  const results: Result[] = [];
  for (let i = 0; i < runs; i++) {
    const child = spawnSync(process.execPath, ['--expose-gc', ...process.execArgv, fileURLToPath(import.meta.url), path], {
      env: { ...process.env, BTF_BENCH_CHILD: '1' },
      encoding: 'utf8',
    });
    if (child.status !== 0) throw new Error(`run ${i} failed: ${child.stderr}`);
    results.push(JSON.parse(child.stdout) as Result);
  }
  const first = results[0]!;
  console.log(`BTF source: ${first.path} (${mb(first.fileBytes)}, ${first.types} types; read in ${ms(first.readMs)})`);
  console.log(`${runs} cold runs, each in a fresh process:`);
  console.log('  run   index      resolve    total      heap       heap kept  ArrayBufs  ABs kept   RSS');
  results.forEach((r, i) => {
    console.log(`  ${String(i + 1).padEnd(5)} ${[ms(r.indexMs), ms(r.resolveMs), ms(r.indexMs + r.resolveMs)].map((s) => s.padEnd(10)).join(' ')} ` +
      [mb(r.heapDelta), mb(r.heapRetained), mb(r.arrayBuffersDelta), mb(r.arrayBuffersRetained), mb(r.rssDelta)].map((s) => s.padEnd(10)).join(' '));
  });
  const pick = (f: (r: Result) => number): number => median(results.map(f));
  console.log(`median: index ${ms(pick((r) => r.indexMs))}, resolve ${ms(pick((r) => r.resolveMs))}, ` +
    `index + resolve ${ms(pick((r) => r.indexMs + r.resolveMs))}`);
  console.log(`median memory: heap +${mb(pick((r) => r.heapDelta))} (kept after gc +${mb(pick((r) => r.heapRetained))}), ` +
    `ArrayBuffers +${mb(pick((r) => r.arrayBuffersDelta))} (kept +${mb(pick((r) => r.arrayBuffersRetained))}), ` +
    `RSS +${mb(pick((r) => r.rssDelta))} ` +
    `(not counting the ${mb(first.fileBytes)} file)`);
  console.log('resolved (bytes): ' + Object.entries(first.offsets).map(([k, v]) => `${k}=${v}`).join(' '));
}
