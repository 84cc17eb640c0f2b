// A BPF map owned by this process: created (or opened from a pin), read and
// written through bpf(2), closed deterministically.
import { readFileSync } from 'node:fs';
import { sys, OwnedFd, abi } from '../syscall/index.ts';
import type { Codec } from './codec.ts';

const { MapType, MapInfo, UpdateFlags } = abi;
export type MapTypeName = abi.MapTypeName;

export interface MapSpec {
  type: MapTypeName | number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  flags?: number;
  /** Up to 15 bytes are kept by the kernel. */
  name?: string;
  /** For ARRAY_OF_MAPS / HASH_OF_MAPS: a map of the inner maps' shape. */
  innerMap?: BpfMap;
  numaNode?: number;
  btf?: { fd: number; keyTypeId: number; valueTypeId: number; vmlinuxValueTypeId?: number };
  /** BLOOM_FILTER: number of hash functions; ARENA: address hint. */
  mapExtra?: bigint;
}

const PER_CPU = new Set<number>([MapType.PERCPU_ARRAY, MapType.PERCPU_HASH, MapType.LRU_PERCPU_HASH, MapType.PERCPU_CGROUP_STORAGE]);
const NO_KEYS = new Set<number>([MapType.RINGBUF, MapType.USER_RINGBUF, MapType.QUEUE, MapType.STACK, MapType.BLOOM_FILTER]);

let possibleCpuCount = 0;
/** Per-CPU map values hold one slot per *possible* CPU (not online). */
export function possibleCpus(): number {
  if (possibleCpuCount) return possibleCpuCount;
  const text = readFileSync('/sys/devices/system/cpu/possible', 'utf8').trim();
  let n = 0;
  for (const part of text.split(',')) {
    const [a, b] = part.split('-').map(Number);
    n += b === undefined ? 1 : b - a! + 1;
  }
  return (possibleCpuCount = n);
}

function typeNumber(t: MapTypeName | number): number {
  if (typeof t === 'number') return t;
  const n = MapType[t];
  if (n === undefined) throw new Error(`unknown map type ${String(t)}`);
  return n;
}

export function mapTypeName(n: number): string {
  return Object.entries(MapType).find(([, v]) => v === n)?.[0] ?? `type ${n}`;
}

export class BpfMap extends OwnedFd {
  readonly name: string;
  readonly type: number;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  readonly flags: number;

  protected constructor(fd: number, name: string, type: number, keySize: number, valueSize: number, maxEntries: number, flags: number) {
    super(fd, 'map', `"${name}"`);
    this.name = name;
    this.type = type;
    this.keySize = keySize;
    this.valueSize = valueSize;
    this.maxEntries = maxEntries;
    this.flags = flags;
  }

  static create(spec: MapSpec): BpfMap {
    const type = typeNumber(spec.type);
    const name = spec.name ?? '';
    if (name.length > 15 || !/^[\w.]*$/.test(name)) {
      throw new Error(`map name ${JSON.stringify(name)}: the kernel takes at most 15 characters of [A-Za-z0-9_.]`);
    }
    const fd = sys.mapCreate({
      type,
      keySize: spec.keySize,
      valueSize: spec.valueSize,
      maxEntries: spec.maxEntries,
      flags: spec.flags ?? 0,
      name,
      innerMapFd: spec.innerMap?.fd ?? 0,
      numaNode: spec.numaNode ?? 0,
      btfFd: spec.btf?.fd ?? 0,
      btfKeyTypeId: spec.btf?.keyTypeId ?? 0,
      btfValueTypeId: spec.btf?.valueTypeId ?? 0,
      btfVmlinuxValueTypeId: spec.btf?.vmlinuxValueTypeId ?? 0,
      mapExtra: spec.mapExtra ?? 0n,
    });
    return new BpfMap(fd, name, type, spec.keySize, spec.valueSize, spec.maxEntries, spec.flags ?? 0);
  }

  /** Wraps an fd this process already owns (from OBJ_GET or a loader). */
  static fromFd(fd: number): BpfMap {
    try {
      const info = sys.objGetInfo(fd, MapInfo, `map fd ${fd}`);
      return new BpfMap(fd, info.name, info.type, info.key_size, info.value_size, info.max_entries, info.map_flags);
    } catch (e) {
      sys.closeFd(fd);
      throw e;
    }
  }

  static fromPin(path: string): BpfMap {
    return BpfMap.fromFd(sys.objGet(path));
  }

  get typeName(): string {
    return mapTypeName(this.type);
  }

  get perCpu(): boolean {
    return PER_CPU.has(this.type);
  }

  /** Bytes of one lookup/update buffer: per-CPU maps hold 8-byte aligned slots per possible CPU. */
  get valueBufferSize(): number {
    return this.perCpu ? Math.ceil(this.valueSize / 8) * 8 * possibleCpus() : this.valueSize;
  }

  #checkKey(key: Buffer): void {
    if (key.length !== this.keySize) throw new RangeError(`map ${this.label}: key is ${key.length} bytes, the map's keys are ${this.keySize}`);
  }

  /** The value for `key` (a fresh Buffer), or undefined. */
  lookup(key: Buffer): Buffer | undefined {
    this.#checkKey(key);
    const value = Buffer.alloc(this.valueBufferSize);
    return sys.mapLookupElem(this.fd, key, value, 0, `map ${this.label}`) ? value : undefined;
  }

  update(key: Buffer, value: Buffer, flags: number = UpdateFlags.ANY): void {
    this.#checkKey(key);
    if (value.length !== this.valueBufferSize) {
      throw new RangeError(`map ${this.label}: value is ${value.length} bytes, expected ${this.valueBufferSize}`);
    }
    sys.mapUpdateElem(this.fd, key, value, flags, `map ${this.label}`);
  }

  /** False when the key was not there. */
  delete(key: Buffer): boolean {
    this.#checkKey(key);
    return sys.mapDeleteElem(this.fd, key, `map ${this.label}`);
  }

  /** Every key, each a fresh Buffer. Keys deleted meanwhile may be skipped, as with any BPF map walk. */
  *keys(): IterableIterator<Buffer> {
    if (NO_KEYS.has(this.type)) throw new Error(`map ${this.label} (${this.typeName}) has no keys to iterate`);
    let prev: Buffer | null = null;
    for (;;) {
      const next = Buffer.alloc(this.keySize);
      if (!sys.mapGetNextKey(this.fd, prev, next, `map ${this.label}`)) return;
      yield next;
      prev = next;
    }
  }

  /** Makes the map read-only for user space (programs may still write unless RDONLY_PROG). */
  freeze(): void {
    sys.mapFreeze(this.fd, `map ${this.label}`);
  }

  pin(path: string): void {
    sys.objPin(this.fd, path, `map ${this.label}`);
  }

  info(): abi.Decoded<typeof MapInfo.fields> {
    return sys.objGetInfo(this.fd, MapInfo, `map ${this.label}`);
  }

  /** A typed view of this map. */
  typed<K, V>(key: Codec<K>, value: Codec<V>): TypedMap<K, V> {
    return new TypedMap(this, key, value);
  }
}

/** get/set/delete/keys with codecs; per-CPU maps get and set one value per possible CPU. */
export class TypedMap<K, V> {
  readonly map: BpfMap;
  readonly #key: Codec<K>;
  readonly #value: Codec<V>;

  constructor(map: BpfMap, key: Codec<K>, value: Codec<V>) {
    if (key.size !== map.keySize) throw new RangeError(`map ${map.label}: key codec is ${key.size} bytes, map keys are ${map.keySize}`);
    if (value.size !== map.valueSize) throw new RangeError(`map ${map.label}: value codec is ${value.size} bytes, map values are ${map.valueSize}`);
    this.map = map;
    this.#key = key;
    this.#value = value;
  }

  #encodeKey(k: K): Buffer {
    const b = Buffer.alloc(this.#key.size);
    this.#key.encode(k, b);
    return b;
  }

  get(k: K): V | undefined {
    if (this.map.perCpu) throw new Error(`map ${this.map.label} is per-CPU: use getPerCpu()`);
    const v = this.map.lookup(this.#encodeKey(k));
    return v && this.#value.decode(v);
  }

  set(k: K, v: V, flags: number = UpdateFlags.ANY): void {
    if (this.map.perCpu) throw new Error(`map ${this.map.label} is per-CPU: use setPerCpu()`);
    const b = Buffer.alloc(this.#value.size);
    this.#value.encode(v, b);
    this.map.update(this.#encodeKey(k), b, flags);
  }

  /** One value per possible CPU. */
  getPerCpu(k: K): V[] | undefined {
    const v = this.map.lookup(this.#encodeKey(k));
    if (!v) return undefined;
    const stride = Math.ceil(this.#value.size / 8) * 8;
    const out: V[] = [];
    for (let off = 0; off < v.length; off += stride) out.push(this.#value.decode(v.subarray(off, off + this.#value.size)));
    return out;
  }

  setPerCpu(k: K, values: V[], flags: number = UpdateFlags.ANY): void {
    const cpus = possibleCpus();
    if (values.length !== cpus) throw new RangeError(`map ${this.map.label}: ${values.length} values given, ${cpus} possible CPUs`);
    const stride = Math.ceil(this.#value.size / 8) * 8;
    const b = Buffer.alloc(stride * cpus);
    values.forEach((v, i) => this.#value.encode(v, b.subarray(i * stride, i * stride + this.#value.size)));
    this.map.update(this.#encodeKey(k), b, flags);
  }

  delete(k: K): boolean {
    return this.map.delete(this.#encodeKey(k));
  }

  *keys(): IterableIterator<K> {
    for (const k of this.map.keys()) yield this.#key.decode(k);
  }

  *entries(): IterableIterator<[K, V]> {
    for (const k of this.keys()) {
      const v = this.get(k);
      if (v !== undefined) yield [k, v];
    }
  }
}
