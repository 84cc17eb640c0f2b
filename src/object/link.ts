// Linking a program: the kernel loads one instruction stream per program, so
// every function it calls (bpf-to-bpf calls, or takes the address of, for
// bpf_loop callbacks and the like) is appended once after it, and call
// offsets are rewritten for the new positions. func_info, line_info and CO-RE
// records, which BTF.ext keeps per section, follow their functions.
import type { BtfExt } from '../btf/index.ts';
import { ObjectError } from './errors.ts';
import type { SectionMatch } from './section-types.ts';
import type { FunctionDef, ProgramDef } from './spec.ts';

function findFunction(functions: Map<string, FunctionDef>, key: string): { fn: FunctionDef; delta: number } | undefined {
  const exact = functions.get(key);
  if (exact) return { fn: exact, delta: 0 };
  // A call into the middle of a function: legal only for hand-written code; find the container.
  const sep = key.lastIndexOf(':');
  const section = key.slice(0, sep);
  const off = Number(key.slice(sep + 1));
  for (const fn of functions.values()) {
    if (fn.section === section && off >= fn.offset && off < fn.offset + fn.insns.length * 8) return { fn, delta: (off - fn.offset) / 8 };
  }
  return undefined;
}

export function linkProgram(
  entry: FunctionDef,
  functions: Map<string, FunctionDef>,
  match: SectionMatch | undefined,
  license: string,
  btfExt: BtfExt | undefined,
  objName: string,
): ProgramDef {
  const placed = new Map<FunctionDef, number>();
  const order: FunctionDef[] = [];
  const place = (fn: FunctionDef) => {
    if (placed.has(fn)) return;
    placed.set(fn, order.reduce((n, f) => n + f.insns.length, 0));
    order.push(fn);
  };
  place(entry);
  // Breadth-first over calls; `order` grows while we walk it.
  for (let k = 0; k < order.length; k++) {
    const fn = order[k]!;
    for (let i = 0; i < fn.calls.length; i++) {
      const key = fn.calls[i];
      if (key === undefined) continue;
      const target = findFunction(functions, key);
      if (!target) throw new ObjectError(objName, `program ${entry.name}: function ${fn.name} instruction ${i} calls ${key}, where no function is`);
      place(target.fn);
    }
  }

  const insns = order.flatMap((f) => f.insns.map((x) => ({ ...x })));
  const refs = order.flatMap((f) => f.refs);
  for (const fn of order) {
    const base = placed.get(fn)!;
    for (let i = 0; i < fn.calls.length; i++) {
      const key = fn.calls[i];
      if (key === undefined) continue;
      const t = findFunction(functions, key)!;
      const insn = insns[base + i]!;
      insn.imm = placed.get(t.fn)! + t.delta - (base + i + 1);
      delete insn.imm64; // a function pointer's 64-bit form is rebuilt from imm by encode()
    }
  }

  const layout = order.map((f) => ({ name: f.name, section: f.section, offset: f.offset, start: placed.get(f)!, length: f.insns.length }));
  const rebase = <T extends { insnOff: number }>(blocks: readonly { section: string; records: readonly T[] }[] | undefined): { rec: T; section: string; insnOff: number }[] => {
    const out: { rec: T; section: string; insnOff: number }[] = [];
    for (const piece of layout) {
      const block = blocks?.find((b) => b.section === piece.section);
      if (!block) continue;
      for (const rec of block.records) {
        if (rec.insnOff >= piece.offset && rec.insnOff < piece.offset + piece.length * 8) {
          out.push({ rec, section: piece.section, insnOff: piece.start * 8 + (rec.insnOff - piece.offset) });
        }
      }
    }
    return out.sort((a, b) => a.insnOff - b.insnOff);
  };

  return {
    name: entry.name,
    section: entry.section,
    match,
    insns,
    refs,
    layout,
    funcInfo: rebase(btfExt?.funcInfos).map((x) => ({ ...x.rec, insnOff: x.insnOff })),
    lineInfo: rebase(btfExt?.lineInfos).map((x) => ({ ...x.rec, insnOff: x.insnOff })),
    coreRelos: rebase(btfExt?.coreRelos).map((x) => ({ relo: { ...x.rec, insnOff: x.insnOff }, section: x.section })),
    license,
  };
}
