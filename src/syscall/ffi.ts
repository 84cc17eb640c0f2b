// Loads ffi-rs. Its index picks the glibc or musl build of its native addon
// by calling process.report.getReport(), which assembles a whole diagnostic
// report (~5 ms here, at every start) to read one field. exectrace calls
// glibc's libc.so.6 in any case, so on a system without a musl loader the
// answer is known: the report is replaced by that answer while ffi-rs loads.
import { createRequire } from 'node:module';
import { readdirSync } from 'node:fs';

type FfiRs = typeof import('ffi-rs');

function hasMuslLoader(): boolean {
  try {
    return readdirSync('/lib').some((f) => f.startsWith('ld-musl-'));
  } catch {
    return false;
  }
}

function load(): FfiRs {
  const require = createRequire(import.meta.url);
  const report = process.report as { getReport: (...args: unknown[]) => unknown } | undefined;
  if (!report || hasMuslLoader()) return require('ffi-rs') as FfiRs;
  const getReport = report.getReport;
  try {
    report.getReport = () => ({ header: { glibcVersionRuntime: 'glibc' } });
  } catch {
    return require('ffi-rs') as FfiRs; // not replaceable here: let ffi-rs ask
  }
  try {
    return require('ffi-rs') as FfiRs;
  } finally {
    report.getReport = getReport;
  }
}

export const ffi: FfiRs = load();
