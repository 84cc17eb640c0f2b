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

/** `2022-02-28T20:29:38.038452202Z` */
export function rfc3339Nano(wallNs: bigint): string {
  const ms = Number(wallNs / 1_000_000n);
  const iso = new Date(ms).toISOString(); // ...T20:29:38.038Z
  const frac = (wallNs % 1_000_000_000n).toString().padStart(9, '0');
  return `${iso.slice(0, 19)}.${frac}Z`;
}
