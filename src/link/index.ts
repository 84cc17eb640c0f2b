export { BpfLink, PerfEventAttachment, attachTracepoint, attachRawTracepoint, attachTracing } from './link.ts';
export type { Attachment, TracepointOptions } from './link.ts';
