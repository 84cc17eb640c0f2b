/**
 * Kernel BTF: the recorded vmlinux from the corpus, the running kernel's
 * /sys/kernel/btf/vmlinux, and split (module) BTF on top of it.
 */
import test from 'ava';
import { readdirSync } from 'node:fs';
import {
  Btf, BtfBuilder, BtfError, kernelBtfModules, loadKernelBtf, loadModuleBtf,
} from '../../src/btf/index.ts';
import { SYS_VMLINUX, hasSysVmlinux, recordedVmlinux } from './helpers.ts';
import { tracerOffsets } from '../helpers/tracer-btf.ts';

test('recorded vmlinux is indexed lazily: parsing decodes nothing', (t) => {
  const btf = Btf.parse(recordedVmlinux());
  t.is(btf.typeCount, 103406);
  t.is(btf.decodedCount, 0);
  const task = btf.findByName('task_struct', 'struct');
  t.is(task?.id, 95333); // bpftool: [95333] STRUCT 'task_struct' size=5504 vlen=229
  t.is(btf.decodedCount, 1);
});

test('recorded vmlinux: task_struct members at the offsets bpftool reports', (t) => {
  const btf = Btf.parse(recordedVmlinux());
  const task = btf.findByName('task_struct', 'struct')!;
  // bpftool btf dump file vmlinux: 'pid' type_id=85218 bits_offset=20288, and so on.
  t.like(btf.findMember(task.id, 'pid'), { bitOffset: 20288, member: { type: 85218, bitfieldSize: 0 } });
  t.like(btf.findMember(task.id, 'tgid'), { bitOffset: 20320 });
  t.like(btf.findMember(task.id, 'real_parent'), { bitOffset: 20416 });
  t.like(btf.findMember(task.id, 'nsproxy'), { bitOffset: 24768 });
  t.is(btf.sizeOf(task.id), 5504);
  t.is(btf.typeName(btf.findMember(task.id, 'real_parent')!.member.type), 'struct task_struct *');
  t.is(btf.typeName(85218), 'pid_t');
});

test('recorded vmlinux: the process tracer chain resolves', (t) => {
  const offsets = tracerOffsets(Btf.parse(recordedVmlinux()));
  t.is(offsets['task_struct.pid'], 2536);
  t.is(offsets['task_struct.real_parent'], 2552);
  t.true(offsets['mm_struct.arg_end']! - offsets['mm_struct.arg_start']! === 8);
  t.true(offsets['sizeof(linux_binprm)']! > 0);
});

// The running kernel's BTF. Skipped only on a developer machine without it:
// in CI (CI set) a missing /sys/kernel/btf/vmlinux is a failure.
const sysTest = hasSysVmlinux() || process.env['CI'] ? test : test.skip;
sysTest('/sys/kernel/btf/vmlinux parses and the tracer chain resolves', (t) => {
  t.true(hasSysVmlinux(), `${SYS_VMLINUX} is missing (CI is set, so this is a failure)`);
  const btf = loadKernelBtf();
  t.true(btf.typeCount > 10_000);
  t.is(btf.decodedCount, 0);
  const offsets = tracerOffsets(btf);
  t.true(offsets['task_struct.pid']! > 0);
  t.is(offsets['task_struct.tgid'], offsets['task_struct.pid']! + 4); // pid_t pid; pid_t tgid;
  t.is(btf.typeName(btf.findByName('task_struct', 'struct')!.id), 'struct task_struct');
});

const modules = hasSysVmlinux() ? readdirSync('/sys/kernel/btf').filter((n) => n !== 'vmlinux') : [];
const moduleTest = modules.length > 0 ? test : test.skip;
moduleTest(`split BTF of a loaded kernel module parses on top of vmlinux${modules.length > 0 ? '' : ' (this kernel has no module BTF; the synthetic split-BTF test covers the format)'}`, (t) => {
  const base = loadKernelBtf();
  const name = kernelBtfModules()[0]!;
  const mod = loadModuleBtf(name, base);
  t.is(mod.firstTypeId, base.nextTypeId);
  for (const ty of mod.types()) t.true(ty.id >= mod.firstTypeId);
  // Module types refer to vmlinux types by id, and names resolve in both tables.
  t.is(mod.typeById(1).id, 1);
  t.throws(() => loadModuleBtf('../vmlinux', base), { instanceOf: BtfError });
});

test('synthetic split BTF: ids and string offsets continue after the base', (t) => {
  const base = Btf.parse(recordedVmlinux());
  const task = base.findByName('task_struct', 'struct')!;
  const b = new BtfBuilder({ base });
  t.is(b.firstTypeId, base.nextTypeId);
  const ptr = b.add({ kind: 'ptr', name: '', type: task.id });
  const mine = b.add({
    kind: 'struct', name: 'my_module_state', size: 16, kindFlag: false,
    members: [
      { name: 'owner', type: ptr, bitOffset: 0, bitfieldSize: 0 },
      { name: 'pid', type: base.idsByName('pid_t', 'typedef')[0]!, bitOffset: 64, bitfieldSize: 0 },
    ],
  });
  const raw = b.encode();
  const split = Btf.parse(raw, { base });
  t.is(split.firstTypeId, 103407);
  t.is(split.typeCount, 2);
  t.is(split.nextTypeId, 103409);
  t.is(split.strings.baseLength, base.strings.length);
  // 'pid' already exists in vmlinux's strings: reused at its base offset, not copied.
  const st = split.typeById(mine);
  t.true(st.kind === 'struct' && st.members[1]!.name === 'pid');
  t.true(split.strings.bytes.byteLength < 'my_module_state\0owner\0pid\0'.length);
  t.is(split.findByName('my_module_state', 'struct')?.id, mine);
  t.is(split.findByName('task_struct', 'struct')?.id, task.id); // base types are found too
  t.is(split.typeById(task.id), base.typeById(task.id));
  t.is(split.typeName(ptr), 'struct task_struct *');
  t.is(split.findMember(mine, 'pid')?.bitOffset, 64);
  t.is(split.sizeOf(mine), 16);
  t.throws(() => split.typeById(103409), { instanceOf: BtfError, message: /type id 103409 is out of range/ });
  // Round trip of split BTF is exact too.
  t.deepEqual(BtfBuilder.from(split).encode(), raw);
  // Without the base, the references cannot be resolved.
  t.throws(() => Btf.parse(raw).typeById(1), { instanceOf: BtfError });
});

test('kernel-source: a missing BTF directory is a BtfError that says what to check', (t) => {
  const err = t.throws(() => loadKernelBtf('/nonexistent/btf'), { instanceOf: BtfError, message: /cannot read \/nonexistent\/btf\/vmlinux .*CONFIG_DEBUG_INFO_BTF/ });
  t.is((err?.cause as NodeJS.ErrnoException | undefined)?.code, 'ENOENT');
  t.throws(() => kernelBtfModules('/nonexistent/btf'), { instanceOf: BtfError });
});
