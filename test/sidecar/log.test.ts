// The logger's batches are reused once the sink has written them: whatever
// the timing of the sink's writes, every line arrives intact and in order.
import test from 'ava';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { setImmediate as tick } from 'node:timers/promises';
import { createLogger, byteDestination, type ByteSink } from '../../src/sidecar/log.ts';

const line = (batch: number, i: number) => `{"batch":${batch},"i":${i},"pad":"${String.fromCharCode(97 + ((batch + i) % 26)).repeat((batch * 37 + i * 11) % 3000)}"}\n`;

async function writeBatches(dest: ByteSink, batches: number): Promise<string> {
  const log = createLogger(dest);
  let want = '';
  for (let b = 0; b < batches; b++) {
    for (let i = 0; i < 1 + (b % 40); i++) {
      const l = line(b, i);
      log.line(l);
      want += l;
    }
    log.endBatch();
    if (b % 7 === 0) await tick(); // let some writes complete between batches, not all
  }
  await log.flush();
  return want;
}

test('asynchronous sonic-boom: reused batches never overwrite bytes still being written', async (t) => {
  const path = `${mkdtempSync(`${tmpdir()}/exectrace-log-`)}/out.jsonl`;
  const dest = byteDestination({ dest: path });
  const want = await writeBatches(dest, 400);
  t.is(readFileSync(path, 'utf8'), want);
});

test('a sink that reports writes late, in pieces: lines intact and in order', async (t) => {
  const chunks: Buffer[] = [];
  const listeners: ((n: number) => void)[] = [];
  const held: Buffer[] = [];
  const dest: ByteSink = {
    reportsWrites: true,
    write(chunk) {
      held.push(chunk); // kept by reference, as sonic-boom keeps it until written
      return true;
    },
    on(_event, listener) {
      listeners.push(listener);
    },
  };
  // Report written bytes in odd-sized pieces, copying only then.
  const pump = setInterval(() => {
    const c = held.shift();
    if (!c) return;
    chunks.push(Buffer.from(c));
    const half = c.length >> 1;
    for (const l of listeners) l(half);
    for (const l of listeners) l(c.length - half);
  }, 0);
  const want = await writeBatches(dest, 200);
  while (held.length > 0) await tick();
  clearInterval(pump);
  t.is(Buffer.concat(chunks).toString(), want);
});
