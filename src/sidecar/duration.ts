// Go's time.ParseDuration syntax ("15m", "1h30m", "500ms", "10s"), since
// --startup-timeout keeps the original tool's flag values.
const UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Milliseconds in a Go duration string; throws on anything else. */
export function parseDuration(text: string): number {
  const s = text.trim();
  if (s === '0') return 0;
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/y;
  let total = 0;
  let pos = 0;
  while (pos < s.length) {
    re.lastIndex = pos;
    const m = re.exec(s);
    if (!m) throw new Error(`invalid duration ${JSON.stringify(text)} (use e.g. 15m, 30s, 1h30m, 500ms)`);
    total += Number(m[1]) * UNITS[m[2]!]!;
    pos = re.lastIndex;
  }
  if (pos === 0) throw new Error(`invalid duration ${JSON.stringify(text)} (use e.g. 15m, 30s, 1h30m, 500ms)`);
  return total;
}
