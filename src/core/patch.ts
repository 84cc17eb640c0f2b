/**
 * Writing a resolved relocation into its instruction (libbpf's
 * bpf_core_patch_insn).
 *
 * Where the value goes depends on the instruction, not the relocation kind:
 * - ALU/ALU64 with an immediate (`r1 = 8`, `r1 += 8`): the imm;
 * - LDX/ST/STX (`r1 = *(u32 *)(r2 + 8)`): the offset; for
 *   FIELD_BYTE_OFFSET of a non-bitfield whose size differs in the target,
 *   also the access size (1/2/4/8 bytes), when that is safe;
 * - LD_IMM64 (`r1 = 8 ll`): the 64-bit constant across both slots.
 * Before writing, the old value is checked to be the one the local BTF
 * predicts, so a relocation record that points at the wrong instruction
 * is caught instead of corrupting it.
 */
import {
  BPF_ALU, BPF_ALU64, BPF_B, BPF_DW, BPF_H, BPF_K, BPF_LD, BPF_LDX, BPF_ST, BPF_STX, BPF_W,
  LD_IMM64, bpfClass, bpfMode, bpfSize, bpfSrc, sizeBytes, splitImm64, type Instruction,
} from '../asm/index.ts';
import type { CoreReloResult } from './calc.ts';
import { CoreFailure } from './errors.ts';
import { poisonInstruction } from './poison.ts';

export type PatchOutcome =
  | {
    readonly action: 'patched';
    /** What the instruction held (imm, off or 64-bit constant), as an unsigned 64-bit value. */
    readonly before: bigint;
    readonly after: bigint;
    /** Load/store size change in bytes, when FIELD_BYTE_OFFSET resized the access. */
    readonly resized?: { readonly from: number; readonly to: number } | undefined;
  }
  | { readonly action: 'poisoned'; readonly slots: number; readonly reason: string };

const SHRT_MAX = 0x7fff;

function bpfSizeOf(bytes: number): number | undefined {
  switch (bytes) {
    case 8: return BPF_DW;
    case 4: return BPF_W;
    case 2: return BPF_H;
    case 1: return BPF_B;
    default: return undefined;
  }
}

/** How C compares an int field with a __u64: sign-extend, then compare modulo 2^64. */
function asU64(v: number): bigint {
  return BigInt.asUintN(64, BigInt(v | 0));
}

function poison(insns: Instruction[], idx: number, reason: string): PatchOutcome {
  const first = insns[idx]!;
  // Poison both halves of an LD_IMM64: a lone second slot (opcode 0) would
  // make the verifier complain about an unknown opcode instead.
  const slots = first.code === LD_IMM64 && insns[idx + 1] !== undefined ? 2 : 1;
  for (let i = 0; i < slots; i++) insns[idx + i] = poisonInstruction();
  return { action: 'poisoned', slots, reason };
}

/** Apply `res` to the instruction at `idx` of `insns` (replacing array entries, not mutating instruction objects). */
export function patchInstruction(insns: Instruction[], idx: number, res: CoreReloResult): PatchOutcome {
  const insn = insns[idx];
  if (insn === undefined) throw new CoreFailure(`instruction #${idx} is past the end of the section (${insns.length} instructions)`);
  if (res.poison) return poison(insns, idx, res.poisonReason ?? 'no matching target');

  const cls = bpfClass(insn.code);
  const { origVal, newVal } = res;
  switch (cls) {
    case BPF_ALU:
    case BPF_ALU64: {
      if (bpfSrc(insn.code) !== BPF_K) throw new CoreFailure('ALU instruction has a register operand, not an immediate to relocate');
      const before = asU64(insn.imm);
      if (res.validate && before !== origVal) {
        throw new CoreFailure(`unexpected insn value: ALU imm is ${insn.imm | 0}, expected ${origVal} (-> ${newVal})`);
      }
      // libbpf stores the low 32 bits, as C's assignment to __s32 imm does.
      insns[idx] = { ...insn, imm: Number(BigInt.asIntN(32, newVal)) };
      return { action: 'patched', before, after: asU64(Number(BigInt.asIntN(32, newVal))) };
    }
    case BPF_LDX:
    case BPF_ST:
    case BPF_STX: {
      const before = asU64(insn.off);
      if (res.validate && before !== origVal) {
        throw new CoreFailure(`unexpected insn value: LDX/ST/STX offset is ${insn.off}, expected ${origVal} (-> ${newVal})`);
      }
      if (newVal > BigInt(SHRT_MAX)) throw new CoreFailure(`offset ${newVal} does not fit the instruction's 16-bit offset`);
      if (res.failMemszAdjust) {
        return poison(insns, idx,
          `field size changed from ${res.origSize} to ${res.newSize} bytes and the field is not a pointer or unsigned integer, ` +
            'so the load/store cannot be resized');
      }
      let code = insn.code;
      let resized: { from: number; to: number } | undefined;
      if (res.newSize !== res.origSize) {
        const have = sizeBytes(bpfSize(insn.code));
        if (have !== res.origSize) {
          throw new CoreFailure(`unexpected memory access size: instruction accesses ${have} bytes, field is ${res.origSize}`);
        }
        const size = bpfSizeOf(res.newSize);
        if (size === undefined) throw new CoreFailure(`target field size ${res.newSize} cannot be loaded or stored by one instruction`);
        code = bpfMode(insn.code) | size | cls;
        resized = { from: res.origSize, to: res.newSize };
      }
      insns[idx] = { ...insn, code, off: Number(newVal) };
      return { action: 'patched', before, after: newVal, resized };
    }
    case BPF_LD: {
      const second = insns[idx + 1];
      if (insn.code !== LD_IMM64 || insn.src !== 0 || insn.off !== 0 || second === undefined
        || second.code !== 0 || second.dst !== 0 || second.src !== 0 || second.off !== 0) {
        throw new CoreFailure('LD_IMM64 instruction has an unexpected form (pseudo source, offset or second slot)');
      }
      const before = (BigInt(second.imm >>> 0) << 32n) | BigInt(insn.imm >>> 0);
      if (res.validate && before !== origVal) {
        throw new CoreFailure(`unexpected insn value: LD_IMM64 constant is ${before}, expected ${origVal} (-> ${newVal})`);
      }
      const value = BigInt.asUintN(64, newVal);
      const [lo, hi] = splitImm64(value);
      insns[idx] = { ...insn, imm: lo, imm64: value };
      insns[idx + 1] = { ...second, imm: hi };
      return { action: 'patched', before, after: value };
    }
    default:
      throw new CoreFailure(`cannot relocate instruction with opcode 0x${insn.code.toString(16)} (not ALU, LDX/ST/STX or LD_IMM64)`);
  }
}
