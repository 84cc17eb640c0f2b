// Running the exectrace sidecar as a child process and reading its JSON lines.
import { spawn, type ChildProcess, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createInterface } from 'node:readline';

export const SIDECAR = new URL('../../src/sidecar/main.ts', import.meta.url).pathname;

export interface LogLine {
  ts: string;
  level: string;
  msg: string;
  fields?: Record<string, unknown> & { labels?: Record<string, string>; cmdline?: string; event?: ExecEventJson };
}

export interface ExecEventJson {
  filename: string;
  argv: string[];
  truncated: boolean;
  pid: number;
  uid: number;
  gid: number;
  comm: string;
  ppid: number;
  ns_pid: number;
  tid: number;
  syscall: string;
  ret: number;
  error?: string;
  argv_raw?: Record<string, string>;
}

export class Sidecar {
  readonly child: ChildProcess;
  readonly lines: LogLine[] = [];
  readonly stderr: string[] = [];
  readonly exited: Promise<number | null>;
  #waiters: { pred: (l: LogLine) => boolean; resolve: (l: LogLine) => void }[] = [];

  constructor(args: string[], wrap: string[] = []) {
    const cmd = [...wrap, process.execPath, '--import=tsx', SIDECAR, ...args];
    this.child = spawn(cmd[0]!, cmd.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
    createInterface({ input: this.child.stdout! }).on('line', (text) => {
      let line: LogLine;
      try {
        line = JSON.parse(text) as LogLine;
      } catch {
        line = { ts: '', level: 'RAW', msg: text };
      }
      this.lines.push(line);
      this.#waiters = this.#waiters.filter((w) => {
        if (!w.pred(line)) return true;
        w.resolve(line);
        return false;
      });
    });
    createInterface({ input: this.child.stderr! }).on('line', (l) => this.stderr.push(l));
  }

  /** The first line (already seen or to come) matching `pred`. */
  waitFor(pred: (l: LogLine) => boolean, ms = 10_000, what = 'a log line'): Promise<LogLine> {
    const seen = this.lines.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}; stderr: ${this.stderr.join('\n')}; last lines: ${JSON.stringify(this.lines.slice(-5))}`)), ms);
      this.#waiters.push({ pred, resolve: (l) => { clearTimeout(timer); resolve(l); } });
    });
  }

  execs(): ExecEventJson[] {
    return this.lines.filter((l) => l.msg === 'exec').map((l) => l.fields!.event!);
  }

  async stop(): Promise<number | null> {
    this.child.kill('SIGTERM');
    return this.exited;
  }
}

/** A free TCP port on loopback. */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** The test's exec helper (test/fixtures/native/et-exec.c), compiled once. */
let helper: string | undefined;
export function etExec(): string {
  if (helper) return helper;
  const dir = mkdtempSync(`${tmpdir()}/et-exec-`);
  helper = `${dir}/et-exec`;
  execFileSync('cc', ['-O2', '-pthread', '-o', helper, new URL('../fixtures/native/et-exec.c', import.meta.url).pathname]);
  return helper;
}

/** A node script that spawns each case with exact argv (no shell, no PATH search). */
export function driverScript(cases: { file: string; args: string[]; uid?: number; gid?: number }[]): string {
  const dir = mkdtempSync(`${tmpdir()}/et-driver-`);
  writeFileSync(`${dir}/cases.json`, JSON.stringify(cases));
  writeFileSync(
    `${dir}/driver.mjs`,
    `import { spawnSync } from 'node:child_process';\nimport { readFileSync } from 'node:fs';\n` +
      `for (const c of JSON.parse(readFileSync(${JSON.stringify(`${dir}/cases.json`)}, 'utf8'))) {\n` +
      `  const r = spawnSync(c.file, c.args.slice(1), { argv0: c.args[0], stdio: 'ignore', ...(c.uid !== undefined ? { uid: c.uid, gid: c.gid } : {}) });\n` +
      `  if (r.error) { console.error(String(r.error)); process.exit(3); }\n}\n`,
  );
  return `${dir}/driver.mjs`;
}
