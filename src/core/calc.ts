/**
 * Relocated values (libbpf's bpf_core_calc_relo and its per-family
 * helpers): for one relocation, the value the compiler put in the
 * instruction (computed from the local spec, to validate the instruction)
 * and the value for the target (from the target spec, or "not found").
 */
import { CoreReloKind } from '../btf/index.ts';
import { enumeratorValue, intIsSigned, isAnyEnum, resolveSize, skipMods, typeAt } from './btf-ops.ts';
import { CoreFailure } from './errors.ts';
import { isEnumvalBased, isFieldBased, isTypeBased } from './kinds.ts';
import type { CoreSpec } from './spec.ts';

/** libbpf's struct bpf_core_relo_res. */
export interface CoreReloResult {
  /** Value expected in the instruction (local BTF). */
  readonly origVal: bigint;
  /** Value to put there (target BTF). */
  readonly newVal: bigint;
  /** The instruction must be replaced by an invalid call instead of patched. */
  readonly poison: boolean;
  /** Why it is poisoned (our addition, for reports). */
  readonly poisonReason?: string | undefined;
  /** Check the instruction holds origVal before patching (off for bitfields and type ids). */
  readonly validate: boolean;
  /** FIELD_BYTE_OFFSET whose field size changed in a way a resized load would misread. */
  readonly failMemszAdjust: boolean;
  /** Field sizes for FIELD_BYTE_OFFSET of non-bitfields (0 otherwise): the load/store size to adjust. */
  readonly origSize: number;
  readonly newSize: number;
  readonly origTypeId: number;
  readonly newTypeId: number;
}

/** Thrown by the field calculation for libbpf's -EUCLEAN: poison, don't fail. */
class PoisonRequest {
  constructor(readonly reason: string) {}
}

interface FieldValue {
  val: bigint;
  /** Field byte size for load/store adjustment (FIELD_BYTE_OFFSET of non-bitfields only). */
  size: number;
  typeId: number;
  validate: boolean;
}

/** bpf_core_calc_field_relo for one side; `spec` undefined = no target found. */
function fieldValue(kind: number, spec: CoreSpec | undefined, littleEndian: boolean): FieldValue {
  const out: FieldValue = { val: 0n, size: 0, typeId: 0, validate: true };
  if (kind === CoreReloKind.FIELD_EXISTS) {
    out.val = spec ? 1n : 0n;
    return out;
  }
  if (!spec) throw new PoisonRequest('no target has a matching field');

  const acc = spec.accessors[spec.accessors.length - 1]!;
  if (acc.name === undefined) {
    // The access ends on an array element (or the root): no bitfields, no signedness.
    if (kind === CoreReloKind.FIELD_BYTE_OFFSET) {
      out.val = BigInt(Math.floor(spec.bitOffset / 8));
      out.size = resolveSize(spec.btf, acc.typeId);
      out.typeId = acc.typeId;
    } else if (kind === CoreReloKind.FIELD_BYTE_SIZE) {
      out.val = BigInt(resolveSize(spec.btf, acc.typeId));
    } else {
      throw new CoreFailure('this relocation kind cannot be applied to an array element access');
    }
    return out;
  }

  const parent = typeAt(spec.btf, acc.typeId);
  if (parent.kind !== 'struct' && parent.kind !== 'union') throw new CoreFailure(`accessor type [${acc.typeId}] is not a struct or union`);
  const m = parent.members[acc.idx]!;
  const mt = skipMods(spec.btf, m.type);
  const bitOff = spec.bitOffset;
  let bitSz = m.bitfieldSize;
  const bitfield = bitSz > 0;
  let byteSz: number;
  let byteOff: number;
  if (bitfield) {
    // The smallest naturally aligned load, starting from the member type's
    // size, that covers all the bits.
    if (!('size' in mt) || typeof mt.size !== 'number' || mt.size <= 0) {
      throw new CoreFailure(`bitfield member '${m.name}' has type [${mt.id}] (${mt.kind}) without a size`);
    }
    byteSz = mt.size;
    byteOff = Math.floor(bitOff / 8 / byteSz) * byteSz;
    while (bitOff + bitSz - byteOff * 8 > byteSz * 8) {
      if (byteSz >= 8) throw new CoreFailure(`bitfield '${m.name}' cannot be read with one 64-bit load`);
      byteSz *= 2;
      byteOff = Math.floor(bitOff / 8 / byteSz) * byteSz;
    }
  } else {
    byteSz = resolveSize(spec.btf, mt.id);
    byteOff = Math.floor(bitOff / 8);
    bitSz = byteSz * 8;
  }

  // The compiler and libbpf may legitimately disagree on how to load a
  // bitfield, so only its signedness and right shift are validated.
  out.validate = !bitfield;
  switch (kind) {
    case CoreReloKind.FIELD_BYTE_OFFSET:
      out.val = BigInt(byteOff);
      if (!bitfield) {
        out.size = byteSz;
        out.typeId = mt.id;
      }
      break;
    case CoreReloKind.FIELD_BYTE_SIZE:
      out.val = BigInt(byteSz);
      break;
    case CoreReloKind.FIELD_SIGNED:
      out.val = (isAnyEnum(mt) && mt.signed) || intIsSigned(mt) ? 1n : 0n;
      out.validate = true;
      break;
    case CoreReloKind.FIELD_LSHIFT_U64:
      // Shift the loaded word left so the field's top bit lands at bit 63.
      out.val = BigInt(littleEndian ? 64 - (bitOff + bitSz - byteOff * 8) : (8 - byteSz) * 8 + (bitOff - byteOff * 8));
      break;
    case CoreReloKind.FIELD_RSHIFT_U64:
      out.val = BigInt(64 - bitSz);
      out.validate = true;
      break;
    default:
      throw new CoreFailure(`unsupported field relocation kind ${kind}`);
  }
  return out;
}

/** bpf_core_calc_type_relo: type-based kinds give 0 (never poison) when no target type matched. */
function typeValue(kind: number, spec: CoreSpec | undefined): bigint {
  if (!spec) return 0n;
  switch (kind) {
    case CoreReloKind.TYPE_ID_TARGET:
      return BigInt(spec.rootTypeId);
    case CoreReloKind.TYPE_EXISTS:
    case CoreReloKind.TYPE_MATCHES:
      return 1n;
    case CoreReloKind.TYPE_SIZE:
      return BigInt(resolveSize(spec.btf, spec.rootTypeId));
    default:
      throw new CoreFailure(`unsupported type relocation kind ${kind}`);
  }
}

/** bpf_core_calc_enumval_relo. */
function enumValue(kind: number, spec: CoreSpec | undefined): bigint {
  switch (kind) {
    case CoreReloKind.ENUMVAL_EXISTS:
      return spec ? 1n : 0n;
    case CoreReloKind.ENUMVAL_VALUE: {
      if (!spec) throw new PoisonRequest('no target enum has a matching enumerator');
      const acc = spec.accessors[0]!;
      const t = typeAt(spec.btf, acc.typeId);
      if (!isAnyEnum(t)) throw new CoreFailure(`accessor type [${acc.typeId}] is not an enum`);
      return enumeratorValue(t, acc.idx);
    }
    default:
      throw new CoreFailure(`unsupported enum relocation kind ${kind}`);
  }
}

/**
 * bpf_core_calc_relo: values for the local spec and one target spec
 * (undefined when no candidate matched).
 */
export function calcRelo(local: CoreSpec, targ: CoreSpec | undefined, littleEndian: boolean): CoreReloResult {
  const kind = local.kind;
  if (isFieldBased(kind)) {
    const orig = fieldValue(kind, local, littleEndian);
    const next = targetSide(() => fieldValue(kind, targ, littleEndian));
    if (next instanceof PoisonRequest) return poisoned(orig.val, orig.validate, next.reason);
    let failMemszAdjust = false;
    if (orig.size !== next.size) {
      // Resizing a load is only safe for pointers (a 32-bit kernel pointer
      // read into a 64-bit register) and unsigned integers (zero extension
      // keeps the value); anything else would be misread.
      const ot = typeAt(local.btf, orig.typeId);
      const nt = typeAt(targ!.btf, next.typeId);
      const bothPtr = ot.kind === 'ptr' && nt.kind === 'ptr';
      const bothUnsigned = ot.kind === 'int' && nt.kind === 'int' && ot.encoding !== 1 && nt.encoding !== 1;
      failMemszAdjust = !bothPtr && !bothUnsigned;
    }
    return {
      origVal: orig.val, newVal: next.val, poison: false, validate: orig.validate, failMemszAdjust,
      origSize: orig.size, newSize: next.size, origTypeId: orig.typeId, newTypeId: next.typeId,
    };
  }
  if (isTypeBased(kind)) {
    // Type ids change when objects are linked, so the compiler's is not checked.
    return plain(typeValue(kind, local), typeValue(kind, targ), kind !== CoreReloKind.TYPE_ID_TARGET);
  }
  if (isEnumvalBased(kind)) {
    const orig = enumValue(kind, local);
    const next = targetSide(() => enumValue(kind, targ));
    if (next instanceof PoisonRequest) return poisoned(orig, true, next.reason);
    return plain(orig, next, true);
  }
  throw new CoreFailure(`unrecognized CO-RE relocation kind ${kind}`);
}

/** The target side of a calculation, with a poison request returned rather than thrown. */
function targetSide<T>(f: () => T): T | PoisonRequest {
  try {
    return f();
  } catch (err) {
    if (err instanceof PoisonRequest) return err;
    throw err;
  }
}

function poisoned(origVal: bigint, validate: boolean, reason: string): CoreReloResult {
  return { ...plain(origVal, 0n, validate), poison: true, poisonReason: reason };
}

function plain(origVal: bigint, newVal: bigint, validate: boolean): CoreReloResult {
  return {
    origVal, newVal, poison: false, validate, failMemszAdjust: false,
    origSize: 0, newSize: 0, origTypeId: 0, newTypeId: 0,
  };
}
