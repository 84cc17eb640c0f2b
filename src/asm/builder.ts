import {
  AluOp, AtomicOp, BPF_ALU, BPF_ALU64, BPF_ATOMIC, BPF_CALL, BPF_CMPXCHG, BPF_END, BPF_EXIT,
  BPF_FETCH, BPF_JA, BPF_JMP, BPF_JMP32, BPF_K, BPF_LDX, BPF_MEM, BPF_NEG,
  BPF_PSEUDO_CALL, BPF_PSEUDO_MAP_FD, BPF_PSEUDO_MAP_VALUE, BPF_ST, BPF_STX, BPF_TO_BE,
  BPF_TO_LE, BPF_X, BPF_XCHG, JumpOp, MAX_BPF_REG, Size,
} from './opcodes.ts';
import type { AluOpName, AtomicOpName, JumpOpName, Register, SizeName } from './opcodes.ts';
import type { Instruction } from './instruction.ts';
import { encode, joinImm64, ldImm64 } from './instruction.ts';

/** ALU operations that take two operands (everything but NEG and END). */
export type BinaryAluOp = Exclude<AluOpName, 'NEG' | 'END'>;
/** Conditional jump operations. */
export type JumpCond = Exclude<JumpOpName, 'JA' | 'CALL' | 'EXIT'>;
/** A label name, or a raw pc-relative offset (counted from the next instruction). */
export type Target = string | number;

interface Slot {
  insn: Instruction;
  /** Filled in by assemble(): which field takes the distance to `label`. */
  fixup?: { label: string; field: 'off' | 'imm' };
}

const INT32_MIN = -0x80000000;
const INT32_MAX = 0x7fffffff;

function checkReg(r: number, what: string): number {
  if (!Number.isInteger(r) || r < 0 || r >= MAX_BPF_REG) {
    throw new RangeError(`${what} register ${r} is not r0..r10`);
  }
  return r;
}

function checkOff(off: number, what: string): number {
  if (!Number.isInteger(off) || off < -0x8000 || off > 0x7fff) {
    throw new RangeError(`${what} ${off} is outside the int16 range`);
  }
  return off;
}

// 64-bit operations sign-extend imm, so 0xffffffff there would silently mean
// -1: only 32-bit operations may spell an immediate as unsigned.
function checkImm(imm: number, unsignedOk: boolean): number {
  const max = unsignedOk ? 0xffffffff : INT32_MAX;
  if (!Number.isInteger(imm) || imm < INT32_MIN || imm > max) {
    const hint = unsignedOk ? '' : ' (sign-extended to 64 bits; use ldImm64 for wider constants)';
    throw new RangeError(`immediate ${imm} does not fit in 32 bits${hint}`);
  }
  return imm | 0;
}

/**
 * Assembler for hand-written programs. Methods append and return `this`;
 * jump and pseudo-call targets may be labels, resolved by `assemble()`.
 * Instruction indexes count LD_IMM64 as two slots, as the kernel does.
 */
export class Assembler {
  readonly #slots: Slot[] = [];
  readonly #labels = new Map<string, number>();

  /** Number of slots emitted so far, i.e. the index the next instruction gets. */
  get length(): number {
    return this.#slots.length;
  }

  /** Names the next instruction. */
  label(name: string): this {
    if (name === '') throw new Error('label name must not be empty');
    const at = this.#labels.get(name);
    if (at !== undefined) throw new Error(`duplicate label "${name}" (already at instruction ${at})`);
    this.#labels.set(name, this.#slots.length);
    return this;
  }

  /** Appends raw instructions, copied; an LD_IMM64 must come with its second slot. */
  emit(...insns: Instruction[]): this {
    for (const insn of insns) this.#slots.push({ insn: { ...insn } });
    return this;
  }

  #push(insn: Instruction, target?: Target, field: 'off' | 'imm' = 'off'): this {
    if (typeof target === 'string') {
      this.#slots.push({ insn, fixup: { label: target, field } });
    } else {
      if (target !== undefined) {
        if (field === 'off') insn.off = checkOff(target, 'jump offset');
        else insn.imm = checkImm(target, false);
      }
      this.#slots.push({ insn });
    }
    return this;
  }

  // --- ALU ---

  alu64Imm(op: BinaryAluOp, dst: Register, imm: number): this {
    return this.#alu(BPF_ALU64, AluOp[op], dst, 0, checkImm(imm, false), BPF_K);
  }
  alu64Reg(op: BinaryAluOp, dst: Register, src: Register): this {
    return this.#alu(BPF_ALU64, AluOp[op], dst, src, 0, BPF_X);
  }
  alu32Imm(op: BinaryAluOp, dst: Register, imm: number): this {
    return this.#alu(BPF_ALU, AluOp[op], dst, 0, checkImm(imm, true), BPF_K);
  }
  alu32Reg(op: BinaryAluOp, dst: Register, src: Register): this {
    return this.#alu(BPF_ALU, AluOp[op], dst, src, 0, BPF_X);
  }
  neg64(dst: Register): this {
    return this.#alu(BPF_ALU64, BPF_NEG, dst, 0, 0, BPF_K);
  }
  neg32(dst: Register): this {
    return this.#alu(BPF_ALU, BPF_NEG, dst, 0, 0, BPF_K);
  }

  /** `dst = imm`, 64-bit (imm sign-extended). */
  movImm(dst: Register, imm: number): this {
    return this.alu64Imm('MOV', dst, imm);
  }
  mov64Imm(dst: Register, imm: number): this {
    return this.alu64Imm('MOV', dst, imm);
  }
  mov64Reg(dst: Register, src: Register): this {
    return this.alu64Reg('MOV', dst, src);
  }
  mov32Imm(dst: Register, imm: number): this {
    return this.alu32Imm('MOV', dst, imm);
  }
  mov32Reg(dst: Register, src: Register): this {
    return this.alu32Reg('MOV', dst, src);
  }
  add64Imm(dst: Register, imm: number): this {
    return this.alu64Imm('ADD', dst, imm);
  }
  add64Reg(dst: Register, src: Register): this {
    return this.alu64Reg('ADD', dst, src);
  }

  /** Converts the low `bits` of `dst` to the given byte order (`le16`/`be32`/...). */
  endian(order: 'le' | 'be', dst: Register, bits: 16 | 32 | 64): this {
    return this.#alu(BPF_ALU, BPF_END, dst, 0, bits, order === 'be' ? BPF_TO_BE : BPF_TO_LE);
  }

  #alu(cls: number, op: number, dst: number, src: number, imm: number, source: number): this {
    return this.#push({
      code: cls | op | source,
      dst: checkReg(dst, 'destination'),
      src: checkReg(src, 'source'),
      off: 0,
      imm,
    });
  }

  // --- 64-bit immediates (two slots) ---

  /** `dst = value`, any 64-bit constant (signed or unsigned). */
  ldImm64(dst: Register, value: bigint | number): this {
    if (typeof value === 'number' && !Number.isSafeInteger(value)) {
      throw new RangeError(`ldImm64 value ${value} is not a safe integer; pass a bigint`);
    }
    for (const insn of ldImm64(checkReg(dst, 'destination'), BigInt(value))) this.#push(insn);
    return this;
  }

  /** `dst = map` for a map fd, which the kernel swaps for the map pointer. */
  ldMapFd(dst: Register, fd: number): this {
    for (const insn of ldImm64(checkReg(dst, 'destination'), BigInt(checkFd(fd)), BPF_PSEUDO_MAP_FD)) {
      this.#push(insn);
    }
    return this;
  }

  /** `dst = &value + offset` for element 0 of an array map (e.g. .data/.rodata). */
  ldMapValue(dst: Register, fd: number, offset = 0): this {
    if (!Number.isInteger(offset) || offset < 0 || offset > 0xffffffff) {
      throw new RangeError(`map value offset ${offset} is not a u32`);
    }
    const value = joinImm64(checkFd(fd), offset);
    for (const insn of ldImm64(checkReg(dst, 'destination'), value, BPF_PSEUDO_MAP_VALUE)) {
      this.#push(insn);
    }
    return this;
  }

  // --- memory ---

  /** `dst = *(size *)(src + off)` */
  ldx(size: SizeName, dst: Register, src: Register, off: number): this {
    return this.#mem(BPF_LDX | BPF_MEM | Size[size], dst, src, off, 0);
  }
  ldxB(dst: Register, src: Register, off: number): this { return this.ldx('B', dst, src, off); }
  ldxH(dst: Register, src: Register, off: number): this { return this.ldx('H', dst, src, off); }
  ldxW(dst: Register, src: Register, off: number): this { return this.ldx('W', dst, src, off); }
  ldxDW(dst: Register, src: Register, off: number): this { return this.ldx('DW', dst, src, off); }

  /** `*(size *)(dst + off) = src` */
  stx(size: SizeName, dst: Register, off: number, src: Register): this {
    return this.#mem(BPF_STX | BPF_MEM | Size[size], dst, src, off, 0);
  }
  stxB(dst: Register, off: number, src: Register): this { return this.stx('B', dst, off, src); }
  stxH(dst: Register, off: number, src: Register): this { return this.stx('H', dst, off, src); }
  stxW(dst: Register, off: number, src: Register): this { return this.stx('W', dst, off, src); }
  stxDW(dst: Register, off: number, src: Register): this { return this.stx('DW', dst, off, src); }

  /** `*(size *)(dst + off) = imm` (sign-extended for DW). */
  st(size: SizeName, dst: Register, off: number, imm: number): this {
    return this.#mem(BPF_ST | BPF_MEM | Size[size], dst, 0, off, checkImm(imm, size !== 'DW'));
  }
  stB(dst: Register, off: number, imm: number): this { return this.st('B', dst, off, imm); }
  stH(dst: Register, off: number, imm: number): this { return this.st('H', dst, off, imm); }
  stW(dst: Register, off: number, imm: number): this { return this.st('W', dst, off, imm); }
  stDW(dst: Register, off: number, imm: number): this { return this.st('DW', dst, off, imm); }

  /**
   * Atomic read-modify-write on `*(size *)(dst + off)` with `src`. With
   * `fetch`, `src` receives the old value. XCHG always fetches into `src`;
   * CMPXCHG compares with r0 and always fetches into r0.
   */
  atomic(op: AtomicOpName, size: 'W' | 'DW', dst: Register, off: number, src: Register, fetch = false): this {
    let imm: number = AtomicOp[op];
    if (fetch && imm !== BPF_XCHG && imm !== BPF_CMPXCHG) imm |= BPF_FETCH;
    return this.#mem(BPF_STX | BPF_ATOMIC | Size[size], dst, src, off, imm);
  }

  /** `lock *(size *)(dst + off) += src`; with `fetch`, `src` gets the old value. */
  atomicAdd(size: 'W' | 'DW', dst: Register, off: number, src: Register, fetch = false): this {
    return this.atomic('ADD', size, dst, off, src, fetch);
  }

  #mem(code: number, dst: number, src: number, off: number, imm: number): this {
    return this.#push({
      code,
      dst: checkReg(dst, 'destination'),
      src: checkReg(src, 'source'),
      off: checkOff(off, 'memory offset'),
      imm,
    });
  }

  // --- control flow ---

  /** Unconditional jump. */
  ja(target: Target): this {
    return this.#push({ code: BPF_JMP | BPF_JA, dst: 0, src: 0, off: 0, imm: 0 }, target);
  }

  /** `if dst <cond> imm goto target`, comparing 64 bits (imm sign-extended). */
  jmpImm(cond: JumpCond, dst: Register, imm: number, target: Target): this {
    return this.#jmp(BPF_JMP, cond, BPF_K, dst, 0, checkImm(imm, false), target);
  }
  /** `if dst <cond> src goto target`, comparing 64 bits. */
  jmpReg(cond: JumpCond, dst: Register, src: Register, target: Target): this {
    return this.#jmp(BPF_JMP, cond, BPF_X, dst, src, 0, target);
  }
  /** `if wdst <cond> imm goto target`, comparing the low 32 bits. */
  jmp32Imm(cond: JumpCond, dst: Register, imm: number, target: Target): this {
    return this.#jmp(BPF_JMP32, cond, BPF_K, dst, 0, checkImm(imm, true), target);
  }
  /** `if wdst <cond> wsrc goto target`, comparing the low 32 bits. */
  jmp32Reg(cond: JumpCond, dst: Register, src: Register, target: Target): this {
    return this.#jmp(BPF_JMP32, cond, BPF_X, dst, src, 0, target);
  }

  #jmp(cls: number, cond: JumpCond, source: number, dst: number, src: number, imm: number, target: Target): this {
    const op = JumpOp[cond];
    const insn = {
      code: cls | op | source,
      dst: checkReg(dst, 'destination'),
      src: checkReg(src, 'source'),
      off: 0,
      imm,
    };
    return this.#push(insn, target);
  }

  /** Calls a helper by id (see `Helper`). */
  call(helper: number): this {
    if (!Number.isInteger(helper) || helper < 0 || helper > INT32_MAX) {
      throw new RangeError(`helper id ${helper} is not a non-negative int32`);
    }
    return this.#push({ code: BPF_JMP | BPF_CALL, dst: 0, src: 0, off: 0, imm: helper });
  }

  /** BPF-to-BPF call to the subprogram at `target`. */
  callLabel(target: Target): this {
    const insn = { code: BPF_JMP | BPF_CALL, dst: 0, src: BPF_PSEUDO_CALL, off: 0, imm: 0 };
    return this.#push(insn, target, 'imm');
  }

  exit(): this {
    return this.#push({ code: BPF_JMP | BPF_EXIT, dst: 0, src: 0, off: 0, imm: 0 });
  }

  // --- output ---

  /** Resolves labels and returns fresh instructions; the assembler can keep being used. */
  assemble(): Instruction[] {
    const n = this.#slots.length;
    return this.#slots.map(({ insn, fixup }, i) => {
      const out = { ...insn };
      if (fixup === undefined) return out;
      const { label, field } = fixup;
      const at = this.#labels.get(label);
      if (at === undefined) throw new Error(`unknown label "${label}" (referenced by instruction ${i})`);
      if (at >= n) {
        throw new Error(`label "${label}" is at the end of the program, past the last instruction (referenced by instruction ${i})`);
      }
      // Offsets count from the instruction after the jump or call.
      const delta = at - (i + 1);
      if (field === 'off' && (delta < -0x8000 || delta > 0x7fff)) {
        throw new RangeError(`jump from instruction ${i} to label "${label}" needs offset ${delta}, outside the int16 range`);
      }
      out[field] = delta;
      return out;
    });
  }

  /** `encode(this.assemble(), littleEndian)` */
  bytes(littleEndian = true): Uint8Array {
    return encode(this.assemble(), littleEndian);
  }
}

function checkFd(fd: number): number {
  if (!Number.isInteger(fd) || fd < 0 || fd > INT32_MAX) throw new RangeError(`map fd ${fd} is not a non-negative int32`);
  return fd;
}
