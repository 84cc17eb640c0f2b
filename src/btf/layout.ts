/**
 * The optional layout section (header fields layout_off/layout_len, added to
 * the UAPI in 2026, after the 6.1 header installed here): one 4-byte
 * `struct btf_layout { u8 info_sz; u8 elem_sz; u16 flags; }` per kind,
 * indexed by kind number. It tells a parser how long a record of a kind it
 * does not know is (12 + info_sz + vlen * elem_sz), so BTF from a newer
 * kernel stays readable: we skip such records and expose them as 'unknown'.
 */
import { BtfError } from './errors.ts';

export const KIND_LAYOUT_SIZE = 4;

export interface KindLayout {
  /** Bytes of kind-specific data after btf_type, once per record. */
  readonly infoSize: number;
  /** Bytes per vlen element after that. */
  readonly elemSize: number;
  readonly flags: number;
}

/**
 * The record shapes of include/uapi/linux/btf.h, as a layout table (entry
 * = kind; entry 0, UNKN, has no records). The record walk sizes known kinds
 * from this, and an encoder that wants to emit a layout section can use it.
 */
export const UAPI_LAYOUT: readonly KindLayout[] = Object.freeze(
  [
    [0, 0], // UNKN
    [4, 0], // INT: u32 encoding/offset/bits
    [0, 0], // PTR
    [12, 0], // ARRAY: struct btf_array
    [0, 12], // STRUCT: vlen * struct btf_member
    [0, 12], // UNION
    [0, 8], // ENUM: vlen * struct btf_enum
    [0, 0], // FWD
    [0, 0], // TYPEDEF
    [0, 0], // VOLATILE
    [0, 0], // CONST
    [0, 0], // RESTRICT
    [0, 0], // FUNC: vlen holds the linkage here, not a count
    [0, 8], // FUNC_PROTO: vlen * struct btf_param
    [4, 0], // VAR: struct btf_var
    [0, 12], // DATASEC: vlen * struct btf_var_secinfo
    [0, 0], // FLOAT
    [4, 0], // DECL_TAG: struct btf_decl_tag
    [0, 0], // TYPE_TAG
    [0, 12], // ENUM64: vlen * struct btf_enum64
  ].map(([infoSize, elemSize]) => Object.freeze({ infoSize: infoSize!, elemSize: elemSize!, flags: 0 })),
);

/** Decode a layout section; entry i describes kind i. */
export function parseLayout(bytes: Uint8Array, littleEndian: boolean): KindLayout[] {
  if (bytes.byteLength % KIND_LAYOUT_SIZE !== 0) {
    throw new BtfError(`BTF: layout section of ${bytes.byteLength} bytes is not a whole number of ${KIND_LAYOUT_SIZE}-byte entries`);
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: KindLayout[] = [];
  for (let at = 0; at < bytes.byteLength; at += KIND_LAYOUT_SIZE) {
    out.push({ infoSize: dv.getUint8(at), elemSize: dv.getUint8(at + 1), flags: dv.getUint16(at + 2, littleEndian) });
  }
  return out;
}
