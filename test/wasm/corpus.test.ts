// wasm-bpf's own modules, unmodified, on exectrace's loader: real kernel, as root.
import type { ExecutionContext } from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { randomBytes } from 'node:crypto';
import { startWasmBpf, type WasmBpfGuest, type KernelObjectIds, type WasmBpfOptions } from '../../src/wasm/index.ts';
import { sys } from '../../src/syscall/index.ts';
import { kernelTest, bpfFdsOfProcess, assertNoLeaks } from '../helpers/kernel.ts';
import { makeMarker } from '../helpers/marker.ts';
import { corpusWasm, Collector } from './guests.ts';

interface Running {
  guest: WasmBpfGuest;
  out: Collector;
  err: Collector;
  hostErrors: string[];
  ended: () => boolean;
}

async function start(name: string, opts: WasmBpfOptions = {}): Promise<Running> {
  const out = new Collector();
  const err = new Collector();
  const hostErrors: string[] = [];
  const guest = await startWasmBpf(corpusWasm(name), { name, stdout: out.sink, stderr: err.sink, onHostError: (m) => hostErrors.push(m), ...opts });
  let ended = false;
  void guest.exited.then(() => (ended = true));
  return { guest, out, err, hostErrors, ended: () => ended };
}

/** Runs `act` every 200 ms until `seen` settles: the guest attaches a little after it starts. */
async function repeatUntil<T>(seen: Promise<T>, act: () => void): Promise<T> {
  let done = false;
  const timer = setInterval(() => !done && act(), 200);
  act();
  try {
    return await seen;
  } finally {
    done = true;
    clearInterval(timer);
  }
}

function exists(kind: 'PROG' | 'MAP' | 'LINK', id: number): boolean {
  const fd = sys.fdById(kind, id);
  if (fd !== undefined) sys.closeFd(fd);
  return fd !== undefined;
}

/**
 * Asserts that none of the kernel objects with these IDs exists any more.
 * The kernel frees programs, and then the maps they use, after an RCU grace
 * period: poll briefly.
 */
async function assertGone(t: ExecutionContext, ids: KernelObjectIds): Promise<void> {
  const all = [...ids.programs.map((id) => ['PROG', id] as const), ...ids.maps.map((id) => ['MAP', id] as const), ...ids.links.map((id) => ['LINK', id] as const)];
  for (let i = 0; i < 150 && all.some(([k, id]) => exists(k, id)); i++) await new Promise((r) => setTimeout(r, 20));
  t.deepEqual(all.filter(([k, id]) => exists(k, id)), [], 'no program, map or link of the guest remains');
}

kernelTest('execve.wasm prints the marker exec while it runs, leaves its loop on SIGINT, exits 0 and frees everything', async (t) => {
  const before = await bpfFdsOfProcess();
  const marker = makeMarker();
  const r = await start('execve');
  try {
    const line = await repeatUntil(r.out.line(new RegExp(`\\] \\S+ -> ${marker.path}`), 15000), () => marker.run());
    t.regex(line, /^\[\d+\] /);
    t.false(r.ended(), 'the line arrived while the guest was still running');
    const ids = r.guest.kernelObjectIds();
    t.true(ids.programs.length === 1 && ids.maps.length >= 1 && ids.links.length === 1, JSON.stringify(ids));
    r.guest.stop('SIGINT');
    t.deepEqual(await r.guest.exited, { code: 0, how: 'exit' });
    t.is(r.guest.openObjects, 0);
    await assertGone(t, ids);
    t.deepEqual(r.hostErrors, []);
  } finally {
    r.guest.kill();
    await r.guest.exited;
    marker.remove();
  }
  await assertNoLeaks(t, before);
});

kernelTest('bootstrap.wasm prints an EXEC and an EXIT line for the marker', async (t) => {
  const before = await bpfFdsOfProcess();
  const marker = makeMarker();
  const r = await start('bootstrap');
  try {
    const exec = await repeatUntil(r.out.line(new RegExp(`EXEC\\s+${marker.name}\\s+\\d+\\s+\\d+\\s+${marker.path}`), 15000), () => marker.run());
    const exit = await r.out.line(new RegExp(`EXIT\\s+${marker.name}\\s+\\d+\\s+\\d+\\s+\\[0\\]`), 5000);
    t.truthy(exec);
    t.truthy(exit);
    const ids = r.guest.kernelObjectIds();
    t.is(ids.programs.length, 2);
    r.guest.stop('SIGINT');
    // bootstrap treats -EINTR as Ctrl-C: it closes its object and exits 0.
    t.deepEqual(await r.guest.exited, { code: 0, how: 'exit' });
    await assertGone(t, ids);
  } finally {
    r.guest.kill();
    await r.guest.exited;
    marker.remove();
  }
  await assertNoLeaks(t, before);
});

kernelTest('opensnoop.wasm (a perf event array) shows the marker file being opened', async (t) => {
  const before = await bpfFdsOfProcess();
  const dir = mkdtempSync(`${tmpdir()}/et-open-`);
  const file = `${dir}/marker-${randomBytes(6).toString('hex')}`;
  writeFileSync(file, 'x');
  const r = await start('opensnoop');
  try {
    const line = await repeatUntil(r.out.line(new RegExp(`\\d+\\s+cat\\s+-?\\d+\\s+\\d+ ${file}$`), 15000), () => void spawnSync('cat', [file], { stdio: 'ignore' }));
    t.truthy(line);
    const ids = r.guest.kernelObjectIds();
    t.is(ids.programs.length, 4);
    r.guest.stop('SIGTERM');
    // opensnoop ignores -EINTR and stops on the next error, which it prints.
    const exit = await r.guest.exited;
    t.is(exit.how, 'exit', JSON.stringify(exit));
    t.regex(r.err.text + r.out.text.slice(-300), /error polling perf buffer: Operation canceled/);
    await assertGone(t, ids);
  } finally {
    r.guest.kill();
    await r.guest.exited;
    rmSync(dir, { recursive: true, force: true });
  }
  await assertNoLeaks(t, before);
});

kernelTest('runqlat.wasm prints its histogram (map operations through guest memory) and exits on its own', async (t) => {
  const before = await bpfFdsOfProcess();
  const r = await start('runqlat', { args: ['1', '1'] });
  let ids: KernelObjectIds | undefined;
  const probe = setInterval(() => (ids ??= r.guest.openObjects > 0 ? r.guest.kernelObjectIds() : undefined), 50);
  const exit = await r.guest.exited;
  clearInterval(probe);
  t.deepEqual(exit, { code: 0, how: 'exit' }, r.err.text);
  t.regex(r.out.text, /usecs\s+: count\s+distribution/);
  const rows = [...r.out.text.matchAll(/^\s+(\d+) -> (\d+)\s+: (\d+)\s+\|/gm)];
  t.true(rows.length > 0, r.out.text);
  t.true(rows.reduce((n, m) => n + Number(m[3]), 0) > 0, 'some scheduler latencies were counted');
  t.truthy(ids, 'the guest held kernel objects while it ran');
  if (ids) await assertGone(t, ids);
  await assertNoLeaks(t, before);
});

kernelTest('go-execve.wasm (TinyGo, callback-wrapper and go-callback) prints the marker; ignoring every poll error, it is terminated after the grace period and its objects are freed', async (t) => {
  const before = await bpfFdsOfProcess();
  const marker = makeMarker();
  const r = await start('go-execve', { graceMs: 500 });
  try {
    const line = await repeatUntil(r.out.line(new RegExp(`\\] \\S+\\s*-> ${marker.path}`), 15000), () => marker.run());
    t.regex(line, /^\[\d+\] /);
    const ids = r.guest.kernelObjectIds();
    t.is(ids.programs.length, 1);
    r.guest.stop('SIGTERM');
    t.like(await r.guest.exited, { code: 143, how: 'killed' });
    t.is(r.guest.openObjects, 0);
    await assertGone(t, ids);
  } finally {
    r.guest.kill();
    await r.guest.exited;
    marker.remove();
  }
  await assertNoLeaks(t, before);
});
