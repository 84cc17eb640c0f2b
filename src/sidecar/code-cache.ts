// Under the exectrace launcher (launch.cjs), asks it to keep the code the
// start-up compiled, so that the next start on this installation skips
// parsing and compiling it. A no-op anywhere else (sources run by tsx, the
// library).

interface CodeCacheHook {
  save(kind: 'full'): boolean;
}

export function saveCompiledStartup(): boolean {
  const hook = (globalThis as Record<symbol, unknown>)[Symbol.for('exectrace.codeCache')] as CodeCacheHook | undefined;
  return hook?.save('full') ?? false;
}
