// uprobes: a program run when any process executes a given instruction of a
// binary, found by symbol. The kernel's uprobe PMU takes the binary's path
// and the probe's *file* offset, which we compute from the symbol's address
// and its section with our own ELF reader.
import { readFileSync } from 'node:fs';
import { parseElf, STT_FUNC, type ElfSymbol } from '../elf/index.ts';
import { perfEventOpenProbe } from '../syscall/index.ts';
import type { BpfProgram } from '../prog/index.ts';
import { attachPerfEvent, PerfEventAttachment, type Attachment } from './link.ts';

const PMU_DIR = '/sys/bus/event_source/devices/uprobe';

function readPmu(): { type: number; retprobeBit: number } {
  let type: number;
  try {
    type = Number.parseInt(readFileSync(`${PMU_DIR}/type`, 'utf8'), 10);
  } catch {
    throw new Error(`this kernel has no uprobe PMU (${PMU_DIR}/type is missing; CONFIG_UPROBE_EVENTS is needed)`);
  }
  const fmt = readFileSync(`${PMU_DIR}/format/retprobe`, 'utf8').trim(); // "config:0"
  const bit = Number(/^config:(\d+)$/.exec(fmt)?.[1]);
  if (!Number.isInteger(bit)) throw new Error(`unexpected ${PMU_DIR}/format/retprobe: ${JSON.stringify(fmt)}`);
  return { type, retprobeBit: bit };
}

/** The file offset of `symbol` (+ `extra` bytes) in the binary at `path`. */
export function uprobeOffset(path: string, symbol: string, extra = 0): number {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new Error(`uprobe: cannot read ${path}: ${(e as Error).message}`);
  }
  const elf = parseElf(bytes, { hostBinary: true });
  const isTarget = (s: ElfSymbol) => s.name === symbol && s.type === STT_FUNC && s.sectionIndex !== 0;
  const sym = elf.symbols().find(isTarget) ?? elf.dynamicSymbols().find(isTarget);
  if (!sym) throw new Error(`uprobe: ${path} has no function symbol ${symbol}`);
  const section = elf.sections[sym.sectionIndex];
  if (!section) throw new Error(`uprobe: symbol ${symbol} of ${path} is in section ${sym.sectionIndex}, which does not exist`);
  // Executables and shared objects: symbol values are virtual addresses.
  const fileOffset = elf.header.type === 1 ? section.offset + sym.value : sym.value - section.addr + section.offset;
  return fileOffset + extra;
}

export interface UprobeOptions {
  retprobe?: boolean;
  /** Byte offset added to the symbol's start. */
  offset?: number;
}

/** Attaches a KPROBE-type program as a uprobe on `symbol` in `path`, for every process. */
export function attachUprobe(prog: BpfProgram, path: string, symbol: string, opts: UprobeOptions = {}): Attachment {
  const pmu = readPmu();
  const offset = uprobeOffset(path, symbol, opts.offset ?? 0);
  const label = `${opts.retprobe ? 'uretprobe' : 'uprobe'} ${path}:${symbol} (program ${prog.label})`;
  const config = opts.retprobe ? 1n << BigInt(pmu.retprobeBit) : 0n;
  const perf = new PerfEventAttachment(perfEventOpenProbe(pmu.type, config, path, BigInt(offset), label), label);
  return attachPerfEvent(prog, perf, label, 'auto');
}
