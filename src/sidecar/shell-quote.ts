// POSIX shell quoting: pasting the result into sh gives back the same argv.
// Words of only safe characters stay bare; others are single-quoted, with
// embedded single quotes written as '\''. Arguments that are not valid UTF-8
// use $'...' with \xHH escapes (POSIX.1-2024 dollar-single-quotes, also in
// bash, zsh, ksh and busybox), since JSON text cannot carry raw bytes.
/** The characters of a word that needs no quoting (exec-line-bytes.ts builds its byte table from them). */
export const SHELL_SAFE_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_@%+=:,./-';
const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** True when `arg` needs no shell quoting (and, being ASCII without quotes or backslashes, no JSON escaping). */
export function isShellSafe(arg: string): boolean {
  return arg.length > 0 && SAFE.test(arg);
}

export function quoteArg(arg: string): string {
  if (isShellSafe(arg)) return arg;
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}

/** $'...' quoting of raw bytes: printable ASCII kept, everything else \xHH. */
export function quoteBytes(b: Uint8Array): string {
  let out = "$'";
  for (const c of b) {
    if (c === 0x27 || c === 0x5c) out += `\\${String.fromCharCode(c)}`;
    else if (c >= 0x20 && c < 0x7f) out += String.fromCharCode(c);
    else out += `\\x${c.toString(16).padStart(2, '0')}`;
  }
  return `${out}'`;
}

/** `raw[i]`, when present, holds the exact bytes of argument i (not valid UTF-8). */
export function shellJoin(argv: readonly string[], raw?: ReadonlyMap<number, Uint8Array>): string {
  return argv.map((a, i) => {
    const bytes = raw?.get(i);
    return bytes ? quoteBytes(bytes) : quoteArg(a);
  }).join(' ');
}
