// How the benchmarks start the sidecar: as the image's launcher does, as in
// a new container, and with the init handshake a workspace's script sends.
import { request } from 'node:http';
import { readdirSync, rmSync } from 'node:fs';

/** The environment the image's launcher (docker/assemble.sh) runs the sidecar with: no NODE_EXTRA_CA_CERTS. */
export const SIDECAR_ENV = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'NODE_EXTRA_CA_CERTS'));

/** Removes the full code cache an earlier start left in `bundleDir`: the next start is as in a new container (src/sidecar/launch.cjs). */
export function dropFullCodeCache(bundleDir: string): void {
  for (const f of readdirSync(bundleDir)) if (f.endsWith('.full.v8cache')) rmSync(`${bundleDir}/${f}`);
}

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

/** A port for the sidecar to listen on: below Linux's ephemeral range (32768-60999), so no client socket of ours holds it. */
export function listenPort(): number {
  return 20000 + Math.floor(Math.random() * 10000);
}

/**
 * POSTs `body` until the sidecar answers 204; the ms that took from `t0`.
 * Throws if the sidecar exits first (it says why on its output).
 */
export async function awaitReady(port: number, body: string, t0: bigint, exited: () => boolean): Promise<number> {
  for (;;) {
    if ((await postHandshake(port, body)) === 204) return Number(process.hrtime.bigint() - t0) / 1e6;
    if (exited()) throw new Error(`the sidecar exited before answering the handshake on port ${port}`);
    await new Promise((r) => setTimeout(r, 1));
  }
}
