import { parseObject } from '../../src/object/index.ts';
import { loadCollection, attachBySection } from '../../src/loader/index.ts';
import { setVariable } from '../../src/object/index.ts';
import { MapFlags } from '../../src/syscall/abi/index.ts';
import { KernelError } from '../../src/syscall/index.ts';
import { kernelTest, bpfFdsOfProcess, assertNoLeaks } from '../helpers/kernel.ts';
import { corpus } from '../helpers/corpus.ts';

const load = (f: string, opts = {}) => {
  const spec = parseObject(corpus(`cilium-ebpf/${f}`), { name: f });
  return { spec, c: loadCollection(spec, { onProgramError: 'collect', name: f, ...opts }) };
};

for (const f of ['loader-clang-14-el.elf', 'loader-clang-22-el.elf', 'loader_nobtf-el.elf']) {
  kernelTest(`${f}: xdp_prog returns 7; .rodata is read-only for programs and frozen`, async (t) => {
    const before = await bpfFdsOfProcess();
    const { c } = load(f);
    try {
      t.is(c.programs.get('xdp_prog')!.testRun({ dataIn: Buffer.alloc(64) }).retval, 7);
      const rodata = c.maps.get('.rodata')!;
      t.is(rodata.valueSize, 24);
      t.true((rodata.info().map_flags & MapFlags.RDONLY_PROG) !== 0);
      t.throws(() => rodata.update(Buffer.alloc(4), Buffer.alloc(24)), { message: /EPERM/ }, 'frozen: user space cannot write it');
      t.is(c.maps.get('.rodata.cst32')!.valueSize, 32);
      t.like(c.maps.get('hash_map')!.info(), { type: 1, key_size: 4, value_size: 8, max_entries: 1, map_flags: MapFlags.NO_PREALLOC });
      t.deepEqual([...c.programs.keys()].sort(), ['anon_const', 'data_sections', 'no_relocation', 'xdp_prog']);
      t.regex(c.errors.get('asm_relocation')!.message, /refers to extern MY_CONST, which nothing defines/);
      t.regex(c.skipped.get('global_fn3')!, /section "other" names no known program type/);
      if (f !== 'loader_nobtf-el.elf') t.is(c.btfError, undefined, 'the object BTF loads after sanitising');
    } finally {
      c.close();
    }
    await assertNoLeaks(t, before);
  });
}

kernelTest('subprog_reloc: fp_relocation returns 42 (function pointer relocation)', (t) => {
  const { c } = load('subprog_reloc-el.elf');
  using _ = c;
  t.is(c.programs.get('fp_relocation')!.testRun({ dataIn: Buffer.alloc(64) }).retval, 42);
});

kernelTest('btf_map_init: the prog array holds tail_1 and the tail call from tail_main returns 42', (t) => {
  const { c } = load('btf_map_init-el.elf');
  using _ = c;
  t.is(c.programs.get('tail_main')!.testRun({ dataIn: Buffer.alloc(64) }).retval, 42);
  const slot = c.maps.get('prog_array_init')!.lookup(Buffer.from([1, 0, 0, 0]));
  t.truthy(slot, 'slot 1 is filled');
  const outer = c.maps.get('outer_map_init')!;
  t.truthy([...outer.keys()].length > 0);
});

kernelTest('constants: setting the const volatile ret before load changes what the program sees', (t) => {
  const spec = parseObject(corpus('cilium-ebpf/constants-el.elf'));
  const unset = loadCollection(spec, { onProgramError: 'collect' });
  const err = unset.errors.get('freeze_rodata') as KernelError; // a LoaderError carrying the kernel's log
  unset.close();
  t.regex(err.log ?? '', /R0 has smin=4294967295/, 'left at its compiled value, ret (0xffffffff) is not a valid sk_lookup verdict');
  setVariable(spec, 'ret', 1);
  const c = loadCollection(spec);
  using _ = c;
  t.true(c.programs.has('freeze_rodata'));
  t.deepEqual([...c.maps.get('.rodata')!.lookup(Buffer.alloc(4))!.subarray(0, 4)], [1, 0, 0, 0]);
  // struct bpf_sk_lookup: family (AF_INET) at 8, protocol (TCP) at 12.
  const ctx = Buffer.alloc(72);
  ctx.writeUInt32LE(2, 8);
  ctx.writeUInt32LE(6, 12);
  t.is(c.programs.get('freeze_rodata')!.testRun({ ctxIn: ctx }).retval, 1);
});

kernelTest('strings: .rodata.str1.1 is loaded frozen and read-only for programs', (t) => {
  const { c } = load('strings-el.elf');
  using _ = c;
  const m = c.maps.get('.rodata.str1.1')!;
  t.true((m.info().map_flags & MapFlags.RDONLY_PROG) !== 0);
  t.throws(() => m.update(Buffer.alloc(4), Buffer.alloc(m.valueSize)), { message: /EPERM/ });
  t.true(c.programs.has('filter'));
});

kernelTest('raw_tracepoint: sched_process_exec loads and attaches by its section name', (t) => {
  const { spec, c } = load('raw_tracepoint-el.elf');
  using _ = c;
  using link = attachBySection(c.programs.get('sched_process_exec')!, spec.programs.get('sched_process_exec')!);
  t.is(link.kind, 'link');
});

kernelTest('fentry_fexit: a program whose load fails is reported by name, the others still load', (t) => {
  const { c } = load('fentry_fexit-el.elf');
  using _ = c;
  // Their target is meant to be another BPF program's function (attach_prog_fd), which this object cannot express.
  t.regex(c.errors.get('trace_on_entry')!.message, /program "trace_on_entry"/);
  t.true(c.programs.has('target'));
});

kernelTest('a strong .kconfig extern that the kernel config does not set is an error; a __weak one reads 0', async (t) => {
  const { readFileSync } = await import('node:fs');
  const spec = parseObject(readFileSync(new URL('../fixtures/bpf/kconfig_strong.o', import.meta.url)), { name: 'kconfig_strong.o' });
  t.deepEqual(spec.kconfig.map((k) => [k.name, k.weak]), [['CONFIG_EXECTRACE_NOT_SET', false]]);
  t.throws(() => loadCollection(spec, { name: 'kconfig_strong.o' }), { message: /kconfig_strong\.o: extern CONFIG_EXECTRACE_NOT_SET \(strong\) is not set in the kernel config/ });
  const weak = parseObject(readFileSync(new URL('../fixtures/bpf/kconfig.o', import.meta.url)));
  t.true(weak.kconfig.find((k) => k.name === 'CONFIG_NOT_A_REAL_OPTION')!.weak);
});
