// Loading a parsed object into the kernel: BTF, maps (with their initial
// data, frozen when read-only), programs (references resolved, CO-RE
// applied, func/line info attached), then the initial contents of prog
// arrays and map-in-maps. Everything created is owned by the Collection and
// released by close(), also when loading fails half-way.
import { existsSync } from 'node:fs';
import { encode, BPF_PSEUDO_MAP_FD, BPF_PSEUDO_MAP_VALUE, BPF_PSEUDO_KFUNC_CALL, type Instruction } from '../asm/index.ts';
import { BpfMap, possibleCpus } from '../map/index.ts';
import { BpfProgram, KernelBtf } from '../prog/index.ts';
import { KernelError } from '../syscall/index.ts';
import { MapType, ProgType, ProgFlags } from '../syscall/abi/index.ts';
import type { CollectionSpec, MapDef, ProgramDef } from '../object/index.ts';
import { sanitizeBtf } from './btf-sanitize.ts';
import { probeBtfFeatures } from './features.ts';
import { kernelVersionCode, runningKconfig, type KconfigValue } from './kconfig.ts';
import { TargetBtf } from './target-btf.ts';
import { applyCore, coreContext, describePoison, POISON_HELPER, type PoisonRecord } from './core.ts';
import { LoaderError } from './errors.ts';
import { LOCAL_BTF_ID_SHIFT, shiftedId } from './btf-shift.ts';
import type { CoreContext } from '../core/index.ts';

export interface LoadOptions {
  /** CO-RE target and tracing attach points (default: the running kernel's BTF). */
  target?: TargetBtf;
  /** Load only these programs (default: every program of a known type). */
  programs?: string[];
  /** Directory for maps with `pinning: by-name` (LIBBPF_PIN_BY_NAME); unpinned when absent. */
  pinPath?: string;
  /** Verifier log level to request even on success (0: a log only on failure). */
  logLevel?: number;
  /** `collect`: a program that fails to load is recorded in `errors` and the rest still load. Default `throw`. */
  onProgramError?: 'throw' | 'collect';
  /** Values for .kconfig externs (default: the running kernel's config). */
  kconfig?: Map<string, KconfigValue>;
  /** Name used in messages. */
  name?: string;
}

export { LoaderError };

export class Collection implements Disposable {
  readonly maps = new Map<string, BpfMap>();
  readonly programs = new Map<string, BpfProgram>();
  /** Programs that failed to load (with onProgramError: 'collect'). */
  readonly errors = new Map<string, Error>();
  /** Programs not loaded, with the reason (unknown section, not requested). */
  readonly skipped = new Map<string, string>();
  btf: KernelBtf | undefined;
  /** Why the object's BTF could not be loaded, when it could not. */
  btfError: Error | undefined;

  close(): void {
    for (const p of this.programs.values()) p.close();
    for (const m of this.maps.values()) m.close();
    this.btf?.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

export function loadCollection(spec: CollectionSpec, opts: LoadOptions = {}): Collection {
  const c = new Collection();
  try {
    new Loader(spec, opts, c).run();
    return c;
  } catch (e) {
    c.close();
    throw e;
  }
}

class Loader {
  readonly spec: CollectionSpec;
  readonly opts: LoadOptions;
  readonly c: Collection;
  readonly name: string;
  #target: TargetBtf | undefined;
  #core: CoreContext | undefined;

  constructor(spec: CollectionSpec, opts: LoadOptions, c: Collection) {
    this.spec = spec;
    this.opts = opts;
    this.c = c;
    this.name = opts.name ?? 'BPF object';
  }

  get target(): TargetBtf {
    return (this.#target ??= this.opts.target ?? TargetBtf.kernel());
  }

  run(): void {
    this.loadBtf();
    this.fillKconfig();
    for (const def of orderMaps(this.spec.maps)) this.createMap(def);
    for (const def of this.spec.programs.values()) this.loadProgramChecked(def);
    for (const def of this.spec.maps.values()) this.initMap(def);
  }

  loadBtf(): void {
    const { btf, rawBtf } = this.spec;
    if (!btf || !rawBtf) return;
    try {
      this.c.btf = KernelBtf.load(sanitizeBtf(this.spec, btf, probeBtfFeatures(), { shiftIds: true }), `BTF of ${this.name}`);
    } catch (e) {
      // Maps and programs still load without BTF, as with libbpf; say why if one then needs it.
      this.c.btfError = e as Error;
    }
  }

  fillKconfig(): void {
    const map = this.spec.maps.get('.kconfig');
    if (!map?.data || this.spec.kconfig.length === 0) return;
    const config = this.opts.kconfig ?? runningKconfig();
    const dv = new DataView(map.data.buffer, map.data.byteOffset, map.data.byteLength);
    const le = this.spec.littleEndian;
    for (const k of this.spec.kconfig) {
      let v: KconfigValue | undefined;
      if (k.name === 'LINUX_KERNEL_VERSION') v = BigInt(kernelVersionCode());
      else if (k.name.startsWith('CONFIG_')) {
        if (!config && !k.weak) throw new LoaderError(`${this.name}: extern ${k.name} needs the kernel config, but neither /proc/config.gz nor /boot/config-$(uname -r) exists`);
        v = config?.get(k.name);
        // Like libbpf: a strong extern must be resolved; a __weak one reads as 0 when absent.
        if (v === undefined && !k.weak) throw new LoaderError(`${this.name}: extern ${k.name} (strong) is not set in the kernel config; declare it __weak to read 0 when absent`);
        v ??= 'n';
      } else {
        throw new LoaderError(`${this.name}: unknown .kconfig extern ${k.name} (only LINUX_KERNEL_VERSION and CONFIG_* are known)`);
      }
      const n = v === 'y' ? 1n : v === 'm' ? 2n : v === 'n' ? 0n : typeof v === 'string' ? undefined : BigInt(v);
      if (n === undefined) {
        const bytes = Buffer.from(`${v as string}\0`);
        if (bytes.length > k.size) throw new LoaderError(`${this.name}: ${k.name}=${String(v)} does not fit its ${k.size}-byte extern`);
        map.data.set(bytes, k.offset);
      } else if (k.size === 8) dv.setBigUint64(k.offset, BigInt.asUintN(64, n), le);
      else if (k.size === 4) dv.setUint32(k.offset, Number(BigInt.asUintN(32, n)), le);
      else if (k.size === 2) dv.setUint16(k.offset, Number(BigInt.asUintN(16, n)), le);
      else if (k.size === 1) dv.setUint8(k.offset, Number(BigInt.asUintN(8, n)));
      else throw new LoaderError(`${this.name}: extern ${k.name} has unsupported size ${k.size}`);
    }
  }

  createMap(def: MapDef): void {
    const btf = this.c.btf;
    const useBtf = btf !== undefined && (def.btfKeyTypeId !== 0 || def.btfValueTypeId !== 0);
    let maxEntries = def.maxEntries;
    // A perf event array of size 0 means one slot per possible CPU (libbpf's rule).
    if (def.type === MapType.PERF_EVENT_ARRAY && maxEntries === 0) maxEntries = possibleCpus();
    const pinned = def.pinning === 'by-name' && this.opts.pinPath ? `${this.opts.pinPath}/${def.name}` : undefined;
    if (pinned && existsSync(pinned)) {
      const m = BpfMap.fromPin(pinned);
      if (m.type !== def.type || m.keySize !== def.keySize || m.valueSize !== def.valueSize || m.maxEntries !== maxEntries) {
        m.close();
        throw new LoaderError(`${this.name}: map ${def.name} pinned at ${pinned} has another shape (type, key, value or size) than the object declares`);
      }
      this.c.maps.set(def.name, m);
      return;
    }
    let inner: BpfMap | undefined;
    try {
      if (def.inner) inner = this.newMap(def.inner, def.inner.maxEntries, undefined, false);
      const m = this.newMap(def, maxEntries, inner, useBtf);
      this.c.maps.set(def.name, m);
      if (def.data) {
        m.update(Buffer.alloc(4), Buffer.from(def.data.buffer, def.data.byteOffset, def.data.byteLength));
        if (def.freeze) m.freeze();
      }
      if (pinned) m.pin(pinned);
    } finally {
      inner?.close();
    }
  }

  newMap(def: MapDef, maxEntries: number, inner: BpfMap | undefined, useBtf: boolean): BpfMap {
    const name = def.name.replace(/[^\w.]/g, '_').slice(0, 15);
    try {
      return BpfMap.create({
        type: def.type, keySize: def.keySize, valueSize: def.valueSize, maxEntries, flags: def.flags, name,
        numaNode: def.numaNode, mapExtra: def.mapExtra,
        ...(inner ? { innerMap: inner } : {}),
        ...(useBtf && this.c.btf ? { btf: { fd: this.c.btf.fd, keyTypeId: shiftedId(def.btfKeyTypeId), valueTypeId: shiftedId(def.btfValueTypeId) } } : {}),
      });
    } catch (e) {
      if (useBtf && e instanceof KernelError) {
        // A kernel that rejects the map's BTF description still takes the map without it.
        return this.newMap(def, maxEntries, inner, false);
      }
      throw new LoaderError(`${this.name}: map ${def.name}: ${(e as Error).message}`, { cause: e });
    }
  }

  loadProgramChecked(def: ProgramDef): void {
    if (this.opts.programs && !this.opts.programs.includes(def.name)) {
      this.c.skipped.set(def.name, 'not requested');
      return;
    }
    if (!def.match) {
      this.c.skipped.set(def.name, `section ${JSON.stringify(def.section)} names no known program type`);
      return;
    }
    try {
      this.c.programs.set(def.name, this.loadProgram(def));
    } catch (e) {
      if (this.opts.onProgramError !== 'collect') throw e;
      this.c.errors.set(def.name, e as Error);
    }
  }

  loadProgram(def: ProgramDef): BpfProgram {
    const match = def.match!;
    const where = `program ${def.name} (section ${def.section})`;
    if (match.type === ProgType.EXT) throw new LoaderError(`${this.name}: ${where}: freplace programs need a target program to replace; load them with that program's fd`);
    if (match.type === ProgType.STRUCT_OPS) throw new LoaderError(`${this.name}: ${where}: struct_ops programs are loaded through their struct_ops map, which exectrace does not support yet`);
    const insns: Instruction[] = def.insns.map((x) => ({ ...x }));
    this.resolveReferences(def, insns, where);
    let poisoned: readonly PoisonRecord[] = [];
    if (def.coreRelos.length > 0) {
      if (!this.spec.btf) throw new LoaderError(`${this.name}: ${where} has CO-RE relocations but the object has no BTF`);
      this.#core ??= coreContext(this.spec.btf, this.target, this.name);
      poisoned = applyCore(this.#core, def, insns, this.name, this.c.btf ? LOCAL_BTF_ID_SHIFT : 0);
    }
    const { attachBtfId, attachBtfObjFd } = this.attachTarget(def, where);
    const btf = this.c.btf;
    let flags = 0;
    if (match.def.sleepable) flags |= ProgFlags.SLEEPABLE;
    if (match.def.xdpFrags) flags |= ProgFlags.XDP_HAS_FRAGS;
    try {
      return BpfProgram.load({
        type: match.type,
        name: def.name.slice(0, 15),
        insns: encode(insns),
        license: def.license || 'GPL',
        expectedAttachType: match.expectedAttachType,
        attachBtfId,
        attachBtfObjFd,
        flags,
        kernVersion: this.spec.kernelVersion || kernelVersionCode(),
        ...(btf && def.funcInfo.length > 0 ? { btfFd: btf.fd, funcInfo: funcInfoBlob(def) } : {}),
        ...(btf && def.lineInfo.length > 0 ? { btfFd: btf.fd, lineInfo: lineInfoBlob(def) } : {}),
        logLevel: this.opts.logLevel ?? 0,
      });
    } catch (e) {
      if (e instanceof KernelError && poisoned.length > 0 && e.log?.includes(`unknown#${POISON_HELPER}`)) {
        throw new LoaderError(`${this.name}: ${where}: the verifier reached an instruction whose CO-RE relocation failed: ${describePoison(e.log, poisoned)}\n${e.message}`, { cause: e, log: e.log });
      }
      if (e instanceof KernelError) {
        const note = !btf && this.c.btfError && /BTF|func_info/.test(e.log ?? '') ? `\n(the object's BTF was not loaded: ${this.c.btfError.message})` : '';
        throw new LoaderError(`${this.name}: ${where}: ${e.message}${note}`, { cause: e, log: e.log });
      }
      throw e;
    }
  }

  resolveReferences(def: ProgramDef, insns: Instruction[], where: string): void {
    for (let i = 0; i < insns.length; i++) {
      const ref = def.refs[i];
      if (!ref) continue;
      const insn = insns[i]!;
      const next = insns[i + 1];
      switch (ref.kind) {
        case 'map':
        case 'map_value': {
          const map = this.c.maps.get(ref.map);
          if (!map) throw new LoaderError(`${this.name}: ${where} instruction ${i} refers to map ${ref.map}, which was not created`);
          if (!next) throw new LoaderError(`${this.name}: ${where} instruction ${i}: truncated 64-bit load`);
          insn.src = ref.kind === 'map' ? BPF_PSEUDO_MAP_FD : BPF_PSEUDO_MAP_VALUE;
          insn.imm = map.fd;
          next.imm = ref.kind === 'map_value' ? ref.offset : 0;
          delete insn.imm64;
          break;
        }
        case 'kfunc': {
          const id = this.target.vmlinux.idsByName(ref.name, 'func')[0];
          if (id === undefined) throw new LoaderError(`${this.name}: ${where} instruction ${i} calls kernel function ${ref.name}, which the target BTF (${this.target.source}) does not have`);
          insn.src = BPF_PSEUDO_KFUNC_CALL;
          insn.imm = id;
          insn.off = 0;
          break;
        }
        case 'kconfig':
        case 'extern':
          throw new LoaderError(`${this.name}: ${where} instruction ${i} refers to extern ${ref.name}, which nothing defines`);
      }
    }
  }

  /** attach_btf_id for tp_btf / fentry / fexit / fmod_ret / lsm / iter programs. */
  attachTarget(def: ProgramDef, where: string): { attachBtfId?: number; attachBtfObjFd?: number } {
    const m = def.match!;
    if (m.def.btfPrefix === undefined) return {};
    if (!m.target) throw new LoaderError(`${this.name}: ${where}: section names no attach target (expected ${m.def.prefix}/<name>)`);
    const name = `${m.def.btfPrefix}${m.target}`;
    const kind = m.def.prefix === 'tp_btf' ? 'typedef' : 'func';
    const id = this.target.vmlinux.idsByName(name, kind)[0];
    if (id === undefined) throw new LoaderError(`${this.name}: ${where}: attach target ${name} (${kind}) is not in the kernel's BTF`);
    return { attachBtfId: id };
  }

  initMap(def: MapDef): void {
    if (def.init.length === 0) return;
    const map = this.c.maps.get(def.name);
    if (!map) return;
    for (const { key, value } of def.init) {
      let fd: number;
      if ('program' in value) {
        const p = this.c.programs.get(value.program);
        if (!p) continue; // not loaded (skipped or failed): the slot stays empty
        fd = p.fd;
      } else {
        const m = this.c.maps.get(value.map);
        if (!m) throw new LoaderError(`${this.name}: map ${def.name} slot ${key} holds map ${value.map}, which does not exist`);
        fd = m.fd;
      }
      const k = Buffer.alloc(4);
      k.writeUInt32LE(key);
      const v = Buffer.alloc(4);
      v.writeUInt32LE(fd);
      map.update(k, v);
    }
  }
}

/** Inner maps referenced by map-in-map contents are created first. */
function orderMaps(maps: Map<string, MapDef>): MapDef[] {
  const out: MapDef[] = [];
  const seen = new Set<string>();
  const visit = (d: MapDef) => {
    if (seen.has(d.name)) return;
    seen.add(d.name);
    for (const e of d.init) {
      if ('map' in e.value) {
        const dep = maps.get(e.value.map);
        if (dep) visit(dep);
      }
    }
    out.push(d);
  };
  for (const d of maps.values()) visit(d);
  return out;
}

function funcInfoBlob(def: ProgramDef): { recSize: number; data: Buffer; count: number } {
  const data = Buffer.alloc(def.funcInfo.length * 8);
  def.funcInfo.forEach((f, i) => {
    data.writeUInt32LE(f.insnOff / 8, i * 8);
    data.writeUInt32LE(shiftedId(f.typeId), i * 8 + 4);
  });
  return { recSize: 8, data, count: def.funcInfo.length };
}

function lineInfoBlob(def: ProgramDef): { recSize: number; data: Buffer; count: number } {
  const data = Buffer.alloc(def.lineInfo.length * 16);
  def.lineInfo.forEach((l, i) => {
    data.writeUInt32LE(l.insnOff / 8, i * 16);
    data.writeUInt32LE(l.fileNameOff, i * 16 + 4);
    data.writeUInt32LE(l.lineOff, i * 16 + 8);
    data.writeUInt32LE(l.lineCol, i * 16 + 12);
  });
  return { recSize: 16, data, count: def.lineInfo.length };
}

