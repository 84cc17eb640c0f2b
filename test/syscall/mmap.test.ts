// mapFileForever: a whole file as a zero-copy, read-only view, or undefined
// (then the caller reads the file). No root needed.
import test from 'ava';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { mapFileForever } from '../../src/syscall/index.ts';

test('a regular file is mapped whole, once per path', (t) => {
  const path = `${mkdtempSync(`${tmpdir()}/et-map-`)}/data`;
  writeFileSync(path, Buffer.from(Array.from({ length: 10_000 }, (_, i) => i & 0xff)));
  const view = mapFileForever(path);
  t.truthy(view);
  t.true(view!.equals(readFileSync(path)));
  t.is(mapFileForever(path), view, 'the same mapping is handed out again');
});

test('what cannot be mapped is undefined, not an error', (t) => {
  t.is(mapFileForever('/nonexistent/file'), undefined);
  t.is(mapFileForever('/proc/self/status'), undefined, 'procfs has no mmap');
  const empty = `${mkdtempSync(`${tmpdir()}/et-map-`)}/empty`;
  writeFileSync(empty, '');
  t.is(mapFileForever(empty), undefined);
});

test('the kernel\'s vmlinux BTF maps where the kernel allows it, and starts with the BTF magic', (t) => {
  const view = mapFileForever('/sys/kernel/btf/vmlinux');
  if (!view) {
    t.pass('this kernel does not map /sys/kernel/btf/vmlinux (before 6.16): the loader reads it');
    return;
  }
  t.is(view.readUInt16LE(0), 0xeb9f);
  t.is(view.length, readFileSync('/sys/kernel/btf/vmlinux').length);
});
