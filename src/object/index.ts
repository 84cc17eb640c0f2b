// Pure parsing of BPF object files into a CollectionSpec (no system calls).
export { parseObject, dataMapName } from './parse.ts';
export type { ParseObjectOptions } from './parse.ts';
export { ObjectError } from './errors.ts';
export { matchSection, SECTION_DEFS } from './section-types.ts';
export type { SectionDef, SectionMatch, AttachKind } from './section-types.ts';
export type { CollectionSpec, MapDef, ProgramDef, VariableDef, FunctionDef, InsnRef, MapInitEntry } from './spec.ts';
export { setVariable } from './variables.ts';
export type { VariableValue } from './variables.ts';
