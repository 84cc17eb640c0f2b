import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { Assembler, R, encode } from '../../src/asm/index.ts';
import { incrementSlot0 } from '../helpers/programs.ts';
import { BpfMap } from '../../src/map/index.ts';
import { BpfProgram } from '../../src/prog/index.ts';
import { attachUprobe, uprobeOffset } from '../../src/link/index.ts';
import { kernelTest, bpfFdsOfProcess, assertNoLeaks } from '../helpers/kernel.ts';

function buildTarget(): string {
  const dir = mkdtempSync(`${tmpdir()}/uprobe-`);
  writeFileSync(`${dir}/t.c`, '__attribute__((noinline)) int exectrace_marker_fn(int x) { return x + 1; }\nint main(void) { return exectrace_marker_fn(1) - 2; }\n');
  execFileSync('cc', ['-O1', '-o', `${dir}/t`, `${dir}/t.c`]);
  return `${dir}/t`;
}

/** KPROBE program: counts hits into slot 0 of an array map. */
function counter(map: BpfMap): BpfProgram {
  const a = incrementSlot0(new Assembler(), map, -4, 'out')
    .label('out')
    .mov64Imm(R.R0, 0)
    .exit();
  return BpfProgram.load({ type: 'KPROBE', name: 'count_hits', insns: encode(a.assemble()) });
}

kernelTest('uprobe and uretprobe on a function found by symbol fire for every process that runs it', async (t) => {
  const before = await bpfFdsOfProcess();
  const bin = buildTarget();
  t.true(uprobeOffset(bin, 'exectrace_marker_fn') > 0);
  t.throws(() => uprobeOffset(bin, 'no_such_function'), { message: /has no function symbol no_such_function/ });
  for (const retprobe of [false, true]) {
    const hits = BpfMap.create({ type: 'ARRAY', keySize: 4, valueSize: 8, maxEntries: 1, name: 'hits' });
    const prog = counter(hits);
    const att = attachUprobe(prog, bin, 'exectrace_marker_fn', { retprobe });
    for (let i = 0; i < 3; i++) t.is(spawnSync(bin).status, 0);
    t.is(hits.lookup(Buffer.alloc(4))!.readBigUInt64LE(0), 3n, retprobe ? 'uretprobe' : 'uprobe');
    att.close();
    prog.close();
    hits.close();
  }
  await assertNoLeaks(t, before);
});
