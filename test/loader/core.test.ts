import { parseObject } from '../../src/object/index.ts';
import { loadCollection, attachBySection, TargetBtf } from '../../src/loader/index.ts';
import { RingBufferReader } from '../../src/ringbuf/index.ts';
import { kernelTest, bpfFdsOfProcess, assertNoLeaks } from '../helpers/kernel.ts';
import { corpus, CORPUS } from '../helpers/corpus.ts';
import { makeMarker, within } from '../helpers/marker.ts';
import { inNewPidns } from '../helpers/pidns.ts';

const C = `${CORPUS}cilium-ebpf`;

kernelTest('relocs: against its own BTF every program returns 0 and the err_ programs fail relocation', async (t) => {
  const before = await bpfFdsOfProcess();
  const spec = parseObject(corpus('cilium-ebpf/relocs-el.elf'), { name: 'relocs-el.elf' });
  const c = loadCollection(spec, { target: TargetBtf.file(`${C}/relocs-el.elf`), onProgramError: 'collect' });
  try {
    for (const name of spec.programs.keys()) {
      if (name.startsWith('err_')) {
        t.regex(c.errors.get(name)?.message ?? 'loaded', /relocation decision ambiguity/, name);
      } else {
        t.is(c.programs.get(name)?.testRun({ dataIn: Buffer.alloc(64) }).retval, 0, `${name}: ${c.errors.get(name)?.message ?? ''}`);
      }
    }
  } finally {
    c.close();
  }
  await assertNoLeaks(t, before);
});

kernelTest('relocs_read relocated against relocs_read_tgt returns 0; relocs_enum returns 0', (t) => {
  const read = loadCollection(parseObject(corpus('cilium-ebpf/relocs_read-el.elf')), { target: TargetBtf.file(`${C}/relocs_read_tgt-el.elf`) });
  t.is(read.programs.get('reads')!.testRun({ dataIn: Buffer.alloc(64) }).retval, 0);
  read.close();
  const en = loadCollection(parseObject(corpus('cilium-ebpf/relocs_enum-el.elf')), { target: TargetBtf.file(`${C}/relocs_enum-el.elf`) });
  t.is(en.programs.get('core_ld64imm')!.testRun({ dataIn: Buffer.alloc(64) }).retval, 0);
  en.close();
});

kernelTest('a poisoned instruction the verifier reaches is reported with the relocation that failed', (t) => {
  // relocs' struct s does not exist in the recorded vmlinux: the field reads of `fields` are
  // poisoned, and the verifier reaches the first one.
  const spec = parseObject(corpus('cilium-ebpf/relocs-el.elf'), { name: 'relocs-el.elf' });
  const c = loadCollection(spec, { target: TargetBtf.file(`${C}/vmlinux.btf.gz`), onProgramError: 'collect', programs: ['fields', 'types'] });
  const e = c.errors.get('fields')!;
  t.regex(e.message, /program fields \(section socket\/fields\): the verifier reached an instruction whose CO-RE relocation failed: CO-RE: socket\/fields program fields insn #3: FIELD_BYTE_OFFSET of struct s access 0:0/);
  t.regex(e.message, /invalid func unknown#195896080/, "the verifier's own words follow");
  t.true(c.programs.has('types'), 'programs whose relocations are satisfiable still load');
  c.close();
});

kernelTest("coder/exectrace's handler loads against the running kernel, attaches, and delivers a marker exec in the filtered PID namespace only", async (t) => {
  const before = await bpfFdsOfProcess();
  const spec = parseObject(corpus('exectrace-upstream/handler-bpfel.o'), { name: 'handler-bpfel.o' });
  const c = loadCollection(spec);
  const link = attachBySection(c.programs.get('enter_execve')!, spec.programs.get('enter_execve')!);
  const reader = new RingBufferReader(c.maps.get('events')!);
  const inside = makeMarker();
  const outside = makeMarker();
  try {
    const ns = await inNewPidns(`exec ${inside.path}`);
    const key = Buffer.alloc(4);
    const value = Buffer.alloc(4);
    value.writeUInt32LE(ns.inode);
    c.maps.get('filters')!.update(key, value);
    const seen: string[] = [];
    const got = within<string>(5000, 'the marker exec inside the namespace', (done) => {
      void reader.consume((d, off, len) => {
        t.is(len, 34832, 'the handler submits fixed 34,832-byte records');
        const filename = d.toString('utf8', off, d.indexOf(0, off));
        seen.push(filename);
        if (filename === inside.path) done(filename);
      });
    });
    outside.run();
    ns.go();
    t.is(await got, inside.path);
    await ns.exited;
    await new Promise((r) => setTimeout(r, 100));
    t.false(seen.includes(outside.path), 'the exec outside the namespace is filtered out');
  } finally {
    reader.close();
    link.close();
    c.close();
    inside.remove();
    outside.remove();
  }
  await assertNoLeaks(t, before);
});
