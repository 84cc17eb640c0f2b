// Under the exectrace launcher (launch.cjs), asks it to keep the code the
// start-up compiled, so that the next start on this installation skips
// parsing and compiling it. A no-op anywhere else (sources run by tsx, the
// library).
import { readFileSync } from 'node:fs';
import { ExecTracer, defaultObjectPath } from '../tracer/index.ts';
import { TargetBtf } from '../loader/index.ts';

interface CodeCacheHook {
  save(kind: 'full'): boolean;
}

export function saveCompiledStartup(): boolean {
  const hook = (globalThis as Record<symbol, unknown>)[Symbol.for('exectrace.codeCache')] as CodeCacheHook | undefined;
  return hook?.save('full') ?? false;
}

/**
 * What the build runs before it writes the launcher's first cache: the
 * start-up's JavaScript that needs no BPF — the object parsed and its
 * programs relocated — so that a new container's first start finds those
 * functions compiled too. Against the build machine's kernel BTF when it
 * has one, else against the object's own BTF (the same code runs either
 * way). Never fails: it only decides what gets compiled.
 */
export function rehearseStartup(): void {
  try {
    ExecTracer.relocate();
  } catch {
    try {
      // An ELF object as the target means its .BTF section.
      ExecTracer.relocate({ target: TargetBtf.fromBytes(readFileSync(defaultObjectPath()), 'exectrace.bpf.o') });
    } catch {
      // nothing more to compile here
    }
  }
}
