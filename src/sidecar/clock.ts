// Kernel timestamps (bpf_ktime_get_ns: CLOCK_MONOTONIC) to RFC 3339 UTC with
// nanoseconds. The monotonic→wall offset is taken once at start, from the
// same monotonic clock Node's hrtime uses.

const offsetNs = (() => {
  const wallNs = BigInt(Math.round((performance.timeOrigin + performance.now()) * 1e3)) * 1000n;
  return wallNs - process.hrtime.bigint();
})();

export function monotonicToWallNs(ktimeNs: bigint): bigint {
  return ktimeNs + offsetNs;
}

// The date and time up to the second change once a second, not once an
// event: that part is formatted once and reused (this runs for every exec).
let cachedSecond = -1n;
let cachedPrefix = '';

/** `2022-02-28T20:29:38.038452202Z` */
export function rfc3339Nano(wallNs: bigint): string {
  const second = wallNs / 1_000_000_000n;
  if (second !== cachedSecond) {
    cachedSecond = second;
    cachedPrefix = `${new Date(Number(second) * 1000).toISOString().slice(0, 19)}.`;
  }
  const frac = String(Number(wallNs - second * 1_000_000_000n));
  return `${cachedPrefix}${'000000000'.slice(frac.length)}${frac}Z`;
}
