// The perf_event_open(2) ABI, declared once. Source:
// include/uapi/linux/perf_event.h (checked by test/syscall/abi.test.ts).
import { layout } from './layout.ts';

/** struct perf_event_attr up to PERF_ATTR_SIZE_VER5 (112 bytes, Linux 4.1+). */
export const PerfEventAttr = layout('struct perf_event_attr', 112, {
  type: [0, 'u32'],
  size: [4, 'u32'],
  config: [8, 'u64'],
  sample_period: [16, 'u64'], // also sample_freq
  sample_type: [24, 'u64'],
  read_format: [32, 'u64'],
  flags: [40, 'u64'], // the bitfield word: disabled, inherit, ... (PerfAttrFlags)
  wakeup_events: [48, 'u32'], // also wakeup_watermark
  bp_type: [52, 'u32'],
  config1: [56, 'u64'],
  config2: [64, 'u64'],
  branch_sample_type: [72, 'u64'],
  sample_regs_user: [80, 'u64'],
  sample_stack_user: [88, 'u32'],
  clockid: [92, 's32'],
  sample_regs_intr: [96, 'u64'],
  aux_watermark: [104, 'u32'],
  sample_max_stack: [108, 'u16'],
});

/** enum perf_type_id */
export const PerfType = { HARDWARE: 0, SOFTWARE: 1, TRACEPOINT: 2, HW_CACHE: 3, RAW: 4, BREAKPOINT: 5 } as const;

/** Bits of the perf_event_attr flags word. */
export const PerfAttrFlags = { DISABLED: 1n << 0n, INHERIT: 1n << 1n, WATERMARK: 1n << 14n } as const;

/** enum perf_event_sample_format */
export const PerfSample = { RAW: 1 << 10 } as const;

/** perf_event_open flags */
export const PERF_FLAG_FD_CLOEXEC = 1 << 3;

/** ioctl requests: _IO('$', 0), _IO('$', 1), _IOW('$', 8, __u32). */
export const PerfIoctl = { ENABLE: 0x2400, DISABLE: 0x2401, SET_BPF: 0x40042408 } as const;
