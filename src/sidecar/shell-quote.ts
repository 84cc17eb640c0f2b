// POSIX shell quoting: pasting the result into sh gives back the same argv.
// Words made only of safe characters stay bare; everything else is single-
// quoted, with embedded single quotes written as '\''.
const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

export function quoteArg(arg: string): string {
  if (arg.length > 0 && SAFE.test(arg)) return arg;
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}

export function shellJoin(argv: readonly string[]): string {
  return argv.map(quoteArg).join(' ');
}
