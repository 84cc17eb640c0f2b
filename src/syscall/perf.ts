// perf_event_open(2) for tracepoints, and the ioctls that attach a program to
// a perf event the pre-LINK_CREATE way.
import * as libc from './libc.ts';
import { PerfEventAttr, PerfType, PerfSample, PERF_FLAG_FD_CLOEXEC, PerfIoctl } from './abi/perf.ts';
import { encode } from './abi/layout.ts';
import { KernelError } from './errors.ts';

/**
 * A perf event for tracepoint `id` on all processes. A BPF program attached
 * to a tracepoint event runs on every CPU, so one event (cpu 0, pid -1) is
 * enough, as libbpf does.
 */
export function perfEventOpenTracepoint(id: number, label: string): number {
  const attr = encode(PerfEventAttr, {
    type: PerfType.TRACEPOINT,
    size: PerfEventAttr.size,
    config: BigInt(id),
    sample_period: 1n,
    sample_type: BigInt(PerfSample.RAW),
    wakeup_events: 1,
  });
  const r = libc.perfEventOpen(attr, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
  if (r.value < 0) throw new KernelError({ operation: 'perf_event_open', errno: r.errno, object: `tracepoint ${label}`, needs: 'perf' });
  return r.value;
}

/**
 * A perf event of a dynamic PMU (uprobe, kprobe): `config1` points at the
 * path (or function name) and `config2` holds the offset, as the kernel's
 * perf_uprobe/perf_kprobe PMUs read them. pid -1 traces every process, which
 * the kernel only allows on one cpu (0) — the probe still fires everywhere.
 */
export function perfEventOpenProbe(pmuType: number, config: bigint, target: string, offset: bigint, label: string): number {
  const path = Buffer.from(`${target}\0`, 'utf8');
  const attr = encode(PerfEventAttr, {
    type: pmuType,
    size: PerfEventAttr.size,
    config,
    config1: libc.addressOf(path),
    config2: offset,
    sample_period: 1n,
    wakeup_events: 1,
  });
  const r = libc.perfEventOpen(attr, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
  if (r.value < 0) throw new KernelError({ operation: 'perf_event_open', errno: r.errno, object: label, needs: 'perf' });
  return r.value;
}

function perfIoctl(fd: number, request: number, arg: number, what: string, label: string): void {
  const r = libc.ioctl(fd, request, arg);
  if (r.value < 0) throw new KernelError({ operation: `ioctl(${what})`, errno: r.errno, object: label, needs: 'tracing' });
}

/** PERF_EVENT_IOC_SET_BPF: attach `progFd` to the perf event (Linux 4.7+). */
export function perfSetBpf(fd: number, progFd: number, label: string): void {
  perfIoctl(fd, PerfIoctl.SET_BPF, progFd, 'PERF_EVENT_IOC_SET_BPF', label);
}

export function perfEnable(fd: number, label: string): void {
  perfIoctl(fd, PerfIoctl.ENABLE, 0, 'PERF_EVENT_IOC_ENABLE', label);
}

export function perfDisable(fd: number, label: string): void {
  perfIoctl(fd, PerfIoctl.DISABLE, 0, 'PERF_EVENT_IOC_DISABLE', label);
}

/** enum perf_sw_ids: PERF_COUNT_SW_BPF_OUTPUT (include/uapi/linux/perf_event.h). */
const PERF_COUNT_SW_BPF_OUTPUT = 10;

/**
 * The BPF output event of one CPU: the ring that bpf_perf_event_output()
 * writes into when a perf event array slot holds this fd. Each sample is a
 * PERF_SAMPLE_RAW record; wakeup_events 1 makes every sample wake a poller,
 * as libbpf's perf_buffer does. pid -1 with a cpu: every process on that CPU.
 */
export function perfEventOpenBpfOutput(cpu: number, label: string): number {
  const attr = encode(PerfEventAttr, {
    type: PerfType.SOFTWARE,
    size: PerfEventAttr.size,
    config: BigInt(PERF_COUNT_SW_BPF_OUTPUT),
    sample_period: 1n,
    sample_type: BigInt(PerfSample.RAW),
    wakeup_events: 1,
  });
  const r = libc.perfEventOpen(attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
  if (r.value < 0) throw new KernelError({ operation: 'perf_event_open', errno: r.errno, object: `BPF output event on CPU ${cpu} for ${label}`, needs: 'perf' });
  return r.value;
}
