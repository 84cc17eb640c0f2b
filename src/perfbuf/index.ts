// Reading BPF perf event arrays (bpf_perf_event_output) from user space.
export { PerfBufferReader } from './reader.ts';
export type { PerfBufferOptions, PerfRecordCallback } from './reader.ts';
export { onlineCpus, parseCpuList } from './cpus.ts';
