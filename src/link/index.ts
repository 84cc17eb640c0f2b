export { BpfLink, PerfEventAttachment, attachTracepoint, attachRawTracepoint, attachTracing, attachPerfEvent } from './link.ts';
export { attachUprobe, uprobeOffset } from './uprobe.ts';
export type { UprobeOptions } from './uprobe.ts';
export type { Attachment, TracepointOptions } from './link.ts';
