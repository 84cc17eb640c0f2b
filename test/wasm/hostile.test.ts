// A guest that hands the host bad pointers, lengths, handles, fds, names and
// callbacks gets error codes back, and the host (and the guest) keep running.
import { kernelTest, bpfFdsOfProcess, assertNoLeaks } from '../helpers/kernel.ts';
import { startWasmBpf, WasiErrno } from '../../src/wasm/index.ts';
import { corpusWasm, embeddedObject, hostileGuest, hostileResults, At, MEM_SIZE, type Step } from './guests.ts';

const E = (name: keyof typeof WasiErrno) => -WasiErrno[name];
const H = { local: 0 }; // the handle of the good load
const RING = { local: 1 }; // comm_event (RINGBUF)
const RODATA = { local: 2 }; // .rodata (ARRAY, key 4, value 31)
const BAD = -16; // 0xfffffff0: far outside a 128 KiB memory
const LOOKUP = 1;
const GET_NEXT_KEY = 4;

kernelTest('out-of-range pointers, bad handles, fds, names and callbacks get error codes; the host keeps serving', async (t) => {
  const before = await bpfFdsOfProcess();
  const object = embeddedObject(corpusWasm('execve'));
  const expected: [string, bigint | ((v: bigint) => boolean)][] = [];
  const g = hostileGuest(object, ['nope', 'comm_event', 'execve_b.rodata', 'sys_enter_execve'], ({ str, fns }) => {
    const steps: Step[] = [];
    const step = (what: string, fn: number, args: Step['args'], ret: 'i32' | 'i64', expect: bigint | number | ((v: bigint) => boolean), save?: number) => {
      steps.push({ fn, args, ret, ...(save !== undefined ? { save } : {}) });
      expected.push([what, typeof expect === 'number' ? BigInt(expect) : expect]);
    };
    step('load from a pointer near 4 GiB', fns.load, [BAD, 64], 'i64', 0);
    step('load with a negative size', fns.load, [At.OBJECT, -1], 'i64', 0);
    step('load running off the end of memory', fns.load, [MEM_SIZE - 10, 100], 'i64', 0);
    step('load of bytes that are no BPF object', fns.load, [At.GARBAGE, 48], 'i64', 0);
    step('load of the real object', fns.load, [At.OBJECT, object.length], 'i64', (v) => v > 0n, 0);
    step('attach with a name pointer near 4 GiB', fns.attach, [H, BAD, 0], 'i32', E('EFAULT'));
    step('attach with a name that has no NUL before the end of memory', fns.attach, [H, At.UNTERMINATED, 0], 'i32', E('EFAULT'));
    step('attach with a target pointer out of range', fns.attach, [H, str.sys_enter_execve!, BAD], 'i32', E('EFAULT'));
    step('attach through a handle that was never returned', fns.attach, [999n, str.sys_enter_execve!, 0], 'i32', E('EINVAL'));
    step('attach a program that does not exist', fns.attach, [H, str.nope!, 0], 'i32', E('ENOENT'));
    step('map fd of a map that does not exist', fns.fdByName, [H, str.nope!], 'i32', E('ENOENT'));
    step('map fd through handle 0', fns.fdByName, [0n, str.comm_event!], 'i32', E('EINVAL'));
    step('map fd of comm_event', fns.fdByName, [H, str.comm_event!], 'i32', (v) => v >= 0n, 1);
    step('map fd of the skeleton-named .rodata', fns.fdByName, [H, str['execve_b.rodata']!], 'i32', (v) => v >= 0n, 2);
    step('map operation on the host\'s stdout (fd 1)', fns.operate, [1, LOOKUP, At.KEY, At.VALUE, 0, 0n], 'i32', E('EBADF'));
    step('map operation on fd -1', fns.operate, [-1, LOOKUP, At.KEY, At.VALUE, 0, 0n], 'i32', E('EBADF'));
    step('lookup with a key pointer near 4 GiB', fns.operate, [RODATA, LOOKUP, BAD, At.VALUE, 0, 0n], 'i32', E('EFAULT'));
    step('lookup with a value buffer running off the end of memory', fns.operate, [RODATA, LOOKUP, At.KEY, MEM_SIZE - 4, 0, 0n], 'i32', E('EFAULT'));
    step('lookup with an unknown command', fns.operate, [RODATA, 99, At.KEY, At.VALUE, 0, 0n], 'i32', E('EINVAL'));
    step('lookup with flags beyond 2^53', fns.operate, [RODATA, LOOKUP, At.KEY, At.VALUE, 0, -1n], 'i32', E('EINVAL'));
    step('lookup in a ring buffer (no keys)', fns.operate, [RING, LOOKUP, At.KEY, At.VALUE, 0, 0n], 'i32', E('EINVAL'));
    step('get next key with a next-key pointer out of range', fns.operate, [RODATA, GET_NEXT_KEY, 0, 0, BAD, 0n], 'i32', E('EFAULT'));
    step('a good lookup of .rodata key 0', fns.operate, [RODATA, LOOKUP, At.KEY, At.VALUE, 0, 0n], 'i32', 0);
    step('poll into a buffer near 4 GiB', fns.poll, [H, RING, 0, 0, BAD, 4096, 0], 'i32', E('EFAULT'));
    step('poll with a buffer running off the end of memory', fns.poll, [H, RING, 0, 0, MEM_SIZE - 100, 4096, 0], 'i32', E('EFAULT'));
    step('poll with a callback index outside the table', fns.poll, [H, RING, 999, 0, At.BUF, 4096, 0], 'i32', E('EINVAL'));
    step('poll with a callback of the wrong shape', fns.poll, [H, RING, 1, 0, At.BUF, 4096, 0], 'i32', E('EINVAL'));
    step('poll with a zero-sized buffer', fns.poll, [H, RING, 0, 0, At.BUF, 0, 0], 'i32', E('EINVAL'));
    step('poll a map that is not a buffer', fns.poll, [H, RODATA, 0, 0, At.BUF, 4096, 0], 'i32', E('EINVAL'));
    step('poll an fd that is not the object\'s', fns.poll, [H, 1, 0, 0, At.BUF, 4096, 0], 'i32', E('ENOENT'));
    step('poll through a bad handle', fns.poll, [77n, RING, 0, 0, At.BUF, 4096, 0], 'i32', E('EINVAL'));
    step('a good poll', fns.poll, [H, RING, 0, 0, At.BUF, 4096, 0], 'i32', 0);
    step('close a handle that was never returned', fns.close, [999n], 'i32', E('EINVAL'));
    step('close the object', fns.close, [H], 'i32', 0);
    step('close it again', fns.close, [H], 'i32', E('EINVAL'));
    step('map operation on an fd of the closed object', fns.operate, [RODATA, LOOKUP, At.KEY, At.VALUE, 0, 0n], 'i32', E('EBADF'));
    step('a second load still works', fns.load, [At.OBJECT, object.length], 'i64', (v) => v > 0n);
    return steps;
  });
  const out: Buffer[] = [];
  const hostErrors: string[] = [];
  const guest = await startWasmBpf(g.bytes, { name: 'hostile', stdout: (c) => out.push(c), stderr: () => {}, onHostError: (m) => hostErrors.push(m) });
  const exit = await guest.exited;
  t.deepEqual(exit, { code: 0, how: 'exit' }, 'the guest ran to its end');
  const { results, value } = hostileResults(Buffer.concat(out), expected.length);
  expected.forEach(([what, want], i) => {
    const got = results[i]!;
    if (typeof want === 'function') t.true(want(got), `${what}: got ${got}`);
    else t.is(got, want, what);
  });
  // The good lookup wrote .rodata (execve.bpf.c's bpf_printk format) into guest memory.
  t.regex(value.toString('latin1'), /pid: %d, proc: %s/);
  t.true(hostErrors.some((m) => /load failed/.test(m)), 'the refused load was reported to the host');
  t.is(guest.openObjects, 0);
  await assertNoLeaks(t, before);
});

kernelTest('a guest that traps with objects loaded and attached: status 134, and every kernel object it created is freed', async (t) => {
  const before = await bpfFdsOfProcess();
  const object = embeddedObject(corpusWasm('execve'));
  const g = hostileGuest(object, ['sys_enter_execve'], ({ str, fns }) => [
    { fn: fns.load, args: [At.OBJECT, object.length], ret: 'i64', save: 0 },
    { fn: fns.attach, args: [H, str.sys_enter_execve!, 0], ret: 'i32' },
    { fn: fns.load, args: [At.OBJECT, object.length], ret: 'i64' },
  ], 'trap');
  const out: Buffer[] = [];
  const guest = await startWasmBpf(g.bytes, { name: 'trapper', stdout: (c) => out.push(c), stderr: () => {} });
  const exit = await guest.exited;
  t.like(exit, { code: 134, how: 'trap' });
  const { results } = hostileResults(Buffer.concat(out), 3);
  t.true(results[0]! > 0n && results[2]! > 0n, 'two objects loaded');
  t.is(results[1], 0n, 'attached');
  t.is(guest.openObjects, 0);
  await assertNoLeaks(t, before);
});
