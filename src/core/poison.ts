/**
 * Poisoned instructions.
 *
 * A relocation that cannot be satisfied (a field the running kernel does
 * not have) is not an error by itself: the program may only reach that
 * instruction after checking bpf_core_field_exists(). So, like libbpf, we
 * replace the instruction with a call to helper 0xbad2310, which does not
 * exist. If the code is dead the verifier removes it; if it is reachable the
 * verifier refuses the program with "invalid func unknown#195896080", and
 * the loader can translate that back to the relocation using the
 * CorePoison records we return.
 */
import { BPF_CALL, BPF_JMP, type Instruction } from '../asm/index.ts';
import { CoreError, type CoreRelocationContext } from './errors.ts';

/** libbpf's poison helper id, 0xbad2310. */
export const CORE_POISON_IMM = 195896080;

/** The poison instruction: `call 0xbad2310` with all other fields zero. */
export function poisonInstruction(): Instruction {
  return { code: BPF_JMP | BPF_CALL, dst: 0, src: 0, off: 0, imm: CORE_POISON_IMM };
}

export function isPoisonInstruction(insn: Instruction): boolean {
  return insn.code === (BPF_JMP | BPF_CALL) && insn.src === 0 && (insn.imm | 0) === CORE_POISON_IMM;
}

/** A poisoned relocation: where, what, and why. */
export interface CorePoison extends CoreRelocationContext {
  /** Instruction slots replaced: 1, or 2 for an LD_IMM64 (both halves become calls). */
  readonly slots: number;
  readonly reason: string;
}

/**
 * The verifier's complaint about a reached poison call names the
 * instruction in its log: `12: (85) call unknown#195896080` followed by
 * `invalid func unknown#195896080`. Returns that instruction index (in the
 * loaded program's numbering), or undefined when the log is about
 * something else.
 */
export function poisonedInsnFromVerifierLog(log: string): number | undefined {
  if (!log.includes(`invalid func unknown#${CORE_POISON_IMM}`)) return undefined;
  const re = new RegExp(`^(\\d+): \\(85\\) call unknown#${CORE_POISON_IMM}\\b`, 'gm');
  let last: number | undefined;
  for (let m = re.exec(log); m !== null; m = re.exec(log)) last = Number(m[1]);
  return last;
}

/** The error a loader throws when the verifier reached a poisoned instruction. */
export function coreErrorForPoison(p: CorePoison): CoreError {
  return new CoreError(p, `the target has no match (${p.reason}), and the instruction was reached: guard it with an existence check`);
}
