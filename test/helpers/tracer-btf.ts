// The walk through kernel types that exectrace's CO-RE relocations make
// (task → nsproxy → pid namespace, mm's argument area, linux_binprm), as
// byte offsets by "struct.member". Shared by the BTF tests and bench/btf.
import type { Btf, Type } from '../../src/btf/index.ts';

export function tracerOffsets(btf: Btf): Record<string, number> {
  const out: Record<string, number> = {};
  const member = (owner: Type, name: string): Type => {
    const m = btf.findMember(owner.id, name);
    if (!m) throw new Error(`${owner.name}.${name} missing`);
    out[`${owner.name}.${name}`] = m.bitOffset / 8;
    return btf.skipQualifiers(m.member.type);
  };
  const pointee = (p: Type): Type => {
    if (p.kind !== 'ptr') throw new Error(`not a pointer: ${p.kind}`);
    return btf.skipQualifiers(p.type);
  };
  const task = btf.findByName('task_struct', 'struct')!;
  member(task, 'real_parent');
  member(task, 'tgid');
  member(task, 'pid');
  const nsproxy = pointee(member(task, 'nsproxy'));
  const pidns = pointee(member(nsproxy, 'pid_ns_for_children'));
  member(member(pidns, 'ns'), 'inum');
  member(pidns, 'level');
  member(pidns, 'parent');
  const mm = pointee(member(task, 'mm'));
  member(mm, 'arg_start');
  member(mm, 'arg_end');
  out['sizeof(task_struct)'] = btf.sizeOf(task.id);
  out['sizeof(linux_binprm)'] = btf.sizeOf(btf.findByName('linux_binprm', 'struct')!.id);
  return out;
}
