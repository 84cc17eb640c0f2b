export * from './bpf.ts';
export * from './perf.ts';
export * from './layout.ts';
