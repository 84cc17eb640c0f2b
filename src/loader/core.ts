// Bridge between the loader and the CO-RE engine (src/core).
import type { Instruction } from '../asm/index.ts';
import type { Btf } from '../btf/index.ts';
import type { ProgramDef } from '../object/index.ts';
import type { TargetBtf } from './target-btf.ts';

/** The helper id libbpf (and we) write into a poisoned instruction: 0xbad2310. */
export const POISON_HELPER = 0xbad2310;

export interface PoisonRecord {
  insn: number;
  description: string;
}

export function applyCore(def: ProgramDef, _insns: Instruction[], _local: Btf, _target: TargetBtf, objName: string): PoisonRecord[] {
  throw new Error(`${objName}: program ${def.name}: CO-RE relocations are not wired yet`);
}

export function describePoison(_log: string, poisoned: PoisonRecord[]): string {
  return poisoned.map((p) => `instruction ${p.insn}: ${p.description}`).join('; ');
}
