// Program types from ELF section names, following libbpf's section_defs
// (tools/lib/bpf/libbpf.c): the section says what kind of program a function
// is, what attach type the kernel expects, and where it attaches. An unknown
// section is reported as such, never guessed.
import { ProgType, AttachType, type ProgTypeName, type AttachTypeName } from '../syscall/abi/index.ts';

export type AttachKind =
  | 'tracepoint' // tracepoint/<group>/<name>
  | 'raw_tracepoint' // raw_tracepoint/<name>
  | 'tracing' // tp_btf / fentry / fexit / fmod_ret / lsm / iter: attach_btf_id from kernel BTF
  | 'kprobe'
  | 'uprobe'
  | 'none'; // loaded, attached by other means (cgroup, netdev, socket, ...)

export interface SectionDef {
  /** The section name or prefix as libbpf spells it. */
  prefix: string;
  type: ProgTypeName;
  attachType?: AttachTypeName;
  attach: AttachKind;
  sleepable?: boolean;
  xdpFrags?: boolean;
  /** For tracing programs: how the target function's BTF name is formed. */
  btfPrefix?: string;
}

const d = (prefix: string, type: ProgTypeName, attach: AttachKind, rest: Partial<SectionDef> = {}): SectionDef => ({ prefix, type, attach, ...rest });

export const SECTION_DEFS: readonly SectionDef[] = [
  d('socket', 'SOCKET_FILTER', 'none'),
  d('sk_reuseport/migrate', 'SK_REUSEPORT', 'none', { attachType: 'SK_REUSEPORT_SELECT_OR_MIGRATE' }),
  d('sk_reuseport', 'SK_REUSEPORT', 'none', { attachType: 'SK_REUSEPORT_SELECT' }),
  d('kprobe', 'KPROBE', 'kprobe'),
  d('kretprobe', 'KPROBE', 'kprobe'),
  d('uprobe', 'KPROBE', 'uprobe'),
  d('uretprobe', 'KPROBE', 'uprobe'),
  d('uprobe.s', 'KPROBE', 'uprobe', { sleepable: true }),
  d('uretprobe.s', 'KPROBE', 'uprobe', { sleepable: true }),
  d('kprobe.multi', 'KPROBE', 'kprobe', { attachType: 'TRACE_KPROBE_MULTI' }),
  d('kretprobe.multi', 'KPROBE', 'kprobe', { attachType: 'TRACE_KPROBE_MULTI' }),
  d('uprobe.multi', 'KPROBE', 'uprobe', { attachType: 'TRACE_UPROBE_MULTI' }),
  d('uretprobe.multi', 'KPROBE', 'uprobe', { attachType: 'TRACE_UPROBE_MULTI' }),
  d('ksyscall', 'KPROBE', 'kprobe'),
  d('kretsyscall', 'KPROBE', 'kprobe'),
  d('usdt', 'KPROBE', 'uprobe'),
  d('tc/ingress', 'SCHED_CLS', 'none', { attachType: 'TCX_INGRESS' }),
  d('tc/egress', 'SCHED_CLS', 'none', { attachType: 'TCX_EGRESS' }),
  d('tcx/ingress', 'SCHED_CLS', 'none', { attachType: 'TCX_INGRESS' }),
  d('tcx/egress', 'SCHED_CLS', 'none', { attachType: 'TCX_EGRESS' }),
  d('tc', 'SCHED_CLS', 'none'),
  d('classifier', 'SCHED_CLS', 'none'),
  d('action', 'SCHED_ACT', 'none'),
  d('tracepoint', 'TRACEPOINT', 'tracepoint'),
  d('tp', 'TRACEPOINT', 'tracepoint'),
  d('raw_tracepoint', 'RAW_TRACEPOINT', 'raw_tracepoint'),
  d('raw_tp', 'RAW_TRACEPOINT', 'raw_tracepoint'),
  d('raw_tracepoint.w', 'RAW_TRACEPOINT_WRITABLE', 'raw_tracepoint'),
  d('raw_tp.w', 'RAW_TRACEPOINT_WRITABLE', 'raw_tracepoint'),
  d('tp_btf', 'TRACING', 'tracing', { attachType: 'TRACE_RAW_TP', btfPrefix: 'btf_trace_' }),
  d('fentry', 'TRACING', 'tracing', { attachType: 'TRACE_FENTRY', btfPrefix: '' }),
  d('fmod_ret', 'TRACING', 'tracing', { attachType: 'MODIFY_RETURN', btfPrefix: '' }),
  d('fexit', 'TRACING', 'tracing', { attachType: 'TRACE_FEXIT', btfPrefix: '' }),
  d('fentry.s', 'TRACING', 'tracing', { attachType: 'TRACE_FENTRY', btfPrefix: '', sleepable: true }),
  d('fmod_ret.s', 'TRACING', 'tracing', { attachType: 'MODIFY_RETURN', btfPrefix: '', sleepable: true }),
  d('fexit.s', 'TRACING', 'tracing', { attachType: 'TRACE_FEXIT', btfPrefix: '', sleepable: true }),
  d('freplace', 'EXT', 'none'),
  d('lsm', 'LSM', 'tracing', { attachType: 'LSM_MAC', btfPrefix: 'bpf_lsm_' }),
  d('lsm.s', 'LSM', 'tracing', { attachType: 'LSM_MAC', btfPrefix: 'bpf_lsm_', sleepable: true }),
  d('lsm_cgroup', 'LSM', 'none', { attachType: 'LSM_CGROUP', btfPrefix: 'bpf_lsm_' }),
  d('iter', 'TRACING', 'tracing', { attachType: 'TRACE_ITER', btfPrefix: 'bpf_iter_' }),
  d('iter.s', 'TRACING', 'tracing', { attachType: 'TRACE_ITER', btfPrefix: 'bpf_iter_', sleepable: true }),
  d('syscall', 'SYSCALL', 'none', { sleepable: true }),
  d('xdp.frags/devmap', 'XDP', 'none', { attachType: 'XDP_DEVMAP', xdpFrags: true }),
  d('xdp/devmap', 'XDP', 'none', { attachType: 'XDP_DEVMAP' }),
  d('xdp.frags/cpumap', 'XDP', 'none', { attachType: 'XDP_CPUMAP', xdpFrags: true }),
  d('xdp/cpumap', 'XDP', 'none', { attachType: 'XDP_CPUMAP' }),
  d('xdp.frags', 'XDP', 'none', { attachType: 'XDP', xdpFrags: true }),
  d('xdp', 'XDP', 'none', { attachType: 'XDP' }),
  d('perf_event', 'PERF_EVENT', 'none'),
  d('lwt_in', 'LWT_IN', 'none'),
  d('lwt_out', 'LWT_OUT', 'none'),
  d('lwt_xmit', 'LWT_XMIT', 'none'),
  d('lwt_seg6local', 'LWT_SEG6LOCAL', 'none'),
  d('sockops', 'SOCK_OPS', 'none', { attachType: 'CGROUP_SOCK_OPS' }),
  d('sk_skb/stream_parser', 'SK_SKB', 'none', { attachType: 'SK_SKB_STREAM_PARSER' }),
  d('sk_skb/stream_verdict', 'SK_SKB', 'none', { attachType: 'SK_SKB_STREAM_VERDICT' }),
  d('sk_skb/verdict', 'SK_SKB', 'none', { attachType: 'SK_SKB_VERDICT' }),
  d('sk_skb', 'SK_SKB', 'none'),
  d('sk_msg', 'SK_MSG', 'none', { attachType: 'SK_MSG_VERDICT' }),
  d('lirc_mode2', 'LIRC_MODE2', 'none', { attachType: 'LIRC_MODE2' }),
  d('flow_dissector', 'FLOW_DISSECTOR', 'none', { attachType: 'FLOW_DISSECTOR' }),
  d('cgroup_skb/ingress', 'CGROUP_SKB', 'none', { attachType: 'CGROUP_INET_INGRESS' }),
  d('cgroup_skb/egress', 'CGROUP_SKB', 'none', { attachType: 'CGROUP_INET_EGRESS' }),
  d('cgroup/skb', 'CGROUP_SKB', 'none'),
  d('cgroup/sock_create', 'CGROUP_SOCK', 'none', { attachType: 'CGROUP_INET_SOCK_CREATE' }),
  d('cgroup/sock_release', 'CGROUP_SOCK', 'none', { attachType: 'CGROUP_INET_SOCK_RELEASE' }),
  d('cgroup/sock', 'CGROUP_SOCK', 'none', { attachType: 'CGROUP_INET_SOCK_CREATE' }),
  d('cgroup/post_bind4', 'CGROUP_SOCK', 'none', { attachType: 'CGROUP_INET4_POST_BIND' }),
  d('cgroup/post_bind6', 'CGROUP_SOCK', 'none', { attachType: 'CGROUP_INET6_POST_BIND' }),
  d('cgroup/bind4', 'CGROUP_SOCK_ADDR', 'none', { attachType: 'CGROUP_INET4_BIND' }),
  d('cgroup/bind6', 'CGROUP_SOCK_ADDR', 'none', { attachType: 'CGROUP_INET6_BIND' }),
  d('cgroup/connect4', 'CGROUP_SOCK_ADDR', 'none', { attachType: 'CGROUP_INET4_CONNECT' }),
  d('cgroup/connect6', 'CGROUP_SOCK_ADDR', 'none', { attachType: 'CGROUP_INET6_CONNECT' }),
  d('cgroup/sendmsg4', 'CGROUP_SOCK_ADDR', 'none', { attachType: 'CGROUP_UDP4_SENDMSG' }),
  d('cgroup/sendmsg6', 'CGROUP_SOCK_ADDR', 'none', { attachType: 'CGROUP_UDP6_SENDMSG' }),
  d('cgroup/recvmsg4', 'CGROUP_SOCK_ADDR', 'none', { attachType: 'CGROUP_UDP4_RECVMSG' }),
  d('cgroup/recvmsg6', 'CGROUP_SOCK_ADDR', 'none', { attachType: 'CGROUP_UDP6_RECVMSG' }),
  d('cgroup/getpeername4', 'CGROUP_SOCK_ADDR', 'none', { attachType: 'CGROUP_INET4_GETPEERNAME' }),
  d('cgroup/getpeername6', 'CGROUP_SOCK_ADDR', 'none', { attachType: 'CGROUP_INET6_GETPEERNAME' }),
  d('cgroup/getsockname4', 'CGROUP_SOCK_ADDR', 'none', { attachType: 'CGROUP_INET4_GETSOCKNAME' }),
  d('cgroup/getsockname6', 'CGROUP_SOCK_ADDR', 'none', { attachType: 'CGROUP_INET6_GETSOCKNAME' }),
  d('cgroup/sysctl', 'CGROUP_SYSCTL', 'none', { attachType: 'CGROUP_SYSCTL' }),
  d('cgroup/getsockopt', 'CGROUP_SOCKOPT', 'none', { attachType: 'CGROUP_GETSOCKOPT' }),
  d('cgroup/setsockopt', 'CGROUP_SOCKOPT', 'none', { attachType: 'CGROUP_SETSOCKOPT' }),
  d('cgroup/dev', 'CGROUP_DEVICE', 'none', { attachType: 'CGROUP_DEVICE' }),
  d('struct_ops', 'STRUCT_OPS', 'none'),
  d('struct_ops.s', 'STRUCT_OPS', 'none', { sleepable: true }),
  d('sk_lookup', 'SK_LOOKUP', 'none', { attachType: 'SK_LOOKUP' }),
  d('netfilter', 'NETFILTER', 'none', { attachType: 'NETFILTER' }),
];

export interface SectionMatch {
  def: SectionDef;
  type: number;
  expectedAttachType: number;
  /** What follows `prefix/` in the section name (the attach target), or ''. */
  target: string;
}

/**
 * The definition for `section`: an exact match, or `prefix/anything` (the
 * longest prefix wins, so `xdp/devmap` beats `xdp`). Undefined when unknown.
 */
export function matchSection(section: string): SectionMatch | undefined {
  let best: SectionDef | undefined;
  for (const def of SECTION_DEFS) {
    if (section === def.prefix || section.startsWith(`${def.prefix}/`)) {
      if (!best || def.prefix.length > best.prefix.length) best = def;
    }
  }
  if (!best) return undefined;
  return {
    def: best,
    type: ProgType[best.type],
    expectedAttachType: best.attachType ? AttachType[best.attachType] : 0,
    target: section.length > best.prefix.length ? section.slice(best.prefix.length + 1) : '',
  };
}
