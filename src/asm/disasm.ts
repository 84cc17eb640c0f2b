// Text rendering modelled on the kernel verifier's (kernel/bpf/disasm.c):
// `w` registers for 32-bit ops, `%+d` memory offsets, hex jump immediates.
// Jump targets print as `goto +2` and helper calls as `call 14`, as
// llvm-objdump does, because no helper-name or pc callback is available here.
import {
  BPF_ABS, BPF_ALU, BPF_ALU64, BPF_ATOMIC, BPF_CALL, BPF_CMPXCHG, BPF_DIV, BPF_DW, BPF_END,
  BPF_EXIT, BPF_FETCH, BPF_IND, BPF_JA, BPF_JMP, BPF_K, BPF_LD, BPF_LDX,
  BPF_MEM, BPF_MEMSX, BPF_MOD, BPF_MOV, BPF_NEG, BPF_PSEUDO_BTF_ID, BPF_PSEUDO_CALL,
  BPF_PSEUDO_FUNC, BPF_PSEUDO_KFUNC_CALL, BPF_PSEUDO_MAP_FD, BPF_PSEUDO_MAP_IDX,
  BPF_PSEUDO_MAP_IDX_VALUE, BPF_PSEUDO_MAP_VALUE, BPF_ST, BPF_STX, BPF_TO_BE, BPF_X, BPF_XCHG,
  bpfClass, bpfMode, bpfOp, bpfSize, bpfSrc,
} from './opcodes.ts';
import type { Instruction } from './instruction.ts';
import { isLdImm64, joinImm64 } from './instruction.ts';

// Indexed by op >> 4, like the kernel's bpf_alu_string / bpf_jmp_string.
const ALU = ['+=', '-=', '*=', '/=', '|=', '&=', '<<=', '>>=', undefined, '%=', '^=', '=', 's>>='];
const JMP = [undefined, '==', '>', '>=', '&', '!=', 's>', 's>=', undefined, undefined, '<', '<=', 's<', 's<='];
const ATOMIC_ALU = ['add', undefined, undefined, undefined, 'or', 'and', undefined, undefined, undefined, undefined, 'xor'];
// Indexed by size >> 3.
const LDST = ['u32', 'u16', 'u8', 'u64'];
const LDSX = ['s32', 's16', 's8', 's64'];

const rel = (n: number): string => (n >= 0 ? `+${n}` : `${n}`);
const hex32 = (n: number): string => `0x${(n >>> 0).toString(16)}`;
const hex = (n: number): string => n.toString(16).padStart(2, '0');

function bad(i: Instruction): string {
  return `(bad 0x${hex(i.code)} dst=r${i.dst} src=r${i.src} off=${i.off} imm=${i.imm})`;
}

function mem(i: Instruction, reg: number, table = LDST): string {
  return `*(${table[bpfSize(i.code) >> 3]} *)(r${reg} ${rel(i.off)})`;
}

function alu(i: Instruction): string {
  const is64 = bpfClass(i.code) === BPF_ALU64;
  const r = is64 ? 'r' : 'w';
  const op = bpfOp(i.code);
  if (op === BPF_END) {
    if (![16, 32, 64].includes(i.imm)) return bad(i);
    if (is64) return bpfSrc(i.code) === BPF_K ? `r${i.dst} = bswap${i.imm} r${i.dst}` : bad(i);
    return `r${i.dst} = ${bpfSrc(i.code) === BPF_TO_BE ? 'be' : 'le'}${i.imm} r${i.dst}`;
  }
  if (op === BPF_NEG) return `${r}${i.dst} = -${r}${i.dst}`;
  let sym = ALU[op >> 4];
  if (sym === undefined) return bad(i);
  // v6.6 signed division/modulo and sign-extending moves are flagged in off.
  if ((op === BPF_DIV || op === BPF_MOD) && i.off === 1) sym = `s${sym}`;
  if (bpfSrc(i.code) === BPF_X) {
    const movsx = op === BPF_MOV && (i.off === 8 || i.off === 16 || i.off === 32) ? `(s${i.off})` : '';
    return `${r}${i.dst} ${sym} ${movsx}${r}${i.src}`;
  }
  return `${r}${i.dst} ${sym} ${i.imm}`;
}

function ldImm64(i: Instruction, next: Instruction | undefined): string {
  const hi = i.imm64 !== undefined ? Number(BigInt.asUintN(64, i.imm64) >> 32n) : next === undefined ? undefined : next.imm >>> 0;
  const lhs = `r${i.dst} =`;
  switch (i.src) {
    case 0: {
      const v = i.imm64 ?? joinImm64(i.imm, hi ?? 0);
      return `${lhs} 0x${v.toString(16)} ll`;
    }
    case BPF_PSEUDO_MAP_FD: return `${lhs} map[fd:${i.imm}]`;
    case BPF_PSEUDO_MAP_IDX: return `${lhs} map[idx:${i.imm}]`;
    case BPF_PSEUDO_MAP_VALUE: return `${lhs} map[fd:${i.imm}][0]+${hi ?? '?'}`;
    case BPF_PSEUDO_MAP_IDX_VALUE: return `${lhs} map[idx:${i.imm}][0]+${hi ?? '?'}`;
    case BPF_PSEUDO_BTF_ID: return `${lhs} btf_id:${i.imm}`;
    case BPF_PSEUDO_FUNC: return `${lhs} func pc${rel(i.imm)}`;
    default: return bad(i);
  }
}

function ld(i: Instruction, next: Instruction | undefined): string {
  if (isLdImm64(i)) return ldImm64(i, next);
  const mode = bpfMode(i.code);
  const size = LDST[bpfSize(i.code) >> 3];
  // A lone code 0x00 is never a valid instruction, so it is the tail of an LD_IMM64.
  if (i.code === 0) return `(ld_imm64 high half ${hex32(i.imm)})`;
  if (mode === BPF_ABS) return `r0 = *(${size} *)skb[${i.imm}]`;
  if (mode === BPF_IND) return `r0 = *(${size} *)skb[r${i.src} + ${i.imm}]`;
  return bad(i);
}

function stx(i: Instruction): string {
  const mode = bpfMode(i.code);
  if (mode === BPF_MEM) return `${mem(i, i.dst)} = r${i.src}`;
  if (mode !== BPF_ATOMIC) return bad(i);
  const bits = bpfSize(i.code) === BPF_DW ? '64' : '';
  const ptr = `(${LDST[bpfSize(i.code) >> 3]} *)(r${i.dst} ${rel(i.off)})`;
  if (i.imm === BPF_XCHG) return `r${i.src} = atomic${bits}_xchg(${ptr}, r${i.src})`;
  if (i.imm === BPF_CMPXCHG) return `r0 = atomic${bits}_cmpxchg(${ptr}, r0, r${i.src})`;
  const name = i.imm >= 0 && i.imm <= 0xa1 ? ATOMIC_ALU[i.imm >> 4] : undefined;
  if (name === undefined || (i.imm & 0x0f & ~BPF_FETCH) !== 0) return bad(i);
  if (i.imm & BPF_FETCH) return `r${i.src} = atomic${bits}_fetch_${name}(${ptr}, r${i.src})`;
  return `lock ${mem(i, i.dst)} ${ALU[i.imm >> 4]} r${i.src}`;
}

function jmp(i: Instruction): string {
  const is64 = bpfClass(i.code) === BPF_JMP;
  const op = bpfOp(i.code);
  // call, exit and goto take no register operand, so the X bit is invalid.
  if ((op === BPF_CALL || op === BPF_EXIT || op === BPF_JA) && bpfSrc(i.code) !== BPF_K) return bad(i);
  if (op === BPF_CALL) {
    if (!is64) return bad(i);
    if (i.src === 0) return `call ${i.imm}`;
    if (i.src === BPF_PSEUDO_CALL) return `call pc${rel(i.imm)}`;
    if (i.src === BPF_PSEUDO_KFUNC_CALL) return `call kfunc#${i.imm}`;
    return bad(i);
  }
  if (op === BPF_EXIT) return is64 ? 'exit' : bad(i);
  // JMP32 | JA (v6.6 "gotol") takes its 32-bit target from imm.
  if (op === BPF_JA) return is64 ? `goto ${rel(i.off)}` : `gotol ${rel(i.imm)}`;
  const sym = JMP[op >> 4];
  if (sym === undefined) return bad(i);
  const r = is64 ? 'r' : 'w';
  const rhs = bpfSrc(i.code) === BPF_X ? `${r}${i.src}` : hex32(i.imm);
  return `if ${r}${i.dst} ${sym} ${rhs} goto ${rel(i.off)}`;
}

/**
 * Renders one instruction, e.g. `r1 += -8`, `*(u64 *)(r10 -8) = r1`,
 * `if r0 != 0x0 goto +2`, `r1 = 0x123 ll`.
 * An LD_IMM64 takes its high half from `imm64`, else from `next` (its second slot).
 */
export function disassemble(insn: Instruction, next?: Instruction): string {
  switch (bpfClass(insn.code)) {
    case BPF_ALU:
    case BPF_ALU64:
      return alu(insn);
    case BPF_LD:
      return ld(insn, next);
    case BPF_LDX: {
      const mode = bpfMode(insn.code);
      if (mode !== BPF_MEM && mode !== BPF_MEMSX) return bad(insn);
      return `r${insn.dst} = ${mem(insn, insn.src, mode === BPF_MEMSX ? LDSX : LDST)}`;
    }
    case BPF_ST:
      return bpfMode(insn.code) === BPF_MEM ? `${mem(insn, insn.dst)} = ${insn.imm}` : bad(insn);
    case BPF_STX:
      return stx(insn);
    default:
      return jmp(insn);
  }
}

/** One `index: text` line per instruction; LD_IMM64 second slots are folded into their first. */
export function disassembleProgram(insns: readonly Instruction[]): string {
  const width = String(Math.max(insns.length - 1, 0)).length;
  const lines: string[] = [];
  for (let i = 0; i < insns.length; i++) {
    const insn = insns[i]!;
    lines.push(`${String(i).padStart(width)}: ${disassemble(insn, insns[i + 1])}`);
    if (isLdImm64(insn)) i++;
  }
  return lines.join('\n');
}
