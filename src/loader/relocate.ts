// CO-RE without the kernel: every program of an object relocated against a
// target BTF, as loadCollection would before PROG_LOAD, with nothing
// created. For checking an object against a kernel's (or a recorded) BTF,
// and for rehearsing a load's JavaScript where no BPF is allowed (the
// sidecar's build does, so that its code cache holds those functions).
import type { Instruction } from '../asm/index.ts';
import type { CollectionSpec } from '../object/index.ts';
import { applyCore, coreContext, type PoisonRecord } from './core.ts';
import { LoaderError } from './errors.ts';
import { TargetBtf } from './target-btf.ts';

export interface RelocatedProgram {
  /** The program's instructions after CO-RE (a copy: the spec is unchanged). */
  insns: Instruction[];
  /** Instructions poisoned because their relocation had no match in the target. */
  poisoned: readonly PoisonRecord[];
}

/** Relocates `programs` (default: all with CO-RE relocations) of `spec` against `target` (default: the running kernel's BTF). */
export function relocateCore(spec: CollectionSpec, opts: { target?: TargetBtf; programs?: string[]; name?: string } = {}): Map<string, RelocatedProgram> {
  const name = opts.name ?? 'BPF object';
  const out = new Map<string, RelocatedProgram>();
  if (!spec.btf) throw new LoaderError(`${name}: has no BTF, so no CO-RE relocations`);
  const ctx = coreContext(spec.btf, opts.target ?? TargetBtf.kernel(), name);
  for (const def of spec.programs.values()) {
    if (opts.programs ? !opts.programs.includes(def.name) : def.coreRelos.length === 0) continue;
    const insns = def.insns.map((x) => ({ ...x }));
    const poisoned = def.coreRelos.length > 0 ? applyCore(ctx, def, insns, name, 0) : [];
    out.set(def.name, { insns, poisoned });
  }
  return out;
}
