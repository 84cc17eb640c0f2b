// Values for `.kconfig` externs: LINUX_KERNEL_VERSION from the running
// kernel's release, CONFIG_* from /proc/config.gz or /boot/config-<release>.
import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from './gunzip.ts';
import { release } from 'node:os';

export type KconfigValue = 'y' | 'n' | 'm' | number | bigint | string;

/** KERNEL_VERSION(a, b, c), with c capped at 255 as the kernel's macro does. */
export function kernelVersionCode(rel = release()): number {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(rel);
  if (!m) return 0;
  return (Number(m[1]) << 16) | (Number(m[2]) << 8) | Math.min(Number(m[3] ?? 0), 255);
}

/** Parses a kernel .config text into name → value. */
export function parseKconfig(text: string): Map<string, KconfigValue> {
  const out = new Map<string, KconfigValue>();
  for (const line of text.split('\n')) {
    const unset = /^# (CONFIG_\w+) is not set/.exec(line);
    if (unset) {
      out.set(unset[1]!, 'n');
      continue;
    }
    const m = /^(CONFIG_\w+)=(.*)$/.exec(line);
    if (!m) continue;
    const raw = m[2]!;
    if (raw === 'y' || raw === 'n' || raw === 'm') out.set(m[1]!, raw);
    else if (raw.startsWith('"')) out.set(m[1]!, JSON.parse(raw) as string);
    else if (/^-?(0x[0-9a-fA-F]+|\d+)$/.test(raw)) out.set(m[1]!, BigInt(raw));
    else out.set(m[1]!, raw);
  }
  return out;
}

let cached: Map<string, KconfigValue> | null | undefined;

/** The running kernel's configuration, or null when neither source exists. */
export function runningKconfig(): Map<string, KconfigValue> | null {
  if (cached !== undefined) return cached;
  const boot = `/boot/config-${release()}`;
  if (existsSync('/proc/config.gz')) cached = parseKconfig(gunzipSync(readFileSync('/proc/config.gz')).toString('utf8'));
  else if (existsSync(boot)) cached = parseKconfig(readFileSync(boot, 'utf8'));
  else cached = null;
  return cached;
}
