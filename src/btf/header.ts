/**
 * The fixed header at the start of raw BTF (struct btf_header in
 * include/uapi/linux/btf.h):
 *
 *   u16 magic (0xeB9F) | u8 version (1) | u8 flags | u32 hdr_len
 *   u32 type_off | u32 type_len | u32 str_off | u32 str_len
 *
 * Section offsets are relative to the end of the header (hdr_len), not to
 * the start of the blob. The magic is written in the producer's byte order,
 * which is how we learn the endianness of everything that follows.
 *
 * Newer kernels and pahole (2026 UAPI, after the 6.1 header on this machine)
 * extend the header to 32 bytes with `u32 layout_off | u32 layout_len`: a
 * table describing each kind's record shape (see layout.ts). Recorded kernel
 * BTF in the corpus has it, so we read it whenever hdr_len covers it.
 */
import { BtfError } from './errors.ts';

export const BTF_MAGIC = 0xeb9f;
export const BTF_VERSION = 1;
/** sizeof(struct btf_header); hdr_len may be larger for future fields. */
export const BTF_HEADER_SIZE = 24;
/** Header size that includes layout_off/layout_len. */
export const BTF_HEADER_SIZE_LAYOUT = 32;
/** BTF_MAX_NAME_OFFSET: string offsets are 24-bit in some records. */
export const BTF_MAX_NAME_OFFSET = 0x00ffffff;

export interface BtfHeader {
  readonly littleEndian: boolean;
  readonly version: number;
  readonly flags: number;
  readonly hdrLen: number;
  readonly typeOff: number;
  readonly typeLen: number;
  readonly strOff: number;
  readonly strLen: number;
  /** Layout section; both 0 when absent (hdr_len < 32, or not emitted). */
  readonly layoutOff: number;
  readonly layoutLen: number;
}

/**
 * Detect byte order from a 16-bit magic at `offset`. Shared with .BTF.ext,
 * whose header starts the same way. Returns undefined if it is neither order.
 */
export function detectEndianness(data: Uint8Array, offset: number, magic: number): boolean | undefined {
  const b0 = data[offset];
  const b1 = data[offset + 1];
  if (b0 === (magic & 0xff) && b1 === magic >> 8) return true;
  if (b0 === magic >> 8 && b1 === (magic & 0xff)) return false;
  return undefined;
}

/** A DataView over exactly `data`, whatever its byteOffset in the underlying buffer. */
export function viewOf(data: Uint8Array): DataView {
  return new DataView(data.buffer, data.byteOffset, data.byteLength);
}

/** Parse and bounds-check the header; the sections it names lie inside `data`. */
export function parseHeader(data: Uint8Array): BtfHeader {
  if (data.byteLength < BTF_HEADER_SIZE) {
    throw new BtfError(`BTF: ${data.byteLength} bytes is too short for the ${BTF_HEADER_SIZE}-byte header`);
  }
  const littleEndian = detectEndianness(data, 0, BTF_MAGIC);
  if (littleEndian === undefined) {
    throw new BtfError(
      `BTF: bad magic 0x${hex2(data[0])}${hex2(data[1])} at offset 0 (want 0xeb9f in either byte order)`,
    );
  }
  const dv = viewOf(data);
  const version = dv.getUint8(2);
  if (version !== BTF_VERSION) throw new BtfError(`BTF: unsupported version ${version} at offset 2 (want 1)`);
  const flags = dv.getUint8(3);
  const hdrLen = dv.getUint32(4, littleEndian);
  const typeOff = dv.getUint32(8, littleEndian);
  const typeLen = dv.getUint32(12, littleEndian);
  const strOff = dv.getUint32(16, littleEndian);
  const strLen = dv.getUint32(20, littleEndian);

  if (hdrLen < BTF_HEADER_SIZE) throw new BtfError(`BTF: hdr_len ${hdrLen} at offset 4 is below ${BTF_HEADER_SIZE}`);
  if (hdrLen > data.byteLength) {
    throw new BtfError(`BTF: hdr_len ${hdrLen} at offset 4 runs past the end of the data (${data.byteLength} bytes)`);
  }
  const body = data.byteLength - hdrLen;
  // Sums of two u32 are exact in a double, so these comparisons cannot wrap.
  if (typeOff + typeLen > body) {
    throw new BtfError(
      `BTF: type section [${typeOff}, ${typeOff + typeLen}) runs past the ${body} bytes after the header`,
    );
  }
  if (strOff + strLen > body) {
    throw new BtfError(
      `BTF: string section [${strOff}, ${strOff + strLen}) runs past the ${body} bytes after the header`,
    );
  }
  // Records are read as u32s; libbpf and the kernel both insist on alignment.
  if (typeOff % 4 !== 0) throw new BtfError(`BTF: type_off ${typeOff} is not 4-byte aligned`);
  if (typeLen % 4 !== 0) throw new BtfError(`BTF: type_len ${typeLen} is not a multiple of 4`);
  const hasLayout = hdrLen >= BTF_HEADER_SIZE_LAYOUT;
  const layoutOff = hasLayout ? dv.getUint32(24, littleEndian) : 0;
  const layoutLen = hasLayout ? dv.getUint32(28, littleEndian) : 0;
  if (layoutOff + layoutLen > body) {
    throw new BtfError(
      `BTF: layout section [${layoutOff}, ${layoutOff + layoutLen}) runs past the ${body} bytes after the header`,
    );
  }
  if (layoutLen > 0 && (layoutOff % 4 !== 0 || layoutLen % 4 !== 0)) {
    throw new BtfError(`BTF: layout section at ${layoutOff} (${layoutLen} bytes) is not 4-byte aligned`);
  }
  const sections: [string, number, number][] = [
    ['type', typeOff, typeLen], ['string', strOff, strLen], ['layout', layoutOff, layoutLen],
  ];
  for (let i = 0; i < sections.length; i++) {
    for (let j = i + 1; j < sections.length; j++) {
      const [an, ao, al] = sections[i]!;
      const [bn, bo, bl] = sections[j]!;
      if (al > 0 && bl > 0 && ao < bo + bl && bo < ao + al) {
        throw new BtfError(`BTF: ${an} section [${ao}, ${ao + al}) overlaps ${bn} section [${bo}, ${bo + bl})`);
      }
    }
  }
  return { littleEndian, version, flags, hdrLen, typeOff, typeLen, strOff, strLen, layoutOff, layoutLen };
}

function hex2(b: number | undefined): string {
  return (b ?? 0).toString(16).padStart(2, '0');
}
