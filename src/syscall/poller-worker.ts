// The poller's thread: blocks in epoll_wait so the main thread never does,
// and posts the tokens of ready descriptors back. Registrations are one-shot
// (EPOLLONESHOT), so a ready descriptor is reported once per arming and this
// loop never spins while the main thread is busy. Token 0 is the stop signal.
import { parentPort, workerData } from 'node:worker_threads';
import { constants } from 'node:os';
import * as libc from './libc.ts';
import { EPOLL_EVENT_SIZE, EPOLL_DATA_OFFSET } from './abi/epoll.ts';

const { epfd, stopped } = workerData as { epfd: number; stopped: Int32Array };
const MAX_EVENTS = 64;
const events = Buffer.alloc(MAX_EVENTS * EPOLL_EVENT_SIZE);

for (;;) {
  const r = libc.epollWait(epfd, events, MAX_EVENTS, -1);
  if (r.value < 0) {
    if (r.errno === constants.errno.EINTR) continue;
    parentPort!.postMessage({ errno: r.errno });
    break;
  }
  const tokens: number[] = [];
  let stop = false;
  for (let i = 0; i < r.value; i++) {
    const token = events.readUInt32LE(i * EPOLL_EVENT_SIZE + EPOLL_DATA_OFFSET);
    if (token === 0) stop = true;
    else tokens.push(token);
  }
  if (tokens.length > 0) parentPort!.postMessage(tokens);
  if (stop) break;
}
// Tell stop() we will never touch the epoll fd again.
Atomics.store(stopped, 0, 1);
Atomics.notify(stopped, 0);
