// The kernel objects of one guest, on the main thread: the BPF objects it
// loaded (by handle), their attachments and the buffers it polls. A guest
// can only reach what it created: handles are per guest, and a map fd is
// honoured only if it belongs to one of the guest's own objects, so a guest
// cannot operate on another guest's maps or on any other fd of the host.
// closeAll() frees everything, whatever way the guest ended.
import { parseObject, type CollectionSpec } from '../object/index.ts';
import { loadCollection, attachBySection, type Collection } from '../loader/index.ts';
import { BpfLink, type Attachment } from '../link/index.ts';
import type { BpfMap } from '../map/index.ts';
import { sys, KernelError } from '../syscall/index.ts';
import { PollSource } from './poll-source.ts';
import { guestError } from './errno.ts';
import { MapCmd, type Reply } from './protocol.ts';

interface LoadedObject {
  handle: number;
  label: string;
  spec: CollectionSpec;
  collection: Collection;
  links: Attachment[];
  sources: Map<number, PollSource>;
}

export interface KernelObjectIds {
  programs: number[];
  maps: number[];
  links: number[];
}

/** Objects one guest may have open at once: a guest loading in a loop must not exhaust the host. */
const MAX_OBJECTS = 64;

const EINVAL = guestError('EINVAL');
const ENOENT = guestError('ENOENT');
const EBADF = guestError('EBADF');
const ENOTSUP = guestError('ENOTSUP');

/** A failure's code for the guest: the kernel's errno when there is one. */
function codeOf(e: unknown, fallback = EINVAL): number {
  let x: unknown = e;
  for (let i = 0; i < 4 && x; i++) {
    if (x instanceof KernelError) return guestError(x.code);
    x = (x as { cause?: unknown }).cause;
  }
  return fallback;
}

const firstLine = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n')[0]!;

export class GuestObjects {
  readonly #name: string;
  readonly #report: (message: string) => void;
  readonly #objects = new Map<number, LoadedObject>();
  #next = 1;

  constructor(name: string, report: (message: string) => void) {
    this.#name = name;
    this.#report = report;
  }

  /** Objects still open. */
  get count(): number {
    return this.#objects.size;
  }

  load(bytes: Uint8Array): number {
    if (this.#objects.size >= MAX_OBJECTS) {
      this.#report(`load refused: the guest already has ${MAX_OBJECTS} objects open`);
      return 0;
    }
    const handle = this.#next++;
    const label = `${this.#name} object ${handle}`;
    let spec: CollectionSpec;
    let collection: Collection;
    try {
      spec = parseObject(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), { name: label });
      collection = loadCollection(spec, { name: label, onProgramError: 'collect' });
    } catch (e) {
      this.#report(`load failed: ${firstLine(e)}`);
      return 0;
    }
    for (const [prog, e] of collection.errors) this.#report(`${label}: program ${prog} did not load: ${firstLine(e)}`);
    this.#objects.set(handle, { handle, label, spec, collection, links: [], sources: new Map() });
    return handle;
  }

  attach(handle: number, name: string, target: string): number {
    const o = this.#objects.get(handle);
    if (!o) return EINVAL;
    const def = o.spec.programs.get(name);
    if (!def) {
      this.#report(`${o.label}: attach: no program named ${JSON.stringify(name)}`);
      return ENOENT;
    }
    const prog = o.collection.programs.get(name);
    if (!prog) {
      const why = o.collection.errors.get(name) ?? o.collection.skipped.get(name);
      this.#report(`${o.label}: attach ${name}: the program is not loaded${why ? ` (${firstLine(why)})` : ''}`);
      return EINVAL;
    }
    if (target !== '' && def.match?.def.attach === 'none') {
      this.#report(`${o.label}: attach ${name} to ${JSON.stringify(target)}: attaching ${def.section} programs to a cgroup or interface is not supported by exectrace's loader`);
      return ENOTSUP;
    }
    try {
      // Any other target is ignored, as wasm-bpf does: the section says where to attach.
      o.links.push(attachBySection(prog, def));
      return 0;
    } catch (e) {
      this.#report(`${o.label}: attach ${name}: ${firstLine(e)}`);
      return codeOf(e, ENOTSUP);
    }
  }

  /** The fd of map `name` of object `handle`, with its shape. */
  mapFd(handle: number, name: string): Reply {
    const o = this.#objects.get(handle);
    if (!o) return { code: EINVAL };
    // Skeletons name global data maps `<obj name prefix>.rodata`; the loader names them by section.
    const map = o.collection.maps.get(name) ?? (name.includes('.') ? o.collection.maps.get(name.slice(name.indexOf('.'))) : undefined);
    if (!map) return { code: ENOENT };
    return { code: map.fd, map: { keySize: map.keySize, valueSize: map.valueBufferSize } };
  }

  #mapByFd(fd: number): BpfMap | undefined {
    for (const o of this.#objects.values()) for (const m of o.collection.maps.values()) if (!m.closed && m.fd === fd) return m;
    return undefined;
  }

  mapInfo(fd: number): Reply {
    const map = this.#mapByFd(fd);
    return map ? { code: 0, map: { keySize: map.keySize, valueSize: map.valueBufferSize } } : { code: EBADF };
  }

  mapOperate(fd: number, cmd: number, key: Uint8Array | null, value: Uint8Array | null, flags: number): Reply {
    const map = this.#mapByFd(fd);
    if (!map) return { code: EBADF };
    if (map.keySize === 0) return { code: EINVAL }; // ring buffers, queues: nothing to look up by key
    const k = key && Buffer.from(key.buffer, key.byteOffset, key.byteLength);
    if (k && k.length !== map.keySize) return { code: EINVAL };
    const what = `map ${map.label}`;
    try {
      switch (cmd) {
        case MapCmd.LOOKUP: {
          const v = Buffer.alloc(map.valueBufferSize);
          return sys.mapLookupElem(fd, k!, v, flags, what) ? { code: 0, data: v } : { code: ENOENT };
        }
        case MapCmd.UPDATE: {
          if (!value || value.length !== map.valueBufferSize) return { code: EINVAL };
          sys.mapUpdateElem(fd, k!, Buffer.from(value.buffer, value.byteOffset, value.byteLength), flags, what);
          return { code: 0 };
        }
        case MapCmd.DELETE:
          if (flags !== 0) return { code: EINVAL };
          return { code: sys.mapDeleteElem(fd, k!, what) ? 0 : ENOENT };
        case MapCmd.GET_NEXT_KEY: {
          const next = Buffer.alloc(map.keySize);
          return sys.mapGetNextKey(fd, k, next, what) ? { code: 0, data: next } : { code: ENOENT };
        }
        default:
          return { code: EINVAL };
      }
    } catch (e) {
      return { code: codeOf(e) };
    }
  }

  /** The buffer reader of map `fd` of object `handle` (opened on first use), or an error code. */
  source(handle: number, fd: number): PollSource | number {
    const o = this.#objects.get(handle);
    if (!o) return EINVAL;
    const existing = o.sources.get(fd);
    if (existing) return existing;
    const map = [...o.collection.maps.values()].find((m) => !m.closed && m.fd === fd);
    if (!map) return ENOENT;
    try {
      const s = PollSource.open(map);
      if (!s) {
        this.#report(`${o.label}: poll: map ${map.name} is ${map.typeName}, neither a ring buffer nor a perf event array`);
        return EINVAL;
      }
      o.sources.set(fd, s);
      return s;
    } catch (e) {
      this.#report(`${o.label}: poll ${map.name}: ${firstLine(e)}`);
      return codeOf(e);
    }
  }

  close(handle: number): Reply {
    const o = this.#objects.get(handle);
    if (!o) return { code: EINVAL };
    const fds = [...o.collection.maps.values()].filter((m) => !m.closed).map((m) => m.fd);
    this.#free(o);
    return { code: 0, closedFds: fds };
  }

  /** Kernel IDs of the programs, maps and links open now (for checking they are gone later). */
  ids(): KernelObjectIds {
    const out: KernelObjectIds = { programs: [], maps: [], links: [] };
    for (const o of this.#objects.values()) {
      for (const p of o.collection.programs.values()) out.programs.push(p.info().id);
      for (const m of o.collection.maps.values()) out.maps.push(m.info().id);
      for (const l of o.links) if (l instanceof BpfLink) out.links.push(l.info().id);
    }
    return out;
  }

  closeAll(): void {
    for (const o of [...this.#objects.values()]) this.#free(o);
  }

  #free(o: LoadedObject): void {
    this.#objects.delete(o.handle);
    // Readers before maps (a perf reader empties its map slots), links before programs.
    for (const s of o.sources.values()) s.close();
    for (const l of o.links) l.close();
    o.collection.close();
  }
}
