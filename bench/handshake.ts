// The init handshake as a workspace's init script sends it, for the benchmarks.
import { request } from 'node:http';

/** POSTs `body` (a PID namespace inode) to the sidecar; resolves to the status, or 0 when nothing listens yet. */
export function postHandshake(port: number, body: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/', headers: { 'Content-Type': 'text/plain' } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => resolve(0));
    req.end(body);
  });
}
