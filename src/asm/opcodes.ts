// eBPF instruction encoding constants.
//
// Values are copied from /usr/include/linux/bpf_common.h and
// /usr/include/linux/bpf.h (linux-libc-dev 6.1), keeping the kernel's macro
// names so a grep against the headers finds each one. The only exception is
// BPF_MEMSX, which postdates that header: it comes from the v6.6 uapi bpf.h.
//
// An opcode byte is three fields OR-ed together, and which three depends on
// the class:
//   ld/ldx/st/stx:  mode (0xe0) | size (0x18) | class (0x07)
//   alu/alu64/jmp:  op   (0xf0) | src  (0x08) | class (0x07)

// --- classes (bpf_common.h, bpf.h) ---
export const BPF_LD = 0x00;
export const BPF_LDX = 0x01;
export const BPF_ST = 0x02;
export const BPF_STX = 0x03;
export const BPF_ALU = 0x04;
export const BPF_JMP = 0x05;
// Classic BPF's RET (0x06) and MISC (0x07) slots were reused by eBPF.
export const BPF_JMP32 = 0x06;
export const BPF_ALU64 = 0x07;

// --- load/store sizes ---
export const BPF_W = 0x00;
export const BPF_H = 0x08;
export const BPF_B = 0x10;
export const BPF_DW = 0x18;

// --- load/store modes ---
export const BPF_IMM = 0x00;
export const BPF_ABS = 0x20;
export const BPF_IND = 0x40;
export const BPF_MEM = 0x60;
export const BPF_MEMSX = 0x80; // v6.6+: sign-extending LDX
export const BPF_ATOMIC = 0xc0;

// --- ALU operations ---
export const BPF_ADD = 0x00;
export const BPF_SUB = 0x10;
export const BPF_MUL = 0x20;
export const BPF_DIV = 0x30;
export const BPF_OR = 0x40;
export const BPF_AND = 0x50;
export const BPF_LSH = 0x60;
export const BPF_RSH = 0x70;
export const BPF_NEG = 0x80;
export const BPF_MOD = 0x90;
export const BPF_XOR = 0xa0;
export const BPF_MOV = 0xb0;
export const BPF_ARSH = 0xc0;
export const BPF_END = 0xd0;

// BPF_END reuses the source bit to pick the target byte order.
export const BPF_TO_LE = 0x00;
export const BPF_TO_BE = 0x08;

// --- jump operations ---
export const BPF_JA = 0x00;
export const BPF_JEQ = 0x10;
export const BPF_JGT = 0x20;
export const BPF_JGE = 0x30;
export const BPF_JSET = 0x40;
export const BPF_JNE = 0x50;
export const BPF_JSGT = 0x60;
export const BPF_JSGE = 0x70;
export const BPF_CALL = 0x80;
export const BPF_EXIT = 0x90;
export const BPF_JLT = 0xa0;
export const BPF_JLE = 0xb0;
export const BPF_JSLT = 0xc0;
export const BPF_JSLE = 0xd0;

// --- operand source ---
export const BPF_K = 0x00;
export const BPF_X = 0x08;

// --- atomic operations (carried in imm of a BPF_STX | BPF_ATOMIC insn) ---
export const BPF_FETCH = 0x01;
export const BPF_XCHG = 0xe0 | BPF_FETCH;
export const BPF_CMPXCHG = 0xf0 | BPF_FETCH;

// --- src_reg of the first slot of a BPF_LD | BPF_DW | BPF_IMM insn ---
export const BPF_PSEUDO_MAP_FD = 1;
export const BPF_PSEUDO_MAP_VALUE = 2;
export const BPF_PSEUDO_BTF_ID = 3;
export const BPF_PSEUDO_FUNC = 4;
export const BPF_PSEUDO_MAP_IDX = 5;
export const BPF_PSEUDO_MAP_IDX_VALUE = 6;

// --- src_reg of a BPF_JMP | BPF_CALL insn ---
export const BPF_PSEUDO_CALL = 1;
export const BPF_PSEUDO_KFUNC_CALL = 2;

/** Number of registers, r0..r10 (MAX_BPF_REG). */
export const MAX_BPF_REG = 11;

// Grouped views of the same values, so callers can name a field by a string
// key (e.g. `'JEQ'`) and TypeScript can check it.

export const Class = {
  LD: BPF_LD, LDX: BPF_LDX, ST: BPF_ST, STX: BPF_STX,
  ALU: BPF_ALU, JMP: BPF_JMP, JMP32: BPF_JMP32, ALU64: BPF_ALU64,
} as const;

export const Size = { W: BPF_W, H: BPF_H, B: BPF_B, DW: BPF_DW } as const;

export const Mode = {
  IMM: BPF_IMM, ABS: BPF_ABS, IND: BPF_IND, MEM: BPF_MEM, MEMSX: BPF_MEMSX, ATOMIC: BPF_ATOMIC,
} as const;

export const AluOp = {
  ADD: BPF_ADD, SUB: BPF_SUB, MUL: BPF_MUL, DIV: BPF_DIV, OR: BPF_OR, AND: BPF_AND,
  LSH: BPF_LSH, RSH: BPF_RSH, NEG: BPF_NEG, MOD: BPF_MOD, XOR: BPF_XOR, MOV: BPF_MOV,
  ARSH: BPF_ARSH, END: BPF_END,
} as const;

export const JumpOp = {
  JA: BPF_JA, JEQ: BPF_JEQ, JGT: BPF_JGT, JGE: BPF_JGE, JSET: BPF_JSET, JNE: BPF_JNE,
  JSGT: BPF_JSGT, JSGE: BPF_JSGE, CALL: BPF_CALL, EXIT: BPF_EXIT, JLT: BPF_JLT,
  JLE: BPF_JLE, JSLT: BPF_JSLT, JSLE: BPF_JSLE,
} as const;

export const Source = { K: BPF_K, X: BPF_X } as const;

export const AtomicOp = {
  ADD: BPF_ADD, OR: BPF_OR, AND: BPF_AND, XOR: BPF_XOR, XCHG: BPF_XCHG, CMPXCHG: BPF_CMPXCHG,
} as const;

export const PseudoLd = {
  MAP_FD: BPF_PSEUDO_MAP_FD, MAP_VALUE: BPF_PSEUDO_MAP_VALUE, BTF_ID: BPF_PSEUDO_BTF_ID,
  FUNC: BPF_PSEUDO_FUNC, MAP_IDX: BPF_PSEUDO_MAP_IDX, MAP_IDX_VALUE: BPF_PSEUDO_MAP_IDX_VALUE,
} as const;

export const PseudoCall = { CALL: BPF_PSEUDO_CALL, KFUNC_CALL: BPF_PSEUDO_KFUNC_CALL } as const;

export type ClassName = keyof typeof Class;
export type SizeName = keyof typeof Size;
export type ModeName = keyof typeof Mode;
export type AluOpName = keyof typeof AluOp;
export type JumpOpName = keyof typeof JumpOp;
export type AtomicOpName = keyof typeof AtomicOp;

/** Registers; R10 is the read-only frame pointer, R0 holds return values. */
export const R = {
  R0: 0, R1: 1, R2: 2, R3: 3, R4: 4, R5: 5, R6: 6, R7: 7, R8: 8, R9: 9, R10: 10,
} as const;
export type Register = (typeof R)[keyof typeof R];

// Field extractors, the kernel's BPF_CLASS/BPF_SIZE/... macros.
export const bpfClass = (code: number): number => code & 0x07;
export const bpfSize = (code: number): number => code & 0x18;
export const bpfMode = (code: number): number => code & 0xe0;
export const bpfOp = (code: number): number => code & 0xf0;
export const bpfSrc = (code: number): number => code & 0x08;

/** Width in bytes of a BPF_W/H/B/DW size field. */
export function sizeBytes(size: number): 1 | 2 | 4 | 8 {
  switch (size & 0x18) {
    case BPF_W: return 4;
    case BPF_H: return 2;
    case BPF_B: return 1;
    default: return 8;
  }
}
