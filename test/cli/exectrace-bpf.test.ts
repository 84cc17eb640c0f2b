import test from 'ava';
import { spawnSync } from 'node:child_process';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { kernelTest } from '../helpers/kernel.ts';
import { CORPUS } from '../helpers/corpus.ts';

const CLI = new URL('../../src/cli/exectrace-bpf.ts', import.meta.url).pathname;
const run = (...args: string[]) => spawnSync(process.execPath, ['--import=tsx', CLI, ...args], { encoding: 'utf8' });
const C = `${CORPUS}cilium-ebpf`;

test('inspect prints programs, maps, variables and relocation counts as JSON', (t) => {
  const r = run('inspect', `${C}/loader-clang-14-el.elf`);
  t.is(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout) as {
    programs: { name: string; section: string; type: string | null; instructions: number; relocations: { maps: number } }[];
    maps: { name: string; type: string; keySize: number; valueSize: number; maxEntries: number; flags: number }[];
    variables: { name: string }[];
  };
  t.like(j.programs.find((p) => p.name === 'xdp_prog'), { section: 'xdp', type: 'XDP' });
  t.true(j.programs.find((p) => p.name === 'xdp_prog')!.relocations.maps >= 3);
  t.like(j.programs.find((p) => p.name === 'global_fn3'), { section: 'other', type: null });
  t.deepEqual(j.maps.find((m) => m.name === 'hash_map'), { name: 'hash_map', section: '.maps', type: 'HASH', keySize: 4, valueSize: 8, maxEntries: 1, flags: 1 });
  t.true(j.variables.some((v) => v.name === 'arg'));
});

test('inspect refuses a broken object with a clear message and a non-zero exit', (t) => {
  const r = run('inspect', `${C}/invalid_map-el.elf`);
  t.is(r.status, 1);
  t.regex(r.stderr, /exectrace-bpf: invalid_map-el\.elf: legacy map invalid_map/);
  const dir = mkdtempSync(`${tmpdir()}/cli-`);
  writeFileSync(`${dir}/garbage.o`, 'not an ELF file at all');
  const g = run('inspect', `${dir}/garbage.o`);
  t.is(g.status, 1);
  t.regex(g.stderr, /garbage\.o: ELF: .*magic/i);
  const missing = run('inspect', `${dir}/nope.o`);
  t.regex(missing.stderr, /cannot read .*nope\.o/);
});

test('usage errors exit 2 with the help text', (t) => {
  const r = run('frobnicate', `${C}/loader-clang-14-el.elf`);
  t.is(r.status, 2);
  t.regex(r.stderr, /unknown command "frobnicate"/);
  t.regex(r.stderr, /Usage:/);
});

kernelTest('load: one JSON line per program; exit 1 when one fails', (t) => {
  const r = run('load', `${C}/loader-clang-14-el.elf`);
  t.is(r.status, 1);
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  t.like(lines.find((l) => l.program === 'xdp_prog'), { ok: true });
  t.like(lines.find((l) => l.program === 'asm_relocation'), { ok: false });
  t.regex(String(lines.find((l) => l.program === 'asm_relocation')!.error), /MY_CONST/);
  t.truthy(lines.find((l) => l.program === 'global_fn3')!.skipped);
  const ok = run('load', `${C}/subprog_reloc-el.elf`);
  t.is(ok.status, 0, ok.stdout + ok.stderr);
});

kernelTest('load --attach attaches by section; run prints the return value', (t) => {
  const r = run('load', `${C}/raw_tracepoint-el.elf`, '--attach');
  t.is(r.status, 0, r.stdout + r.stderr);
  t.like(JSON.parse(r.stdout.trim()), { program: 'sched_process_exec', ok: true, attached: true });
  const x = run('run', `${C}/loader-clang-14-el.elf`, 'xdp_prog');
  t.is(x.status, 0, x.stderr);
  t.like(JSON.parse(x.stdout.trim()), { program: 'xdp_prog', retval: 7 });
  const fp = run('run', `${C}/subprog_reloc-el.elf`, 'fp_relocation');
  t.like(JSON.parse(fp.stdout.trim()), { retval: 42 });
  const set = run('run', `${C}/constants-el.elf`, 'freeze_rodata', '--set', 'ret=1');
  t.is(set.status, 1, 'sk_lookup needs a context: the failure is reported, not a crash');
  const missing = run('run', `${C}/loader-clang-14-el.elf`, 'nope');
  t.regex(missing.stderr, /has no program nope/);
});

kernelTest('--btf takes raw BTF, gzip-compressed BTF, or an ELF object whose .BTF is used', async (t) => {
  const { btfBytesOf } = await import('../../src/loader/index.ts');
  const { readFileSync } = await import('node:fs');
  const { gzipSync } = await import('node:zlib');
  const dir = mkdtempSync(`${tmpdir()}/btf-`);
  const raw = btfBytesOf(readFileSync(`${C}/relocs_read_tgt-el.elf`), 'tgt');
  writeFileSync(`${dir}/tgt.btf`, raw);
  writeFileSync(`${dir}/tgt.btf.gz`, gzipSync(raw));
  for (const file of [`${C}/relocs_read_tgt-el.elf`, `${dir}/tgt.btf`, `${dir}/tgt.btf.gz`]) {
    const r = run('run', `${C}/relocs_read-el.elf`, 'reads', '--btf', file);
    t.is(r.status, 0, r.stderr);
    t.like(JSON.parse(r.stdout.trim()), { program: 'reads', retval: 0 }, file);
  }
  writeFileSync(`${dir}/junk.btf`, 'junk');
  const bad = run('run', `${C}/relocs_read-el.elf`, 'reads', '--btf', `${dir}/junk.btf`);
  t.is(bad.status, 1);
  t.regex(bad.stderr, /--btf .*junk\.btf: BTF/);
});
