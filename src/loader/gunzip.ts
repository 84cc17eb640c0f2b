// gunzip for gzip'd BTF and /proc/config.gz. zlib is loaded on first use:
// most starts never gunzip anything, and loading the module is start-up time.
import { createRequire } from 'node:module';

const load = createRequire(import.meta.url);

export function gunzipSync(bytes: Uint8Array): Buffer {
  return (load('node:zlib') as typeof import('node:zlib')).gunzipSync(bytes);
}
