// The WebAssembly host without the kernel: exit codes, traps, stopping,
// killing, module checks, and the bounds and errno helpers.
import test from 'ava';
import { runWasmBpf, startWasmBpf, guestError, TRAP_EXIT_CODE } from '../../src/wasm/index.ts';
import { GuestMemory } from '../../src/wasm/guest-memory.ts';
import { guestErrorFromErrno } from '../../src/wasm/errno.ts';
import { corpusWasm, trappingGuest, spinningGuest, unlinkableGuest } from './guests.ts';

const quiet = { stdout: () => {}, stderr: () => {} };

test('normal_exit.wasm exits 0 and abnormal_exit.wasm with its non-zero status', async (t) => {
  t.is(await runWasmBpf(corpusWasm('normal_exit'), quiet), 0);
  const g = await startWasmBpf(corpusWasm('abnormal_exit'), quiet);
  t.deepEqual(await g.exited, { code: 1, how: 'exit' });
});

test('a trap ends the guest with status 134 and says why', async (t) => {
  const g = await startWasmBpf(trappingGuest(), quiet);
  const exit = await g.exited;
  t.is(exit.code, TRAP_EXIT_CODE);
  t.is(exit.how, 'trap');
  t.regex(exit.message ?? '', /RuntimeError: unreachable/);
});

test('long_sleep.wasm is stopped by a signal well within the grace period: its sleep is interrupted and it exits itself', async (t) => {
  const g = await startWasmBpf(corpusWasm('long_sleep'), { ...quiet, graceMs: 5000 });
  await new Promise((r) => setTimeout(r, 300));
  const t0 = Date.now();
  g.stop('SIGINT');
  const exit = await g.exited;
  const ms = Date.now() - t0;
  t.deepEqual(exit, { code: 0, how: 'exit' });
  t.true(ms < 1000, `ended ${ms} ms after the signal`);
});

test('a guest that ignores the stop is terminated when the grace period ends, with 128 + the signal number', async (t) => {
  const ac = new AbortController();
  const g = await startWasmBpf(spinningGuest(), { ...quiet, graceMs: 300, signal: ac.signal });
  await new Promise((r) => setTimeout(r, 200));
  const t0 = Date.now();
  ac.abort('SIGINT');
  const exit = await g.exited;
  const ms = Date.now() - t0;
  t.is(exit.code, 130);
  t.is(exit.how, 'killed');
  t.true(ms >= 290 && ms < 2000, `terminated ${ms} ms after the signal`);
  const g2 = await startWasmBpf(spinningGuest(), { ...quiet, graceMs: 100 });
  g2.stop();
  t.is((await g2.exited).code, 143, 'SIGTERM by default');
  const g3 = await startWasmBpf(spinningGuest(), quiet);
  g3.kill();
  t.like(await g3.exited, { code: 137, how: 'killed' });
});

test('the host event loop keeps running while a guest spins or blocks', async (t) => {
  const g = await startWasmBpf(spinningGuest(), quiet);
  let ticks = 0;
  const timer = setInterval(() => ticks++, 10);
  await new Promise((r) => setTimeout(r, 300));
  clearInterval(timer);
  g.kill();
  await g.exited;
  t.true(ticks >= 15, `${ticks} timer ticks in 300 ms`);
});

test('modules that are not WASI commands this host can link are refused before they run', async (t) => {
  await t.throwsAsync(startWasmBpf(unlinkableGuest()), { message: /imports env\.mystery, which this host does not provide/ });
  await t.throwsAsync(startWasmBpf(Buffer.from('not wasm at all')), { instanceOf: Error });
});

test('GuestMemory refuses every range that does not lie inside the memory', (t) => {
  const buffer = new ArrayBuffer(65536);
  const m = new GuestMemory(() => ({ buffer }));
  t.true(m.inRange(0, 65536));
  t.true(m.inRange(65535, 1));
  t.true(m.inRange(65536, 0));
  t.false(m.inRange(65536, 1));
  t.false(m.inRange(-1, 1), 'a negative i32 is a pointer near 4 GiB');
  t.false(m.inRange(0, -1));
  t.false(m.inRange(0xfffffff0 | 0, 0x20));
  t.false(m.inRange(1.5, 1));
  t.is(m.read(65530, 10), undefined);
  t.false(m.write(65535, new Uint8Array(2)));
  new Uint8Array(buffer).set(Buffer.from('abc\0'), 100);
  t.is(m.cString(100), 'abc');
  new Uint8Array(buffer).fill(0x41, 65000);
  t.is(m.cString(65000), undefined, 'no NUL before the end of memory');
  t.is(m.cString(100, 2), undefined, 'longer than allowed');
});

test('error codes are WASI errnos, as wasi-libc guests compare and print them', (t) => {
  t.is(guestError('EINTR'), -27);
  t.is(guestError('EOPNOTSUPP'), -58);
  t.is(guestError('ENOTSUPP'), -58);
  t.is(guestError('EPERM'), -63);
  t.is(guestError('EWHATEVER'), -29);
  t.is(guestErrorFromErrno(2), -44); // ENOENT
  t.is(guestErrorFromErrno(524), -58);
});
