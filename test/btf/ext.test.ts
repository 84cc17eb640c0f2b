/**
 * .BTF.ext: record counts per section, cross-checked against other tools
 * when the fixtures were recorded:
 * - func_info: one per function symbol (`llvm-objdump -t`, type F) of the section;
 * - core_relo: the `CO-RE <kind> [id] ...` annotations of `llvm-objdump -dr`;
 * - line_info: from our parse; fwd_decl-el's two records were decoded by hand
 *   from a hex dump, and relocs-el's instruction/line pairs match `llvm-objdump -l`.
 */
import test from 'ava';
import {
  Btf, BtfError, CoreReloKind, coreReloKindName, parseBtfExt, parseBtfExtHeader, type BtfExt,
} from '../../src/btf/index.ts';
import { OBJECTS, fixture } from './helpers.ts';

type Counts = Record<string, number>;
const EXPECTED: Record<(typeof OBJECTS)[number], { func: Counts; line: Counts; core: Counts }> = {
  'relocs-el': {
    func: { 'socket/type_ids': 1, 'socket/types': 1, 'socket/enums': 1, 'socket/fields': 1, 'socket/err_ambiguous': 1, 'socket/err_ambiguous_flavour': 1 },
    line: { 'socket/type_ids': 23, 'socket/types': 37, 'socket/enums': 12, 'socket/fields': 37, 'socket/err_ambiguous': 1, 'socket/err_ambiguous_flavour': 1 },
    core: { 'socket/type_ids': 28, 'socket/types': 18, 'socket/enums': 7, 'socket/fields': 48, 'socket/err_ambiguous': 1, 'socket/err_ambiguous_flavour': 1 },
  },
  'relocs_read-el': { func: { '.text': 1, socket: 1 }, line: { '.text': 115, socket: 2 }, core: { '.text': 47 } },
  'loader-clang-14-el': {
    func: { static: 1, '.text': 2, other: 1, xdp: 1, socket: 1, 'socket/2': 1, 'socket/3': 1, 'socket/4': 1 },
    line: { static: 3, '.text': 10, other: 3, xdp: 12, socket: 1, 'socket/2': 2, 'socket/3': 10, 'socket/4': 10 },
    core: {},
  },
  'tags-el': { func: { '.text': 2, syscall: 1 }, line: { '.text': 4, syscall: 11 }, core: {} },
  'fwd_decl-el': { func: { socket: 1 }, line: { socket: 2 }, core: {} },
  'handler-bpfel': {
    func: { '.text': 1, 'tracepoint/syscalls/sys_enter_execve': 1 },
    line: { '.text': 69, 'tracepoint/syscalls/sys_enter_execve': 117 },
    core: { '.text': 4 },
  },
};

function load(name: string): { btf: Btf; ext: BtfExt } {
  const btf = Btf.parse(fixture(`${name}.btf`));
  return { btf, ext: parseBtfExt(fixture(`${name}.btf.ext`), btf) };
}

const counts = (secs: BtfExt['funcInfos'] | BtfExt['lineInfos'] | BtfExt['coreRelos']): Counts =>
  Object.fromEntries(secs.map((s) => [s.section, s.records.length]));

for (const name of OBJECTS) {
  test(`${name}: BTF.ext record counts per section`, (t) => {
    const { btf, ext } = load(name);
    t.deepEqual(counts(ext.funcInfos), EXPECTED[name].func);
    t.deepEqual(counts(ext.lineInfos), EXPECTED[name].line);
    t.deepEqual(counts(ext.coreRelos), EXPECTED[name].core);
    t.is(ext.funcInfoRecSize, 8);
    t.is(ext.lineInfoRecSize, 16);
    // Every func_info names a FUNC, and the first one of a section starts at offset 0.
    for (const sec of ext.funcInfos) {
      for (const r of sec.records) t.is(btf.kindOf(r.typeId), 'func');
      t.is(sec.records[0]!.insnOff, 0);
    }
  });
}

test('fwd_decl-el: header and records decoded by hand from the hex dump', (t) => {
  const { ext } = load('fwd_decl-el');
  t.deepEqual(ext.header, {
    littleEndian: true, version: 1, flags: 0, hdrLen: 32,
    funcInfoOff: 0, funcInfoLen: 20, lineInfoOff: 20, lineInfoLen: 44, coreReloOff: 64, coreReloLen: 0,
  });
  t.deepEqual(ext.funcInfos, [{ sectionNameOff: 14, section: 'socket', records: [{ insnOff: 0, typeId: 3 }] }]);
  const [a, b] = ext.lineInfos[0]!.records;
  t.like(a, { insnOff: 0, fileNameOff: 0x15, lineOff: 0x2f, lineCol: 0x2409, line: 9, column: 9 });
  t.like(b, { insnOff: 8, line: 9, column: 2 });
  t.is(a!.lineText.trim(), 'return fwd();');
  t.regex(a!.fileName, /fwd_decl\.c$/);
});

test('relocs-el: line_info instruction/line pairs match llvm-objdump -l', (t) => {
  const { ext } = load('relocs-el');
  const typeIds = ext.lineInfos.find((s) => s.section === 'socket/type_ids')!;
  // llvm-objdump -l: "; /ebpf/btf/testdata/relocs.c:46" before insn 0, ":47" before 3, ...
  t.deepEqual(
    typeIds.records.slice(0, 8).map((r) => [r.insnOff / 8, r.line]),
    [[0, 46], [3, 47], [7, 48], [11, 49], [15, 50], [19, 52], [23, 53], [27, 54]],
  );
  t.is(typeIds.records[0]!.fileName, '/ebpf/btf/testdata/relocs.c');
});

test('handler-bpfel: the four CO-RE relocations as llvm-objdump -dr prints them', (t) => {
  const { btf, ext } = load('handler-bpfel');
  t.is(ext.coreReloRecSize, 16);
  const relos = ext.coreRelos[0]!.records.map((r) => ({
    insnOff: r.insnOff, kind: coreReloKindName(r.kind), type: btf.typeName(r.typeId), access: r.accessStr,
  }));
  // CO-RE <byte_off> [26] struct task_struct___exectrace::nsproxy (0:0) at 0x10, etc.
  t.deepEqual(relos, [
    { insnOff: 0x10, kind: 'FIELD_BYTE_OFFSET', type: 'struct task_struct___exectrace', access: '0:0' },
    { insnOff: 0x48, kind: 'FIELD_BYTE_OFFSET', type: 'struct nsproxy___exectrace', access: '0:0' },
    { insnOff: 0x1b0, kind: 'FIELD_BYTE_OFFSET', type: 'struct pid_namespace___exectrace', access: '0:1:0' },
    { insnOff: 0x3f0, kind: 'FIELD_BYTE_OFFSET', type: 'struct pid_namespace___exectrace', access: '0:0' },
  ]);
  t.deepEqual(ext.coreRelos[0]!.records.map((r) => r.typeId), [26, 28, 30, 30]);
});

test('relocs-el: CO-RE kinds used by the type_ids section', (t) => {
  const { ext } = load('relocs-el');
  const kinds = new Set(ext.coreRelos.flatMap((s) => s.records.map((r) => r.kind)));
  t.true(kinds.has(CoreReloKind.TYPE_ID_LOCAL));
  t.true(kinds.has(CoreReloKind.TYPE_ID_TARGET));
  t.true(kinds.has(CoreReloKind.FIELD_BYTE_OFFSET));
  t.true(kinds.has(CoreReloKind.ENUMVAL_EXISTS));
  t.true([...kinds].every((k) => k <= CoreReloKind.TYPE_MATCHES));
});

test('CoreReloKind values are the UAPI ones', (t) => {
  t.deepEqual(Object.entries(CoreReloKind), [
    ['FIELD_BYTE_OFFSET', 0], ['FIELD_BYTE_SIZE', 1], ['FIELD_EXISTS', 2], ['FIELD_SIGNED', 3],
    ['FIELD_LSHIFT_U64', 4], ['FIELD_RSHIFT_U64', 5], ['TYPE_ID_LOCAL', 6], ['TYPE_ID_TARGET', 7],
    ['TYPE_EXISTS', 8], ['TYPE_SIZE', 9], ['ENUMVAL_EXISTS', 10], ['ENUMVAL_VALUE', 11], ['TYPE_MATCHES', 12],
  ]);
  t.is(coreReloKindName(99), 'kind 99');
});

/** Build a .BTF.ext blob: header (24 or 32 bytes) and raw blocks, in either byte order. */
function extBlob(opts: { le?: boolean; hdrLen?: number; func?: number[]; line?: number[]; core?: number[] }): Uint8Array {
  const le = opts.le ?? true;
  const hdrLen = opts.hdrLen ?? 32;
  const blocks = [opts.func ?? [], opts.line ?? [], opts.core ?? []];
  const words = blocks.reduce((n, b) => n + b.length, 0);
  const out = new Uint8Array(hdrLen + words * 4);
  const dv = new DataView(out.buffer);
  dv.setUint16(0, 0xeb9f, le);
  dv.setUint8(2, 1);
  dv.setUint32(4, hdrLen, le);
  let off = 0;
  blocks.forEach((b, i) => {
    if (8 + i * 8 + 8 <= hdrLen) {
      dv.setUint32(8 + i * 8, b.length ? off : 0, le);
      dv.setUint32(12 + i * 8, b.length * 4, le);
    }
    b.forEach((w, j) => dv.setUint32(hdrLen + off + j * 4, w, le));
    off += b.length * 4;
  });
  return out;
}

test('synthetic BTF.ext: big-endian, larger record sizes, header without CO-RE', (t) => {
  const btf = Btf.parse(fixture('fwd_decl-el.btf'));
  // func_info records of 12 bytes (a future field appended): the known prefix is read, the rest skipped.
  const func = [12, 14, 2, 0, 3, 0xdead, 8, 5, 0xbeef];
  const core = [16, 14, 1, 0, 1, 0, CoreReloKind.TYPE_SIZE];
  for (const le of [true, false]) {
    const ext = parseBtfExt(extBlob({ le, func, core }), btf);
    t.is(ext.header.littleEndian, le);
    t.deepEqual(ext.funcInfos[0]!.records, [{ insnOff: 0, typeId: 3 }, { insnOff: 8, typeId: 5 }]);
    t.deepEqual(ext.coreRelos[0]!.records, [{ insnOff: 0, typeId: 1, accessStrOff: 0, accessStr: '', kind: 9 }]);
  }
  // A 24-byte header has no core_relo fields, whatever follows.
  const old = parseBtfExt(extBlob({ hdrLen: 24, func }), btf);
  t.is(old.header.coreReloLen, 0);
  t.deepEqual(old.coreRelos, []);
  t.is(parseBtfExtHeader(extBlob({ hdrLen: 24 })).hdrLen, 24);
});

test('malformed BTF.ext is refused with BtfError naming the problem', (t) => {
  const btf = Btf.parse(fixture('fwd_decl-el.btf'));
  const bad = (blob: Uint8Array, message: RegExp): void => {
    t.throws(() => parseBtfExt(blob, btf), { instanceOf: BtfError, message });
  };
  bad(new Uint8Array(10), /too short/);
  bad(extBlob({}).map((b, i) => (i === 0 ? 0 : b)), /bad magic/);
  bad(extBlob({}).map((b, i) => (i === 2 ? 2 : b)), /unsupported version 2/);
  bad(extBlob({}).map((b, i) => (i === 3 ? 1 : b)), /unsupported flags/);
  const shortHdr = extBlob({});
  new DataView(shortHdr.buffer).setUint32(4, 16, true);
  bad(shortHdr, /hdr_len 16/);
  bad(extBlob({ func: [4, 14, 1, 0, 3] }), /record size 4 .* below 8/);
  bad(extBlob({ func: [10, 14, 1, 0, 3, 0] }), /record size 10/);
  bad(extBlob({ func: [8, 14, 0] }), /has no records/);
  bad(extBlob({ func: [8, 14, 5, 0, 3] }), /5 records of 8 bytes run past/);
  bad(extBlob({ func: [8, 14] }), /section header at offset 36 runs past/);
  bad(extBlob({ func: [8, 9999, 1, 0, 3] }), /section name .* string offset 9999/);
  bad(extBlob({ func: [8, 14, 1, 0, 77] }), /type id 77, but the last type id is 5/);
  bad(extBlob({ line: [16, 14, 1, 0, 9999, 0, 0] }), /file name string offset 9999/);
  bad(extBlob({ core: [16, 14, 1, 0, 1, 9999, 0] }), /access string offset 9999/);
  const blob = extBlob({ func: [8, 14, 1, 0, 3] });
  new DataView(blob.buffer).setUint32(12, 4000, true); // func_info_len far past the end
  bad(blob, /runs past the end of the data/);
});
