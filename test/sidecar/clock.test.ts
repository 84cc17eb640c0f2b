import test from 'ava';
import { rfc3339Nano } from '../../src/sidecar/clock.ts';

test('rfc3339Nano: UTC with nine fraction digits, across second, day and year boundaries', (t) => {
  t.is(rfc3339Nano(1646080178038452202n), '2022-02-28T20:29:38.038452202Z');
  t.is(rfc3339Nano(1646080178000000000n), '2022-02-28T20:29:38.000000000Z');
  t.is(rfc3339Nano(1646080178999999999n), '2022-02-28T20:29:38.999999999Z');
  t.is(rfc3339Nano(1646080179000000001n), '2022-02-28T20:29:39.000000001Z', 'the next second, after the cached one');
  t.is(rfc3339Nano(1646080178000000007n), '2022-02-28T20:29:38.000000007Z', 'and back: the cache is per second, not monotonic');
  t.is(rfc3339Nano(1704067199999999999n), '2023-12-31T23:59:59.999999999Z');
  t.is(rfc3339Nano(1704067200000000000n), '2024-01-01T00:00:00.000000000Z');
  t.is(rfc3339Nano(0n), '1970-01-01T00:00:00.000000000Z');
});

test('rfc3339Nano agrees with Date for random times (to the millisecond) and keeps the nanoseconds', (t) => {
  for (let i = 0; i < 2000; i++) {
    const ms = Math.floor(Math.random() * 4e12);
    const subMs = BigInt(Math.floor(Math.random() * 1e6));
    const ns = BigInt(ms) * 1_000_000n + subMs;
    const got = rfc3339Nano(ns);
    t.is(got.slice(0, 23), new Date(ms).toISOString().slice(0, 23));
    t.is(got.slice(23, 29), subMs.toString().padStart(6, '0'));
  }
});
