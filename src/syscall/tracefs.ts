// Tracepoint ids come from tracefs (events/<group>/<name>/id). tracefs may
// not be mounted in a container or on a minimal host: we mount it when we
// can, at the standard place, and say exactly what failed when we cannot.
import { readFileSync, existsSync } from 'node:fs';
import { mount } from './libc.ts';
import { errnoName } from './errors.ts';

const CANDIDATES = ['/sys/kernel/tracing', '/sys/kernel/debug/tracing'];

let root: string | undefined;

function mounted(dir: string): boolean {
  return existsSync(`${dir}/events`);
}

/** The tracefs root, mounting tracefs at /sys/kernel/tracing if nothing is mounted. */
export function tracefsRoot(): string {
  if (root) return root;
  for (const dir of CANDIDATES) {
    if (mounted(dir)) return (root = dir);
  }
  const target = CANDIDATES[0]!;
  // mount(2) itself rather than mount(8): no child process at start-up, and
  // no dependence on util-linux being in the image.
  const r = mount('nodev', target, 'tracefs');
  if (r.value !== 0) {
    throw new Error(`tracefs is not mounted and mounting it at ${target} failed (${errnoName(r.errno)}, errno ${r.errno}); mount it with: mount -t tracefs nodev ${target}`);
  }
  if (!mounted(target)) throw new Error(`mounted tracefs at ${target} but ${target}/events is missing`);
  return (root = target);
}

/** The id of tracepoint `group/name`, e.g. `syscalls/sys_enter_execve`. */
export function tracepointId(group: string, name: string): number {
  if (!/^[\w.-]+$/.test(group) || !/^[\w.-]+$/.test(name)) throw new Error(`invalid tracepoint name ${group}/${name}`);
  const file = `${tracefsRoot()}/events/${group}/${name}/id`;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new Error(`tracepoint ${group}/${name} does not exist on this kernel (no ${file})`);
    throw new Error(`cannot read ${file}: ${(e as Error).message}`);
  }
  const id = Number.parseInt(text.trim(), 10);
  if (!Number.isInteger(id) || id < 0) throw new Error(`${file} holds ${JSON.stringify(text.trim())}, not a tracepoint id`);
  return id;
}
