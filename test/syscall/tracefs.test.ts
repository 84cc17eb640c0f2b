import { spawnSync } from 'node:child_process';
import { kernelTest } from '../helpers/kernel.ts';
import { tracepointId } from '../../src/syscall/index.ts';

kernelTest('tracepoint ids come from tracefs; a missing tracepoint is named', (t) => {
  t.true(tracepointId('syscalls', 'sys_enter_execve') > 0);
  t.throws(() => tracepointId('syscalls', 'sys_enter_nonexistent'), { message: /tracepoint syscalls\/sys_enter_nonexistent does not exist/ });
  t.throws(() => tracepointId('../..', 'x'), { message: /invalid tracepoint name/ });
});

kernelTest('tracefs is mounted when absent (in a private mount namespace)', (t) => {
  // Unmount every tracefs inside a new mount namespace, then ask for an id.
  const script = `
    import { tracepointId, tracefsRoot } from './src/syscall/index.ts';
    const id = tracepointId('syscalls', 'sys_enter_execve');
    console.log(JSON.stringify({ id, root: tracefsRoot() }));
  `;
  const sh = `umount -R /sys/kernel/debug/tracing 2>/dev/null; umount /sys/kernel/tracing 2>/dev/null; ` +
    `test -d /sys/kernel/tracing/events && { echo still-mounted >&2; exit 3; }; ` +
    `exec "$0" --import=tsx --input-type=module -e "$1"`;
  const r = spawnSync('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', sh, process.execPath, script], { encoding: 'utf8' });
  t.is(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim()) as { id: number; root: string };
  t.true(out.id > 0);
  t.is(out.root, '/sys/kernel/tracing');
});

kernelTest('when tracefs cannot be mounted, the error gives the kernel\'s reason and the command to run', (t) => {
  const script = `
    import { tracepointId } from './src/syscall/index.ts';
    try { tracepointId('syscalls', 'sys_enter_execve'); console.log('mounted'); } catch (e) { console.log(e.message); }
  `;
  // Unmounted in a private mount namespace, then asked for by a process without CAP_SYS_ADMIN.
  const sh = `umount -R /sys/kernel/debug/tracing 2>/dev/null; umount /sys/kernel/tracing 2>/dev/null; ` +
    `exec setpriv --inh-caps=-all --ambient-caps=-all --bounding-set=-all -- "$0" --import=tsx --input-type=module -e "$1"`;
  const r = spawnSync('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', sh, process.execPath, script], { encoding: 'utf8' });
  t.is(r.status, 0, r.stderr);
  t.regex(r.stdout, /tracefs is not mounted and mounting it at \/sys\/kernel\/tracing failed \(EPERM, errno 1\); mount it with: mount -t tracefs nodev \/sys\/kernel\/tracing/);
});
