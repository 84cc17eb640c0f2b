// Bundles the commands with esbuild into dist/bundle: a file each to load
// instead of ~90 modules. ffi-rs stays external (its index loads its native
// addon). The commands are CommonJS: Node 20's ES module loader costs ~30 ms
// of start-up on its own (its modules, fs/promises, readline, ...), measured
// here from process start to the sidecar's first line (55-63 ms against
// 86-107 ms as ESM). import.meta.url becomes the bundle's own file URL.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Bundled dependencies' `require('assert')` gets scripts/shims/assert.cjs (it says why). */
const assertShim = {
  name: 'assert-shim',
  setup(b) {
    b.onResolve({ filter: /^(node:)?assert$/ }, (args) =>
      args.importer.includes('/node_modules/') ? { path: fileURLToPath(new URL('./shims/assert.cjs', import.meta.url)) } : undefined);
  },
};
const common = { bundle: true, platform: 'node', target: 'node20', external: ['ffi-rs'], logLevel: 'warning', plugins: [assertShim] };
const commonjs = {
  ...common,
  format: 'cjs',
  // import.meta.resolve is only called from TypeScript sources (poller.ts's tsx branch).
  define: { 'import.meta.url': '__import_meta_url', 'import.meta.resolve': 'undefined' },
  banner: { js: 'const __import_meta_url = require("node:url").pathToFileURL(__filename).href;' },
};

rmSync('dist/bundle', { recursive: true, force: true });
await Promise.all([
  build({ ...commonjs, entryPoints: ['src/sidecar/main.ts'], outfile: 'dist/bundle/main.cjs' }),
  build({ ...commonjs, entryPoints: ['src/cli/exectrace-bpf.ts'], outfile: 'dist/bundle/exectrace-bpf.cjs' }),
  // The ring poller's thread (started only in wake-on-data mode), an ES module like its source.
  build({
    ...common,
    format: 'esm',
    entryPoints: ['src/syscall/poller-worker.ts'],
    outfile: 'dist/bundle/poller-worker.js',
    banner: { js: 'import { createRequire as __createRequire } from "node:module"; const require = __createRequire(import.meta.url);' },
  }),
]);
