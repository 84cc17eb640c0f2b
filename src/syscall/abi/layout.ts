// Kernel structs as offset tables. A layout lists each field once with its
// offset and width; encode() writes a zero-filled buffer of exactly the
// layout's size (the kernel rejects non-zero bytes past the fields it knows,
// so we never send more than we mean), decode() reads one back.

export type FieldKind = 'u8' | 'u16' | 'u32' | 's32' | 'u64' | `char${number}`;
export type Fields = Record<string, readonly [offset: number, kind: FieldKind]>;

export interface Layout<F extends Fields> {
  /** The C name of the struct, with the header it comes from. */
  readonly name: string;
  readonly size: number;
  readonly fields: F;
}

type ValueOf<K extends FieldKind> = K extends 'u64' ? bigint | number : K extends `char${number}` ? string : number;
export type Values<F extends Fields> = { [N in keyof F]?: ValueOf<F[N][1]> };
export type Decoded<F extends Fields> = {
  [N in keyof F]: F[N][1] extends 'u64' ? bigint : F[N][1] extends `char${number}` ? string : number;
};

export function layout<F extends Fields>(name: string, size: number, fields: F): Layout<F> {
  for (const [field, [off, kind]] of Object.entries(fields)) {
    if (off + widthOf(kind) > size) throw new Error(`${name}.${field} ends past the struct's size ${size}`);
  }
  return { name, size, fields };
}

export function widthOf(kind: FieldKind): number {
  switch (kind) {
    case 'u8': return 1;
    case 'u16': return 2;
    case 'u32':
    case 's32': return 4;
    case 'u64': return 8;
    default: return Number(kind.slice(4));
  }
}

/** Little-endian, as every architecture exectrace supports (x86_64, arm64) is. */
export function encode<F extends Fields>(l: Layout<F>, values: Values<F>): Buffer {
  const buf = Buffer.alloc(l.size);
  write(l, buf, values);
  return buf;
}

export function write<F extends Fields>(l: Layout<F>, buf: Buffer, values: Values<F>): void {
  for (const [field, value] of Object.entries(values) as [string, unknown][]) {
    if (value === undefined) continue;
    const spec = l.fields[field];
    if (!spec) throw new Error(`${l.name} has no field ${field}`);
    const [off, kind] = spec;
    switch (kind) {
      case 'u8': buf.writeUInt8(value as number, off); break;
      case 'u16': buf.writeUInt16LE(value as number, off); break;
      case 'u32': buf.writeUInt32LE((value as number) >>> 0, off); break;
      case 's32': buf.writeInt32LE(value as number, off); break;
      case 'u64': buf.writeBigUInt64LE(BigInt.asUintN(64, BigInt(value as number | bigint)), off); break;
      default: {
        const width = widthOf(kind);
        const bytes = Buffer.from(value as string, 'utf8');
        // Truncate to leave the NUL the kernel expects.
        bytes.copy(buf, off, 0, Math.min(bytes.length, width - 1));
      }
    }
  }
}

export function decode<F extends Fields>(l: Layout<F>, buf: Buffer): Decoded<F> {
  const out: Record<string, unknown> = {};
  for (const [field, [off, kind]] of Object.entries(l.fields)) {
    if (off + widthOf(kind) > buf.length) continue;
    switch (kind) {
      case 'u8': out[field] = buf.readUInt8(off); break;
      case 'u16': out[field] = buf.readUInt16LE(off); break;
      case 'u32': out[field] = buf.readUInt32LE(off); break;
      case 's32': out[field] = buf.readInt32LE(off); break;
      case 'u64': out[field] = buf.readBigUInt64LE(off); break;
      default: {
        const raw = buf.subarray(off, off + widthOf(kind));
        const nul = raw.indexOf(0);
        out[field] = raw.subarray(0, nul < 0 ? raw.length : nul).toString('utf8');
      }
    }
  }
  return out as Decoded<F>;
}
