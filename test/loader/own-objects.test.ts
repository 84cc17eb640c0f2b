// The loader on objects this project compiles itself, from bpf/testdata/*.c
// with clang-19 (bpf/testdata/build.sh), committed in test/fixtures/bpf: one
// object per feature, each checked by what its programs do in the kernel.
import test, { type ExecutionContext } from 'ava';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { release, tmpdir } from 'node:os';
import { gunzipSync } from 'node:zlib';
import { parseObject, setVariable, type CollectionSpec } from '../../src/object/index.ts';
import { loadCollection, attachBySection, TargetBtf, type Collection, type LoadOptions } from '../../src/loader/index.ts';
import { BpfMap } from '../../src/map/index.ts';
import { BpfProgram } from '../../src/prog/index.ts';
import { RingBufferReader } from '../../src/ringbuf/index.ts';
import { Assembler, R, encode } from '../../src/asm/index.ts';
import { KernelError } from '../../src/syscall/index.ts';
import { MapFlags, MapType, ProgType } from '../../src/syscall/abi/index.ts';
import type { Attachment } from '../../src/link/index.ts';
import { kernelTest, bpfFdsOfProcess, assertNoLeaks } from '../helpers/kernel.ts';
import { makeMarker } from '../helpers/marker.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const FIXTURES = `${ROOT}test/fixtures/bpf/`;
const SOURCES = `${ROOT}bpf/testdata/`;
const OBJECTS = ['core', 'globals', 'kconfig', 'kconfig_strong', 'maps', 'tracing'];

function spec(name: string): CollectionSpec {
  return parseObject(readFileSync(`${FIXTURES}${name}.o`), { name: `${name}.o` });
}

function load(s: CollectionSpec, name: string, opts: LoadOptions = {}): Collection {
  return loadCollection(s, { onProgramError: 'collect', name: `${name}.o`, ...opts });
}

const ZERO = Buffer.alloc(4);
const key = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
};

/** The bytes of global variable `name`, read from its data map in the kernel. */
function readVar(s: CollectionSpec, c: Collection, name: string): Buffer {
  const v = s.variables.get(name);
  if (!v) throw new Error(`no variable ${name}`);
  const value = c.maps.get(v.map)!.lookup(ZERO)!;
  return value.subarray(v.offset, v.offset + v.size);
}

const i32 = (s: CollectionSpec, c: Collection, name: string) => readVar(s, c, name).readInt32LE(0);
const u32 = (s: CollectionSpec, c: Collection, name: string) => readVar(s, c, name).readUInt32LE(0);
const i64 = (s: CollectionSpec, c: Collection, name: string) => readVar(s, c, name).readBigInt64LE(0);
const u64 = (s: CollectionSpec, c: Collection, name: string) => readVar(s, c, name).readBigUInt64LE(0);
const cstr = (b: Buffer) => b.subarray(0, b.indexOf(0) < 0 ? b.length : b.indexOf(0)).toString('utf8');

/** Program errors, as readable text for assertion messages. */
const errorsOf = (c: Collection) => [...c.errors].map(([n, e]) => `${n}: ${e.message}`).join('\n');

// ---------------------------------------------------------------------------
// The fixtures are what the sources compile to.

const clang = spawnSync('clang-19', ['--version']).status === 0;
(clang ? test : test.skip)(`test/fixtures/bpf/*.o are exactly what bpf/testdata/build.sh compiles${clang ? '' : ' (clang-19 is not installed)'}`, (t) => {
  const sources = readdirSync(SOURCES).filter((f) => f.endsWith('.c')).map((f) => f.slice(0, -2)).sort();
  t.deepEqual(sources, OBJECTS, 'one committed object per source');
  const out = mkdtempSync(`${tmpdir()}/et-own-`);
  try {
    for (const name of sources) {
      execFileSync('clang-19', [
        '-target', 'bpf', '-O2', '-g', '-mcpu=v3', `-fdebug-prefix-map=${ROOT.replace(/\/$/, '')}=.`,
        '-I', 'bpf/testdata', '-c', `bpf/testdata/${name}.c`, '-o', `${out}/${name}.o`,
      ], { cwd: ROOT });
      t.true(readFileSync(`${out}/${name}.o`).equals(readFileSync(`${FIXTURES}${name}.o`)), `${name}.o is stale: run sh bpf/testdata/build.sh`);
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('the objects parse: programs by section, maps, variables, kconfig externs, CO-RE records', (t) => {
  const g = spec('globals');
  t.deepEqual([...g.programs.keys()], ['globals_run']);
  t.is(g.programs.get('globals_run')!.match!.type, ProgType.SYSCALL);
  t.deepEqual(g.programs.get('globals_run')!.layout.map((l) => l.name).sort(), ['global_sub', 'globals_run', 'loop_cb', 'static_sub'], 'both subprograms and the callback are linked in');
  t.deepEqual([...g.maps.keys()].sort(), ['.bss', '.data', '.data.custom', '.rodata', '.rodata.custom']);
  t.like(g.variables.get('data_custom'), { map: '.data.custom', size: 4, readOnly: false });
  t.like(g.variables.get('rodata_custom'), { map: '.rodata.custom', size: 8, readOnly: true });
  t.like(g.variables.get('config_mult'), { map: '.rodata', size: 4, readOnly: true });

  const m = spec('maps');
  t.deepEqual([...m.programs.keys()].sort(), ['maps_main', 'tail_prog']);
  t.deepEqual(m.maps.get('outer')!.init, [{ key: 0, value: { map: 'inner_a' } }]);
  t.deepEqual(m.maps.get('jump_table')!.init, [{ key: 2, value: { program: 'tail_prog' } }]);
  t.is(m.maps.get('pinned_counter')!.pinning, 'by-name');
  t.like(m.maps.get('outer')!.inner, { type: MapType.ARRAY, keySize: 4, valueSize: 4, maxEntries: 1 });

  const k = spec('kconfig');
  t.deepEqual(k.kconfig.map((x) => [x.name, x.size]), [
    ['LINUX_KERNEL_VERSION', 4], ['CONFIG_HZ', 4], ['CONFIG_BPF_LSM', 1], ['CONFIG_NOT_A_REAL_OPTION', 1], ['CONFIG_LSM', 128],
  ]);

  const c = spec('core');
  for (const p of ['core_self', 'core_exec']) t.true(c.programs.get(p)!.coreRelos.length > 0, `${p} has CO-RE relocations`);

  const tr = spec('tracing');
  t.deepEqual([...tr.programs.values()].map((p) => [p.name, p.section, p.match?.def.prefix]), [
    ['on_exec', 'tp_btf/sched_process_exec', 'tp_btf'],
    ['on_openat2_entry', 'fentry/do_sys_openat2', 'fentry'],
    ['on_openat2_exit', 'fexit/do_sys_openat2', 'fexit'],
    ['on_bprm_check', 'lsm/bprm_check_security', 'lsm'],
    ['on_exit', 'raw_tp/sched_process_exit', 'raw_tp'],
    ['on_getppid', 'tracepoint/syscalls/sys_enter_getppid', 'tracepoint'],
    ['on_uprobe', 'uprobe//tmp/exectrace-own-objects/et-child:et_uprobe_target', 'uprobe'],
  ]);
  for (const p of tr.programs.values()) t.is(p.coreRelos.length, 0, `${p.name} needs no CO-RE`);
});

// ---------------------------------------------------------------------------
// globals.o

const TABLE = [10, 20, 30, 40];
const CUSTOM = [100, 200];
/** What globals_run computes (see bpf/testdata/globals.c). */
function globalsModel(input: number, dataVar: number, mult: number, loops: number): number {
  const staticSub = input * 2 + dataVar;
  const globalSub = input + TABLE[input & 3]! + CUSTOM[input & 1]!;
  return (staticSub + globalSub) * mult + (loops * (loops - 1)) / 2;
}

function runGlobals(c: Collection, input: number): { retval: number; out: number } {
  const args = Buffer.alloc(8);
  args.writeInt32LE(input, 0);
  args.writeInt32LE(-1, 4);
  const r = c.programs.get('globals_run')!.testRun({ ctxIn: args });
  // The kernel copies a SYSCALL program's context back into the caller's buffer.
  return { retval: r.retval, out: args.readInt32LE(4) };
}

kernelTest('globals.o: .data, .bss, .rodata, custom sections, const volatile, static and global subprograms and a bpf_loop callback', async (t) => {
  const before = await bpfFdsOfProcess();
  const s = spec('globals');
  const c = load(s, 'globals');
  try {
    t.is(errorsOf(c), '');
    t.is(runGlobals(c, 2).retval, globalsModel(2, 3, 1, 11), 'compiled-in values: (7 + 132) * 1 + 55');
    t.is(i32(s, c, 'result_bss'), 194);
    t.is(u32(s, c, 'runs_bss'), 1);
    t.true(c.programs.get('globals_run')!.info().btf_id > 0, 'loaded with the object BTF (func and line info)');

    // Read-only sections: frozen for user space, read-only for programs.
    for (const name of ['.rodata', '.rodata.custom']) {
      const map = c.maps.get(name)!;
      t.true((map.info().map_flags & MapFlags.RDONLY_PROG) !== 0, `${name} is read-only for programs`);
      t.throws(() => map.update(ZERO, Buffer.alloc(map.valueSize)), { message: /EPERM/ }, `${name} is frozen`);
    }
    t.deepEqual([...c.maps.get('.rodata.custom')!.lookup(ZERO)!], [100, 0, 0, 0, 200, 0, 0, 0]);
    // Writable sections are read by the program at run time, not folded in at compile time.
    t.is(c.maps.get('.data.custom')!.lookup(ZERO)!.readInt32LE(0), 11);
    c.maps.get('.data')!.update(ZERO, Buffer.from([10, 0, 0, 0]));
    const custom = Buffer.alloc(4);
    custom.writeInt32LE(4);
    c.maps.get('.data.custom')!.update(ZERO, custom);
    const r = runGlobals(c, 3);
    t.is(r.retval, globalsModel(3, 10, 1, 4));
    t.is(r.out, r.retval, 'args->out written back through the context');
    t.is(i32(s, c, 'result_bss'), r.retval);
    t.is(u32(s, c, 'runs_bss'), 2);
  } finally {
    c.close();
  }

  // The const volatile set before load is what the program sees.
  setVariable(s, 'config_mult', 7);
  const c2 = load(s, 'globals');
  try {
    t.is(c2.maps.get('.rodata')!.lookup(ZERO)!.readInt32LE(16), 7);
    for (const input of [0, 1, 2, 3, 5]) {
      const r = runGlobals(c2, input);
      t.is(r.retval, globalsModel(input, 3, 7, 11), `input ${input}`);
      t.is(r.out, r.retval);
    }
    t.is(u32(s, c2, 'runs_bss'), 5, 'a fresh collection starts from the object\'s .bss');
  } finally {
    c2.close();
  }
  await assertNoLeaks(t, before);
});

// ---------------------------------------------------------------------------
// maps.o

function bpffsMounted(): boolean {
  return readFileSync('/proc/mounts', 'utf8').split('\n').some((l) => l.split(' ')[1] === '/sys/fs/bpf' && l.split(' ')[2] === 'bpf');
}

/** Mounts bpffs at /sys/fs/bpf when it is not; returns the function that undoes it. */
function ensureBpffs(): () => void {
  if (bpffsMounted()) return () => {};
  mkdirSync('/sys/fs/bpf', { recursive: true });
  execFileSync('mount', ['-t', 'bpf', 'bpf', '/sys/fs/bpf']);
  return () => execFileSync('umount', ['/sys/fs/bpf']);
}

kernelTest('maps.o: hash, sized array, LRU hash with flags, ring buffer, pinned map, map-in-map and prog array contents, tail call', async (t) => {
  const before = await bpfFdsOfProcess();
  const unmount = ensureBpffs();
  const pinPath = mkdtempSync('/sys/fs/bpf/et-own-');
  const s = spec('maps');
  let c: Collection | undefined;
  let c2: Collection | undefined;
  let ring: RingBufferReader | undefined;
  try {
    c = load(s, 'maps', { pinPath });
    t.is(errorsOf(c), '');
    t.deepEqual([...c.programs.keys()].sort(), ['maps_main', 'tail_prog']);
    const map = (n: string) => c!.maps.get(n)!;

    t.like(map('hash_map').info(), { type: MapType.HASH, key_size: 4, value_size: 8, max_entries: 16, map_flags: 0 });
    t.true(map('hash_map').info().btf_value_type_id > 0, '__type(value) gives the map BTF');
    t.like(map('sized_array').info(), { type: MapType.ARRAY, key_size: 4, value_size: 8, max_entries: 4, btf_key_type_id: 0, btf_value_type_id: 0 });
    t.like(map('lru_map').info(), { type: MapType.LRU_HASH, key_size: 4, value_size: 8, max_entries: 32, map_flags: 2 /* BPF_F_NO_COMMON_LRU */ });
    t.like(map('events').info(), { type: MapType.RINGBUF, max_entries: 4096 });
    t.like(map('outer').info(), { type: MapType.ARRAY_OF_MAPS, key_size: 4, value_size: 4, max_entries: 2 });
    t.like(map('jump_table').info(), { type: MapType.PROG_ARRAY, key_size: 4, value_size: 4, max_entries: 4 });
    t.like(map('inner_b').info(), { type: MapType.ARRAY, value_size: 4, max_entries: 1 });

    // Initial contents: outer[0] = inner_a, jump_table[2] = tail_prog, nothing else.
    t.is(map('outer').lookup(key(0))?.readUInt32LE(0), map('inner_a').info().id, 'outer[0] is inner_a (user space reads map ids)');
    t.is(map('outer').lookup(key(1)), undefined);
    t.is(map('jump_table').lookup(key(2))?.readUInt32LE(0), c.programs.get('tail_prog')!.info().id, 'jump_table[2] is tail_prog');
    for (const k of [0, 1, 3]) t.is(map('jump_table').lookup(key(k)), undefined, `jump_table[${k}] is empty`);

    // The pinned map is in the pin directory.
    t.true(existsSync(`${pinPath}/pinned_counter`));
    t.deepEqual(readdirSync(pinPath), ['pinned_counter'], 'only the map declared with pinning is pinned');

    map('inner_a').update(key(0), Buffer.from([7, 0, 0, 0]));
    ring = new RingBufferReader(map('events'));
    const prog = c.programs.get('maps_main')!;
    t.is(prog.testRun({ dataIn: Buffer.alloc(64) }).retval, 42, 'maps_main returns what tail_prog returns');
    t.is(u32(s, c, 'tail_runs'), 1);
    t.is(map('hash_map').lookup(key(1))?.readBigUInt64LE(0), 0x1111n);
    t.is(map('sized_array').lookup(key(1))?.readBigUInt64LE(0), 2n);
    const pair = map('lru_map').lookup(key(1));
    t.deepEqual(pair && [pair.readUInt32LE(0), pair.readUInt32LE(4)], [5, 6]);
    t.is(map('pinned_counter').lookup(ZERO)?.readBigUInt64LE(0), 1n);
    t.is(map('inner_a').lookup(ZERO)?.readUInt32LE(0), 1007, 'the program reached inner_a through outer[0]');
    const records: Buffer[] = [];
    t.is(ring.drain((d, off, len) => records.push(Buffer.from(d.subarray(off, off + len)))), 1);
    t.is(records[0]!.length, 16);
    t.is(records[0]!.readUInt32LE(0), 0xe7e7e7e7);
    t.is(records[0]!.readUInt32LE(4), 7, 'the ring record carries the inner map value');
    t.is(records[0]!.readBigUInt64LE(8), 0x1111n);

    // A second collection with the same pin path shares the pinned map and nothing else.
    c2 = load(s, 'maps', { pinPath });
    t.is(errorsOf(c2), '');
    t.is(c2.maps.get('pinned_counter')!.info().id, map('pinned_counter').info().id, 'the pinned map is reused');
    t.not(c2.maps.get('hash_map')!.info().id, map('hash_map').info().id);
    t.is(c2.programs.get('maps_main')!.testRun({ dataIn: Buffer.alloc(64) }).retval, 42);
    t.is(map('pinned_counter').lookup(ZERO)?.readBigUInt64LE(0), 2n, 'both collections count into the one pinned map');
    t.is(map('sized_array').lookup(key(1))?.readBigUInt64LE(0), 2n, 'unpinned maps are not shared');
    const fromPin = BpfMap.fromPin(`${pinPath}/pinned_counter`);
    t.is(fromPin.lookup(ZERO)?.readBigUInt64LE(0), 2n);
    fromPin.close();

    // Without tail_prog in slot 2, the tail call falls through to XDP_DROP.
    t.true(map('jump_table').delete(key(2)));
    t.is(prog.testRun({ dataIn: Buffer.alloc(64) }).retval, 1);
    t.is(u32(s, c, 'tail_runs'), 1);
  } finally {
    ring?.close();
    c?.close();
    c2?.close();
    rmSync(pinPath, { recursive: true, force: true });
    unmount();
  }
  t.false(existsSync(pinPath), 'the pin directory is gone');
  await assertNoLeaks(t, before);
});

kernelTest('maps.o: a map pinned under the same name with another shape is refused by name, and nothing is left open', async (t) => {
  const before = await bpfFdsOfProcess();
  const unmount = ensureBpffs();
  const pinPath = mkdtempSync('/sys/fs/bpf/et-own-');
  try {
    // pinned_counter is ARRAY 4/8 x1; this one has 4-byte values.
    const other = BpfMap.create({ type: 'ARRAY', keySize: 4, valueSize: 4, maxEntries: 1, name: 'pinned_counter' });
    other.pin(`${pinPath}/pinned_counter`);
    other.close();
    t.throws(() => load(spec('maps'), 'maps', { pinPath }), {
      message: `maps.o: map pinned_counter pinned at ${pinPath}/pinned_counter has another shape (type, key, value or size) than the object declares`,
    });
    const kept = BpfMap.fromPin(`${pinPath}/pinned_counter`);
    t.is(kept.valueSize, 4, 'the pinned map is left as it was');
    kept.close();
  } finally {
    rmSync(pinPath, { recursive: true, force: true });
    unmount();
  }
  await assertNoLeaks(t, before);
});

// ---------------------------------------------------------------------------
// kconfig.o

function kernelConfig(): Map<string, string> {
  const out = new Map<string, string>();
  const text = existsSync('/proc/config.gz')
    ? gunzipSync(readFileSync('/proc/config.gz')).toString('utf8')
    : readFileSync(`/boot/config-${release()}`, 'utf8');
  for (const line of text.split('\n')) {
    const m = /^(CONFIG_\w+)=(.*)$/.exec(line);
    if (m) out.set(m[1]!, m[2]!);
  }
  return out;
}

kernelTest('kconfig.o: LINUX_KERNEL_VERSION, CONFIG_HZ, a weak bool that is set, one that no kernel has, and a string', async (t) => {
  const before = await bpfFdsOfProcess();
  const s = spec('kconfig');
  const c = load(s, 'kconfig');
  try {
    t.is(errorsOf(c), '');
    t.is(c.programs.get('read_kconfig')!.testRun().retval, 0);
    const uname = execFileSync('uname', ['-r'], { encoding: 'utf8' }).trim();
    const [a, b, p] = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(uname)!.slice(1).map((x) => Number(x ?? 0));
    t.is(u32(s, c, 'kernel_version'), (a! << 16) + (b! << 8) + Math.min(p!, 255), `KERNEL_VERSION of ${uname}`);
    const config = kernelConfig();
    t.is(i32(s, c, 'hz'), Number(config.get('CONFIG_HZ')));
    t.is(i32(s, c, 'bpf_lsm'), config.get('CONFIG_BPF_LSM') === 'y' ? 1 : 0);
    t.is(i32(s, c, 'not_a_real_option'), 0, 'a weak extern the config lacks is 0');
    t.is(cstr(readVar(s, c, 'lsm')), JSON.parse(config.get('CONFIG_LSM') ?? '""') as string);
    const kconfig = c.maps.get('.kconfig')!;
    t.true((kconfig.info().map_flags & MapFlags.RDONLY_PROG) !== 0);
    t.throws(() => kconfig.update(ZERO, Buffer.alloc(kconfig.valueSize)), { message: /EPERM/ }, '.kconfig is frozen');
  } finally {
    c.close();
  }
  await assertNoLeaks(t, before);
});

// ---------------------------------------------------------------------------
// core.o

kernelTest('core.o: core_self reads its own task through a flavoured task_struct; existence, size and enum relocations', async (t) => {
  const before = await bpfFdsOfProcess();
  const s = spec('core');
  const c = load(s, 'core', { programs: ['core_self'] });
  try {
    t.is(errorsOf(c), '');
    const prog = c.programs.get('core_self')!;
    // BPF_PROG_TEST_RUN runs a SYSCALL program in the calling task: this process.
    t.is(prog.testRun().retval, process.pid);
    const pidTgid = u64(s, c, 'self_pid_tgid');
    t.is(Number(pidTgid >> 32n), process.pid);
    t.is(i32(s, c, 'self_tgid'), process.pid, 'task->tgid');
    t.is(i32(s, c, 'self_pid'), Number(pidTgid & 0xffffffffn), 'task->pid is the calling thread');
    t.is(i32(s, c, 'self_ppid'), process.ppid, 'task->real_parent->tgid');
    t.is(i32(s, c, 'pid_exists'), 1);
    t.is(i32(s, c, 'bogus_field_exists'), 0, 'et_bogus_field of task_struct___et exists in no kernel');
    t.is(i32(s, c, 'task_type_exists'), 1);
    t.is(i32(s, c, 'bogus_type_exists'), 0);
    t.is(i32(s, c, 'ringbuf_enum_exists'), 1);
    t.is(i32(s, c, 'bogus_enum_exists'), 0);
    t.is(i64(s, c, 'ringbuf_enum_value'), 27n, 'BPF_MAP_TYPE_RINGBUF from the kernel, not the local 1000');
    t.is(i64(s, c, 'pidtype_sid_value'), 3n);
    t.is(i32(s, c, 'pid_size'), 4);
    t.is(i32(s, c, 'comm_size'), 16);
    t.is(i32(s, c, 'real_parent_size'), 8);
  } finally {
    c.close();
  }
  await assertNoLeaks(t, before);
});

kernelTest('core.o: core_exec (tp_btf, direct CO-RE reads of a BTF task pointer) records the exec of a child', async (t) => {
  const before = await bpfFdsOfProcess();
  const s = spec('core');
  setVariable(s, 'parent_tgid', process.pid);
  const marker = makeMarker();
  const c = load(s, 'core', { programs: ['core_exec'] });
  try {
    t.is(errorsOf(c), '');
    const link = attachBySection(c.programs.get('core_exec')!, s.programs.get('core_exec')!);
    let pid: number;
    try {
      const r = spawnSync(marker.path, [], { stdio: 'ignore' });
      t.is(r.status, 0);
      pid = r.pid!;
    } finally {
      link.close();
    }
    t.is(i32(s, c, 'exec_count'), 1);
    t.is(i32(s, c, 'exec_pid'), pid);
    t.is(i32(s, c, 'exec_tgid'), pid);
    t.is(i32(s, c, 'exec_old_pid'), pid);
    t.is(i32(s, c, 'exec_ppid'), process.pid);
    t.is(i32(s, c, 'exec_current_ppid'), process.pid);
    t.is(cstr(readVar(s, c, 'exec_comm')), marker.name);
  } finally {
    c.close();
    marker.remove();
  }
  await assertNoLeaks(t, before);
});

// ---------------------------------------------------------------------------
// tracing.o

const CHILD_DIR = '/tmp/exectrace-own-objects';
const CHILD = `${CHILD_DIR}/et-child`; // the path in tracing.c's uprobe section

/**
 * A static binary (so that the exec'd image opens no libraries): waits for a
 * byte on stdin, then calls getppid 3 times, opens /dev/null 4 times, calls
 * et_uprobe_target 5 times, execs itself and exits.
 */
const CHILD_C = `#include <fcntl.h>
#include <string.h>
#include <unistd.h>
__attribute__((noinline)) int et_uprobe_target(int x) { __asm__ volatile("" ::: "memory"); return x + 1; }
int main(int argc, char **argv) {
  char c;
  int sum = 0;
  if (argc > 1 && strcmp(argv[1], "exec") == 0) return 0;
  if (read(0, &c, 1) != 1) return 2;
  for (int i = 0; i < 3; i++) getppid();
  for (int i = 0; i < 4; i++) { int fd = open("/dev/null", O_RDONLY); if (fd < 0) return 3; close(fd); }
  for (int i = 0; i < 5; i++) sum += et_uprobe_target(i);
  if (sum != 15) return 4;
  execl("/proc/self/exe", argv[0], "exec", (char *)0);
  return 5;
}
`;

function buildChild(): void {
  mkdirSync(CHILD_DIR, { recursive: true });
  const tmp = mkdtempSync(`${CHILD_DIR}/build-`);
  try {
    writeFileSync(`${tmp}/child.c`, CHILD_C);
    execFileSync('cc', ['-O1', '-static', '-o', `${tmp}/et-child`, `${tmp}/child.c`]);
    renameSync(`${tmp}/et-child`, CHILD);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Whether the bpf LSM is active (mounting securityfs on a temporary directory if it is not mounted). */
function bpfLsmActive(): boolean {
  const read = (f: string) => readFileSync(f, 'utf8').trim().split(',').includes('bpf');
  if (existsSync('/sys/kernel/security/lsm')) return read('/sys/kernel/security/lsm');
  const dir = mkdtempSync(`${tmpdir()}/et-securityfs-`);
  try {
    execFileSync('mount', ['-t', 'securityfs', 'securityfs', dir]);
    try {
      return read(`${dir}/lsm`);
    } finally {
      execFileSync('umount', [dir]);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Whether the kernel refuses every trampoline program (fentry/fexit/lsm),
 * whoever loads it: a minimal hand-assembled fentry program, loaded without
 * the ELF loader, gets EPERM before the verifier runs. The 6.18 test VM
 * (kernel lockdown=integrity) does that to everyone: bpftool/libbpf get the
 * same EPERM for these sections, while tp_btf loads.
 */
function kernelRefusesTrampolines(): KernelError | undefined {
  const id = TargetBtf.kernel().vmlinux.idsByName('do_sys_openat2', 'func')[0];
  if (id === undefined) return undefined;
  try {
    BpfProgram.load({
      type: 'TRACING', expectedAttachType: 'TRACE_FENTRY', attachBtfId: id, name: 'et_probe_fentry',
      insns: encode(new Assembler().mov64Imm(R.R0, 0).exit().assemble()), license: 'GPL',
    }).close();
    return undefined;
  } catch (e) {
    if (e instanceof KernelError && e.code === 'EPERM' && !e.log) return e;
    throw e;
  }
}

/** Asserts `name` failed to load the way the kernel refuses trampolines here: EPERM from BPF_PROG_LOAD, no verifier log. */
function assertRefused(t: ExecutionContext, c: Collection, name: string): void {
  const e = c.errors.get(name);
  // The loader wraps the kernel's error with the object, program and section.
  const k = (e instanceof KernelError ? e : (e as { cause?: unknown } | undefined)?.cause) as KernelError;
  t.true(k instanceof KernelError, `${name}: ${e?.message ?? 'loaded'}`);
  t.regex(e!.message, new RegExp(`program ${name} \\(section `), 'the message names the whole program name and its section');
  t.is(k.code, 'EPERM');
  t.is(k.operation, 'bpf(BPF_PROG_LOAD)');
  t.is(k.log, undefined, 'refused before the verifier ran');
  t.regex(k.message, new RegExp(`program "${name.slice(0, 15)}" failed: EPERM \\(1\\): operation not permitted`));
}

kernelTest('tracing.o: tp_btf, fentry, fexit, lsm, raw_tp, tracepoint and uprobe programs count exactly the events of one child', async (t) => {
  const before = await bpfFdsOfProcess();
  buildChild();
  const s = spec('tracing');
  const refused = kernelRefusesTrampolines();
  const lsmActive = bpfLsmActive();
  if (refused) t.log(`this kernel refuses fentry/fexit/lsm programs: ${refused.message}`);
  if (!lsmActive) t.log('the bpf LSM is not active here: lsm/bprm_check_security cannot attach');

  const child = spawn(CHILD, [], { stdio: ['pipe', 'ignore', 'inherit'] });
  const exited = new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => resolve(code));
  });
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
  const attachments: Attachment[] = [];
  let c: Collection | undefined;
  try {
    setVariable(s, 'target_tgid', child.pid!);
    c = load(s, 'tracing');
    const trampolines = ['on_openat2_entry', 'on_openat2_exit', 'on_bprm_check'];
    const always = ['on_exec', 'on_exit', 'on_getppid', 'on_uprobe'];
    for (const name of always) t.true(c.programs.has(name), `${name}: ${c.errors.get(name)?.message ?? 'loaded'}`);
    for (const name of trampolines) {
      if (refused) assertRefused(t, c, name);
      else t.true(c.programs.has(name), `${name}: ${c.errors.get(name)?.message ?? 'loaded'}`);
    }
    for (const [name, prog] of c.programs) {
      const def = s.programs.get(name)!;
      if (name === 'on_bprm_check' && !lsmActive) {
        const e = t.throws(() => attachments.push(attachBySection(prog, def)));
        t.regex(e?.message ?? '', /on_bprm_check/);
        continue;
      }
      attachments.push(attachBySection(prog, def));
    }
    t.is(attachments.length, c.programs.size - (c.programs.has('on_bprm_check') && !lsmActive ? 1 : 0));

    child.stdin!.end('x');
    t.is(await exited, 0, 'the child ran to the end');

    t.is(u64(s, c, 'exec_hits'), 1n, 'tp_btf/sched_process_exec');
    t.is(u64(s, c, 'getppid_hits'), 3n, 'tracepoint/syscalls/sys_enter_getppid');
    t.is(u64(s, c, 'uprobe_hits'), 5n, 'uprobe on et_uprobe_target');
    t.is(u64(s, c, 'exit_hits'), 1n, 'raw_tp/sched_process_exit');
    if (c.programs.has('on_openat2_entry')) {
      t.is(u64(s, c, 'openat_entry_hits'), 4n, 'fentry/do_sys_openat2');
      t.is(u64(s, c, 'openat_exit_hits'), 4n, 'fexit/do_sys_openat2');
      t.true(i64(s, c, 'openat_last_ret') >= 0n, 'fexit sees the fd returned');
    }
    if (c.programs.has('on_bprm_check') && lsmActive) t.is(u64(s, c, 'bprm_check_hits'), 1n, 'lsm/bprm_check_security');
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited.catch(() => undefined);
    for (const a of attachments) a.close();
    c?.close();
    rmSync(CHILD_DIR, { recursive: true, force: true });
  }
  await assertNoLeaks(t, before);
});
