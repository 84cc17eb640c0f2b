// Kernel tests run for real, as root. Where BPF is not available they skip
// on a developer's machine but FAIL in CI (CI set), so a broken CI machine
// can never pass by skipping everything.
import test, { type ExecutionContext, type Implementation } from 'ava';
import { BpfMap } from '../../src/map/index.ts';
import { openFds } from '../../src/syscall/index.ts';

function probe(): string | undefined {
  try {
    BpfMap.create({ type: 'ARRAY', keySize: 4, valueSize: 4, maxEntries: 1, name: 'probe' }).close();
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

export const kernelUnavailable = probe();
const inCi = Boolean(process.env.CI);

/** Declares a test that needs BPF in the running kernel. */
export function kernelTest(title: string, fn: Implementation<[]>): void {
  if (!kernelUnavailable) {
    test.serial(title, fn);
  } else if (inCi) {
    test.serial(title, (t: ExecutionContext) => t.fail(`BPF is not available in CI: ${kernelUnavailable}`));
  } else {
    test.skip(`${title} (no BPF here: ${kernelUnavailable})`, () => {});
  }
}

/** The fds this process holds, with what they point at (anon_inode:bpf-map, ...). */
export async function bpfFdsOfProcess(): Promise<string[]> {
  const { readdirSync, readlinkSync } = await import('node:fs');
  const out: string[] = [];
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      // Epoll and eventfd fds are not checked here: every worker thread has its
      // own libuv loop with both; ours are tracked by openFds().
      if (/bpf|perf_event/.test(target)) out.push(`${fd} -> ${target}`);
    } catch {
      // the fd used by readdir itself is gone by now
    }
  }
  return out;
}

/** Asserts that the test left no kernel object of ours open. */
export async function assertNoLeaks(t: ExecutionContext, before: string[]): Promise<void> {
  t.deepEqual(openFds(), [], 'every OwnedFd was closed');
  const after = await bpfFdsOfProcess();
  t.deepEqual(after.filter((x) => !before.includes(x)), [], 'no new bpf or perf fd remains in /proc/self/fd');
}
