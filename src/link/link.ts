// Attaching programs to kernel hooks. Whatever the mechanism, the result is
// an Attachment that owns one fd: closing it detaches the program.
import { sys, OwnedFd, abi, tracepointId, perfEventOpenTracepoint, perfSetBpf, perfEnable } from '../syscall/index.ts';
import type { BpfProgram } from '../prog/index.ts';

const { AttachType, LinkInfo } = abi;

/** A bpf_link (LINK_CREATE, RAW_TRACEPOINT_OPEN): the kernel detaches when its fd closes. */
export class BpfLink extends OwnedFd {
  declare readonly kind: 'link';
  constructor(fd: number, label: string) {
    super(fd, 'link', label);
  }

  info(): abi.Decoded<typeof LinkInfo.fields> {
    return sys.objGetInfo(this.fd, LinkInfo, `link ${this.label}`);
  }

  pin(path: string): void {
    sys.objPin(this.fd, path, `link ${this.label}`);
  }
}

/** A perf event with a program set by ioctl (kernels before 5.15 lack perf links). */
export class PerfEventAttachment extends OwnedFd {
  declare readonly kind: 'perf event';
  constructor(fd: number, label: string) {
    super(fd, 'perf event', label);
  }
}

export type Attachment = BpfLink | PerfEventAttachment;

export interface TracepointOptions {
  /** `link` (BPF_LINK_CREATE on the perf event, Linux 5.15+) or `ioctl` (PERF_EVENT_IOC_SET_BPF). Default: link, falling back to ioctl. */
  mode?: 'link' | 'ioctl' | 'auto';
  cookie?: bigint;
}

/** Attaches a TRACEPOINT program to `group/name` (e.g. `syscalls`, `sys_enter_execve`). */
export function attachTracepoint(prog: BpfProgram, group: string, name: string, opts: TracepointOptions = {}): Attachment {
  const label = `tracepoint ${group}/${name} (program ${prog.label})`;
  const id = tracepointId(group, name);
  const perf = new PerfEventAttachment(perfEventOpenTracepoint(id, `${group}/${name}`), label);
  return attachPerfEvent(prog, perf, label, opts.mode ?? 'auto', opts.cookie);
}

/**
 * Attaches `prog` to an open perf event: a bpf_link on the event (Linux
 * 5.15+), or PERF_EVENT_IOC_SET_BPF + ENABLE where perf links do not exist.
 * Takes ownership of `perf`: the result is the only fd left to close.
 */
export function attachPerfEvent(prog: BpfProgram, perf: PerfEventAttachment, label: string, mode: 'link' | 'ioctl' | 'auto', cookie = 0n): Attachment {
  try {
    if (mode !== 'ioctl') {
      try {
        const fd = sys.linkCreate({ progFd: prog.fd, targetFd: perf.fd, attachType: AttachType.PERF_EVENT, cookie }, label);
        // The link holds its own reference to the perf event.
        perf.close();
        return new BpfLink(fd, label);
      } catch (e) {
        // EINVAL: the kernel has no perf links (< 5.15); fall back as libbpf does.
        if (mode === 'link' || (e as { code?: string }).code !== 'EINVAL') throw e;
      }
    }
    perfSetBpf(perf.fd, prog.fd, label);
    perfEnable(perf.fd, label);
    return perf;
  } catch (e) {
    perf.close();
    throw e;
  }
}

/** Attaches a RAW_TRACEPOINT program to the raw tracepoint `name` (e.g. `sched_process_exec`). */
export function attachRawTracepoint(prog: BpfProgram, name: string): BpfLink {
  const label = `raw tracepoint ${name} (program ${prog.label})`;
  return new BpfLink(sys.rawTracepointOpen(name, prog.fd, label), label);
}

/** Attaches a tracing program (tp_btf, fentry, fexit, fmod_ret, lsm) whose target was fixed at load. */
export function attachTracing(prog: BpfProgram): BpfLink {
  const label = `program ${prog.label}`;
  return new BpfLink(sys.rawTracepointOpen(null, prog.fd, label), label);
}
