// exectrace as a library: the eBPF loader layers and the tracer, typed.
export * from './syscall/index.ts';
export { BpfMap, TypedMap, possibleCpus, mapTypeName, codec } from './map/index.ts';
export type { MapSpec, MapTypeName, Codec } from './map/index.ts';
export { BpfProgram, KernelBtf } from './prog/index.ts';
export type { ProgramSpec, ProgTypeName, AttachTypeName } from './prog/index.ts';
export { BpfLink, PerfEventAttachment, attachTracepoint, attachRawTracepoint, attachTracing } from './link/index.ts';
export type { Attachment, TracepointOptions } from './link/index.ts';
export { RingBufferReader } from './ringbuf/index.ts';
export type { RecordCallback, RingBufferOptions } from './ringbuf/index.ts';
export * as asm from './asm/index.ts';
