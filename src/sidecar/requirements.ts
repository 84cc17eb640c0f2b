// Checked before anything else, so a user sees every missing requirement at
// once, in words, instead of the first errno from deep inside a load.
import { existsSync, readFileSync } from 'node:fs';
import { release } from 'node:os';
import { missingCapabilities } from '../syscall/index.ts';

export interface RequirementReport {
  ok: boolean;
  problems: string[];
}

export function kernelVersion(rel = release()): [number, number] {
  const m = /^(\d+)\.(\d+)/.exec(rel);
  return m ? [Number(m[1]), Number(m[2])] : [0, 0];
}

export function checkRequirements(): RequirementReport {
  const problems: string[] = [];
  const [major, minor] = kernelVersion();
  if (major < 5 || (major === 5 && minor < 8)) {
    problems.push(`Linux ${release()} is too old: exectrace needs 5.8 or newer (BPF ring buffers, CAP_BPF)`);
  }
  if (!existsSync('/sys/kernel/btf/vmlinux')) {
    problems.push('/sys/kernel/btf/vmlinux is missing: the kernel must be built with CONFIG_DEBUG_INFO_BTF=y');
  }
  for (const kind of ['bpf', 'tracing', 'perf'] as const) {
    const missing = missingCapabilities(kind);
    if (missing.length > 0) problems.push(`missing ${missing.join(', ')} (run as root, or grant CAP_BPF, CAP_PERFMON and CAP_SYS_ADMIN)`);
  }
  try {
    const v = readFileSync('/proc/sys/kernel/unprivileged_bpf_disabled', 'utf8').trim();
    void v; // informational only: root is not affected
  } catch {
    // absent on kernels without BPF syscall support; the capability check speaks for it
  }
  return { ok: problems.length === 0, problems: [...new Set(problems)] };
}
