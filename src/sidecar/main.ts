#!/usr/bin/env node
// exectrace command line. This preview logs every execve on the host
// (--local); the container sidecar (init handshake, PID namespace filter,
// argv) builds on the loader and the BPF program in bpf/.
import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import pino from 'pino';
import { checkRequirements } from './requirements.ts';
import { PreviewExecProbe } from './preview-probe.ts';
import { monotonicToWallNs, rfc3339Nano } from './clock.ts';

const HELP = `Usage: exectrace --local [--format json|text]

Logs every process started on this host, one line per exec.

  --local           trace the whole host, no namespace filter
  --format FORMAT   json (one JSON object per line) or text (default: text
                    when stdout is a terminal, json otherwise)
  --help            show this help
  --version         print the version

Needs Linux >= 5.8 with BTF, and root (or CAP_BPF + CAP_PERFMON + CAP_SYS_ADMIN).`;

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

function fail(message: string): never {
  process.stderr.write(`exectrace: ${message}\n`);
  process.exit(2);
}

async function main(): Promise<void> {
  let args;
  try {
    args = parseArgs({
      options: {
        local: { type: 'boolean' },
        format: { type: 'string' },
        help: { type: 'boolean' },
        version: { type: 'boolean' },
      },
      strict: true,
    }).values;
  } catch (e) {
    fail(`${(e as Error).message}\n\n${HELP}`);
  }
  if (args.help) return void process.stdout.write(`${HELP}\n`);
  if (args.version) return void process.stdout.write(`${version()}\n`);
  if (!args.local) fail('only --local (trace the whole host) is available in this version; see --help');
  const format = args.format ?? (process.stdout.isTTY ? 'text' : 'json');
  if (format !== 'json' && format !== 'text') fail(`--format must be json or text, not ${JSON.stringify(format)}`);

  const req = checkRequirements();
  if (!req.ok) fail(`requirements not met:\n  - ${req.problems.join('\n  - ')}`);

  const log = pino(
    { base: null, messageKey: 'msg', timestamp: false, formatters: { level: (l) => ({ level: l.toUpperCase() }) } },
    pino.destination({ fd: 1, sync: false }),
  );
  const probe = new PreviewExecProbe();
  const ac = new AbortController();
  const stop = () => ac.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  if (format === 'json') log.info({ ts: rfc3339Nano(monotonicToWallNs(process.hrtime.bigint())) }, 'tracing every exec on this host');
  else process.stderr.write('exectrace: tracing every exec on this host (Ctrl-C to stop)\n');

  await probe.run((ev) => {
    const ts = rfc3339Nano(monotonicToWallNs(ev.ktimeNs));
    if (format === 'json') {
      log.info({ ts, fields: { labels: {}, event: { filename: ev.filename, pid: ev.pid, uid: ev.uid, gid: ev.gid, comm: ev.comm } } }, 'exec');
    } else {
      process.stdout.write(`${ts} pid=${ev.pid} uid=${ev.uid} gid=${ev.gid} comm=${ev.comm} ${ev.filename}\n`);
    }
  }, ac.signal);
  probe.close();
  log.flush();
}

main().catch((e: unknown) => fail((e as Error).message));
