#!/usr/bin/env -S -u NODE_EXTRA_CA_CERTS node --max-semi-space-size=2 --single-threaded-gc
// exectrace: the process-logging sidecar. Attach first (filtering nothing
// in), then learn the namespace (handshake, own namespace, or the whole host
// with --local), then log every exec in it and below it until SIGTERM.
import { readFileSync, readlinkSync } from 'node:fs';
import { checkRequirements } from './requirements.ts';
import { parseFlags, FlagError, HELP, type SidecarFlags } from './flags.ts';
import { createLogger } from './log.ts';
import { execLineJson, execLine } from './format.ts';
import { awaitHandshake } from './handshake.ts';
import { monotonicToWallNs, rfc3339Nano } from './clock.ts';
import { ExecTracer, decodeExecEvent, type ExecEvent, type TraceFilter } from '../tracer/index.ts';
import type { RecordCallback } from '../ringbuf/index.ts';
import { appendExecLine, ExecLineTemplate } from './exec-line-bytes.ts';
import { saveCompiledStartup, rehearseStartup } from './code-cache.ts';

const STATS_PERIOD_MS = 1000;
const SHUTDOWN_LIMIT_MS = 1500;
const CODE_CACHE_DELAY_MS = 1000;

/** The package's version, from the nearest package.json above this file (sources or dist/). */
function version(): string {
  for (let dir = new URL('.', import.meta.url); dir.pathname !== '/'; dir = new URL('..', dir)) {
    try {
      const pkg = JSON.parse(readFileSync(new URL('package.json', dir), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'exectrace' && pkg.version) return pkg.version;
    } catch {
      // not here; keep walking up
    }
  }
  return 'unknown';
}

function ownPidnsInode(): number {
  const m = /\[(\d+)\]/.exec(readlinkSync('/proc/self/ns/pid'));
  if (!m) throw new Error('cannot read this process\'s PID namespace from /proc/self/ns/pid');
  return Number(m[1]);
}

function usage(message: string): never {
  process.stderr.write(`exectrace: ${message}\n\n${HELP}\n`);
  process.exit(2);
}

async function main(): Promise<number> {
  let flags: SidecarFlags;
  try {
    flags = parseFlags(process.argv.slice(2));
  } catch (e) {
    if (e instanceof FlagError) usage(e.message);
    throw e;
  }
  if (flags.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  if (flags.version) {
    process.stdout.write(`exectrace ${version()}\n`);
    // The build makes the launcher's first code cache from this run.
    if (process.env.EXECTRACE_WRITE_INIT_CACHE === '1') rehearseStartup();
    return 0;
  }
  const format = flags.format ?? (process.stdout.isTTY ? 'text' : 'json');
  const log = createLogger();

  const req = checkRequirements();
  if (!req.ok) {
    for (const p of req.problems) log.log('error', 'requirement not met', { problem: p });
    await log.flush();
    process.stderr.write(`exectrace: requirements not met:\n  - ${req.problems.join('\n  - ')}\n`);
    return 1;
  }

  const stop = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    if (!stop.signal.aborted) stop.abort(sig);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  const initial: TraceFilter = flags.local ? { kind: 'all' } : flags.useLocalPidns ? { kind: 'pidns', inode: ownPidnsInode() } : { kind: 'none' };
  let tracer: ExecTracer;
  try {
    tracer = ExecTracer.start({ filter: initial, argvBudget: flags.argvBudget, logFailures: flags.logFailures, ringSize: flags.ringSize });
  } catch (e) {
    log.log('error', 'cannot start tracing', { error: (e as Error).message });
    await log.flush();
    process.stderr.write(`exectrace: cannot start tracing: ${(e as Error).message}\n`);
    return 1;
  }

  const labelsJson = JSON.stringify(flags.labels);
  const write = (ev: ExecEvent) => {
    const ts = rfc3339Nano(monotonicToWallNs(ev.ktimeNs));
    if (format === 'json') log.line(execLineJson(ev, labelsJson, ts));
    else process.stdout.write(execLine(ev, ts));
  };
  // JSON lines of plain records are written from the ring's bytes; the rest as events.
  const template = new ExecLineTemplate(labelsJson);
  const onRecord: RecordCallback =
    format === 'json'
      ? (d, off, len) => {
          if (!appendExecLine(log.lines, template, d, off, len)) write(decodeExecEvent(d, off, len));
        }
      : (d, off, len) => write(decodeExecEvent(d, off, len));
  const running = tracer.runRecords(onRecord, () => log.endBatch());

  // Losses are counted in the kernel: say so while they happen, with the total.
  let reportedDrops = 0n;
  const statsTimer = setInterval(() => {
    const s = tracer.stats();
    const lost = s.dropped + s.busy;
    if (lost > reportedDrops) {
      log.log('warn', 'events lost', { count: Number(lost - reportedDrops), total: Number(lost), reason: 'ring buffer full or busy; the reader did not keep up' });
      reportedDrops = lost;
    }
  }, STATS_PERIOD_MS);
  statsTimer.unref();

  let code = 0;
  if (initial.kind === 'none') {
    try {
      const inode = await awaitHandshake({
        host: flags.initAddress.host,
        port: flags.initAddress.port,
        timeoutMs: flags.startupTimeoutMs,
        signal: stop.signal,
        accept: (n) => tracer.setFilter({ kind: 'pidns', inode: n }),
        onRefused: (status, reason, remote) => log.log('warn', 'init handshake refused', { status, reason, remote }),
        onListening: (address) => log.log('info', 'waiting for init handshake', { address }),
      });
      log.log('info', 'tracing', { pidns: inode, labels: flags.labels });
    } catch (e) {
      if (!stop.signal.aborted) {
        log.log('error', 'init handshake failed', { error: (e as Error).message });
        process.stderr.write(`exectrace: ${(e as Error).message}\n`);
        code = 1;
        stop.abort();
      }
    }
  } else {
    log.log('info', 'tracing', initial.kind === 'all' ? { scope: 'host', labels: flags.labels } : { pidns: initial.inode, labels: flags.labels });
  }

  // Once tracing is live (serialising the compiled code takes a few ms, off the start-up path).
  if (!stop.signal.aborted) setTimeout(saveCompiledStartup, CODE_CACHE_DELAY_MS).unref();

  await new Promise<void>((resolve) => {
    if (stop.signal.aborted) resolve();
    else stop.signal.addEventListener('abort', () => resolve(), { once: true });
  });

  // Shutdown: everything the kernel already wrote is logged, then every
  // kernel object is closed; bounded so a stuck writer cannot hold us.
  const deadline = setTimeout(() => process.exit(code), SHUTDOWN_LIMIT_MS);
  deadline.unref();
  clearInterval(statsTimer);
  tracer.drainRecords(onRecord);
  log.endBatch();
  const s = tracer.stats();
  tracer.close();
  await running.catch((e: unknown) => {
    log.log('error', 'reader failed', { error: (e as Error).message });
    code = 1;
  });
  log.log('info', 'stopped', { events: Number(s.events), lost: Number(s.dropped + s.busy), untracked: Number(s.untracked) });
  await log.flush();
  return code;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`exectrace: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  },
);
