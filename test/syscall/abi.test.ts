// The ABI tables in src/syscall/abi are declared by hand from the kernel's
// UAPI headers. This test checks every enum value and struct offset against
// the headers installed on this machine, by compiling offsetof() probes with
// the C compiler. Names newer than the installed headers are reported, not
// checked (the installed linux-libc-dev may be older than the running kernel).
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as bpf from '../../src/syscall/abi/bpf.ts';
import * as perf from '../../src/syscall/abi/perf.ts';
import type { Layout, Fields } from '../../src/syscall/abi/layout.ts';

interface Probe {
  /** A C expression printed with %llu. */
  expr: string;
  expected: number;
  what: string;
}

const enumProbes: Probe[] = [];
const addEnum = (table: Record<string, number>, prefix: string) => {
  for (const [name, value] of Object.entries(table)) enumProbes.push({ expr: `${prefix}${name}`, expected: value, what: `${prefix}${name}` });
};
addEnum(bpf.BpfCmd, 'BPF_');
addEnum(bpf.MapType, 'BPF_MAP_TYPE_');
addEnum(bpf.ProgType, 'BPF_PROG_TYPE_');
addEnum(bpf.AttachType, 'BPF_');
addEnum(bpf.LinkType, 'BPF_LINK_TYPE_');
addEnum(bpf.MapFlags, 'BPF_F_');
addEnum(bpf.ProgFlags, 'BPF_F_');
addEnum({ NOEXIST: 1, EXIST: 2, F_LOCK: 4 }, 'BPF_');
addEnum({ BUSY_BIT: bpf.RingBuf.BUSY_BIT, DISCARD_BIT: bpf.RingBuf.DISCARD_BIT, HDR_SZ: bpf.RingBuf.HDR_SZ }, 'BPF_RINGBUF_');
addEnum({ NO_WAKEUP: bpf.RingBuf.NO_WAKEUP, FORCE_WAKEUP: bpf.RingBuf.FORCE_WAKEUP }, 'BPF_RB_');
addEnum(perf.PerfType, 'PERF_TYPE_');
addEnum({ SAMPLE_RAW: perf.PerfSample.RAW }, 'PERF_');
addEnum({ PERF_FLAG_FD_CLOEXEC: perf.PERF_FLAG_FD_CLOEXEC }, '');
addEnum({ ENABLE: perf.PerfIoctl.ENABLE, DISABLE: perf.PerfIoctl.DISABLE, SET_BPF: perf.PerfIoctl.SET_BPF }, 'PERF_EVENT_IOC_');

/** How each layout's fields are named in C. */
const structs: [Layout<Fields>, string, string, Record<string, string>?][] = [
  [bpf.MapCreateAttr, 'union bpf_attr', ''],
  [bpf.MapElemAttr, 'union bpf_attr', ''],
  [bpf.ProgLoadAttr, 'union bpf_attr', ''],
  [bpf.ObjPinAttr, 'union bpf_attr', ''],
  [bpf.TestRunAttr, 'union bpf_attr', 'test.'],
  [bpf.GetIdAttr, 'union bpf_attr', '', { id: 'start_id' }],
  [bpf.InfoAttr, 'union bpf_attr', 'info.'],
  [bpf.RawTracepointAttr, 'union bpf_attr', 'raw_tracepoint.'],
  [bpf.BtfLoadAttr, 'union bpf_attr', ''],
  [bpf.LinkCreateAttr, 'union bpf_attr', 'link_create.', { bpf_cookie: 'link_create.perf_event.bpf_cookie' }],
  [bpf.MapFreezeAttr, 'union bpf_attr', ''],
  [bpf.EnableStatsAttr, 'union bpf_attr', 'enable_stats.'],
  [bpf.ProgInfo, 'struct bpf_prog_info', ''],
  [bpf.MapInfo, 'struct bpf_map_info', ''],
  [bpf.LinkInfo, 'struct bpf_link_info', '', { tp_name: 'raw_tracepoint.tp_name', tp_name_len: 'raw_tracepoint.tp_name_len' }],
  [bpf.BtfInfo, 'struct bpf_btf_info', ''],
  [perf.PerfEventAttr, 'struct perf_event_attr', '', { flags: 'read_format) + sizeof(__u64' }],
];

const structProbes: Probe[] = structs.flatMap(([l, ctype, prefix, overrides]) =>
  Object.entries(l.fields).map(([field, [offset]]) => {
    const member = overrides?.[field] ?? `${prefix}${field}`;
    return { expr: `offsetof(${ctype}, ${member})`, expected: offset, what: `${l.name}.${field}` };
  }),
);

const compiler = ['cc', 'gcc', 'clang-19'].find((c) => {
  try {
    execFileSync('sh', ['-c', `command -v ${c}`], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
});

/** Compiles and runs the probes, dropping those the headers do not declare. */
function runProbes(probes: Probe[]): { values: Map<string, number>; missing: string[] } {
  const dir = mkdtempSync(`${tmpdir()}/abi-`);
  let live = [...probes];
  const missing: string[] = [];
  try {
    for (let round = 0; round < 100; round++) {
      const body = live.map((p) => `  printf("%s=%llu\\n", ${JSON.stringify(p.what)}, (unsigned long long)(${p.expr}));`).join('\n');
      writeFileSync(`${dir}/p.c`, `#include <stddef.h>\n#include <stdio.h>\n#include <linux/bpf.h>\n#include <linux/perf_event.h>\nint main(void) {\n${body}\n  return 0;\n}\n`);
      try {
        execFileSync(compiler!, ['-o', `${dir}/p`, `${dir}/p.c`], { stdio: 'pipe' });
      } catch (e) {
        const err = (e as { stderr: Buffer }).stderr.toString();
        const bad = new Set<string>();
        for (const m of err.matchAll(/p\.c:(\d+):\d+: error/g)) {
          const p = live[Number(m[1]) - 6]; // five lines come before the first probe
          if (p) bad.add(p.what);
        }
        if (bad.size === 0) throw new Error(`probe compile failed:\n${err}`);
        missing.push(...bad);
        live = live.filter((p) => !bad.has(p.what));
        continue;
      }
      const out = execFileSync(`${dir}/p`, { encoding: 'utf8' });
      const values = new Map(out.trim().split('\n').map((l) => {
        const i = l.lastIndexOf('=');
        return [l.slice(0, i), Number(l.slice(i + 1))] as [string, number];
      }));
      return { values, missing };
    }
    throw new Error('too many probe rounds');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const haveHeaders = existsSync('/usr/include/linux/bpf.h') && compiler !== undefined;
const abiTest = haveHeaders || process.env.CI ? test : test.skip;

abiTest('enum values and struct offsets match the installed kernel headers', (t) => {
  t.true(haveHeaders, 'linux/bpf.h and a C compiler are needed (apt-get install linux-libc-dev gcc)');
  const probes = [...enumProbes, ...structProbes];
  const { values, missing } = runProbes(probes);
  for (const p of probes) {
    if (!values.has(p.what)) continue;
    t.is(values.get(p.what), p.expected, p.what);
  }
  // Most names must be checkable: a header so old it knows few of them checks nothing.
  t.true(values.size > probes.length * 0.8, `checked ${values.size} of ${probes.length}; newer than the headers: ${missing.join(', ')}`);
  t.log(`checked ${values.size} names; newer than the installed headers (not checked): ${missing.join(', ') || 'none'}`);
});
