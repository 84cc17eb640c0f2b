export { RingBufferReader } from './reader.ts';
export type { RecordCallback, RingBufferOptions } from './reader.ts';
