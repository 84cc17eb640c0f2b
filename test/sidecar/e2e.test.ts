// The sidecar end to end, as a workspace uses it: start it, create a PID
// namespace, POST its inode as the init script does, run commands inside.
import { realpathSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { kernelTest } from '../helpers/kernel.ts';
import { Sidecar, freePort, etExec, driverScript, type ExecEventJson } from '../helpers/sidecar.ts';
import { inNewPidns } from '../helpers/pidns.ts';
import { makeMarker } from '../helpers/marker.ts';
import { sys } from '../../src/syscall/index.ts';
import { ProgInfo, MapInfo, LinkInfo } from '../../src/syscall/abi/index.ts';

const hex = (s: string | Buffer) => Buffer.from(s).toString('hex');

async function post(port: number, body: string, headers: Record<string, string> = { 'Content-Type': 'text/plain' }, method = 'POST'): Promise<{ status: number; text: string }> {
  const r = await fetch(`http://127.0.0.1:${port}/`, { method, headers, ...(method === 'GET' ? {} : { body }) });
  return { status: r.status, text: await r.text() };
}

kernelTest('sidecar: bad handshakes get 4xx and it keeps waiting; commands in the namespace are logged exactly once, exactly', async (t) => {
  const port = await freePort();
  const sc = new Sidecar(['--init-address', `127.0.0.1:${port}`, '--label', 'team=core', '--label', 'expr=a=b']);
  const marker = makeMarker();
  const outside = makeMarker();
  const helper = etExec();
  try {
    await sc.waitFor((l) => l.msg === 'waiting for init handshake', 30_000, 'the handshake listener');
    // Bad handshakes: each refused with a reason; the server keeps waiting.
    t.like(await post(port, '', {}, 'GET'), { status: 405 });
    t.like(await post(port, '123', { 'Content-Type': 'application/json' }), { status: 415 });
    t.like(await post(port, 'not-a-number'), { status: 400 });
    t.like(await post(port, '99999999999'), { status: 400 });
    t.like(await post(port, '1'.repeat(40)), { status: 413 });
    const wrongPath = await fetch(`http://127.0.0.1:${port}/elsewhere`, { method: 'POST', body: '1' });
    t.is(wrongPath.status, 404);

    const big = Array.from({ length: 10 }, (_, i) => `${i}`.repeat(30_000)); // 300 KB of argv
    const cases = [
      { file: marker.path, args: ['plain', 'two words', "it's", 'say "hi"', '', 'line\nbreak', '$HOME', '*'] },
      { file: marker.path, args: ['long', 'x'.repeat(5000)] },
      { file: marker.path, args: ['forty', ...Array.from({ length: 39 }, (_, i) => `arg${i}`)] },
      { file: marker.path, args: ['big', ...big] },
      { file: marker.path, args: ['asuser'], uid: 1234, gid: 4321 },
      { file: `${marker.path}-missing`, args: ['missing'] },
    ];
    const driver = driverScript(cases);
    const script = [
      `${process.execPath} ${driver}`,
      `${helper} hex ${marker.path} ${hex('nonutf8')} ${hex(Buffer.from([0x61, 0xff, 0x62]))}`,
      `${helper} fexec ${marker.path} fexec-arg`,
      `${helper} thread ${marker.path} thread-arg`,
      `unshare --pid --fork ${marker.path} nested-arg`,
    ].join('; ');
    const ns = await inNewPidns(script);
    const ok = await post(port, String(ns.inode));
    t.is(ok.status, 204, ok.text);
    // The listener is closed after success.
    await t.throwsAsync(() => post(port, String(ns.inode)));
    outside.run();
    ns.go();
    t.is(await ns.exited, 0);
    await sc.waitFor((l) => l.fields?.event?.argv?.[1] === 'nested-arg', 10_000, 'the nested namespace exec');
    await new Promise((r) => setTimeout(r, 300));

    // Each case is named by its first argument (the helper's cases by their second: their argv[0] is the path).
    const mine = sc.execs().filter((e) => e.filename.startsWith(marker.path));
    const byArg0 = new Map<string, ExecEventJson[]>();
    for (const e of mine) {
      const key = e.argv[0] === marker.path ? e.argv[1]! : e.argv[0]!;
      byArg0.set(key, [...(byArg0.get(key) ?? []), e]);
    }
    t.deepEqual([...byArg0.keys()].sort(), ['asuser', 'big', 'fexec-arg', 'forty', 'long', 'missing', 'nested-arg', 'nonutf8', 'plain', 'thread-arg']);
    for (const [arg0, list] of byArg0) t.is(list.length, 1, `${arg0} logged exactly once`);

    const line = sc.lines.find((l) => l.fields?.event?.argv[0] === 'plain')!;
    t.deepEqual(line.fields!.labels, { team: 'core', expr: 'a=b' });
    t.is(line.level, 'INFO');
    t.regex(line.ts, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
    const plain = line.fields!.event!;
    t.deepEqual(plain.argv, cases[0]!.args);
    t.like(plain, { filename: marker.path, truncated: false, uid: 0, gid: 0, comm: 'node', ret: 0, syscall: 'execve' });
    t.true(plain.ns_pid > 0 && plain.ns_pid < plain.pid, 'pid as seen in the namespace');
    // cmdline: pasting it into a shell gives back the same argv.
    const echoed = spawnSync('sh', ['-c', `for a in ${line.fields!.cmdline}; do printf '%s\\0' "$a"; done`], { encoding: 'utf8' }).stdout;
    t.deepEqual(echoed.split('\0').slice(0, -1), cases[0]!.args);

    t.deepEqual(byArg0.get('long')![0]!.argv, cases[1]!.args);
    t.deepEqual(byArg0.get('forty')![0]!.argv, cases[2]!.args);
    t.is(byArg0.get('forty')![0]!.argv.length, 40);
    const bigEv = byArg0.get('big')![0]!;
    t.true(bigEv.truncated, 'a 300 KB argv is cut at the 32 KiB budget');
    t.deepEqual(bigEv.argv, ['big', big[0]], 'what is kept is an intact prefix of whole arguments');
    t.like(byArg0.get('asuser')![0], { uid: 1234, gid: 4321 });
    t.like(byArg0.get('missing')![0], { ret: -2, error: 'ENOENT', filename: `${marker.path}-missing` });

    const nonUtf8 = byArg0.get('nonutf8')![0]!;
    t.deepEqual(nonUtf8.argv_raw, { 1: Buffer.from([0x61, 0xff, 0x62]).toString('base64') }, 'the exact bytes are kept');
    const nonUtf8Line = sc.lines.find((l) => l.fields?.event === nonUtf8)!;
    t.is(nonUtf8Line.fields!.cmdline, "nonutf8 $'a\\xffb'");
    t.like(nonUtf8, { comm: 'et-exec' });

    // fexecve: execveat(fd, "", AT_EMPTY_PATH); the filename is the file's own path.
    t.like(byArg0.get('fexec-arg')![0], { syscall: 'execveat', filename: realpathSync(marker.path), comm: 'et-exec' });
    const thread = byArg0.get('thread-arg')![0]!;
    t.not(thread.tid, thread.pid, 'an exec from a non-leader thread is logged (once), from that thread');
    t.is(thread.comm, 'et-exec');

    const nested = byArg0.get('nested-arg')![0]!;
    t.true(nested.ns_pid > 0, 'a command in a nested namespace is logged, with its pid in the target namespace');
    t.is(nested.comm, 'unshare');

    t.false(sc.execs().some((e) => e.filename === outside.path), 'a command outside the namespace is not logged');
    t.is(await sc.stop(), 0, 'SIGTERM: exit 0');
    t.is(sc.lines.at(-1)!.msg, 'stopped');
  } finally {
    sc.child.kill('SIGKILL');
    marker.remove();
    outside.remove();
  }
});

kernelTest('sidecar: --use-local-pidns traces its own namespace; no program, map or link remains after SIGTERM', async (t) => {
  const marker = makeMarker();
  const outside = makeMarker();
  /** Ids of loaded programs named like the sidecar's. */
  const sidecarProgs = () => {
    const ids: number[] = [];
    for (let id = sys.nextId('PROG', 0); id !== undefined; id = sys.nextId('PROG', id)) {
      const fd = sys.fdById('PROG', id);
      if (fd === undefined) continue;
      if (['on_exec', 'enter_execve', 'enter_execveat', 'exit_execve'].includes(sys.objGetInfo(fd, ProgInfo).name)) ids.push(id);
      sys.closeFd(fd);
    }
    return ids;
  };
  /** Ids of maps and links the sidecar creates (maps by name; links by the program they hold). */
  const sidecarMaps = () => {
    const ids: number[] = [];
    for (let id = sys.nextId('MAP', 0); id !== undefined; id = sys.nextId('MAP', id)) {
      const fd = sys.fdById('MAP', id);
      if (fd === undefined) continue;
      if (['inflight', 'scratch', 'stats'].includes(sys.objGetInfo(fd, MapInfo).name)) ids.push(id);
      sys.closeFd(fd);
    }
    return ids;
  };
  const linksTo = (progIds: number[]) => {
    const ids: number[] = [];
    for (let id = sys.nextId('LINK', 0); id !== undefined; id = sys.nextId('LINK', id)) {
      const fd = sys.fdById('LINK', id);
      if (fd === undefined) continue;
      if (progIds.includes(sys.objGetInfo(fd, LinkInfo).prog_id)) ids.push(id);
      sys.closeFd(fd);
    }
    return ids;
  };
  const others = new Set(sidecarProgs());
  const otherMaps = new Set(sidecarMaps());
  const ours = () => sidecarProgs().filter((id) => !others.has(id));
  const ourMaps = () => sidecarMaps().filter((id) => !otherMaps.has(id));
  let inner: string | undefined;
  // Run the sidecar inside a new PID namespace; it finds that namespace itself.
  const sc = new Sidecar(['--use-local-pidns', '--format', 'json'], ['unshare', '--pid', '--fork', '--mount-proc']);
  try {
    await sc.waitFor((l) => l.msg === 'tracing', 30_000, 'tracing to start');
    t.is(ours().length, 4, 'the sidecar loaded its programs');
    t.is(ourMaps().length, 3, 'and its maps');
    const progIds = ours();
    t.is(linksTo(progIds).length, 5, 'and attached them with links');
    outside.run();
    // An exec inside the sidecar's namespace: nsenter into it through the sidecar's pid.
    const pid = sc.child.pid!;
    inner = spawnSync('sh', ['-c', `for p in $(cat /proc/${pid}/task/${pid}/children); do echo $p; done`], { encoding: 'utf8' }).stdout.trim().split('\n')[0];
    const r = spawnSync('nsenter', ['--pid', `--target=${inner}`, '--', 'sh', '-c', `${marker.path} inside`], { encoding: 'utf8' });
    t.is(r.status, 0, r.stderr);
    await sc.waitFor((l) => l.fields?.event?.filename === marker.path, 10_000, 'the exec inside');
    t.false(sc.execs().some((e) => e.filename === outside.path));
    // unshare --fork ignores SIGTERM while it waits: signal the sidecar itself (PID 1 of its namespace).
    process.kill(Number(inner), 'SIGTERM');
    t.is(await sc.exited, 0);
    // The kernel frees objects after the last reference, maps from a workqueue: poll briefly.
    for (let i = 0; i < 100 && (ours().length > 0 || ourMaps().length > 0 || linksTo(progIds).length > 0); i++) await new Promise((res) => setTimeout(res, 20));
    t.deepEqual(ours(), [], 'its programs are gone');
    t.deepEqual(ourMaps(), [], 'its maps are gone');
    t.deepEqual(linksTo(progIds), [], 'its links are gone');
  } finally {
    if (inner) spawnSync('kill', ['-KILL', inner]);
    sc.child.kill('SIGKILL');
    marker.remove();
    outside.remove();
  }
});

kernelTest('sidecar: no valid handshake before the timeout exits non-zero with a clear message; a label without = is refused', async (t) => {
  const port = await freePort();
  const sc = new Sidecar(['--init-address', `127.0.0.1:${port}`, '--startup-timeout', '1s']);
  t.is(await sc.exited, 1);
  t.regex(sc.stderr.join('\n'), /no valid init handshake .* within 1 s/);
  const bad = new Sidecar(['--label', 'novalue']);
  t.is(await bad.exited, 2);
  t.regex(bad.stderr.join('\n'), /--label "novalue" has no '=': labels are KEY=VALUE/);
});
