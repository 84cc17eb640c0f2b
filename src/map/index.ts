export { BpfMap, TypedMap, possibleCpus, mapTypeName } from './map.ts';
export type { MapSpec, MapTypeName } from './map.ts';
export * as codec from './codec.ts';
export type { Codec } from './codec.ts';
