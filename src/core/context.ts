/**
 * Everything relocations of one BPF object share: its BTF, the targets, and
 * the candidate cache (which both saves repeated searches of vmlinux and
 * carries libbpf's candidate narrowing from one relocation to the next).
 * Create one per object and pass it for each of its sections.
 */
import type { Btf } from '../btf/index.ts';
import { CandidateCache } from './candidates.ts';
import { CoreTargets, type CoreTarget } from './targets.ts';

export interface CoreContextOptions {
  /**
   * Byte order of the programs, which decides FIELD_LSHIFT_U64 (a
   * bitfield's position in a loaded word). Default: the local BTF's.
   */
  readonly littleEndian?: boolean;
}

export class CoreContext {
  readonly local: Btf;
  readonly targets: CoreTargets;
  readonly cache: CandidateCache;
  readonly littleEndian: boolean;

  constructor(local: Btf, targets: readonly CoreTarget[], opts: CoreContextOptions = {}) {
    this.local = local;
    this.targets = new CoreTargets(targets);
    this.cache = new CandidateCache(local, this.targets);
    this.littleEndian = opts.littleEndian ?? local.littleEndian;
  }
}

/** `new CoreContext(...)` as a function. */
export function createCoreContext(local: Btf, targets: readonly CoreTarget[], opts: CoreContextOptions = {}): CoreContext {
  return new CoreContext(local, targets, opts);
}
