// Starting a worker from this package's sources or from its build. From
// TypeScript sources (tests, development) the entry must be loaded through
// tsx, whose --import hook does not reach a worker's entry module on Node
// 20 (the same approach as src/syscall/poller.ts); the build runs plain .js.
import { Worker, type TransferListItem } from 'node:worker_threads';

export function startWorker(entry: URL, workerData: unknown, transferList: TransferListItem[] = []): Worker {
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry, { workerData, transferList });
  const api = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(api)}).then((m) => (m.tsImport ? m : m.default).tsImport(${JSON.stringify(entry.href)}, ${JSON.stringify(entry.href)}))`;
  return new Worker(boot, { eval: true, workerData, transferList });
}

/** A sibling module of the caller, as .ts from sources and .js from the build. */
export function sibling(name: string, from: string): URL {
  return new URL(`./${name}${from.endsWith('.ts') ? '.ts' : '.js'}`, from);
}
