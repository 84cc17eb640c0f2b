// Codecs turn JS values into the fixed-size byte layouts of map keys and
// values, so a map can be used with numbers, bigints or structs instead of
// raw Buffers.

export interface Codec<T> {
  readonly size: number;
  encode(value: T, into: Buffer): void;
  decode(from: Buffer): T;
}

function intCodec(size: 1 | 2 | 4, signed: boolean): Codec<number> {
  return {
    size,
    encode: (v, b) => (signed ? b.writeIntLE(v, 0, size) : b.writeUIntLE(v, 0, size), undefined),
    decode: (b) => (signed ? b.readIntLE(0, size) : b.readUIntLE(0, size)),
  };
}

export const u8 = intCodec(1, false);
export const u16 = intCodec(2, false);
export const u32 = intCodec(4, false);
export const i32 = intCodec(4, true);
export const u64: Codec<bigint> = {
  size: 8,
  encode: (v, b) => void b.writeBigUInt64LE(BigInt.asUintN(64, v)),
  decode: (b) => b.readBigUInt64LE(0),
};
export const i64: Codec<bigint> = {
  size: 8,
  encode: (v, b) => void b.writeBigInt64LE(BigInt.asIntN(64, v)),
  decode: (b) => b.readBigInt64LE(0),
};

/** Raw bytes of a fixed size; shorter inputs are zero-padded, longer ones refused. */
export function bytes(size: number): Codec<Uint8Array> {
  return {
    size,
    encode: (v, b) => {
      if (v.length > size) throw new RangeError(`value of ${v.length} bytes does not fit ${size}`);
      b.fill(0);
      b.set(v);
    },
    decode: (b) => Uint8Array.from(b.subarray(0, size)),
  };
}

/** A NUL-padded string of a fixed size (like `char comm[16]`). */
export function cstring(size: number): Codec<string> {
  return {
    size,
    encode: (v, b) => {
      const raw = Buffer.from(v, 'utf8');
      if (raw.length >= size) throw new RangeError(`string of ${raw.length} bytes does not fit char[${size}]`);
      b.fill(0);
      raw.copy(b);
    },
    decode: (b) => {
      const nul = b.indexOf(0);
      return b.subarray(0, nul < 0 ? size : nul).toString('utf8');
    },
  };
}

/** A C struct from fields at fixed offsets. */
export function struct<T extends Record<string, unknown>>(
  size: number,
  fields: { [K in keyof T]: [offset: number, codec: Codec<T[K]>] },
): Codec<T> {
  const entries = Object.entries(fields) as [keyof T & string, [number, Codec<unknown>]][];
  for (const [name, [off, c]] of entries) {
    if (off + c.size > size) throw new RangeError(`struct field ${name} at ${off} (+${c.size}) runs past size ${size}`);
  }
  return {
    size,
    encode: (v, b) => {
      b.fill(0);
      for (const [name, [off, c]] of entries) c.encode(v[name], b.subarray(off, off + c.size));
    },
    decode: (b) => {
      const out: Record<string, unknown> = {};
      for (const [name, [off, c]] of entries) out[name] = c.decode(b.subarray(off, off + c.size));
      return out as T;
    },
  };
}
