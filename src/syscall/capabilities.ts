// Explaining EPERM: the kernel says only "not permitted", so we say which
// capability the calling process lacks for what it tried.
import { readFileSync } from 'node:fs';

/** Capability numbers from include/uapi/linux/capability.h. */
export const Capability = {
  CAP_NET_ADMIN: 12,
  CAP_SYS_ADMIN: 21,
  CAP_PERFMON: 38,
  CAP_BPF: 39,
} as const;
export type CapabilityName = keyof typeof Capability;

/** The kinds of privileged operation exectrace performs. */
export type Privileged = 'bpf' | 'tracing' | 'perf' | 'network';

/** Each kind needs every capability of one of its alternatives. */
const REQUIREMENTS: Record<Privileged, CapabilityName[][]> = {
  bpf: [['CAP_BPF'], ['CAP_SYS_ADMIN']],
  tracing: [['CAP_BPF', 'CAP_PERFMON'], ['CAP_SYS_ADMIN']],
  perf: [['CAP_PERFMON'], ['CAP_SYS_ADMIN']],
  network: [['CAP_BPF', 'CAP_NET_ADMIN'], ['CAP_SYS_ADMIN']],
};

const WHAT: Record<Privileged, string> = {
  bpf: 'creating BPF maps and loading BTF',
  tracing: 'loading tracing programs',
  perf: 'opening perf events for tracepoints',
  network: 'loading network programs',
};

/** The effective capability set of this process, from /proc/self/status. */
export function effectiveCapabilities(): bigint {
  try {
    const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? BigInt(`0x${m[1]}`) : 0n;
  } catch {
    return 0n;
  }
}

export function hasCapability(name: CapabilityName, eff = effectiveCapabilities()): boolean {
  return (eff >> BigInt(Capability[name])) & 1n ? true : false;
}

/** Capabilities missing for `kind` (empty when one alternative is fully held). */
export function missingCapabilities(kind: Privileged, eff = effectiveCapabilities()): CapabilityName[] {
  const alternatives = REQUIREMENTS[kind];
  if (alternatives.some((alt) => alt.every((c) => hasCapability(c, eff)))) return [];
  return alternatives[0]!.filter((c) => !hasCapability(c, eff));
}

/** A sentence for an EPERM error: which privilege is missing for `kind`. */
export function missingCapabilitiesFor(kind: Privileged): string {
  const missing = missingCapabilities(kind);
  const alternatives = REQUIREMENTS[kind].map((a) => a.join(' + ')).join(' or ');
  if (missing.length > 0) {
    return `${WHAT[kind]} needs ${alternatives}; this process lacks ${missing.join(', ')} (run as root or grant the capabilities)`;
  }
  return `${WHAT[kind]} needs ${alternatives}, which this process has: the kernel refused for another reason (kernel.unprivileged_bpf_disabled, a LSM policy, perf_event_paranoid, or RLIMIT_MEMLOCK on kernels before 5.11)`;
}
