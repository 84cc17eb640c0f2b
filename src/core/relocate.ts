/**
 * The driver: apply a section's CO-RE relocation records to its
 * instructions (the loop of libbpf's bpf_object__relocate_core).
 *
 * Every record gets a report. A record that cannot be applied does not stop
 * the others: its CoreError is reported, its instruction is left as the
 * compiler wrote it, and the program containing it must not be loaded
 * (libbpf would fail the whole object; a loader that loads programs one by
 * one can fail just that program). Poisoned instructions are not errors;
 * they are listed so that a verifier rejection can be explained.
 */
import type { Instruction } from '../asm/index.ts';
import { CoreReloKind, coreReloKindName, type CoreRelo } from '../btf/index.ts';
import { btfCall } from './btf-ops.ts';
import type { CoreContext } from './context.ts';
import { CoreError, CoreFailure, type CoreRelocationContext } from './errors.ts';
import { formatSpec } from './format.ts';
import { patchInstruction } from './patch.ts';
import type { CorePoison } from './poison.ts';
import { resolveRelocation } from './resolve.ts';

/** A program (function symbol) inside a section, in instruction units. */
export interface CoreProgramRange {
  readonly name: string;
  /** Index of its first instruction in the section (st_value / 8). */
  readonly start: number;
  /** Number of instruction slots (st_size / 8). */
  readonly length: number;
}

export interface CoreSectionInput {
  /** ELF section name, as in .BTF.ext (e.g. `socket/fields`, `.text`). */
  readonly section: string;
  /** The section's instructions (LD_IMM64 as two entries: indexes are insn_off / 8). Not modified. */
  readonly insns: readonly Instruction[];
  /** The section's CO-RE records from .BTF.ext. */
  readonly relos: readonly CoreRelo[];
  /**
   * The section's programs and subprograms. When given, reports name the
   * program and count instructions from its start, and records for
   * instructions outside every program are skipped (libbpf does that for
   * the leftovers of overridden __weak functions).
   */
  readonly programs?: readonly CoreProgramRange[];
}

export type CoreRelocationStatus = 'patched' | 'poisoned' | 'failed' | 'skipped';

export interface CoreTargetReport {
  /** Which target BTF (`vmlinux`, a module name). */
  readonly btf: string;
  readonly typeId: number;
  /** C-like spelling of the target type. */
  readonly type: string;
  /** libbpf-style target spec, e.g. `[95333] struct task_struct.nsproxy (0:123 @ offset 3096)`. */
  readonly spec: string;
}

export interface CoreRelocationReport extends CoreRelocationContext {
  /** Position of the record among the section's records. */
  readonly index: number;
  readonly kindName: string;
  readonly status: CoreRelocationStatus;
  /** libbpf-style local spec, e.g. `[8] struct s.a (0:1 @ offset 4)`. */
  readonly localSpec?: string | undefined;
  /** The matched target type (absent when nothing matched or the kind needs no target). */
  readonly target?: CoreTargetReport | undefined;
  /** Candidates by name (after narrowing) and how many of them matched. */
  readonly candidates?: number | undefined;
  readonly matches?: number | undefined;
  /** The value the local BTF gives (what the compiler should have written). */
  readonly localValue?: bigint | undefined;
  /** The value the target gives. */
  readonly targetValue?: bigint | undefined;
  /** The instruction's imm/offset/constant before and after patching (unsigned 64-bit). */
  readonly before?: bigint | undefined;
  readonly after?: bigint | undefined;
  /** LDX/ST/STX access size change, in bytes. */
  readonly resized?: { readonly from: number; readonly to: number } | undefined;
  /** Why it was poisoned, failed or skipped; for a patched relocation without a target, a note. */
  readonly reason?: string | undefined;
  readonly error?: CoreError | undefined;
}

export interface CoreSectionResult {
  readonly section: string;
  /** A new array with the patched and poisoned instructions; untouched entries are the input's objects. */
  readonly insns: Instruction[];
  readonly relocations: readonly CoreRelocationReport[];
  readonly poisoned: readonly CorePoison[];
  readonly errors: readonly CoreError[];
}

function findProgram(programs: readonly CoreProgramRange[] | undefined, idx: number): CoreProgramRange | undefined {
  return programs?.find((p) => idx >= p.start && idx < p.start + p.length);
}

function localTypeName(ctx: CoreContext, id: number): string {
  try {
    return btfCall('', () => ctx.local.typeName(id));
  } catch {
    return `type [${id}]`;
  }
}

/** Apply one section's CO-RE relocations. Never throws for a bad relocation: see `errors`. */
export function relocateSection(ctx: CoreContext, input: CoreSectionInput): CoreSectionResult {
  const insns = input.insns.slice();
  const relocations: CoreRelocationReport[] = [];
  const poisoned: CorePoison[] = [];
  const errors: CoreError[] = [];

  input.relos.forEach((relo, index) => {
    const insnIndex = relo.insnOff / 8;
    const prog = Number.isInteger(insnIndex) ? findProgram(input.programs, insnIndex) : undefined;
    const where: CoreRelocationContext = {
      section: input.section,
      program: prog?.name,
      insnIndex,
      programInsnIndex: prog ? insnIndex - prog.start : undefined,
      kind: relo.kind,
      accessStr: relo.accessStr,
      localTypeId: relo.typeId,
      localType: localTypeName(ctx, relo.typeId),
    };
    const base = { ...where, index, kindName: coreReloKindName(relo.kind) };
    const fail = (reason: string, cause?: unknown, extra: Partial<CoreRelocationReport> = {}): void => {
      const error = new CoreError(where, reason, cause === undefined ? undefined : { cause });
      errors.push(error);
      relocations.push({ ...base, ...extra, status: 'failed', reason, error });
    };

    if (!Number.isInteger(insnIndex)) return fail(`insn_off ${relo.insnOff} is not a multiple of 8`);
    if (input.programs !== undefined && prog === undefined) {
      relocations.push({ ...base, status: 'skipped', reason: 'instruction belongs to no program (eliminated __weak function?)' });
      return;
    }
    if (insnIndex >= insns.length) return fail(`instruction #${insnIndex} is past the end of the section (${insns.length} instructions)`);

    let localSpec: string | undefined;
    try {
      const r = resolveRelocation({
        local: ctx.local, typeId: relo.typeId, accessStr: relo.accessStr, kind: relo.kind,
        cache: ctx.cache, littleEndian: ctx.littleEndian,
      });
      localSpec = formatSpec(r.localSpec);
      const target: CoreTargetReport | undefined = r.target && r.targetSpec ? {
        btf: r.target.target.name,
        typeId: r.target.id,
        type: btfCall('', () => r.target!.target.btf.typeName(r.target!.id)),
        spec: `${formatSpec(r.targetSpec)}`,
      } : undefined;
      const known = {
        localSpec, target, candidates: r.candidates, matches: r.matches,
        localValue: r.result.origVal, targetValue: r.result.poison ? undefined : r.result.newVal,
      };
      let outcome;
      try {
        outcome = patchInstruction(insns, insnIndex, r.result);
      } catch (err) {
        if (err instanceof CoreFailure) return fail(err.message, err, known);
        throw err;
      }
      if (outcome.action === 'poisoned') {
        poisoned.push({ ...where, slots: outcome.slots, reason: outcome.reason });
        relocations.push({ ...base, ...known, status: 'poisoned', reason: outcome.reason });
        return;
      }
      const note = target === undefined && relo.kind !== CoreReloKind.TYPE_ID_LOCAL ? 'no matching target: resolved to 0' : undefined;
      relocations.push({
        ...base, ...known, status: 'patched', before: outcome.before, after: outcome.after,
        resized: outcome.resized, reason: note,
      });
    } catch (err) {
      if (err instanceof CoreFailure) return fail(err.message, err, { localSpec });
      throw err;
    }
  });

  return { section: input.section, insns, relocations, poisoned, errors };
}
