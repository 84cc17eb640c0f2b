import {
  BPF_CALL, BPF_DW, BPF_EXIT, BPF_IMM, BPF_JMP, BPF_JMP32, BPF_LD,
  BPF_PSEUDO_CALL, BPF_PSEUDO_KFUNC_CALL, bpfClass, bpfOp,
} from './opcodes.ts';

/**
 * One 8-byte slot of the kernel's `struct bpf_insn`.
 *
 * `off` and `imm` are signed (`__s16`, `__s32`), and `decode` always returns
 * them that way. `encode` also accepts `imm` written as an unsigned 32-bit
 * value, since `0xffffffff` is the natural way to spell some masks.
 *
 * LD_IMM64 (`BPF_LD | BPF_DW | BPF_IMM`, code 0x18) is 16 bytes in the kernel
 * and is kept as two array entries here, so array indexes are exactly the
 * kernel's instruction indexes (which jump offsets, verifier logs, line info
 * and relocations all count in):
 *   - first slot: the real instruction; `imm` = low 32 bits, and `imm64` =
 *     the whole constant as an unsigned 64-bit bigint;
 *   - second slot: `{ code: 0, dst: 0, src: 0, off: 0, imm: high 32 bits }`.
 * `imm64` is a convenience copy; the slot `imm` fields are what get encoded.
 * `encode` refuses a program whose `imm64` disagrees with them, so patching
 * only one of the two cannot go unnoticed: use `setImm64` to change both.
 * `imm64` may be omitted on hand-made instructions; `decode` always sets it.
 */
export interface Instruction {
  code: number;
  dst: number;
  src: number;
  off: number;
  imm: number;
  imm64?: bigint;
}

/** Bytes per instruction slot. */
export const INSN_SIZE = 8;

/** Opcode of the first slot of a 64-bit immediate load. */
export const LD_IMM64 = BPF_LD | BPF_DW | BPF_IMM;

const CALL = BPF_JMP | BPF_CALL;
const EXIT = BPF_JMP | BPF_EXIT;

export const isLdImm64 = (insn: Instruction): boolean => insn.code === LD_IMM64;

/** Any call: helper, BPF-to-BPF (pseudo) or kfunc. */
export const isCall = (insn: Instruction): boolean => insn.code === CALL;

/** A BPF-to-BPF call, whose `imm` is the pc-relative offset of the callee. */
export const isPseudoCall = (insn: Instruction): boolean =>
  insn.code === CALL && insn.src === BPF_PSEUDO_CALL;

/** A kfunc call, whose `imm` is the BTF id of the kernel function. */
export const isKfuncCall = (insn: Instruction): boolean =>
  insn.code === CALL && insn.src === BPF_PSEUDO_KFUNC_CALL;

/** A helper call, whose `imm` is a `Helper` id. */
export const isHelperCall = (insn: Instruction): boolean => insn.code === CALL && insn.src === 0;

export const isExit = (insn: Instruction): boolean => insn.code === EXIT;

/** A goto or conditional branch (JMP or JMP32 class, excluding call and exit). */
export function isJump(insn: Instruction): boolean {
  const cls = bpfClass(insn.code);
  if (cls !== BPF_JMP && cls !== BPF_JMP32) return false;
  const op = bpfOp(insn.code);
  return op !== BPF_CALL && op !== BPF_EXIT;
}

const U32 = 0xffffffffn;

/** Joins the low and high `imm` halves of an LD_IMM64 into an unsigned 64-bit value. */
export function joinImm64(lo: number, hi: number): bigint {
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}

/**
 * Splits a 64-bit constant into signed 32-bit `imm` halves.
 * Accepts signed or unsigned input (-2^63 .. 2^64-1).
 */
export function splitImm64(value: bigint): [lo: number, hi: number] {
  if (value < -(1n << 63n) || value >= 1n << 64n) {
    throw new RangeError(`64-bit immediate ${value} does not fit in 64 bits`);
  }
  const u = BigInt.asUintN(64, value);
  return [Number(BigInt.asIntN(32, u & U32)), Number(BigInt.asIntN(32, u >> 32n))];
}

/** Both slots of an LD_IMM64 of `value` into `dst`, with `src` a BPF_PSEUDO_* kind or 0. */
export function ldImm64(dst: number, value: bigint, src = 0): [Instruction, Instruction] {
  const [lo, hi] = splitImm64(value);
  return [
    { code: LD_IMM64, dst, src, off: 0, imm: lo, imm64: BigInt.asUintN(64, value) },
    { code: 0, dst: 0, src: 0, off: 0, imm: hi },
  ];
}

/** Replaces the constant of the LD_IMM64 at `index`, keeping both slots and `imm64` in step. */
export function setImm64(insns: Instruction[], index: number, value: bigint): void {
  const first = insns[index];
  const second = insns[index + 1];
  if (first === undefined || !isLdImm64(first)) {
    throw new Error(`instruction ${index} is not an LD_IMM64`);
  }
  if (second === undefined) throw new Error(`LD_IMM64 at instruction ${index} has no second slot`);
  const [lo, hi] = splitImm64(value);
  insns[index] = { ...first, imm: lo, imm64: BigInt.asUintN(64, value) };
  insns[index + 1] = { ...second, imm: hi };
}

function isInt(v: unknown, min: number, max: number): boolean {
  return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
}

function checkFields(insn: Instruction, where: string): void {
  if (!isInt(insn.code, 0, 0xff)) throw new RangeError(`${where}: code ${insn.code} is not a byte`);
  if (!isInt(insn.dst, 0, 15)) throw new RangeError(`${where}: dst ${insn.dst} is not a 4-bit register`);
  if (!isInt(insn.src, 0, 15)) throw new RangeError(`${where}: src ${insn.src} is not a 4-bit register`);
  if (!isInt(insn.off, -0x8000, 0x7fff)) throw new RangeError(`${where}: off ${insn.off} is not an int16`);
  if (!isInt(insn.imm, -0x80000000, 0xffffffff)) {
    throw new RangeError(`${where}: imm ${insn.imm} is not a 32-bit integer`);
  }
}

// The kernel rejects ("invalid bpf_ld_imm64 insn") a second slot with anything
// but imm set; holding encode and decode to the same rule keeps them inverses.
function badSecondSlot(s: Instruction): string | undefined {
  if (s.code !== 0 || s.dst !== 0 || s.src !== 0 || s.off !== 0) {
    return `has code 0x${s.code.toString(16)} dst ${s.dst} src ${s.src} off ${s.off}, want all 0`;
  }
  return undefined;
}

function writeSlot(view: DataView, at: number, insn: Instruction, le: boolean): void {
  view.setUint8(at, insn.code);
  // struct bpf_insn declares dst_reg:4 before src_reg:4; bitfields fill from
  // the low bit on little-endian ABIs and from the high bit on big-endian ones.
  view.setUint8(at + 1, le ? (insn.src << 4) | insn.dst : (insn.dst << 4) | insn.src);
  view.setInt16(at + 2, insn.off, le);
  view.setInt32(at + 4, insn.imm | 0, le);
}

function readSlot(view: DataView, at: number, le: boolean): Instruction {
  const regs = view.getUint8(at + 1);
  return {
    code: view.getUint8(at),
    dst: le ? regs & 0x0f : regs >> 4,
    src: le ? regs >> 4 : regs & 0x0f,
    off: view.getInt16(at + 2, le),
    imm: view.getInt32(at + 4, le),
  };
}

/** Serializes instructions to kernel bytecode, 8 bytes per slot. */
export function encode(insns: readonly Instruction[], littleEndian = true): Uint8Array {
  const out = new Uint8Array(insns.length * INSN_SIZE);
  const view = new DataView(out.buffer);
  for (let i = 0; i < insns.length; i++) {
    const insn = insns[i]!;
    const where = `instruction ${i} (byte offset ${i * INSN_SIZE})`;
    checkFields(insn, where);
    if (isLdImm64(insn)) {
      const second = insns[i + 1];
      if (second === undefined) throw new Error(`${where}: truncated LD_IMM64, missing second slot`);
      checkFields(second, `instruction ${i + 1} (byte offset ${(i + 1) * INSN_SIZE})`);
      const bad = badSecondSlot(second);
      if (bad !== undefined) throw new Error(`${where}: LD_IMM64 second slot ${bad}`);
      if (insn.imm64 !== undefined) {
        const fromSlots = joinImm64(insn.imm, second.imm);
        if (BigInt.asUintN(64, insn.imm64) !== fromSlots) {
          throw new Error(
            `${where}: imm64 0x${BigInt.asUintN(64, insn.imm64).toString(16)} disagrees with ` +
              `the slot imm fields (0x${fromSlots.toString(16)}); update both with setImm64`,
          );
        }
      }
      writeSlot(view, i * INSN_SIZE, insn, littleEndian);
      writeSlot(view, (i + 1) * INSN_SIZE, second, littleEndian);
      i++;
      continue;
    }
    if (insn.imm64 !== undefined) {
      throw new Error(`${where}: imm64 is set on code 0x${insn.code.toString(16)}, which is not LD_IMM64`);
    }
    writeSlot(view, i * INSN_SIZE, insn, littleEndian);
  }
  return out;
}

/** Parses kernel bytecode; LD_IMM64 first slots get `imm64`. */
export function decode(bytes: Uint8Array, littleEndian = true): Instruction[] {
  const n = bytes.byteLength;
  if (n % INSN_SIZE !== 0) {
    throw new Error(
      `bytecode length ${n} is not a multiple of ${INSN_SIZE}: ` +
        `${n % INSN_SIZE} stray bytes at byte offset ${n - (n % INSN_SIZE)}`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, n);
  const out: Instruction[] = [];
  for (let at = 0; at < n; at += INSN_SIZE) {
    const insn = readSlot(view, at, littleEndian);
    out.push(insn);
    if (!isLdImm64(insn)) continue;
    if (at + INSN_SIZE >= n) {
      throw new Error(`truncated LD_IMM64 at byte offset ${at}: missing second slot`);
    }
    const second = readSlot(view, at + INSN_SIZE, littleEndian);
    const bad = badSecondSlot(second);
    if (bad !== undefined) {
      throw new Error(`malformed LD_IMM64 at byte offset ${at}: second slot at byte offset ${at + INSN_SIZE} ${bad}`);
    }
    insn.imm64 = joinImm64(insn.imm, second.imm);
    out.push(second);
    at += INSN_SIZE;
  }
  return out;
}
