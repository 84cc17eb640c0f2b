/**
 * Errors of the CO-RE engine.
 *
 * Two layers, because the code that finds a problem (deep in spec matching)
 * does not know where it is (which section, instruction, program):
 *
 * - `CoreFailure` is thrown by the inner steps with only the reason. It is
 *   what libbpf signals with a negative errno from bpf_core_parse_spec,
 *   bpf_core_spec_match, bpf_core_calc_relo or bpf_core_patch_insn: the
 *   relocation cannot be applied and must not be silently poisoned.
 * - `CoreError` is what callers see: the driver (relocate.ts) catches the
 *   failure and adds the context a person needs to find the offending line
 *   of BPF C: section, program, instruction, kind, access string, type.
 */
import { coreReloKindName } from '../btf/index.ts';

/** A relocation that cannot be applied, before its context is known. */
export class CoreFailure extends Error {
  override readonly name = 'CoreFailure';

  constructor(reason: string, options?: { cause?: unknown }) {
    super(reason, options);
  }
}

/** Where a relocation sits and what it asks for: everything a message names. */
export interface CoreRelocationContext {
  /** ELF section holding the instructions (e.g. `tracepoint/syscalls/sys_enter_execve`). */
  readonly section: string;
  /** Program (function symbol) containing the instruction, when the caller told us. */
  readonly program?: string | undefined;
  /** Index of the instruction in its section (insn_off / 8). */
  readonly insnIndex: number;
  /** Index relative to the program's first instruction (what libbpf and the verifier print). */
  readonly programInsnIndex?: number | undefined;
  /** A CoreReloKind value. */
  readonly kind: number;
  readonly accessStr: string;
  readonly localTypeId: number;
  /** C-like spelling of the local type: `struct task_struct___x`, `s_t`, `enum e`. */
  readonly localType: string;
}

/** `socket/fields program fields insn #12`: where a relocation is, for messages. */
export function describeLocation(ctx: CoreRelocationContext): string {
  const prog = ctx.program !== undefined && ctx.program !== ctx.section ? ` program ${ctx.program}` : '';
  const idx = ctx.program !== undefined && ctx.programInsnIndex !== undefined ? ctx.programInsnIndex : ctx.insnIndex;
  return `${ctx.section}${prog} insn #${idx}`;
}

/** `FIELD_BYTE_OFFSET of struct task_struct___x access 0:5:1`: what a relocation asks for. */
export function describeRelocation(ctx: CoreRelocationContext): string {
  return `${coreReloKindName(ctx.kind)} of ${ctx.localType} access ${ctx.accessStr}`;
}

/**
 * A CO-RE relocation that could not be applied (or, built by
 * `coreErrorForPoison`, one that was poisoned and then reached by the
 * verifier). The message reads
 * `CO-RE: tracepoint/foo program handle insn #12: FIELD_BYTE_OFFSET of struct task_struct___x access 0:5:1 — <reason>`.
 */
export class CoreError extends Error implements CoreRelocationContext {
  override readonly name = 'CoreError';
  readonly section: string;
  readonly program: string | undefined;
  readonly insnIndex: number;
  readonly programInsnIndex: number | undefined;
  readonly kind: number;
  readonly kindName: string;
  readonly accessStr: string;
  readonly localTypeId: number;
  readonly localType: string;
  /** The reason alone, without the location prefix. */
  readonly reason: string;

  constructor(ctx: CoreRelocationContext, reason: string, options?: { cause?: unknown }) {
    super(`CO-RE: ${describeLocation(ctx)}: ${describeRelocation(ctx)} — ${reason}`, options);
    this.section = ctx.section;
    this.program = ctx.program;
    this.insnIndex = ctx.insnIndex;
    this.programInsnIndex = ctx.programInsnIndex;
    this.kind = ctx.kind;
    this.kindName = coreReloKindName(ctx.kind);
    this.accessStr = ctx.accessStr;
    this.localTypeId = ctx.localTypeId;
    this.localType = ctx.localType;
    this.reason = reason;
  }
}
