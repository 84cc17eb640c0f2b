import test from 'ava';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { BpfMap } from '../../src/map/index.ts';
import { PerfBufferReader, parseCpuList, onlineCpus } from '../../src/perfbuf/index.ts';
import { attachTracepoint } from '../../src/link/index.ts';
import { pageSize } from '../../src/syscall/index.ts';
import { kernelTest, bpfFdsOfProcess, assertNoLeaks } from '../helpers/kernel.ts';
import { perfOutputFlood, checkSample } from './programs.ts';

test('parseCpuList reads the kernel CPU list syntax', (t) => {
  t.deepEqual(parseCpuList('0\n'), [0]);
  t.deepEqual(parseCpuList('0-3,6,8-9'), [0, 1, 2, 3, 6, 8, 9]);
  t.throws(() => parseCpuList('0-x'), { message: /cannot parse CPU list/ });
  t.true(onlineCpus().length >= 1);
});

test('perf_event_mmap_page offsets match the installed UAPI header', (t) => {
  const dir = mkdtempSync(`${tmpdir()}/perfoff-`);
  writeFileSync(`${dir}/o.c`, `#include <linux/perf_event.h>
#include <stdio.h>
#include <stddef.h>
int main(void){printf("%zu %zu %zu %zu %zu", offsetof(struct perf_event_mmap_page,data_head), offsetof(struct perf_event_mmap_page,data_tail),
 offsetof(struct perf_event_mmap_page,data_offset), offsetof(struct perf_event_mmap_page,data_size), sizeof(struct perf_event_header));
printf(" %d %d", PERF_RECORD_LOST, PERF_RECORD_SAMPLE); return 0;}`);
  execFileSync('cc', ['-o', `${dir}/o`, `${dir}/o.c`]);
  t.is(execFileSync(`${dir}/o`, { encoding: 'utf8' }), '1024 1032 1040 1048 8 2 9');
});

const producer = (() => {
  let bin: string | undefined;
  return () => {
    if (bin) return bin;
    bin = `${mkdtempSync(`${tmpdir()}/perfbuf-`)}/syscall-loop`;
    execFileSync('cc', ['-O2', '-o', bin, new URL('../../bench/native/syscall-loop.c', import.meta.url).pathname]);
    return bin;
  };
})();

interface Outcome {
  produced: number;
  delivered: number;
  lost: number;
  wrapped: number;
  bad: string[];
}

/** Runs `count` getppid calls in a child, `gapUs` apart, and reads the samples, spending `slowUs` on each. */
async function flood(count: number, gapUs: number, pages: number, slowUs = 0): Promise<Outcome> {
  const child = spawn(producer(), [String(count), String(gapUs)], { stdio: ['pipe', 'ignore', 'inherit'] });
  const events = BpfMap.create({ type: 'PERF_EVENT_ARRAY', keySize: 4, valueSize: 4, maxEntries: onlineCpus().at(-1)! + 1, name: 'perf_events' });
  const counter = BpfMap.create({ type: 'ARRAY', keySize: 4, valueSize: 8, maxEntries: 1, name: 'perf_count' });
  const prog = perfOutputFlood(events, counter, child.pid!);
  const link = attachTracepoint(prog, 'syscalls', 'sys_enter_getppid');
  const reader = new PerfBufferReader(events, { pages });
  const out: Outcome = { produced: 0, delivered: 0, lost: 0, wrapped: 0, bad: [] };
  const dataStart = pageSize();
  const onSample = (d: Buffer, off: number, len: number) => {
    out.delivered++;
    if (slowUs > 0) for (const until = process.hrtime.bigint() + BigInt(slowUs * 1000); process.hrtime.bigint() < until;);
    // A sample read in place sits past the header page; one that wrapped was copied to offset 12.
    if (off < dataStart) out.wrapped++;
    const bad = checkSample(d, off, len, child.pid!);
    if (bad && out.bad.length < 5) out.bad.push(bad);
  };
  try {
    const exited = new Promise<void>((r) => child.on('exit', () => r()));
    const consuming = reader.consume(onSample);
    child.stdin!.end('g');
    await exited;
    for (let i = 0; i < 100 && reader.pending() > 0; i++) await new Promise((r) => setTimeout(r, 10));
    reader.drain(onSample);
    out.lost = reader.lost;
    out.produced = Number(counter.lookup(Buffer.alloc(4))!.readBigUInt64LE(0));
    reader.close();
    await consuming;
  } finally {
    reader.close();
    link.close();
    prog.close();
    counter.close();
    events.close();
  }
  return out;
}

kernelTest('every sample arrives intact, also those that wrap the end of a one-page ring', async (t) => {
  const before = await bpfFdsOfProcess();
  const o = await flood(3000, 100, 1);
  t.deepEqual(o.bad, []);
  t.is(o.produced, 3000, 'the program ran once per call');
  t.is(o.delivered + o.lost, o.produced, 'delivered + lost = submitted');
  t.true(o.delivered > 0);
  t.true(o.wrapped > 0, 'some records wrapped around the end of the ring');
  await assertNoLeaks(t, before);
});

kernelTest('a full ring drops samples and the kernel reports how many (PERF_RECORD_LOST)', async (t) => {
  const before = await bpfFdsOfProcess();
  // A slow reader of a one-page ring: the kernel drops samples while it is
  // full and writes a LOST record at its next successful write, so only the
  // drops after the last delivered sample can go unreported.
  const o = await flood(5000, 20, 1, 300);
  t.deepEqual(o.bad, []);
  t.is(o.produced, 5000);
  t.true(o.lost > 0, 'a one-page ring read slowly cannot keep 5000 samples');
  t.true(o.delivered > 0);
  t.true(o.delivered + o.lost <= o.produced);
  await assertNoLeaks(t, before);
});

kernelTest('close() empties the map slots it filled and wakes a pending wait', async (t) => {
  const before = await bpfFdsOfProcess();
  const events = BpfMap.create({ type: 'PERF_EVENT_ARRAY', keySize: 4, valueSize: 4, maxEntries: onlineCpus().at(-1)! + 1, name: 'perf_slots' });
  const reader = new PerfBufferReader(events, { pages: 2 });
  t.deepEqual(reader.cpus, onlineCpus());
  const waiting = reader.wait();
  reader.close();
  await waiting;
  t.is(reader.drain(() => t.fail()), 0);
  // User space cannot look up a perf event array's slots, but deleting an empty one fails with ENOENT.
  for (const cpu of onlineCpus()) {
    const key = Buffer.alloc(4);
    key.writeUInt32LE(cpu);
    t.false(events.delete(key), `slot ${cpu} was emptied`);
  }
  events.close();
  await assertNoLeaks(t, before);
});

test('refuses maps of other types and page counts that are not powers of two', (t) => {
  const fake = { type: 1, typeName: 'HASH', label: '"h"' } as unknown as BpfMap;
  t.throws(() => new PerfBufferReader(fake), { message: /not a PERF_EVENT_ARRAY/ });
  const perf = { type: 4, typeName: 'PERF_EVENT_ARRAY', label: '"p"', name: 'p', maxEntries: 1 } as unknown as BpfMap;
  t.throws(() => new PerfBufferReader(perf, { pages: 3 }), { message: /power of two/ });
});
