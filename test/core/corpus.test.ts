// The engine against real compiler output: cilium/ebpf's CO-RE test
// objects and coder/exectrace's handler. Expected values were worked out
// from the C intent with `bpftool btf dump` and `llvm-objdump-19 -d` on these
// exact files (the tests do not run either tool).

import test from 'ava';
import { BPF_B, BPF_LDX, BPF_MEM, encode } from '../../src/asm/index.ts';
import { CoreReloKind } from '../../src/btf/index.ts';
import { CORE_POISON_IMM, CoreError, isPoisonInstruction, type CoreSectionResult } from '../../src/core/index.ts';
import { failingPrograms, loadObject, recordedVmlinux, relocateObject, type LoadedObject } from './helpers.ts';

const CILIUM = 'cilium-ebpf';

/** Every function symbol in a section that has CO-RE records. */
function programNames(obj: LoadedObject): string[] {
  return obj.sections.flatMap((s) => s.programs.map((p) => p.name));
}

function reportAt(res: CoreSectionResult, insnIndex: number, kind?: number) {
  const r = res.relocations.find((x) => x.insnIndex === insnIndex && (kind === undefined || x.kind === kind));
  if (r === undefined) throw new Error(`no relocation at insn ${insnIndex} in ${res.section}`);
  return r;
}

// ---- the corpus rule ---------------------------------------------------------

test('against their own BTF, exactly the err_ programs of the cilium objects fail', (t) => {
  for (const file of ['relocs-el.elf', 'relocs_read-el.elf', 'relocs_enum-el.elf']) {
    const obj = loadObject(`${CILIUM}/${file}`);
    const failing = failingPrograms(relocateObject(obj, [obj.btf]).values());
    t.deepEqual([...failing].sort(), programNames(obj).filter((n) => n.startsWith('err_')).sort(), file);
  }
});

// ---- relocs-el.elf ---------------------------------------------------------

test('relocs: against its own BTF, exactly the err_ programs fail, with an ambiguity error', (t) => {
  const obj = loadObject(`${CILIUM}/relocs-el.elf`);
  const results = relocateObject(obj, [{ name: 'own', btf: obj.btf }]);
  const names = programNames(obj);
  t.deepEqual(names.filter((n) => n.startsWith('err_')).sort(), ['err_ambiguous', 'err_ambiguous_flavour']);
  t.deepEqual([...failingPrograms(results.values())].sort(), ['err_ambiguous', 'err_ambiguous_flavour']);

  for (const sec of ['socket/err_ambiguous', 'socket/err_ambiguous_flavour']) {
    const res = results.get(sec)!;
    t.is(res.errors.length, 1);
    const err = res.errors[0]!;
    t.true(err instanceof CoreError);
    t.is(err.kind, CoreReloKind.TYPE_ID_TARGET);
    // Both `ambiguous` [32] and `ambiguous___flavour` [35] are candidates with different ids.
    t.regex(err.message, /^CO-RE: socket\/err_ambiguous(_flavour)? program err_ambiguous(_flavour)? insn #0: TYPE_ID_TARGET of struct ambiguous(___flavour)? access 0 — relocation decision ambiguity: \[32\] struct ambiguous in own gives 32, \[35\] struct ambiguous___flavour in own gives 35$/);
    // A failed relocation leaves the instruction alone.
    t.deepEqual(res.insns, obj.sections.find((s) => s.name === sec)!.insns);
  }
});

test('relocs: non-err sections relocate onto themselves without changing a byte', (t) => {
  const obj = loadObject(`${CILIUM}/relocs-el.elf`);
  const results = relocateObject(obj, [obj.btf]);
  for (const s of obj.sections) {
    if (s.name.includes('err_')) continue;
    const res = results.get(s.name)!;
    t.deepEqual(res.errors, [], s.name);
    t.deepEqual(res.poisoned, [], s.name);
    t.true(res.relocations.every((r) => r.status === 'patched' && r.localValue === r.targetValue), s.name);
    t.deepEqual(encode(res.insns), encode(s.insns), s.name);
  }
});

test('relocs: values computed from the C layout', (t) => {
  const obj = loadObject(`${CILIUM}/relocs-el.elf`);
  const r = relocateObject(obj, [obj.btf]);
  const types = r.get('socket/types')!;
  const typeIds = r.get('socket/type_ids')!;
  const enums = r.get('socket/enums')!;
  const fields = r.get('socket/fields')!;
  // struct s { int _1; char _2; unsigned int _3; } is 12 bytes; enum e is 4; union u of pointers is 8.
  t.is(reportAt(types, 31).targetValue, 12n);
  t.is(reportAt(types, 34).targetValue, 12n); // via typedef s_t
  t.is(reportAt(types, 41).targetValue, 4n);
  t.is(reportAt(types, 51).targetValue, 8n);
  t.is(reportAt(types, 61).kind, CoreReloKind.TYPE_MATCHES);
  t.is(reportAt(types, 61).targetValue, 1n);
  // Type ids: TYPE_ID_LOCAL of the anonymous struct [4] works (needs no name); s_t is typedef [10].
  t.is(reportAt(typeIds, 5).targetValue, 4n);
  t.is(reportAt(typeIds, 73).target?.typeId, 10);
  t.is(reportAt(typeIds, 73).target?.type, 's_t');
  // enum e { ZERO, ONE, TWO }; enum e64 { LARGE = 0x1ffffffff } through LD_IMM64.
  t.is(reportAt(enums, 21).targetValue, 2n);
  t.is(reportAt(enums, 32).targetValue, 0x1ffffffffn);
  t.is(reportAt(enums, 32).target?.spec, '[22] enum64 e64::LARGE = 8589934591');
  // struct t { union { s_t s[10]; }; struct { union u u; }; }: s[2]._1 at 24, s[1]._2 at 16, u at 120.
  t.is(reportAt(fields, 112).targetValue, 24n);
  t.is(reportAt(fields, 112).localSpec, '[25] struct t.s[2]._1 (0:0:0:2:0 @ offset 24)');
  t.is(reportAt(fields, 115).targetValue, 16n);
  t.is(reportAt(fields, 118).targetValue, 120n);
  t.is(reportAt(fields, 120).targetValue, 120n);
  // The first index steps over a whole struct t: (&t[1])->u._2 exists, is 8 bytes, at 128 + 120.
  t.is(reportAt(fields, 88).localSpec, '[25] struct t[1].u._2 (1:1:0:1 @ offset 248)');
  t.is(reportAt(fields, 109).targetValue, 8n);
  // Signedness: int _1 is signed, unsigned int _3 is not.
  t.is(reportAt(fields, 30).targetValue, 1n);
  t.is(reportAt(fields, 38).targetValue, 0n);
  // STX offsets: *(u8 *)(r2 + 4) = r1 stores s._2.
  t.is(reportAt(fields, 4).before, 4n);
  t.is(reportAt(fields, 4).after, 4n);
});

test('relocs: against a kernel that has none of its types, field accesses are poisoned and type checks give 0', (t) => {
  const obj = loadObject(`${CILIUM}/relocs-el.elf`);
  const r = relocateObject(obj, [recordedVmlinux()]);
  const fields = r.get('socket/fields')!;
  const p = reportAt(fields, 4);
  t.is(p.status, 'poisoned');
  t.regex(p.reason!, /no struct named 's' \(or 's___\*'\)/);
  t.true(isPoisonInstruction(fields.insns[4]!));
  // FIELD_EXISTS never poisons.
  t.is(reportAt(fields, 7).status, 'patched');
  t.is(reportAt(fields, 7).targetValue, 0n);
  // Type-based kinds give 0 rather than poison (libbpf's bpf_core_calc_type_relo).
  const types = r.get('socket/types')!;
  t.true(types.relocations.every((x) => x.status === 'patched' && x.targetValue === 0n));
  t.is(r.get('socket/err_ambiguous')!.relocations[0]!.targetValue, 0n);
  // ENUMVAL_VALUE on LD_IMM64: both slots become the poison call.
  const enums = r.get('socket/enums')!;
  t.is(reportAt(enums, 32).status, 'poisoned');
  t.deepEqual(enums.insns.slice(32, 34).map((i) => i.imm), [CORE_POISON_IMM, CORE_POISON_IMM]);
  t.is(enums.poisoned.find((x) => x.insnIndex === 32)?.slots, 2);
  t.is(enums.poisoned.find((x) => x.insnIndex === 32)?.program, 'enums');
});

// ---- relocs_read-el.elf -------------------------------------------------------

test('relocs_read: relocates cleanly against its own BTF', (t) => {
  const obj = loadObject(`${CILIUM}/relocs_read-el.elf`);
  const results = relocateObject(obj, [obj.btf]);
  t.deepEqual(obj.sections.map((s) => s.name), ['.text']);
  t.is(failingPrograms(results.values()).size, 0);
  const text = results.get('.text')!;
  t.is(text.relocations.length, 47);
  t.true(text.relocations.every((r) => r.program === 'read_subprog'));
  // struct nonexist / enum nonexist_enum exist in the object itself.
  t.is(reportAt(text, 205).targetValue, 1n);
  t.is(reportAt(text, 208).targetValue, 1n);
  t.is(reportAt(text, 210).targetValue, 1n);
});

test('relocs_read: against relocs_read_tgt, fields move and bitfields are re-read', (t) => {
  const obj = loadObject(`${CILIUM}/relocs_read-el.elf`);
  const tgt = loadObject(`${CILIUM}/relocs_read_tgt-el.elf`);
  t.deepEqual(tgt.sections, []); // the target object has no CO-RE records of its own
  const text = relocateObject(obj, [tgt.btf]).get('.text')!;
  t.deepEqual(text.errors, []);
  t.deepEqual(text.poisoned, []);

  // struct s { char b, a; } locally, { char a, b; } in the target: the loads swap offsets.
  const ldxB = BPF_LDX | BPF_MEM | BPF_B;
  t.deepEqual(text.insns[5], { code: ldxB, dst: 1, src: 1, off: 0, imm: 0 }); // s.a: 1 -> 0
  t.deepEqual(text.insns[10], { code: ldxB, dst: 1, src: 1, off: 1, imm: 0 }); // s.b: 0 -> 1

  // Bitfields. Target: struct bits { u8 b:2; u8 a:4; my_u32 d:2; u16 c:1; enum e:1; u16 f; u32 g:30; }.
  // For each field: [byte offset, byte size, lshift, rshift] per libbpf's smallest-aligned-load rule.
  const expect: Record<string, [number, number, number, number, number, number]> = {
    // access: [insn of BYTE_OFFSET, offset, size, lshift, rshift, signed]
    '0:1': [15, 0, 1, 58, 60, 0], // a: bits 2..5 of a u8
    '0:2': [42, 0, 1, 62, 62, 0], // b: bits 0..1 of a u8
    '0:4': [69, 0, 4, 56, 62, 0], // d: bits 6..7 of a u32
    '0:3': [96, 0, 2, 55, 63, 0], // c: bit 8 of a u16
    '0:5': [123, 0, 4, 54, 63, 0], // e: bit 9 of a 4-byte enum
    '0:6': [150, 2, 2, 48, 48, 0], // f: no longer a bitfield, a plain u16 at 2
    '0:7': [177, 4, 4, 34, 34, 0], // g: 30 bits at 32 of a u32
  };
  for (const [access, [insn, off, size, lsh, rsh, signed]] of Object.entries(expect)) {
    const of = (kind: number) => text.relocations.filter((r) => r.localType === 'struct bits' && r.accessStr === access && r.kind === kind);
    t.is(reportAt(text, insn).kind, CoreReloKind.FIELD_BYTE_OFFSET, access);
    t.deepEqual(of(CoreReloKind.FIELD_BYTE_OFFSET).map((r) => r.targetValue), [BigInt(off)], access);
    t.deepEqual(of(CoreReloKind.FIELD_BYTE_SIZE).map((r) => r.targetValue), [BigInt(size)], access);
    t.deepEqual(of(CoreReloKind.FIELD_LSHIFT_U64).map((r) => r.targetValue), [BigInt(lsh)], access);
    t.deepEqual(of(CoreReloKind.FIELD_RSHIFT_U64).map((r) => r.targetValue), [BigInt(rsh), BigInt(rsh)], access);
    t.deepEqual(of(CoreReloKind.FIELD_SIGNED).map((r) => r.targetValue), [BigInt(signed)], access);
  }
  // The instructions carry the values: `r1 <<= 60` became `r1 <<= 58` for field a.
  t.is(text.insns[34]!.imm, 58);
  t.is(text.insns[15]!.imm, 0);
  t.is(text.insns[150]!.imm, 2);
  // Existence checks for types the target lacks resolve to 0 (the program then returns 0).
  for (const i of [205, 208, 210]) {
    t.is(reportAt(text, i).targetValue, 0n);
    t.is(reportAt(text, i).reason, 'no matching target: resolved to 0');
  }
  t.is(text.insns[205]!.imm, 0);
  t.is(text.insns[210]!.imm, 0);
  t.is(text.insns[211]!.imm, 0);
});

test('relocs_read: the compiler and libbpf disagree on local bitfield sizes; validation is off for them', (t) => {
  const obj = loadObject(`${CILIUM}/relocs_read-el.elf`);
  const text = relocateObject(obj, [obj.btf]).get('.text')!;
  // u8 a:4 at bit 32: clang wrote 4 (the whole containing word), libbpf computes 1.
  const size = reportAt(text, 19);
  t.is(size.before, 4n);
  t.is(size.localValue, 1n);
  t.is(size.after, 1n);
});

// ---- relocs_enum-el.elf -------------------------------------------------------

test('relocs_enum: LD_IMM64 enum relocations against itself and against a kernel', (t) => {
  const obj = loadObject(`${CILIUM}/relocs_enum-el.elf`);
  const own = relocateObject(obj, [obj.btf]).get('socket/core_ld64imm')!;
  t.deepEqual(own.errors, []);
  t.deepEqual(own.poisoned, []);
  t.is(reportAt(own, 3).targetValue, 1n);
  t.is(own.insns[3]!.imm64, 1n);

  // The recorded kernel's enum cgroup_subsys_id has no cpuset_cgrp_id_lublub.
  const kern = relocateObject(obj, [recordedVmlinux()]).get('socket/core_ld64imm')!;
  t.is(reportAt(kern, 0).targetValue, 0n);
  t.deepEqual(kern.insns[0], { code: 0x18, dst: 1, src: 0, off: 0, imm: 0, imm64: 0n });
  t.is(reportAt(kern, 3).status, 'poisoned');
  t.regex(reportAt(kern, 3).reason!, /none of 1 candidate\(s\) has the enumerator \[4\] enum cgroup_subsys_id::cpuset_cgrp_id_lublub = 1: \[60750\] in vmlinux/);
  t.true(isPoisonInstruction(kern.insns[3]!));
  t.true(isPoisonInstruction(kern.insns[4]!));
  t.deepEqual(kern.poisoned.map((p) => [p.program, p.insnIndex, p.slots, p.localType, p.accessStr]), [['core_ld64imm', 3, 2, 'enum cgroup_subsys_id', '1']]);
});

// ---- exectrace handler against a recorded kernel --------------------------------

test('exectrace handler: flavoured task_struct/nsproxy/pid_namespace resolve against the recorded vmlinux', (t) => {
  const obj = loadObject('exectrace-upstream/handler-bpfel.o');
  const text = relocateObject(obj, [recordedVmlinux()]).get('.text')!;
  t.deepEqual(text.errors, []);
  t.deepEqual(text.poisoned, []);
  // From `bpftool btf dump` of the gunzipped vmlinux.btf:
  //   [95333] task_struct: nsproxy at bit 24768 (byte 3096), member 122
  //   [81885] nsproxy: pid_ns_for_children at bit 256 (byte 32)
  //   [85211] pid_namespace: parent at bit 1472 (byte 184); ns at bit 2048, and ns_common.inum at bit 704: 256 + 88 = 344
  const got = text.relocations.map((r) => [r.insnIndex, r.localType, r.accessStr, r.localValue, r.targetValue, r.target?.spec, r.program]);
  t.deepEqual(got, [
    [2, 'struct task_struct___exectrace', '0:0', 0n, 3096n, '[95333] struct task_struct.nsproxy (0:122 @ offset 3096)', 'filter_pidns'],
    [9, 'struct nsproxy___exectrace', '0:0', 0n, 32n, '[81885] struct nsproxy.pid_ns_for_children (0:4 @ offset 32)', 'filter_pidns'],
    [54, 'struct pid_namespace___exectrace', '0:1:0', 8n, 344n, '[85211] struct pid_namespace.ns.inum (0:15:4 @ offset 344)', 'filter_pidns'],
    [126, 'struct pid_namespace___exectrace', '0:0', 0n, 184n, '[85211] struct pid_namespace.parent (0:10 @ offset 184)', 'filter_pidns'],
  ]);
  // `r1 = 0` (ALU64 MOV) now adds the kernel's offsets.
  t.deepEqual([2, 9, 54, 126].map((i) => text.insns[i]!.imm), [3096, 32, 344, 184]);
});

test('exectrace handler: module BTF given lazily is never produced when vmlinux has the types', (t) => {
  const obj = loadObject('exectrace-upstream/handler-bpfel.o');
  let loaded = 0;
  const results = relocateObject(obj, [recordedVmlinux(), { name: 'some_module', btf: () => { loaded++; return obj.btf; } }]);
  t.deepEqual(results.get('.text')!.errors, []);
  t.is(loaded, 0);
});
