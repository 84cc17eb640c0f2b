// Bundles the commands with esbuild into dist/bundle: a file each to load
// instead of ~90 modules. ffi-rs stays external (its index loads its native
// addon). The commands are CommonJS: Node 20's ES module loader costs ~30 ms
// of start-up on its own (its modules, fs/promises, readline, ...), measured
// here from process start to the sidecar's first line (55-63 ms against
// 86-107 ms as ESM). import.meta.url becomes the bundle's own file URL.
import { build } from 'esbuild';
import { rmSync, writeFileSync, readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * Builtins that bundled dependencies (not our code) get from scripts/shims/
 * instead; each shim says why. Start-up time: these modules are only
 * touched for checks that never fail, or features exectrace does not use.
 */
const shim = (shims) => ({
  name: 'dependency-shims',
  setup(b) {
    for (const [builtin, file] of Object.entries(shims)) {
      b.onResolve({ filter: new RegExp(`^(node:)?${builtin}$`) }, (args) =>
        args.importer.includes('/node_modules/') ? { path: fileURLToPath(new URL(`./shims/${file}`, import.meta.url)) } : undefined);
    }
  },
});
// Whitespace and comments out (less to scan at every start); names stay, for readable stack traces.
const common = {
  bundle: true, platform: 'node', target: 'node20', external: ['ffi-rs'], logLevel: 'warning',
  minifyWhitespace: true, minifySyntax: true, plugins: [shim({ assert: 'assert.cjs' })],
};
const commonjs = {
  ...common,
  format: 'cjs',
  // import.meta.resolve is only called from TypeScript sources (poller.ts's tsx branch).
  define: { 'import.meta.url': '__import_meta_url', 'import.meta.resolve': 'undefined' },
  banner: { js: 'const __import_meta_url = require("node:url").pathToFileURL(__filename).href;' },
};

rmSync('dist/bundle', { recursive: true, force: true });
await Promise.all([
  build({
    ...commonjs,
    entryPoints: ['src/sidecar/main.ts'],
    outfile: 'dist/bundle/main.cjs',
    plugins: [shim({ assert: 'assert.cjs', worker_threads: 'worker-threads-main.cjs' })],
  }),
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

// The exectrace command: the launcher (src/sidecar/launch.cjs says why), and
// the code cache of the bundle's top-level code, made here with the
// launcher's own Node flags (from its #! line) since V8 refuses a cache made
// under other flags.
const launcher = readFileSync('src/sidecar/launch.cjs', 'utf8');
const buildId = createHash('sha256').update(readFileSync('dist/bundle/main.cjs')).digest('hex').slice(0, 16);
writeFileSync('dist/bundle/exectrace.cjs', launcher.replace("'__EXECTRACE_BUILD__'", `'${buildId}'`), { mode: 0o755 });
const shebang = launcher.split('\n', 1)[0];
const nodeFlags = shebang.slice(shebang.indexOf(' node ') + ' node '.length).split(' ').filter(Boolean);
execFileSync(process.execPath, [...nodeFlags, 'dist/bundle/exectrace.cjs', '--version'], {
  env: { ...process.env, EXECTRACE_WRITE_INIT_CACHE: '1' },
  stdio: 'ignore',
});
