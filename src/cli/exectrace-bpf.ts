#!/usr/bin/env node
// exectrace-bpf: inspect, load and run BPF object files with exectrace's
// own loader. For users checking an object, and for the tests.
import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseObject, type CollectionSpec, setVariable } from '../object/index.ts';
import { loadCollection, attachBySection, TargetBtf, type Collection } from '../loader/index.ts';
import { mapTypeName } from '../map/index.ts';
import { ProgType } from '../syscall/abi/index.ts';
import type { Attachment } from '../link/index.ts';

const HELP = `Usage:
  exectrace-bpf inspect OBJ                 print the parsed object as JSON
  exectrace-bpf load OBJ [options]          load every map and every program of a known type;
                                            one JSON line per program; exit 0 iff all loaded
      --attach                              also attach each program where its section says
      --hold                                stay loaded (and attached) until SIGINT/SIGTERM
  exectrace-bpf run OBJ PROGRAM [options]   load the object, run PROGRAM once with
                                            BPF_PROG_TEST_RUN and print its return value
      --data-size N                         bytes of zeroed input for packet programs (default 64)
      --repeat N                            runs (default 1)
Common options:
  --btf FILE       CO-RE target instead of the running kernel's BTF: raw BTF, gzip'd raw BTF,
                   or an ELF object whose .BTF is used
  --set NAME=VALUE set a global variable (integer, true/false, or 0x-prefixed hex bytes) before load
  --pin-path DIR   pin maps declared with pinning by name under DIR
  --help`;

class UsageError extends Error {}

function fail(message: string, code = 1): never {
  process.stderr.write(`exectrace-bpf: ${message}\n`);
  process.exit(code);
}

function readObject(path: string): { spec: CollectionSpec; name: string } {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    fail(`cannot read ${path}: ${(e as Error).message}`);
  }
  const name = basename(path);
  try {
    return { spec: parseObject(bytes, { name }), name };
  } catch (e) {
    fail((e as Error).message);
  }
}

function progTypeName(n: number): string {
  return Object.entries(ProgType).find(([, v]) => v === n)?.[0] ?? `type ${n}`;
}

function inspect(spec: CollectionSpec): unknown {
  return {
    license: spec.license,
    btf: spec.btf ? { types: spec.btf.nextTypeId - 1 } : null,
    programs: [...spec.programs.values()].map((p) => ({
      name: p.name,
      section: p.section,
      type: p.match ? progTypeName(p.match.type) : null,
      ...(p.match ? {} : { note: 'section names no known program type' }),
      instructions: p.insns.filter((_, i) => i === 0 || !isSecondSlot(p.insns, i)).length,
      slots: p.insns.length,
      functions: p.layout.map((l) => l.name),
      relocations: {
        maps: p.refs.filter((r) => r?.kind === 'map').length,
        mapValues: p.refs.filter((r) => r?.kind === 'map_value').length,
        kfuncs: p.refs.filter((r) => r?.kind === 'kfunc').length,
        externs: p.refs.filter((r) => r?.kind === 'extern').length,
        core: p.coreRelos.length,
      },
    })),
    maps: [...spec.maps.values()].map((m) => ({
      name: m.name,
      section: m.section,
      type: mapTypeName(m.type),
      keySize: m.keySize,
      valueSize: m.valueSize,
      maxEntries: m.maxEntries,
      flags: m.flags,
      ...(m.pinning !== 'none' ? { pinning: m.pinning } : {}),
      ...(m.inner ? { inner: { type: mapTypeName(m.inner.type), keySize: m.inner.keySize, valueSize: m.inner.valueSize, maxEntries: m.inner.maxEntries } } : {}),
      ...(m.init.length > 0 ? { init: m.init } : {}),
      ...(m.freeze ? { frozen: true } : {}),
    })),
    variables: [...spec.variables.values()].map((v) => ({ name: v.name, map: v.map, offset: v.offset, size: v.size, readOnly: v.readOnly })),
    kconfig: spec.kconfig.map((k) => k.name),
  };
}

/** The second slot of a 64-bit immediate load is not an instruction of its own. */
function isSecondSlot(insns: CollectionSpec['programs'] extends Map<string, infer P> ? P extends { insns: infer I } ? I : never : never, i: number): boolean {
  const prev = insns[i - 1];
  return prev !== undefined && prev.code === 0x18 && !isSecondSlot(insns, i - 1);
}

function applySets(spec: CollectionSpec, sets: string[], name: string): void {
  for (const s of sets) {
    const eq = s.indexOf('=');
    if (eq <= 0) throw new UsageError(`--set takes NAME=VALUE, got ${JSON.stringify(s)}`);
    const key = s.slice(0, eq);
    const raw = s.slice(eq + 1);
    let value: Uint8Array | bigint | boolean;
    if (raw === 'true' || raw === 'false') value = raw === 'true';
    else if (/^0x([0-9a-f]{2})+$/i.test(raw) && raw.length > 18) value = Buffer.from(raw.slice(2), 'hex');
    else if (/^-?(0x[0-9a-f]+|\d+)$/i.test(raw)) value = BigInt(raw);
    else throw new UsageError(`--set ${key}: ${JSON.stringify(raw)} is not an integer, true/false or hex bytes`);
    setVariable(spec, key, value, name);
  }
}

function tailOf(e: unknown): string | undefined {
  const log = (e as { log?: string }).log ?? ((e as { cause?: { log?: string } }).cause?.log);
  return log ? log.trimEnd().split('\n').slice(-8).join('\n') : undefined;
}

function firstLine(e: unknown): string {
  return (e as Error).message.split('\n')[0]!;
}

async function holdUntilSignal(): Promise<void> {
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      attach: { type: 'boolean' },
      hold: { type: 'boolean' },
      btf: { type: 'string' },
      set: { type: 'string', multiple: true },
      'pin-path': { type: 'string' },
      'data-size': { type: 'string' },
      repeat: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help || positionals.length === 0) {
    process.stdout.write(`${HELP}\n`);
    return values.help ? 0 : 2;
  }
  const [command, objPath, progName] = positionals;
  if (!objPath) throw new UsageError(`${command} needs an object file`);
  const { spec, name } = readObject(objPath);
  const target = values.btf ? TargetBtf.file(values.btf) : undefined;
  if (values.btf) {
    try {
      void target!.vmlinux;
    } catch (e) {
      fail(`--btf ${values.btf}: ${(e as Error).message}`);
    }
  }
  applySets(spec, values.set ?? [], name);
  const loadOpts = { name, onProgramError: 'collect' as const, ...(target ? { target } : {}), ...(values['pin-path'] ? { pinPath: values['pin-path'] } : {}) };

  switch (command) {
    case 'inspect':
      process.stdout.write(`${JSON.stringify(inspect(spec), (_k, v) => (typeof v === 'bigint' ? v.toString() : v), 2)}\n`);
      return 0;
    case 'load': {
      let c: Collection;
      try {
        c = loadCollection(spec, loadOpts);
      } catch (e) {
        fail(`${firstLine(e)}${tailOf(e) ? `\n${tailOf(e)}` : ''}`);
      }
      const attachments: Attachment[] = [];
      let ok = true;
      for (const def of spec.programs.values()) {
        const prog = c.programs.get(def.name);
        const line: Record<string, unknown> = { program: def.name, section: def.section };
        if (prog) {
          line.ok = true;
          line.id = prog.info().id;
          if (values.attach) {
            try {
              attachments.push(attachBySection(prog, def));
              line.attached = true;
            } catch (e) {
              ok = false;
              line.ok = false;
              line.attached = false;
              line.error = firstLine(e);
            }
          }
        } else if (c.errors.has(def.name)) {
          ok = false;
          const e = c.errors.get(def.name)!;
          line.ok = false;
          line.error = firstLine(e);
          const log = tailOf(e);
          if (log) line.log = log;
        } else {
          line.skipped = c.skipped.get(def.name);
        }
        process.stdout.write(`${JSON.stringify(line)}\n`);
      }
      if (c.btfError) process.stderr.write(`exectrace-bpf: note: the object's BTF was not loaded: ${firstLine(c.btfError)}\n`);
      if (values.hold) await holdUntilSignal();
      for (const a of attachments) a.close();
      c.close();
      return ok ? 0 : 1;
    }
    case 'run': {
      if (!progName) throw new UsageError('run needs a program name');
      const def = spec.programs.get(progName);
      if (!def) fail(`${name} has no program ${progName} (programs: ${[...spec.programs.keys()].join(', ')})`);
      let c: Collection;
      try {
        c = loadCollection(spec, loadOpts);
      } catch (e) {
        fail(`${firstLine(e)}${tailOf(e) ? `\n${tailOf(e)}` : ''}`);
      }
      try {
        const prog = c.programs.get(progName);
        if (!prog) {
          const e = c.errors.get(progName);
          fail(e ? `${firstLine(e)}${tailOf(e) ? `\n${tailOf(e)}` : ''}` : `program ${progName} was not loaded: ${c.skipped.get(progName)}`);
        }
        const packet = [ProgType.SOCKET_FILTER, ProgType.SCHED_CLS, ProgType.SCHED_ACT, ProgType.XDP, ProgType.CGROUP_SKB, ProgType.LWT_IN, ProgType.LWT_OUT, ProgType.LWT_XMIT, ProgType.SK_SKB, ProgType.FLOW_DISSECTOR]
          .includes(def.match!.type as never);
        const size = Number(values['data-size'] ?? 64);
        const r = prog.testRun({ ...(packet ? { dataIn: Buffer.alloc(size) } : {}), repeat: Number(values.repeat ?? 1) });
        process.stdout.write(`${JSON.stringify({ program: progName, retval: r.retval, durationNs: r.duration })}\n`);
        return 0;
      } finally {
        c.close();
      }
    }
    default:
      throw new UsageError(`unknown command ${JSON.stringify(command)}`);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    if (e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) fail(`${(e as Error).message}\n\n${HELP}`, 2);
    fail((e as Error).message);
  },
);
