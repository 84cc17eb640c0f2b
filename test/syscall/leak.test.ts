import { setTimeout as sleep } from 'node:timers/promises';
import { BpfMap } from '../../src/map/index.ts';
import { onLeak, openFds, type OwnedFdInfo } from '../../src/syscall/index.ts';
import { kernelTest } from '../helpers/kernel.ts';

kernelTest('a map garbage-collected without close() is reported and its fd closed', async (t) => {
  const gc = (globalThis as { gc?: () => void }).gc;
  t.truthy(gc, 'tests run with --expose-gc');
  const leaks: OwnedFdInfo[] = [];
  const stop = onLeak((l) => leaks.push(l));
  try {
    (() => {
      BpfMap.create({ type: 'ARRAY', keySize: 4, valueSize: 4, maxEntries: 1, name: 'forgotten' });
    })();
    for (let i = 0; i < 50 && leaks.length === 0; i++) {
      gc!();
      await sleep(10);
    }
    t.is(leaks.length, 1);
    t.like(leaks[0], { kind: 'map', label: '"forgotten"' });
    t.false(openFds().some((f) => f.label === '"forgotten"'));
  } finally {
    stop();
  }
});

kernelTest('Symbol.dispose closes, and using an fd after close() is an error, not a stale number', (t) => {
  let kept: BpfMap;
  {
    using m = BpfMap.create({ type: 'ARRAY', keySize: 4, valueSize: 4, maxEntries: 1, name: 'scoped' });
    kept = m;
    t.false(m.closed);
  }
  t.true(kept.closed);
  t.throws(() => kept.lookup(Buffer.alloc(4)), { message: /map "scoped" is closed/ });
});
