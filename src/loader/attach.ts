// Attaching a loaded program where its section says: the section name is
// the attach point, as in libbpf (tracepoint/<group>/<name>,
// raw_tracepoint/<name>, tp_btf/<name>, fentry/<func>, lsm/<hook>, ...).
import type { BpfProgram } from '../prog/index.ts';
import { attachTracepoint, attachRawTracepoint, attachTracing, attachUprobe, type Attachment } from '../link/index.ts';
import type { ProgramDef } from '../object/index.ts';
import { LoaderError } from './errors.ts';

export function attachBySection(prog: BpfProgram, def: ProgramDef): Attachment {
  const m = def.match;
  const where = `program ${def.name} (section ${def.section})`;
  if (!m) throw new LoaderError(`${where}: the section names no known program type, so there is nothing to attach to`);
  switch (m.def.attach) {
    case 'tracepoint': {
      const slash = m.target.indexOf('/');
      if (slash <= 0 || slash === m.target.length - 1) {
        throw new LoaderError(`${where}: expected ${m.def.prefix}/<group>/<name>, e.g. tracepoint/syscalls/sys_enter_execve`);
      }
      return attachTracepoint(prog, m.target.slice(0, slash), m.target.slice(slash + 1));
    }
    case 'raw_tracepoint':
      if (!m.target) throw new LoaderError(`${where}: expected ${m.def.prefix}/<tracepoint>`);
      return attachRawTracepoint(prog, m.target);
    case 'tracing':
      if (m.def.prefix.startsWith('iter')) throw new LoaderError(`${where}: iterators are read through an iterator link, which exectrace does not create`);
      return attachTracing(prog);
    case 'kprobe':
      throw new LoaderError(`${where}: kprobe attachment is not supported by exectrace (and kprobes may be compiled out of this kernel); use a tracepoint or fentry`);
    case 'uprobe': {
      // uprobe/<path>:<function>[+<offset>], as libbpf spells it.
      const m2 = /^(.+):([A-Za-z_.$][\w.$@]*)(?:\+(0x[0-9a-fA-F]+|\d+))?$/.exec(m.target);
      if (!m2) throw new LoaderError(`${where}: expected ${m.def.prefix}/<path>:<function>[+<offset>], e.g. uprobe//usr/bin/bash:readline`);
      return attachUprobe(prog, m2[1]!, m2[2]!, { retprobe: m.def.prefix.startsWith('uretprobe'), offset: m2[3] ? Number(m2[3]) : 0 });
    }
    case 'none':
      throw new LoaderError(`${where}: ${m.def.type} programs attach to a cgroup, socket or network device, not by section name`);
  }
}
