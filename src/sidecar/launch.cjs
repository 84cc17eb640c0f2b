#!/usr/bin/env -S -u NODE_EXTRA_CA_CERTS node --max-semi-space-size=2 --single-threaded-gc
// The exectrace command: runs the sidecar bundle (main.cjs, beside this file
// in dist/bundle) from a V8 code cache when one fits, so that a start does
// not parse and compile again what the previous one did (Node 22's
// module.enableCompileCache does this; Node 20 has no such thing).
//
// Two caches, by how much they hold:
//   main.cjs.<build>.<node>-<arch>.full.v8cache   written once tracing is
//                         live: every function the start-up ran, compiled
//   main.cjs.<build>.<node>-<arch>.init.v8cache   written by the build
//                         (`--version`): the modules' top-level code only
// V8 refuses a cache made by another V8, other flags or another source
// (cachedDataRejected), and then the bundle is compiled as usual and a new
// full cache is written. EXECTRACE_DEBUG_CODE_CACHE=1 says which was used. Nothing here is required: without a writable
// directory there is simply no cache. Plain JavaScript, not bundled: it has
// to exist before the bundle is compiled.
'use strict';
const { Script } = require('node:vm');
const Module = require('node:module');
const { readFileSync, writeFileSync, renameSync, unlinkSync } = require('node:fs');
const { join } = require('node:path');

const bundle = join(__dirname, 'main.cjs');
// A hash of main.cjs, put here by scripts/bundle.mjs: V8 checks a cache
// against the source's length only, so a cache of another build must never
// be offered.
const BUILD = '__EXECTRACE_BUILD__';
const cacheOf = (kind) => join(__dirname, `main.cjs.${BUILD}.${process.version}-${process.arch}.${kind}.v8cache`);

function read(path) {
  try {
    return readFileSync(path);
  } catch {
    return undefined;
  }
}

let source = readFileSync(bundle, 'utf8');
if (source.startsWith('#!')) source = `//${source.slice(2)}`; // same line numbers as the file
const wrapped = Module.wrap(source);

// Only the fullest cache there is gets offered: once V8 has compiled the
// source (refusing a cache), a second Script of it comes from V8's own
// in-memory compilation cache and would never consume another cache.
let loaded; // the kind of cache V8 accepted, if any
let script;
for (const kind of ['full', 'init']) {
  const cachedData = read(cacheOf(kind));
  if (!cachedData) continue;
  script = new Script(wrapped, { filename: bundle, cachedData });
  if (!script.cachedDataRejected) loaded = kind;
  break;
}
script ??= new Script(wrapped, { filename: bundle });
if (process.env.EXECTRACE_DEBUG_CODE_CACHE === '1') process.stderr.write(`exectrace: code cache ${loaded ?? 'none'}\n`);

/** Writes the code compiled so far as the `kind` cache, unless a cache at least as full was used. */
function save(kind) {
  if (loaded === 'full' || loaded === kind) return false;
  const path = cacheOf(kind);
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, script.createCachedData());
    renameSync(tmp, path); // whole or not at all, whoever reads it
    loaded = kind;
    return true;
  } catch {
    try {
      unlinkSync(tmp);
    } catch {
      // nothing was written
    }
    return false;
  }
}

// The bundle asks for the full cache once tracing is live (src/sidecar/code-cache.ts).
globalThis[Symbol.for('exectrace.codeCache')] = { save };
if (process.env.EXECTRACE_WRITE_INIT_CACHE === '1') process.on('exit', () => save('init'));

const mod = new Module(bundle, module);
mod.filename = bundle;
mod.paths = Module._nodeModulePaths(__dirname);
script.runInThisContext()(mod.exports, Module.createRequire(bundle), mod, bundle, __dirname);
