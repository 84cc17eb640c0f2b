import test from 'ava';
import { parseObject, ObjectError, setVariable, matchSection } from '../../src/object/index.ts';
import { MapType, MapFlags, ProgType, AttachType } from '../../src/syscall/abi/index.ts';
import { corpus, corpusObjects } from '../helpers/corpus.ts';

const BROKEN = ['invalid_map-el.elf', 'invalid_map_static-el.elf', 'invalid_btf_map_init-el.elf'];

test('every corpus object except the deliberately broken ones parses', (t) => {
  for (const [path, bytes] of corpusObjects()) {
    if (BROKEN.some((b) => path.endsWith(b))) continue;
    t.notThrows(() => parseObject(bytes, { name: path }), path);
  }
});

test('the broken objects are refused with an error that says what is wrong', (t) => {
  const err = (f: string) => t.throws(() => parseObject(corpus(`cilium-ebpf/${f}`), { name: f }), { instanceOf: ObjectError })!.message;
  t.regex(err('invalid_map-el.elf'), /^invalid_map-el\.elf: legacy map invalid_map: its 24-byte definition has non-zero bytes past struct bpf_map_def/);
  t.regex(err('invalid_map_static-el.elf'), /legacy map hash_map is static/);
  t.regex(err('invalid_btf_map_init-el.elf'), /map hash_map: \.maps holds a non-zero byte at offset 8/);
});

for (const clang of ['loader-clang-14-el.elf', 'loader-clang-22-el.elf']) {
  test(`${clang}: maps, global data, programs and subprograms`, (t) => {
    const s = parseObject(corpus(`cilium-ebpf/${clang}`));
    t.like(s.maps.get('hash_map'), { type: MapType.HASH, keySize: 4, valueSize: 8, maxEntries: 1, flags: MapFlags.NO_PREALLOC });
    t.like(s.maps.get('.rodata'), { type: MapType.ARRAY, valueSize: 24, maxEntries: 1, flags: MapFlags.RDONLY_PROG, freeze: true });
    t.like(s.maps.get('.rodata.cst32'), { valueSize: 32, freeze: true });
    t.like(s.maps.get('.data.test'), { freeze: false, flags: 0 });
    t.like(s.maps.get('btf_pin'), { pinning: 'by-name' });
    t.like(s.maps.get('btf_outer_map'), { type: MapType.ARRAY_OF_MAPS });
    t.truthy(s.maps.get('btf_outer_map')!.inner);
    t.like(s.maps.get('perf_event_array'), { type: MapType.PERF_EVENT_ARRAY, keySize: 4, valueSize: 4 });
    t.like(s.maps.get('bpf_decl_map'), { section: 'maps' });
    const xdp = s.programs.get('xdp_prog')!;
    t.like(xdp.match, { type: ProgType.XDP, expectedAttachType: AttachType.XDP });
    t.deepEqual(xdp.layout.map((l) => l.name).sort(), ['global_fn', 'global_fn2', 'global_fn3', 'static_fn', 'xdp_prog']);
    t.is(s.programs.get('global_fn3')!.section, 'other');
    t.is(s.programs.get('global_fn3')!.match, undefined, 'section "other" is no known program type');
    t.is(s.license, 'MIT');
    t.like(s.variables.get('arg'), { map: '.rodata', readOnly: true });
    // func_info of a linked program covers each function at its new place.
    t.is(xdp.funcInfo.length, xdp.layout.length);
    t.deepEqual(xdp.funcInfo.map((f) => f.insnOff / 8).sort((a, b) => a - b), xdp.layout.map((l) => l.start).sort((a, b) => a - b));
  });
}

test('loader_nobtf: the same maps and programs as far as they exist without BTF', (t) => {
  const withBtf = parseObject(corpus('cilium-ebpf/loader-clang-14-el.elf'));
  const s = parseObject(corpus('cilium-ebpf/loader_nobtf-el.elf'));
  t.is(s.btf, undefined);
  t.deepEqual([...s.programs.keys()].sort(), [...withBtf.programs.keys()].sort());
  for (const [name, m] of s.maps) {
    const other = withBtf.maps.get(name);
    t.truthy(other, name);
    t.like(m, { type: other!.type, keySize: other!.keySize, valueSize: other!.valueSize, maxEntries: other!.maxEntries });
  }
  t.like(s.variables.get('arg'), { map: '.rodata', typeId: 0 });
});

test('btf_map_init: prog array and map-in-map initial contents', (t) => {
  const s = parseObject(corpus('cilium-ebpf/btf_map_init-el.elf'));
  t.deepEqual(s.maps.get('prog_array_init')!.init, [{ key: 1, value: { program: 'tail_1' } }]);
  t.deepEqual(s.maps.get('outer_map_init')!.init.map((e) => e.value), [{ map: 'inner_map' }]);
});

test('strings and constants: read-only data sections and const volatile variables', (t) => {
  const strings = parseObject(corpus('cilium-ebpf/strings-el.elf'));
  t.like(strings.maps.get('.rodata.str1.1'), { flags: MapFlags.RDONLY_PROG, freeze: true });
  const constants = parseObject(corpus('cilium-ebpf/constants-el.elf'));
  t.like(constants.variables.get('ret'), { map: '.rodata', size: 4, readOnly: true });
  setVariable(constants, 'ret', 1);
  t.deepEqual([...constants.maps.get('.rodata')!.data!.subarray(0, 4)], [1, 0, 0, 0]);
  t.throws(() => setVariable(constants, 'nope', 1), { message: /no global variable named nope \(variables: ret\)/ });
  t.throws(() => setVariable(constants, 'ret', 1n << 40n), { message: /does not fit variable ret/ });
  t.throws(() => setVariable(constants, 'ret', new Uint8Array(3)), { message: /ret is 4 bytes, the value given is 3/ });
});

test('section names map to program and attach types as libbpf names them', (t) => {
  t.like(matchSection('tracepoint/syscalls/sys_enter_execve'), { type: ProgType.TRACEPOINT, target: 'syscalls/sys_enter_execve' });
  t.like(matchSection('tp/sched/sched_process_exec'), { type: ProgType.TRACEPOINT, target: 'sched/sched_process_exec' });
  t.like(matchSection('raw_tp/sched_switch'), { type: ProgType.RAW_TRACEPOINT, target: 'sched_switch' });
  t.like(matchSection('tp_btf/sched_process_exec'), { type: ProgType.TRACING, expectedAttachType: AttachType.TRACE_RAW_TP });
  t.like(matchSection('fentry/do_exit'), { type: ProgType.TRACING, expectedAttachType: AttachType.TRACE_FENTRY, target: 'do_exit' });
  t.like(matchSection('fexit.s/do_exit'), { type: ProgType.TRACING, expectedAttachType: AttachType.TRACE_FEXIT });
  t.true(matchSection('fexit.s/do_exit')!.def.sleepable);
  t.like(matchSection('lsm/bprm_check_security'), { type: ProgType.LSM, expectedAttachType: AttachType.LSM_MAC });
  t.like(matchSection('xdp/devmap'), { type: ProgType.XDP, expectedAttachType: AttachType.XDP_DEVMAP });
  t.like(matchSection('cgroup/connect4'), { type: ProgType.CGROUP_SOCK_ADDR, expectedAttachType: AttachType.CGROUP_INET4_CONNECT });
  t.like(matchSection('uprobe//bin/bash:readline'), { type: ProgType.KPROBE });
  t.like(matchSection('syscall'), { type: ProgType.SYSCALL });
  t.is(matchSection('other'), undefined);
  t.is(matchSection('xdpfoo'), undefined, 'a prefix must be followed by / or nothing');
});

test('handler-bpfel.o (coder/exectrace): one program with its subprograms, maps and CO-RE records', (t) => {
  const s = parseObject(corpus('exectrace-upstream/handler-bpfel.o'));
  const p = s.programs.get('enter_execve')!;
  t.like(p.match, { type: ProgType.TRACEPOINT, target: 'syscalls/sys_enter_execve' });
  t.true(p.layout.some((l) => l.name === 'filter_pidns'));
  t.true(p.coreRelos.length > 0);
  t.like(s.maps.get('events'), { type: MapType.RINGBUF, maxEntries: 16 * 1024 * 1024 });
  t.like(s.maps.get('filters'), { type: MapType.ARRAY, keySize: 4, valueSize: 4, maxEntries: 1 });
});
