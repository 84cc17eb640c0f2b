// Marker processes: an exec with a unique path and basename that a test can
// recognise among everything else the machine runs.
import { copyFileSync, mkdtempSync, rmSync, chmodSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';

export interface Marker {
  /** Absolute path of the marker executable (a copy of /bin/true). */
  path: string;
  /** Its basename: at most 15 characters, so it is the whole comm after exec. */
  name: string;
  run(): void;
  remove(): void;
}

export function makeMarker(): Marker {
  const dir = mkdtempSync(`${tmpdir()}/et-`);
  chmodSync(dir, 0o755); // runnable by other users too (tests exec it with another uid)
  const name = `mk${randomBytes(5).toString('hex')}`;
  const path = `${dir}/${name}`;
  copyFileSync('/bin/true', path);
  chmodSync(path, 0o755);
  return {
    path,
    name,
    run: () => {
      const r = spawnSync(path, [], { stdio: 'ignore' });
      if (r.status !== 0) throw new Error(`marker ${path} exited ${r.status ?? r.signal}`);
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Resolves with the first value `find` returns, or rejects after `ms`. */
export function within<T>(ms: number, what: string, run: (done: (v: T) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
    run((v) => {
      clearTimeout(timer);
      resolve(v);
    });
  });
}
