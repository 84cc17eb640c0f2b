import test from 'ava';
import { BpfMap, codec, possibleCpus } from '../../src/map/index.ts';
import { KernelBtf } from '../../src/prog/index.ts';
import { kernelTest, bpfFdsOfProcess, assertNoLeaks } from '../helpers/kernel.ts';

const { u32, u64, cstring, struct } = codec;

kernelTest('ARRAY: typed get/set, keys, out-of-range key', async (t) => {
  const before = await bpfFdsOfProcess();
  using map = BpfMap.create({ type: 'ARRAY', keySize: 4, valueSize: 8, maxEntries: 4, name: 'arr' });
  const m = map.typed(u32, u64);
  t.is(m.get(2), 0n, 'array values start zeroed');
  m.set(2, 0xdeadbeefcafen);
  t.is(m.get(2), 0xdeadbeefcafen);
  t.deepEqual([...m.keys()], [0, 1, 2, 3]);
  t.is(m.get(9), undefined);
  const err = t.throws(() => m.set(9, 1n));
  t.regex(err!.message, /BPF_MAP_UPDATE_ELEM.*map "arr".*E2BIG|EINVAL/);
  t.is(map.info().max_entries, 4);
  t.is(map.info().name, 'arr');
  map.close();
  await assertNoLeaks(t, before);
});

kernelTest('HASH: set/get/delete/keys with a struct value', async (t) => {
  const value = struct<{ pid: number; comm: string }>(20, { pid: [0, u32], comm: [4, cstring(16)] });
  using map = BpfMap.create({ type: 'HASH', keySize: 4, valueSize: 20, maxEntries: 16, name: 'procs' });
  const m = map.typed(u32, value);
  m.set(1, { pid: 1, comm: 'init' });
  m.set(42, { pid: 42, comm: 'bash' });
  t.deepEqual(m.get(42), { pid: 42, comm: 'bash' });
  t.deepEqual([...m.keys()].sort((a, b) => a - b), [1, 42]);
  t.true(m.delete(1));
  t.false(m.delete(1), 'deleting an absent key says so');
  t.deepEqual([...m.entries()], [[42, { pid: 42, comm: 'bash' }]]);
  const full = BpfMap.create({ type: 'HASH', keySize: 4, valueSize: 4, maxEntries: 1, name: 'tiny', flags: 1 });
  const f = full.typed(u32, u32);
  f.set(1, 1);
  t.throws(() => f.set(2, 2), { message: /E2BIG/ }, 'a full hash map reports E2BIG');
  full.close();
});

kernelTest('PERCPU_ARRAY and LRU_HASH round-trip', (t) => {
  using pc = BpfMap.create({ type: 'PERCPU_ARRAY', keySize: 4, valueSize: 4, maxEntries: 2, name: 'pc' });
  const m = pc.typed(u32, u32);
  const values = Array.from({ length: possibleCpus() }, (_, i) => i + 100);
  m.setPerCpu(1, values);
  t.deepEqual(m.getPerCpu(1), values);
  t.throws(() => m.get(1), { message: /per-CPU/ });
  using lru = BpfMap.create({ type: 'LRU_HASH', keySize: 8, valueSize: 8, maxEntries: 64, name: 'lru' });
  const l = lru.typed(u64, u64);
  l.set(7n, 49n);
  t.is(l.get(7n), 49n);
});

kernelTest('ARRAY_OF_MAPS holds an inner map by fd', (t) => {
  using inner = BpfMap.create({ type: 'ARRAY', keySize: 4, valueSize: 4, maxEntries: 1, name: 'inner' });
  using outer = BpfMap.create({ type: 'ARRAY_OF_MAPS', keySize: 4, valueSize: 4, maxEntries: 2, name: 'outer', innerMap: inner });
  const key = Buffer.alloc(4);
  const v = Buffer.alloc(4);
  v.writeUInt32LE(inner.fd);
  outer.update(key, v);
  const got = outer.lookup(key);
  t.truthy(got, 'lookup from user space returns the inner map id');
  t.is(got!.readUInt32LE(0), inner.info().id);
});

kernelTest('RINGBUF and BLOOM_FILTER are created; keys() is refused on a ring', (t) => {
  using rb = BpfMap.create({ type: 'RINGBUF', keySize: 0, valueSize: 0, maxEntries: 4096 * 4, name: 'rb' });
  t.is(rb.info().type, 27);
  t.throws(() => [...rb.keys()], { message: /RINGBUF.*no keys/ });
  using bloom = BpfMap.create({ type: 'BLOOM_FILTER', keySize: 0, valueSize: 4, maxEntries: 100, name: 'bloom', mapExtra: 3n });
  t.is(bloom.info().map_extra, 3n);
});

/** A raw BTF blob with one type: `int` (4 bytes, signed). */
function intBtf(): Buffer {
  const strings = Buffer.from('\0int\0');
  const types = Buffer.alloc(16);
  types.writeUInt32LE(1, 0); // name_off -> "int"
  types.writeUInt32LE(1 << 24, 4); // kind INT, vlen 0
  types.writeUInt32LE(4, 8); // size
  types.writeUInt32LE((1 << 24) | 32, 12); // encoding SIGNED, bits 32
  const hdr = Buffer.alloc(24);
  hdr.writeUInt16LE(0xeb9f, 0);
  hdr.writeUInt8(1, 2);
  hdr.writeUInt32LE(24, 4);
  hdr.writeUInt32LE(0, 8);
  hdr.writeUInt32LE(types.length, 12);
  hdr.writeUInt32LE(types.length, 16);
  hdr.writeUInt32LE(strings.length, 20);
  return Buffer.concat([hdr, types, strings]);
}

kernelTest('HASH with BTF key/value type ids from BTF_LOAD', (t) => {
  using btf = KernelBtf.load(intBtf(), 'int-btf');
  using map = BpfMap.create({ type: 'HASH', keySize: 4, valueSize: 4, maxEntries: 4, name: 'btfmap', btf: { fd: btf.fd, keyTypeId: 1, valueTypeId: 1 } });
  const info = map.info();
  t.true(info.btf_id > 0);
  t.is(info.btf_key_type_id, 1);
  t.is(info.btf_value_type_id, 1);
});

kernelTest('BTF_LOAD failure carries the kernel BTF log', (t) => {
  const bad = intBtf();
  bad.writeUInt32LE(99 << 24, 24 + 4); // an unknown kind
  const err = t.throws(() => KernelBtf.load(bad, 'broken-btf'));
  t.regex(err!.message, /BPF_BTF_LOAD.*broken-btf.*EINVAL/);
  t.regex(err!.message, /Invalid btf_info/, "the kernel's own words are in the message");
});

kernelTest('MAP_FREEZE makes a map read-only for user space; pin and reopen', async (t) => {
  const { mkdtempSync, rmSync } = await import('node:fs');
  using map = BpfMap.create({ type: 'ARRAY', keySize: 4, valueSize: 4, maxEntries: 1, name: 'frozen' });
  const m = map.typed(u32, u32);
  m.set(0, 5);
  map.freeze();
  t.throws(() => m.set(0, 6), { message: /EPERM/ });
  t.is(m.get(0), 5);
  // bpffs may not be mounted; OBJ_PIN needs it.
  const dir = '/sys/fs/bpf';
  const { execFileSync } = await import('node:child_process');
  try { execFileSync('mountpoint', ['-q', dir]); } catch { execFileSync('mount', ['-t', 'bpf', 'bpf', dir]); }
  const sub = mkdtempSync(`${dir}/exectrace-test-`);
  try {
    map.pin(`${sub}/frozen`);
    using again = BpfMap.fromPin(`${sub}/frozen`);
    t.is(again.name, 'frozen');
    t.is(again.typed(u32, u32).get(0), 5);
  } finally {
    rmSync(sub, { recursive: true, force: true });
  }
});

test('map names the kernel would refuse are refused up front', (t) => {
  t.throws(() => BpfMap.create({ type: 'ARRAY', keySize: 4, valueSize: 4, maxEntries: 1, name: 'a-name-that-is-too-long' }), {
    message: /at most 15 characters/,
  });
});
