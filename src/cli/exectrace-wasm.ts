#!/usr/bin/env node
// exectrace-wasm: run wasm-bpf applications (WASI modules that load and
// poll eBPF through the `wasm_bpf` host functions) on exectrace's loader.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { startWasmBpf, type WasmBpfGuest } from '../wasm/index.ts';

const HELP = `Usage:
  exectrace-wasm run [options] MODULE.wasm [ARGS...]
      run a wasm-bpf application; its exit status is this command's
Options (before MODULE):
  --env NAME=VALUE      set an environment variable for the guest (repeatable)
  --dir HOST[::GUEST]   let the guest open files under HOST, seen as GUEST (default: same path)
  --grace-ms N          after SIGINT/SIGTERM, how long the guest may take to exit (default 2000)
  --quiet               do not print why a host call failed
  --help
SIGINT/SIGTERM make the guest's next poll return -EINTR so it can finish on its own;
another signal, or the end of the grace period, terminates it.`;

class UsageError extends Error {}

interface Parsed {
  module: string;
  args: string[];
  env: Record<string, string>;
  preopens: Record<string, string>;
  graceMs: number;
  quiet: boolean;
}

function parse(argv: string[]): Parsed | 'help' {
  if (argv.length === 0 || argv[0] === '--help') return 'help';
  const [command, ...rest] = argv;
  if (command !== 'run') throw new UsageError(`unknown command ${JSON.stringify(command)}`);
  const p: Parsed = { module: '', args: [], env: {}, preopens: {}, graceMs: 2000, quiet: false };
  let i = 0;
  const value = (flag: string) => {
    const v = rest[++i];
    if (v === undefined) throw new UsageError(`${flag} needs a value`);
    return v;
  };
  for (; i < rest.length; i++) {
    const a = rest[i]!;
    if (!a.startsWith('--')) break;
    if (a === '--') {
      i++;
      break;
    }
    if (a === '--env') {
      const kv = value(a);
      const eq = kv.indexOf('=');
      if (eq <= 0) throw new UsageError(`--env takes NAME=VALUE, got ${JSON.stringify(kv)}`);
      p.env[kv.slice(0, eq)] = kv.slice(eq + 1);
    } else if (a === '--dir') {
      const d = value(a);
      const [host, guest] = d.split('::');
      p.preopens[guest || host!] = host!;
    } else if (a === '--grace-ms') {
      const n = Number(value(a));
      if (!Number.isInteger(n) || n < 0) throw new UsageError('--grace-ms takes a whole number of milliseconds');
      p.graceMs = n;
    } else if (a === '--quiet') {
      p.quiet = true;
    } else if (a === '--help') {
      return 'help';
    } else {
      throw new UsageError(`unknown option ${a}`);
    }
  }
  const module = rest[i];
  if (!module) throw new UsageError('run needs a module');
  p.module = module;
  p.args = rest.slice(i + 1);
  return p;
}

async function main(argv: string[]): Promise<number> {
  const p = parse(argv);
  if (p === 'help') {
    process.stdout.write(`${HELP}\n`);
    return argv.length === 0 ? 2 : 0;
  }
  let bytes: Buffer;
  try {
    bytes = readFileSync(p.module);
  } catch (e) {
    throw new Error(`cannot read ${p.module}: ${(e as Error).message}`);
  }
  const name = basename(p.module);
  let guest: WasmBpfGuest;
  try {
    guest = await startWasmBpf(bytes, {
      name,
      args: p.args,
      env: p.env,
      preopens: p.preopens,
      graceMs: p.graceMs,
      ...(p.quiet ? {} : { onHostError: (m: string) => process.stderr.write(`exectrace-wasm: ${m}\n`) }),
    });
  } catch (e) {
    throw new Error(`${name}: ${(e as Error).message}`);
  }
  // First signal: ask the guest to stop. Another one: stop it now, unless
  // it is the same signal arriving twice at once (timeout(1) and a terminal
  // both signal the process and its process group).
  let firstSignalAt = 0;
  const onSignal = (signal: 'SIGINT' | 'SIGTERM') => {
    if (firstSignalAt === 0) {
      firstSignalAt = Date.now();
      guest.stop(signal);
    } else if (Date.now() - firstSignalAt > 250) {
      guest.kill();
    }
  };
  const onInt = () => onSignal('SIGINT');
  const onTerm = () => onSignal('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  // Our stdout closed (piped into head, say): a native program would die of SIGPIPE.
  process.stdout.on('error', () => guest.kill());
  try {
    const exit = await guest.exited;
    if (exit.how !== 'exit') process.stderr.write(`exectrace-wasm: ${name} ${exit.how === 'trap' ? 'trapped' : exit.how === 'killed' ? 'was terminated' : 'failed'}: ${exit.message ?? ''}\n`);
    return exit.code;
  } finally {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    // Let stdout drain into a pipe before leaving, but do not wait on anything else.
    process.exitCode = code;
    setTimeout(() => process.exit(code), 2000).unref();
  },
  (e: unknown) => {
    const usage = e instanceof UsageError;
    process.stderr.write(`exectrace-wasm: ${(e as Error).message}${usage ? `\n\n${HELP}` : ''}\n`);
    process.exit(usage ? 2 : 1);
  },
);
