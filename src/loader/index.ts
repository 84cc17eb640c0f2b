// Loading parsed objects into the kernel and attaching their programs.
export { loadCollection, Collection, LoaderError } from './collection.ts';
export type { LoadOptions } from './collection.ts';
export { attachBySection } from './attach.ts';
export { relocateCore } from './relocate.ts';
export type { RelocatedProgram } from './relocate.ts';
export { TargetBtf, btfBytesOf } from './target-btf.ts';
export { sanitizeBtf, ALL_FEATURES } from './btf-sanitize.ts';
export type { BtfFeatures } from './btf-sanitize.ts';
export { probeBtfFeatures } from './features.ts';
export { kernelVersionCode, parseKconfig, runningKconfig } from './kconfig.ts';
export type { KconfigValue } from './kconfig.ts';
