// An ExecEvent as the original tool's `fields`, and as one human-readable line.
import { constants } from 'node:os';
import type { ExecEvent } from '../tracer/index.ts';
import { shellJoin, quoteArg, quoteBytes, isShellSafe } from './shell-quote.ts';

const errnoNames = new Map<number, string>();
for (const [name, n] of Object.entries(constants.errno)) if (!errnoNames.has(n)) errnoNames.set(n, name);

export function errnoName(retval: number): string {
  return errnoNames.get(-retval) ?? `errno ${-retval}`;
}

export function execFields(ev: ExecEvent, labels: Record<string, string>): Record<string, unknown> {
  const event: Record<string, unknown> = {
    filename: ev.filename,
    argv: ev.argv,
    truncated: ev.truncated,
    pid: ev.pid,
    uid: ev.uid,
    gid: ev.gid,
    comm: ev.comm,
    // Added by this implementation (the original's fields above keep their meaning):
    ppid: ev.ppid,
    ns_pid: ev.nsPid,
    tid: ev.tid,
    syscall: ev.execveat ? 'execveat' : 'execve',
    ret: ev.retval,
  };
  if (ev.retval !== 0) event.error = errnoName(ev.retval);
  if (ev.rawArgv) event.argv_raw = Object.fromEntries([...ev.rawArgv].map(([i, b]) => [String(i), b.toString('base64')]));
  if (ev.rawFilename) event.filename_raw = ev.rawFilename.toString('base64');
  return { labels, cmdline: shellJoin(ev.argv, ev.rawArgv), event };
}

/** `2022-02-28T20:29:38.038452202Z pid=920684 uid=101000 bash: /usr/bin/uname uname -a` */
export function execLine(ev: ExecEvent, ts: string): string {
  const outcome = ev.retval === 0 ? '' : ` [${errnoName(ev.retval)}]`;
  const ns = ev.nsPid ? ` nspid=${ev.nsPid}` : '';
  const cut = ev.truncated ? ' [truncated]' : '';
  return `${ts} pid=${ev.pid}${ns} ppid=${ev.ppid} uid=${ev.uid} ${ev.comm}: ${quoteArg(ev.filename)}${outcome} ${shellJoin(ev.argv, ev.rawArgv)}${cut}\n`;
}

const q = JSON.stringify;

/**
 * The whole `exec` line as text, the same JSON as the envelope around
 * execFields() would give, built without the intermediate objects: this is
 * the per-event path, and allocations are what the garbage collector
 * charges for. `labelsJson` is JSON.stringify(labels), computed once.
 */
export function execLineJson(ev: ExecEvent, labelsJson: string, ts: string): string {
  // One pass over argv builds both the JSON array and the shell command
  // line. A word of shell-safe characters needs no JSON escaping either, so
  // the common case costs one regex test per argument instead of a shell
  // quoting pass and two JSON.stringify passes.
  let argv = '';
  let cmdline = '';
  let cmdlineIsPlain = true;
  for (let i = 0; i < ev.argv.length; i++) {
    const a = ev.argv[i]!;
    if (i > 0) {
      argv += ',';
      cmdline += ' ';
    }
    if (isShellSafe(a)) {
      argv += `"${a}"`;
      cmdline += a;
    } else {
      argv += q(a);
      const raw = ev.rawArgv?.get(i);
      cmdline += raw ? quoteBytes(raw) : quoteArg(a);
      cmdlineIsPlain = false;
    }
  }
  let extra = '';
  if (ev.retval !== 0) extra += `,"error":${q(errnoName(ev.retval))}`;
  if (ev.rawArgv) extra += `,"argv_raw":${q(Object.fromEntries([...ev.rawArgv].map(([i, b]) => [String(i), b.toString('base64')])))}`;
  if (ev.rawFilename) extra += `,"filename_raw":${q(ev.rawFilename.toString('base64'))}`;
  return (
    `{"ts":"${ts}","level":"INFO","msg":"exec","fields":{"labels":${labelsJson},"cmdline":${cmdlineIsPlain ? `"${cmdline}"` : q(cmdline)},` +
    `"event":{"filename":${q(ev.filename)},"argv":[${argv}],"truncated":${ev.truncated},"pid":${ev.pid},"uid":${ev.uid},"gid":${ev.gid},` +
    `"comm":${q(ev.comm)},"ppid":${ev.ppid},"ns_pid":${ev.nsPid},"tid":${ev.tid},"syscall":"${ev.execveat ? 'execveat' : 'execve'}","ret":${ev.retval}${extra}}}}\n`
  );
}
