export { BpfProgram } from './program.ts';
export type { ProgramSpec, ProgTypeName, AttachTypeName } from './program.ts';
export { KernelBtf } from './btf-object.ts';
