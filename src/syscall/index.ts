// The kernel syscall layer: the only module that talks to libc (via ffi-rs).
export * as abi from './abi/index.ts';
export * as sys from './bpf.ts';
export { perfEventOpenTracepoint, perfEventOpenProbe, perfSetBpf, perfEnable, perfDisable } from './perf.ts';
export { perfEventOpenBpfOutput } from './perf.ts';
export { tracefsRoot, tracepointId } from './tracefs.ts';
export { KernelError, errnoName, tail } from './errors.ts';
export { Capability, effectiveCapabilities, hasCapability, missingCapabilities, missingCapabilitiesFor } from './capabilities.ts';
export type { CapabilityName, Privileged } from './capabilities.ts';
export { OwnedFd, ClosedError, onLeak, openFds } from './fd.ts';
export type { OwnedFdInfo, LeakListener } from './fd.ts';
export { Mapping, mapFileForever } from './mmap.ts';
export { PollRegistration } from './poller.ts';
export { pageSize } from './libc.ts';
