// Pure eBPF instruction handling: encoding constants, helper ids,
// (de)serialization, disassembly and an assembler. No I/O.
export * from './opcodes.ts';
export * from './helpers.ts';
export type { Instruction } from './instruction.ts';
export {
  INSN_SIZE, LD_IMM64, decode, encode, isCall, isExit, isHelperCall, isJump, isKfuncCall,
  isLdImm64, isPseudoCall, joinImm64, ldImm64, setImm64, splitImm64,
} from './instruction.ts';
export { disassemble, disassembleProgram } from './disasm.ts';
export { Assembler } from './builder.ts';
export type { BinaryAluOp, JumpCond, Target } from './builder.ts';
