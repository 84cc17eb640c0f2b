// The bpf(2) ABI, declared once. Source: include/uapi/linux/bpf.h (Linux 6.12).
// Enum values and struct offsets are checked against the installed copy of
// that header by test/syscall/abi.test.ts (which compiles offsetof() probes),
// for every name the installed header has.
import { layout } from './layout.ts';

/** enum bpf_cmd */
export const BpfCmd = {
  MAP_CREATE: 0,
  MAP_LOOKUP_ELEM: 1,
  MAP_UPDATE_ELEM: 2,
  MAP_DELETE_ELEM: 3,
  MAP_GET_NEXT_KEY: 4,
  PROG_LOAD: 5,
  OBJ_PIN: 6,
  OBJ_GET: 7,
  PROG_ATTACH: 8,
  PROG_DETACH: 9,
  PROG_TEST_RUN: 10,
  PROG_GET_NEXT_ID: 11,
  MAP_GET_NEXT_ID: 12,
  PROG_GET_FD_BY_ID: 13,
  MAP_GET_FD_BY_ID: 14,
  OBJ_GET_INFO_BY_FD: 15,
  PROG_QUERY: 16,
  RAW_TRACEPOINT_OPEN: 17,
  BTF_LOAD: 18,
  BTF_GET_FD_BY_ID: 19,
  TASK_FD_QUERY: 20,
  MAP_LOOKUP_AND_DELETE_ELEM: 21,
  MAP_FREEZE: 22,
  BTF_GET_NEXT_ID: 23,
  LINK_CREATE: 28,
  LINK_UPDATE: 29,
  LINK_GET_FD_BY_ID: 30,
  LINK_GET_NEXT_ID: 31,
  ENABLE_STATS: 32,
  ITER_CREATE: 33,
  LINK_DETACH: 34,
  PROG_BIND_MAP: 35,
} as const;
export type BpfCmdName = keyof typeof BpfCmd;

/** enum bpf_map_type */
export const MapType = {
  UNSPEC: 0,
  HASH: 1,
  ARRAY: 2,
  PROG_ARRAY: 3,
  PERF_EVENT_ARRAY: 4,
  PERCPU_HASH: 5,
  PERCPU_ARRAY: 6,
  STACK_TRACE: 7,
  CGROUP_ARRAY: 8,
  LRU_HASH: 9,
  LRU_PERCPU_HASH: 10,
  LPM_TRIE: 11,
  ARRAY_OF_MAPS: 12,
  HASH_OF_MAPS: 13,
  DEVMAP: 14,
  SOCKMAP: 15,
  CPUMAP: 16,
  XSKMAP: 17,
  SOCKHASH: 18,
  CGROUP_STORAGE: 19,
  REUSEPORT_SOCKARRAY: 20,
  PERCPU_CGROUP_STORAGE: 21,
  QUEUE: 22,
  STACK: 23,
  SK_STORAGE: 24,
  DEVMAP_HASH: 25,
  STRUCT_OPS: 26,
  RINGBUF: 27,
  INODE_STORAGE: 28,
  TASK_STORAGE: 29,
  BLOOM_FILTER: 30,
  USER_RINGBUF: 31,
  CGRP_STORAGE: 32,
  ARENA: 33,
} as const;
export type MapTypeName = keyof typeof MapType;

/** enum bpf_prog_type */
export const ProgType = {
  UNSPEC: 0,
  SOCKET_FILTER: 1,
  KPROBE: 2,
  SCHED_CLS: 3,
  SCHED_ACT: 4,
  TRACEPOINT: 5,
  XDP: 6,
  PERF_EVENT: 7,
  CGROUP_SKB: 8,
  CGROUP_SOCK: 9,
  LWT_IN: 10,
  LWT_OUT: 11,
  LWT_XMIT: 12,
  SOCK_OPS: 13,
  SK_SKB: 14,
  CGROUP_DEVICE: 15,
  SK_MSG: 16,
  RAW_TRACEPOINT: 17,
  CGROUP_SOCK_ADDR: 18,
  LWT_SEG6LOCAL: 19,
  LIRC_MODE2: 20,
  SK_REUSEPORT: 21,
  FLOW_DISSECTOR: 22,
  CGROUP_SYSCTL: 23,
  RAW_TRACEPOINT_WRITABLE: 24,
  CGROUP_SOCKOPT: 25,
  TRACING: 26,
  STRUCT_OPS: 27,
  EXT: 28,
  LSM: 29,
  SK_LOOKUP: 30,
  SYSCALL: 31,
  NETFILTER: 32,
} as const;
export type ProgTypeName = keyof typeof ProgType;

/** enum bpf_attach_type */
export const AttachType = {
  CGROUP_INET_INGRESS: 0,
  CGROUP_INET_EGRESS: 1,
  CGROUP_INET_SOCK_CREATE: 2,
  CGROUP_SOCK_OPS: 3,
  SK_SKB_STREAM_PARSER: 4,
  SK_SKB_STREAM_VERDICT: 5,
  CGROUP_DEVICE: 6,
  SK_MSG_VERDICT: 7,
  CGROUP_INET4_BIND: 8,
  CGROUP_INET6_BIND: 9,
  CGROUP_INET4_CONNECT: 10,
  CGROUP_INET6_CONNECT: 11,
  CGROUP_INET4_POST_BIND: 12,
  CGROUP_INET6_POST_BIND: 13,
  CGROUP_UDP4_SENDMSG: 14,
  CGROUP_UDP6_SENDMSG: 15,
  LIRC_MODE2: 16,
  FLOW_DISSECTOR: 17,
  CGROUP_SYSCTL: 18,
  CGROUP_UDP4_RECVMSG: 19,
  CGROUP_UDP6_RECVMSG: 20,
  CGROUP_GETSOCKOPT: 21,
  CGROUP_SETSOCKOPT: 22,
  TRACE_RAW_TP: 23,
  TRACE_FENTRY: 24,
  TRACE_FEXIT: 25,
  MODIFY_RETURN: 26,
  LSM_MAC: 27,
  TRACE_ITER: 28,
  CGROUP_INET4_GETPEERNAME: 29,
  CGROUP_INET6_GETPEERNAME: 30,
  CGROUP_INET4_GETSOCKNAME: 31,
  CGROUP_INET6_GETSOCKNAME: 32,
  XDP_DEVMAP: 33,
  CGROUP_INET_SOCK_RELEASE: 34,
  XDP_CPUMAP: 35,
  SK_LOOKUP: 36,
  XDP: 37,
  SK_SKB_VERDICT: 38,
  SK_REUSEPORT_SELECT: 39,
  SK_REUSEPORT_SELECT_OR_MIGRATE: 40,
  PERF_EVENT: 41,
  TRACE_KPROBE_MULTI: 42,
  LSM_CGROUP: 43,
  STRUCT_OPS: 44,
  NETFILTER: 45,
  TCX_INGRESS: 46,
  TCX_EGRESS: 47,
  TRACE_UPROBE_MULTI: 48,
} as const;
export type AttachTypeName = keyof typeof AttachType;

/** enum bpf_link_type */
export const LinkType = {
  UNSPEC: 0,
  RAW_TRACEPOINT: 1,
  TRACING: 2,
  CGROUP: 3,
  ITER: 4,
  NETNS: 5,
  XDP: 6,
  PERF_EVENT: 7,
  KPROBE_MULTI: 8,
  STRUCT_OPS: 9,
  NETFILTER: 10,
  TCX: 11,
  UPROBE_MULTI: 12,
} as const;

/** Flags for MAP_CREATE's map_flags. */
export const MapFlags = {
  NO_PREALLOC: 1 << 0,
  NO_COMMON_LRU: 1 << 1,
  NUMA_NODE: 1 << 2,
  RDONLY: 1 << 3,
  WRONLY: 1 << 4,
  STACK_BUILD_ID: 1 << 5,
  ZERO_SEED: 1 << 6,
  RDONLY_PROG: 1 << 7,
  WRONLY_PROG: 1 << 8,
  CLONE: 1 << 9,
  MMAPABLE: 1 << 10,
  PRESERVE_ELEMS: 1 << 11,
  INNER_MAP: 1 << 12,
} as const;

/** Flags for MAP_UPDATE_ELEM. */
export const UpdateFlags = { ANY: 0, NOEXIST: 1, EXIST: 2, F_LOCK: 4 } as const;

/** Flags for PROG_LOAD's prog_flags. */
export const ProgFlags = {
  STRICT_ALIGNMENT: 1 << 0,
  ANY_ALIGNMENT: 1 << 1,
  TEST_RND_HI32: 1 << 2,
  TEST_STATE_FREQ: 1 << 3,
  SLEEPABLE: 1 << 4,
  XDP_HAS_FRAGS: 1 << 5,
} as const;

/** Ring buffer record header bits and output flags (BPF_RINGBUF_*, BPF_RB_*). */
export const RingBuf = {
  BUSY_BIT: 0x80000000,
  DISCARD_BIT: 0x40000000,
  HDR_SZ: 8,
  NO_WAKEUP: 1,
  FORCE_WAKEUP: 2,
} as const;

export const BPF_OBJ_NAME_LEN = 16;

/* union bpf_attr, one layout per command group (the kernel reads only the
 * fields of its command; we send exactly up to the last field we know). */

export const MapCreateAttr = layout('bpf_attr (BPF_MAP_CREATE)', 80, {
  map_type: [0, 'u32'],
  key_size: [4, 'u32'],
  value_size: [8, 'u32'],
  max_entries: [12, 'u32'],
  map_flags: [16, 'u32'],
  inner_map_fd: [20, 'u32'],
  numa_node: [24, 'u32'],
  map_name: [28, 'char16'],
  map_ifindex: [44, 'u32'],
  btf_fd: [48, 'u32'],
  btf_key_type_id: [52, 'u32'],
  btf_value_type_id: [56, 'u32'],
  btf_vmlinux_value_type_id: [60, 'u32'],
  map_extra: [64, 'u64'],
  value_type_btf_obj_fd: [72, 's32'],
  map_token_fd: [76, 's32'],
});

export const MapElemAttr = layout('bpf_attr (BPF_MAP_*_ELEM)', 32, {
  map_fd: [0, 'u32'],
  key: [8, 'u64'],
  value: [16, 'u64'], // also next_key for MAP_GET_NEXT_KEY
  flags: [24, 'u64'],
});

export const ProgLoadAttr = layout('bpf_attr (BPF_PROG_LOAD)', 152, {
  prog_type: [0, 'u32'],
  insn_cnt: [4, 'u32'],
  insns: [8, 'u64'],
  license: [16, 'u64'],
  log_level: [24, 'u32'],
  log_size: [28, 'u32'],
  log_buf: [32, 'u64'],
  kern_version: [40, 'u32'],
  prog_flags: [44, 'u32'],
  prog_name: [48, 'char16'],
  prog_ifindex: [64, 'u32'],
  expected_attach_type: [68, 'u32'],
  prog_btf_fd: [72, 'u32'],
  func_info_rec_size: [76, 'u32'],
  func_info: [80, 'u64'],
  func_info_cnt: [88, 'u32'],
  line_info_rec_size: [92, 'u32'],
  line_info: [96, 'u64'],
  line_info_cnt: [104, 'u32'],
  attach_btf_id: [108, 'u32'],
  attach_prog_fd: [112, 'u32'], // also attach_btf_obj_fd
  core_relo_cnt: [116, 'u32'],
  fd_array: [120, 'u64'],
  core_relos: [128, 'u64'],
  core_relo_rec_size: [136, 'u32'],
  log_true_size: [140, 'u32'],
  prog_token_fd: [144, 's32'],
  fd_array_cnt: [148, 'u32'],
});

export const ObjPinAttr = layout('bpf_attr (BPF_OBJ_PIN/BPF_OBJ_GET)', 20, {
  pathname: [0, 'u64'],
  bpf_fd: [8, 'u32'],
  file_flags: [12, 'u32'],
  path_fd: [16, 's32'],
});

export const TestRunAttr = layout('bpf_attr (BPF_PROG_TEST_RUN)', 76, {
  prog_fd: [0, 'u32'],
  retval: [4, 'u32'],
  data_size_in: [8, 'u32'],
  data_size_out: [12, 'u32'],
  data_in: [16, 'u64'],
  data_out: [24, 'u64'],
  repeat: [32, 'u32'],
  duration: [36, 'u32'],
  ctx_size_in: [40, 'u32'],
  ctx_size_out: [44, 'u32'],
  ctx_in: [48, 'u64'],
  ctx_out: [56, 'u64'],
  flags: [64, 'u32'],
  cpu: [68, 'u32'],
  batch_size: [72, 'u32'],
});

export const GetIdAttr = layout('bpf_attr (BPF_*_GET_NEXT_ID/BPF_*_GET_FD_BY_ID)', 12, {
  id: [0, 'u32'], // start_id, prog_id, map_id, btf_id, link_id
  next_id: [4, 'u32'],
  open_flags: [8, 'u32'],
});

export const InfoAttr = layout('bpf_attr (BPF_OBJ_GET_INFO_BY_FD)', 16, {
  bpf_fd: [0, 'u32'],
  info_len: [4, 'u32'],
  info: [8, 'u64'],
});

export const RawTracepointAttr = layout('bpf_attr (BPF_RAW_TRACEPOINT_OPEN)', 24, {
  name: [0, 'u64'],
  prog_fd: [8, 'u32'],
  cookie: [16, 'u64'],
});

export const BtfLoadAttr = layout('bpf_attr (BPF_BTF_LOAD)', 40, {
  btf: [0, 'u64'],
  btf_log_buf: [8, 'u64'],
  btf_size: [16, 'u32'],
  btf_log_size: [20, 'u32'],
  btf_log_level: [24, 'u32'],
  btf_log_true_size: [28, 'u32'],
  btf_flags: [32, 'u32'],
  btf_token_fd: [36, 's32'],
});

/** LINK_CREATE; the union at offset 16 is per attach type. */
export const LinkCreateAttr = layout('bpf_attr (BPF_LINK_CREATE)', 32, {
  prog_fd: [0, 'u32'],
  target_fd: [4, 'u32'], // also target_ifindex
  attach_type: [8, 'u32'],
  flags: [12, 'u32'],
  target_btf_id: [16, 'u32'],
  bpf_cookie: [16, 'u64'], // perf_event.bpf_cookie, tracing.cookie
});

export const MapFreezeAttr = layout('bpf_attr (BPF_MAP_FREEZE)', 4, {
  map_fd: [0, 'u32'],
});

export const EnableStatsAttr = layout('bpf_attr (BPF_ENABLE_STATS)', 4, {
  type: [0, 'u32'],
});

/* Info structs returned by OBJ_GET_INFO_BY_FD. */

export const ProgInfo = layout('struct bpf_prog_info', 228, {
  type: [0, 'u32'],
  id: [4, 'u32'],
  tag: [8, 'u64'],
  jited_prog_len: [16, 'u32'],
  xlated_prog_len: [20, 'u32'],
  jited_prog_insns: [24, 'u64'],
  xlated_prog_insns: [32, 'u64'],
  load_time: [40, 'u64'],
  created_by_uid: [48, 'u32'],
  nr_map_ids: [52, 'u32'],
  map_ids: [56, 'u64'],
  name: [64, 'char16'],
  ifindex: [80, 'u32'],
  netns_dev: [88, 'u64'],
  netns_ino: [96, 'u64'],
  btf_id: [128, 'u32'],
  run_time_ns: [192, 'u64'],
  run_cnt: [200, 'u64'],
  recursion_misses: [208, 'u64'],
  verified_insns: [216, 'u32'],
  attach_btf_obj_id: [220, 'u32'],
  attach_btf_id: [224, 'u32'],
});

export const MapInfo = layout('struct bpf_map_info', 88, {
  type: [0, 'u32'],
  id: [4, 'u32'],
  key_size: [8, 'u32'],
  value_size: [12, 'u32'],
  max_entries: [16, 'u32'],
  map_flags: [20, 'u32'],
  name: [24, 'char16'],
  ifindex: [40, 'u32'],
  btf_vmlinux_value_type_id: [44, 'u32'],
  netns_dev: [48, 'u64'],
  netns_ino: [56, 'u64'],
  btf_id: [64, 'u32'],
  btf_key_type_id: [68, 'u32'],
  btf_value_type_id: [72, 'u32'],
  map_extra: [80, 'u64'],
});

export const LinkInfo = layout('struct bpf_link_info', 48, {
  type: [0, 'u32'],
  id: [4, 'u32'],
  prog_id: [8, 'u32'],
  // raw_tracepoint: tp_name pointer and length
  tp_name: [16, 'u64'],
  tp_name_len: [24, 'u32'],
});

export const BtfInfo = layout('struct bpf_btf_info', 32, {
  btf: [0, 'u64'],
  btf_size: [8, 'u32'],
  id: [12, 'u32'],
  name: [16, 'u64'],
  name_len: [24, 'u32'],
  kernel_btf: [28, 'u32'],
});
