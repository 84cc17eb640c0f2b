// The exec tracer library: typed events from exectrace's BPF program.
export { ExecTracer, defaultObjectPath } from './tracer.ts';
export type { TracerOptions, TracerStats, TraceFilter } from './tracer.ts';
export { decodeExecEvent, execRecordComm, ExecFlags, EXEC_EVENT_HEADER, EXEC_EVENT_OFFSETS } from './event.ts';
export type { ExecEvent } from './event.ts';
