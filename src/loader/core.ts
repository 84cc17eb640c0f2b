// Bridge between the loader and the CO-RE engine (src/core): one engine
// context per loaded object (its candidate cache follows libbpf's), programs
// relocated after linking, so record offsets are the program's own.
import type { Instruction } from '../asm/index.ts';
import { CoreReloKind, type Btf } from '../btf/index.ts';
import {
  createCoreContext, relocateSection, coreErrorForPoison, poisonedInsnFromVerifierLog, CORE_POISON_IMM,
  type CoreContext, type CorePoison,
} from '../core/index.ts';
import type { ProgramDef } from '../object/index.ts';
import type { TargetBtf } from './target-btf.ts';
import { LoaderError } from './errors.ts';

/** The helper id libbpf (and we) write into a poisoned instruction: 0xbad2310. */
export const POISON_HELPER = CORE_POISON_IMM;

export type PoisonRecord = Readonly<CorePoison>;

/**
 * Creates the per-object CO-RE context: vmlinux first, module BTF only when
 * vmlinux has no candidate. The target's vmlinux is read here, so that an
 * unreadable one is one clear error rather than one per relocation.
 */
export function coreContext(local: Btf, target: TargetBtf, objName: string): CoreContext {
  try {
    void target.vmlinux;
  } catch (e) {
    throw new LoaderError(`${objName}: cannot read the CO-RE target BTF ${target.source}: ${(e as Error).message}`, { cause: e });
  }
  return createCoreContext(local, [() => target.vmlinux, ...target.moduleTargets()]);
}

/**
 * Applies `def`'s CO-RE relocations to `insns` in place; returns the poisoned
 * instructions. `localIdShift` moves TYPE_ID_LOCAL results to the ids of the
 * BTF as loaded (see btf-shift.ts).
 */
export function applyCore(ctx: CoreContext, def: ProgramDef, insns: Instruction[], objName: string, localIdShift: number): readonly PoisonRecord[] {
  const res = relocateSection(ctx, {
    section: def.section,
    insns,
    relos: def.coreRelos.map((r) => r.relo),
    programs: [{ name: def.name, start: 0, length: insns.length }],
  });
  if (res.errors.length > 0) {
    throw new LoaderError(`${objName}: program ${def.name}: ${res.errors.map((e) => e.message).join('; ')}`, { cause: res.errors[0] });
  }
  insns.splice(0, insns.length, ...res.insns);
  if (localIdShift !== 0) {
    for (const r of res.relocations) {
      if (r.kind !== CoreReloKind.TYPE_ID_LOCAL || r.status !== 'patched') continue;
      const insn = insns[r.insnIndex]!;
      insn.imm += localIdShift;
      delete insn.imm64;
    }
  }
  return res.poisoned;
}

/** Our own words for a verifier log that reached a poisoned instruction. */
export function describePoison(log: string, poisoned: readonly PoisonRecord[]): string {
  const at = poisonedInsnFromVerifierLog(log);
  const hit = poisoned.find((p) => at !== undefined && at >= p.insnIndex && at < p.insnIndex + p.slots) ?? poisoned[0];
  return hit ? coreErrorForPoison(hit).message : 'an unknown poisoned instruction';
}
