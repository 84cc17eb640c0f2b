import { BpfMap } from '../../src/map/index.ts';
import { BpfProgram } from '../../src/prog/index.ts';
import { Assembler, R, Helper, encode } from '../../src/asm/index.ts';
import { RingBufferReader } from '../../src/ringbuf/index.ts';
import { attachTracepoint, attachRawTracepoint } from '../../src/link/index.ts';
import { openFds, sys } from '../../src/syscall/index.ts';
import { kernelTest, bpfFdsOfProcess, assertNoLeaks } from '../helpers/kernel.ts';
import { execveRecorder, execRawRecorder, parseExecveRecord, RAW_EXEC_RECORD_SIZE, EXECVE_RECORD_SIZE } from '../helpers/programs.ts';
import { makeMarker, within } from '../helpers/marker.ts';

const RING_SIZE = 256 * 1024;

for (const mode of ['link', 'ioctl'] as const) {
  kernelTest(`sys_enter_execve via ${mode === 'link' ? 'LINK_CREATE on a perf event' : 'PERF_EVENT_IOC_SET_BPF'}: a marker exec arrives through the ring`, async (t) => {
    const before = await bpfFdsOfProcess();
    const marker = makeMarker();
    const ring = BpfMap.create({ type: 'RINGBUF', keySize: 0, valueSize: 0, maxEntries: RING_SIZE, name: 'execs' });
    const prog = execveRecorder(ring);
    const attachment = attachTracepoint(prog, 'syscalls', 'sys_enter_execve', { mode });
    t.is(attachment.kind, mode === 'link' ? 'link' : 'perf event');
    const reader = new RingBufferReader(ring);
    try {
      const found = within<ReturnType<typeof parseExecveRecord>>(5000, `exec of ${marker.path}`, (done) => {
        void reader.consume((d, off, len) => {
          t.is(len, EXECVE_RECORD_SIZE);
          const rec = parseExecveRecord(d, off);
          if (rec.filename === marker.path) done(rec);
        });
      });
      marker.run();
      const rec = await found;
      t.is(rec.filename, marker.path);
      t.true(rec.tgid > 0);
      t.true(rec.ktime > 0n);
    } finally {
      reader.close();
      attachment.close();
      prog.close();
      ring.close();
      marker.remove();
    }
    await assertNoLeaks(t, before);
  });
}

kernelTest('raw tracepoint sched_process_exec: the async iterator yields the marker record', async (t) => {
  const before = await bpfFdsOfProcess();
  const marker = makeMarker();
  using ring = BpfMap.create({ type: 'RINGBUF', keySize: 0, valueSize: 0, maxEntries: RING_SIZE, name: 'rawexec' });
  using prog = execRawRecorder(ring);
  using link = attachRawTracepoint(prog, 'sched_process_exec');
  t.true(link.info().id > 0);
  const reader = new RingBufferReader(ring);
  const seen = (async () => {
    for await (const rec of reader) {
      t.is(rec.length, RAW_EXEC_RECORD_SIZE);
      const comm = rec.subarray(16, 32).toString('utf8').replace(/\0.*$/s, '');
      if (comm === marker.name) return comm;
    }
    return undefined;
  })();
  marker.run();
  const timer = setTimeout(() => reader.close(), 5000);
  t.is(await seen, marker.name);
  clearTimeout(timer);
  reader.close();
  marker.remove();
  link.close();
  prog.close();
  ring.close();
  await assertNoLeaks(t, before);
});

kernelTest('close() wakes a pending wait at once and ends the iterator', async (t) => {
  using ring = BpfMap.create({ type: 'RINGBUF', keySize: 0, valueSize: 0, maxEntries: 4096, name: 'idle' });
  const reader = new RingBufferReader(ring);
  const iter = reader[Symbol.asyncIterator]();
  const pending = iter.next();
  const t0 = process.hrtime.bigint();
  setTimeout(() => reader.close(), 20);
  const r = await pending;
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  t.true(r.done);
  t.true(ms < 500, `woke after ${ms} ms`);
  const consumer = reader.consume(() => t.fail('closed reader delivered a record'));
  await consumer;
  t.is(reader.drain(() => {}), 0);
});

kernelTest('interval mode drains records submitted with BPF_RB_NO_WAKEUP; abort ends consume()', async (t) => {
  const marker = makeMarker();
  using ring = BpfMap.create({ type: 'RINGBUF', keySize: 0, valueSize: 0, maxEntries: RING_SIZE, name: 'nowake' });
  using prog = execveRecorder(ring, 1 /* BPF_RB_NO_WAKEUP */);
  using att = attachTracepoint(prog, 'syscalls', 'sys_enter_execve');
  using reader = new RingBufferReader(ring, { wakeup: 'interval', intervalMs: 5 });
  const ac = new AbortController();
  let got = false;
  const run = reader.consume((d, off) => {
    if (parseExecveRecord(d, off).filename === marker.path) {
      got = true;
      ac.abort();
    }
  }, { signal: ac.signal });
  marker.run();
  const timer = setTimeout(() => ac.abort(), 5000);
  await run;
  clearTimeout(timer);
  t.true(got, 'the record arrived without a kernel wake-up');
  marker.remove();
  void att;
});

kernelTest('the reader refuses a map that is not a ring buffer', (t) => {
  using arr = BpfMap.create({ type: 'ARRAY', keySize: 4, valueSize: 4, maxEntries: 1, name: 'notring' });
  t.throws(() => new RingBufferReader(arr), { message: /is ARRAY, not a RINGBUF/ });
});

kernelTest('after close(), no program, map or link of the test remains in the kernel', async (t) => {
  const ids = (kind: 'PROG' | 'MAP' | 'LINK') => {
    const out: number[] = [];
    for (let id = sys.nextId(kind, 0); id !== undefined; id = sys.nextId(kind, id)) out.push(id);
    return out;
  };
  const ring = BpfMap.create({ type: 'RINGBUF', keySize: 0, valueSize: 0, maxEntries: 4096, name: 'gone' });
  const prog = execveRecorder(ring);
  const link = attachTracepoint(prog, 'syscalls', 'sys_enter_execve');
  const reader = new RingBufferReader(ring);
  const mine = { prog: prog.info().id, map: ring.info().id, link: 'info' in link ? link.info().id : 0 };
  t.true(ids('PROG').includes(mine.prog));
  reader.close();
  link.close();
  prog.close();
  ring.close();
  t.deepEqual(openFds(), []);
  // The kernel frees objects after an RCU grace period: poll briefly.
  for (let i = 0; i < 100; i++) {
    if (!ids('PROG').includes(mine.prog) && !ids('MAP').includes(mine.map) && !ids('LINK').includes(mine.link)) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  t.false(ids('PROG').includes(mine.prog), 'program freed');
  t.false(ids('MAP').includes(mine.map), 'map freed');
  t.false(ids('LINK').includes(mine.link), 'link freed');
});

kernelTest('discarded records are skipped, and the consumer position moves past them', (t) => {
  // Each run reserves a record and discards it, then reserves another,
  // numbers it and submits it: the reader must hand out only the submitted
  // ones, in order, and leave nothing pending.
  const ring = BpfMap.create({ type: 'RINGBUF', keySize: 0, valueSize: 0, maxEntries: 64 * 1024, name: 'discards' });
  const counter = BpfMap.create({ type: 'ARRAY', keySize: 4, valueSize: 8, maxEntries: 1, name: 'runs' });
  const a = new Assembler()
    .ldMapFd(R.R1, ring.fd).mov64Imm(R.R2, 16).mov64Imm(R.R3, 0).call(Helper.ringbuf_reserve)
    .jmpImm('JEQ', R.R0, 0, 'out')
    .mov64Reg(R.R1, R.R0).mov64Imm(R.R2, 0).call(Helper.ringbuf_discard)
    // n = ++runs[0]
    .mov64Imm(R.R1, 0).stxW(R.R10, -4, R.R1)
    .ldMapFd(R.R1, counter.fd).mov64Reg(R.R2, R.R10).add64Imm(R.R2, -4).call(Helper.map_lookup_elem)
    .jmpImm('JEQ', R.R0, 0, 'out')
    .ldxDW(R.R7, R.R0, 0).add64Imm(R.R7, 1).stxDW(R.R0, 0, R.R7)
    .ldMapFd(R.R1, ring.fd).mov64Imm(R.R2, 16).mov64Imm(R.R3, 0).call(Helper.ringbuf_reserve)
    .jmpImm('JEQ', R.R0, 0, 'out')
    .stxDW(R.R0, 0, R.R7).stxDW(R.R0, 8, R.R7)
    .mov64Reg(R.R1, R.R0).mov64Imm(R.R2, 0).call(Helper.ringbuf_submit)
    .label('out')
    .mov64Imm(R.R0, 2)
    .exit();
  const prog = BpfProgram.load({ type: 'XDP', name: 'discards', insns: encode(a.assemble()), license: 'GPL' });
  const reader = new RingBufferReader(ring);
  try {
    prog.testRun({ dataIn: Buffer.alloc(64), repeat: 100 });
    const got: bigint[] = [];
    const n = reader.drain((d, off, len) => {
      t.is(len, 16);
      got.push(d.readBigUInt64LE(off));
    });
    t.is(n, 100);
    t.deepEqual(got, Array.from({ length: 100 }, (_, i) => BigInt(i + 1)));
    t.is(reader.pending(), 0, 'discarded records consumed too');
  } finally {
    reader.close();
    prog.close();
    counter.close();
    ring.close();
  }
});
