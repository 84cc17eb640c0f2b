// relocateCore / ExecTracer.relocate: CO-RE without the kernel's BPF, on
// recorded BTF (no root needed).
import test from 'ava';
import { readFileSync } from 'node:fs';
import { ExecTracer, defaultObjectPath } from '../../src/tracer/index.ts';
import { TargetBtf, relocateCore, LoaderError } from '../../src/loader/index.ts';
import { parseObject } from '../../src/object/index.ts';

const corpus = new URL('../fixtures/corpus/cilium-ebpf/', import.meta.url).pathname;
const programs = ['enter_execve', 'enter_execveat', 'on_exec', 'exit_execve'];

test('the tracer\'s programs relocate against their own BTF unchanged, and against another kernel\'s BTF with its offsets', (t) => {
  const own = ExecTracer.relocate({ target: TargetBtf.fromBytes(readFileSync(defaultObjectPath()), 'exectrace.bpf.o') });
  t.deepEqual([...own.keys()], programs);
  const spec = parseObject(readFileSync(defaultObjectPath()));
  for (const [name, r] of own) {
    t.is(r.poisoned.length, 0, name);
    t.deepEqual(r.insns.map((i) => [i.code, i.off, i.imm]), spec.programs.get(name)!.insns.map((i) => [i.code, i.off, i.imm]), `${name}: offsets as compiled`);
  }
  const other = ExecTracer.relocate({ target: TargetBtf.file(`${corpus}vmlinux.btf.gz`) });
  const changed = [...other].filter(([name, r]) => r.insns.some((x, i) => x.off !== spec.programs.get(name)!.insns[i]!.off || x.imm !== spec.programs.get(name)!.insns[i]!.imm));
  t.true(changed.length > 0, 'a recorded kernel with other struct layouts moves some field offsets');
  t.deepEqual(spec.programs.get('on_exec')!.insns, parseObject(readFileSync(defaultObjectPath())).programs.get('on_exec')!.insns, 'the spec is left as it was');
});

test('an unreadable target is one error naming the file, not one per relocation', (t) => {
  const err = t.throws(() => ExecTracer.relocate({ target: TargetBtf.file('/nonexistent/vmlinux.btf') }));
  t.regex(err!.message, /^exectrace\.bpf\.o: cannot read the CO-RE target BTF \/nonexistent\/vmlinux\.btf: ENOENT/);
  t.is(err!.message.match(/ENOENT/g)!.length, 1);
});

test('an object without BTF is refused by name', (t) => {
  const spec = parseObject(readFileSync(`${corpus}loader_nobtf-el.elf`), { name: 'loader_nobtf-el.elf' });
  const err = t.throws(() => relocateCore(spec, { name: 'loader_nobtf-el.elf', target: TargetBtf.file(`${corpus}vmlinux.btf.gz`) }));
  t.true(err instanceof LoaderError);
  t.regex(err!.message, /loader_nobtf-el\.elf: has no BTF/);
});
