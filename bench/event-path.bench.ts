// The sidecar's per-event JavaScript, without the kernel: exec records laid
// out as bpf/exectrace.h lays them out are decoded, timestamped, formatted
// as JSON lines and written in batches through the sidecar's logger to
// /dev/null (synchronously, so no write is still queued when the clock
// stops; the sidecar's writes are asynchronous but cost the same). Wall-clock time on a shared VM is noisy; run it under
// `valgrind --tool=callgrind --smc-check=all-non-file` to count
// instructions instead, which repeat exactly. Prints figures; asserts nothing.
//
//   node --import=tsx bench/event-path.bench.ts [EVENTS] [short|long] [bytes|general]
import { decodeExecEvent, EXEC_EVENT_HEADER } from '../src/tracer/event.ts';
import { createLogger, byteDestination } from '../src/sidecar/log.ts';
import { execLineJson } from '../src/sidecar/format.ts';
import { appendExecLine, ExecLineTemplate } from '../src/sidecar/exec-line-bytes.ts';
import { monotonicToWallNs, rfc3339Nano } from '../src/sidecar/clock.ts';

const EVENTS = Number(process.argv[2] ?? 100_000);
const SHAPE = process.argv[3] ?? 'long';
/** `bytes` (the sidecar's path for plain records) or `general` (every record through an ExecEvent). */
const PATH = process.argv[4] ?? 'bytes';
const BATCH = 64; // about what one 10 ms drain holds at 6,000 execs/s

/** One exec record: the header fields the decoder reads, then argv (NUL-separated) and the filename. */
function record(argv: string[], filename: string): Buffer {
  const args = Buffer.from(argv.map((a) => `${a}\0`).join(''));
  const file = Buffer.from(filename);
  const b = Buffer.alloc(EXEC_EVENT_HEADER + args.length + file.length);
  b.writeBigUInt64LE(123_456_789_000n, 0);
  for (const [off, v] of [[8, 4242], [12, 4242], [16, 4200], [20, 42], [24, 1000], [28, 1000]] as const) b.writeUInt32LE(v, off);
  b.writeUInt16LE(file.length, 36);
  b.writeUInt32LE(args.length, 40);
  b.write('exec-storm', 48);
  args.copy(b, EXEC_EVENT_HEADER);
  file.copy(b, EXEC_EVENT_HEADER + args.length);
  return b;
}

const argv = SHAPE === 'short' ? ['t'] : ['t', ...Array.from({ length: 20 }, (_, i) => String.fromCharCode(97 + i).repeat(100))];
const rec = record(argv, '/tmp/exec-storm-x/et-target');
const log = createLogger(byteDestination({ dest: '/dev/null' }, true));
const labelsJson = JSON.stringify({ workspace: 'bench', owner: 'someone' });
const template = new ExecLineTemplate(labelsJson);

/** Batches as the sidecar's drains make them, yielding to the event loop between batches. */
async function run(n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    // As the sidecar does: from the record's bytes, or through an ExecEvent when they need escaping.
    if (PATH === 'general' || !appendExecLine(log.lines, template, rec, 0, rec.length)) {
      const ev = decodeExecEvent(rec, 0, rec.length);
      log.line(execLineJson(ev, labelsJson, rfc3339Nano(monotonicToWallNs(ev.ktimeNs))));
    }
    if (i % BATCH === BATCH - 1) {
      log.endBatch();
      await new Promise(setImmediate);
    }
  }
  log.endBatch();
}

await run(Math.min(EVENTS, 5_000)); // warm-up: the sidecar runs optimised code after its first few thousand events
const cpu0 = process.cpuUsage();
const t0 = process.hrtime.bigint();
await run(EVENTS);
const ns = Number(process.hrtime.bigint() - t0);
const cpu = process.cpuUsage(cpu0);
await log.flush();
console.log(
  `${SHAPE} argv (${rec.length}-byte record, ${PATH} path): ${EVENTS} events, ${(ns / EVENTS).toFixed(0)} ns/event wall, ` +
    `${(((cpu.user + cpu.system) * 1000) / EVENTS).toFixed(0)} ns/event CPU (all threads)`,
);
