/**
 * Cold-start cost of kernel BTF for a process tracer:
 *   node --import=tsx bench/btf.bench.ts [path]   (default /sys/kernel/btf/vmlinux)
 *
 * Measures, in one fresh process: indexing vmlinux (header, strings, record
 * offsets), then resolving what exectrace's handler needs via CO-RE
 * (task_struct.real_parent/tgid/pid/nsproxy/mm, nsproxy.pid_ns_for_children,
 * pid_namespace.ns.inum/level/parent, mm_struct.arg_start/arg_end,
 * linux_binprm), and the heap/RSS growth over both. The file itself is read
 * before the baseline is taken: its bytes are the input, not our overhead,
 * and are reported separately.
 */
import { readFileSync } from 'node:fs';
import { Btf, type Type } from '../src/btf/index.ts';

const path = process.argv[2] ?? '/sys/kernel/btf/vmlinux';
const gc = (globalThis as { gc?: () => void }).gc;
const mb = (n: number): string => `${(n / (1 << 20)).toFixed(2)} MiB`;

let t = performance.now();
const raw = readFileSync(path);
const readMs = performance.now() - t;

gc?.();
const before = process.memoryUsage();

t = performance.now();
const btf = Btf.parse(raw);
const indexMs = performance.now() - t;

t = performance.now();
const offsets: Record<string, number> = {};
/** Find `member` of `struct` (through anonymous members), record its byte offset, return its type. */
function member(owner: Type, name: string, label: string): Type {
  const m = btf.findMember(owner.id, name);
  if (!m) throw new Error(`${label}: no member ${name}`);
  offsets[label] = m.bitOffset / 8;
  return btf.skipQualifiers(m.member.type);
}
function pointee(t: Type): Type {
  if (t.kind !== 'ptr') throw new Error(`expected a pointer, got ${t.kind}`);
  return btf.skipQualifiers(t.type);
}
const task = btf.findByName('task_struct', 'struct')!;
member(task, 'real_parent', 'task_struct.real_parent');
member(task, 'tgid', 'task_struct.tgid');
member(task, 'pid', 'task_struct.pid');
const nsproxy = pointee(member(task, 'nsproxy', 'task_struct.nsproxy'));
const pidns = pointee(member(nsproxy, 'pid_ns_for_children', 'nsproxy.pid_ns_for_children'));
const ns = member(pidns, 'ns', 'pid_namespace.ns');
member(ns, 'inum', 'ns_common.inum');
member(pidns, 'level', 'pid_namespace.level');
member(pidns, 'parent', 'pid_namespace.parent');
const mm = btf.findByName('mm_struct', 'struct')!;
member(mm, 'arg_start', 'mm_struct.arg_start');
member(mm, 'arg_end', 'mm_struct.arg_end');
const binprm = btf.findByName('linux_binprm', 'struct')!;
const sizes = {
  task_struct: btf.sizeOf(task.id),
  mm_struct: btf.sizeOf(mm.id),
  linux_binprm: btf.sizeOf(binprm.id),
};
const resolveMs = performance.now() - t;

const after = process.memoryUsage();
gc?.();
const retained = process.memoryUsage();

console.log(`BTF source:        ${path} (${mb(raw.byteLength)}, read in ${readMs.toFixed(2)} ms)`);
console.log(`types:             ${btf.typeCount}`);
console.log(`index time:        ${indexMs.toFixed(2)} ms`);
console.log(`resolve time:      ${resolveMs.toFixed(2)} ms`);
console.log(`index + resolve:   ${(indexMs + resolveMs).toFixed(2)} ms`);
console.log(`heap delta:        ${mb(after.heapUsed - before.heapUsed)}${gc ? ` (after gc: ${mb(retained.heapUsed - before.heapUsed)})` : ''}`);
console.log(`arrayBuffers delta: ${mb(after.arrayBuffers - before.arrayBuffers)}`);
console.log(`RSS delta:         ${mb(after.rss - before.rss)} (excluding the ${mb(raw.byteLength)} file read before the baseline)`);
console.log('offsets (bytes):   ' + Object.entries(offsets).map(([k, v]) => `${k}=${v}`).join(' '));
console.log('sizes (bytes):     ' + Object.entries(sizes).map(([k, v]) => `${k}=${v}`).join(' '));
