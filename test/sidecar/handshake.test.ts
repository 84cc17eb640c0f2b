import test from 'ava';
import { connect, createServer } from 'node:net';
import { awaitHandshake, HandshakeError } from '../../src/sidecar/handshake.ts';
import { freePort } from '../helpers/sidecar.ts';

const post = (port: number, body: string, headers: Record<string, string> = {}) =>
  fetch(`http://127.0.0.1:${port}/`, { method: 'POST', body, headers });

test('204 is sent only after accept() has finished (tracing is live)', async (t) => {
  const port = await freePort();
  const order: string[] = [];
  const done = awaitHandshake({
    host: '127.0.0.1', port, timeoutMs: 5000,
    accept: async (inode) => {
      await new Promise((r) => setTimeout(r, 100));
      order.push(`accepted ${inode}`);
    },
  });
  await new Promise((r) => setTimeout(r, 50));
  const res = await post(port, '4026531836\n');
  order.push(`response ${res.status}`);
  t.is(await done, 4026531836);
  t.deepEqual(order, ['accepted 4026531836', 'response 204']);
});

test('a slow client that never finishes its request does not block a good one', async (t) => {
  const port = await freePort();
  const done = awaitHandshake({ host: '127.0.0.1', port, timeoutMs: 5000, requestTimeoutMs: 500, accept: () => {} });
  await new Promise((r) => setTimeout(r, 50));
  const stuck = connect(port, '127.0.0.1');
  stuck.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n12'); // never sends the rest
  const res = await post(port, '77');
  t.is(res.status, 204);
  t.is(await done, 77);
  stuck.destroy();
});

test('no body type other than text/plain, at most 16 bytes, a uint32 other than 0', async (t) => {
  const port = await freePort();
  const refused: number[] = [];
  const done = awaitHandshake({ host: '127.0.0.1', port, timeoutMs: 5000, accept: () => {}, onRefused: (s) => refused.push(s) });
  await new Promise((r) => setTimeout(r, 50));
  t.is((await post(port, '1', { 'Content-Type': 'text/html' })).status, 415);
  t.is((await post(port, '0')).status, 400);
  t.is((await post(port, '4294967296')).status, 400);
  t.is((await post(port, '-5')).status, 400);
  t.is((await post(port, '12345678901234567')).status, 413);
  const charset = await post(port, '9', { 'Content-Type': 'text/plain; charset=utf-8' });
  t.is(charset.status, 204);
  t.is(await done, 9);
  t.deepEqual(refused, [415, 400, 400, 400, 413]);
});

test('timeout, and an address in use, are errors that say so', async (t) => {
  const port = await freePort();
  await t.throwsAsync(awaitHandshake({ host: '127.0.0.1', port, timeoutMs: 200, accept: () => {} }), { instanceOf: HandshakeError, message: /no valid init handshake .* within 200 ms/ });
  const blocker = createServer().listen(port, '127.0.0.1');
  await new Promise((r) => blocker.once('listening', r));
  await t.throwsAsync(awaitHandshake({ host: '127.0.0.1', port, timeoutMs: 1000, accept: () => {} }), { message: /cannot listen on 127\.0\.0\.1:\d+ for the init handshake: the address is in use/ });
  blocker.close();
});
