// A child in a new PID namespace that execs a command when told to, so a
// test can read the namespace's inode first (as the sidecar's init script
// POSTs it) and then trigger the exec.
import { spawn, type ChildProcess } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

export interface PidnsChild {
  child: ChildProcess;
  /** Inode number of the new PID namespace. */
  inode: number;
  /** Lets the shell inside run its script. */
  go(): void;
  exited: Promise<number | null>;
}

function nsInode(link: string): number {
  const m = /\[(\d+)\]/.exec(readlinkSync(link));
  if (!m) throw new Error(`unexpected namespace link ${link}`);
  return Number(m[1]);
}

export async function inNewPidns(script: string): Promise<PidnsChild> {
  const child = spawn('unshare', ['--pid', '--fork', '--mount-proc', 'sh', '-c', `read go; ${script}`], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const mine = nsInode('/proc/self/ns/pid');
  for (let i = 0; i < 200; i++) {
    try {
      const inode = nsInode(`/proc/${child.pid}/ns/pid_for_children`);
      if (inode !== mine) return { child, inode, go: () => child.stdin!.end('go\n'), exited };
    } catch {
      // not started yet
    }
    await sleep(5);
  }
  child.kill();
  throw new Error('unshare did not create a PID namespace');
}
