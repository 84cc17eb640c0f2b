// Typed bpf(2) commands. Each builds its bpf_attr from the layouts in
// abi/bpf.ts, issues the call, and turns a failure into a KernelError that
// names the command, the object and the errno. Objects that own the returned
// fds live in src/map, src/prog and src/link; this file is the raw layer.
import { constants } from 'node:os';
import * as libc from './libc.ts';
import {
  BpfCmd, type BpfCmdName, MapCreateAttr, MapElemAttr, ProgLoadAttr, ObjPinAttr, TestRunAttr, InfoAttr,
  RawTracepointAttr, BtfLoadAttr, LinkCreateAttr, MapFreezeAttr, GetIdAttr, EnableStatsAttr, ProgType,
} from './abi/bpf.ts';
import { encode, decode, type Layout, type Fields, type Decoded } from './abi/layout.ts';
import { KernelError } from './errors.ts';
import type { Privileged } from './capabilities.ts';

const { ENOENT, ENOSPC } = constants.errno;

/** Issue bpf(cmd); return the result or throw a KernelError. */
function call(cmd: BpfCmdName, attr: Buffer, object: string | undefined, needs: Privileged = 'bpf'): number {
  const r = libc.bpf(BpfCmd[cmd], attr);
  if (r.value < 0) throw new KernelError({ operation: `bpf(BPF_${cmd})`, errno: r.errno, object, needs });
  return r.value;
}

/** Like call(), but returns -errno instead of throwing for the errnos listed. */
function callAllowing(cmd: BpfCmdName, attr: Buffer, object: string | undefined, allowed: number[]): number {
  const r = libc.bpf(BpfCmd[cmd], attr);
  if (r.value < 0) {
    if (allowed.includes(r.errno)) return -r.errno;
    throw new KernelError({ operation: `bpf(BPF_${cmd})`, errno: r.errno, object, needs: 'bpf' });
  }
  return r.value;
}

/** A C string in a Buffer the kernel can read (addressOf needs ≥ 1 byte). */
export function cString(s: string): Buffer {
  return Buffer.from(`${s}\0`, 'utf8');
}

const ptr = (b: Buffer | undefined | null): bigint => (b && b.length > 0 ? libc.addressOf(b) : 0n);

export interface MapCreateOptions {
  type: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  flags?: number;
  name?: string;
  innerMapFd?: number;
  numaNode?: number;
  btfFd?: number;
  btfKeyTypeId?: number;
  btfValueTypeId?: number;
  btfVmlinuxValueTypeId?: number;
  mapExtra?: bigint;
}

export function mapCreate(o: MapCreateOptions): number {
  const attr = encode(MapCreateAttr, {
    map_type: o.type,
    key_size: o.keySize,
    value_size: o.valueSize,
    max_entries: o.maxEntries,
    map_flags: o.flags ?? 0,
    inner_map_fd: o.innerMapFd ?? 0,
    numa_node: o.numaNode ?? 0,
    map_name: o.name ?? '',
    btf_fd: o.btfFd ?? 0,
    btf_key_type_id: o.btfKeyTypeId ?? 0,
    btf_value_type_id: o.btfValueTypeId ?? 0,
    btf_vmlinux_value_type_id: o.btfVmlinuxValueTypeId ?? 0,
    map_extra: o.mapExtra ?? 0n,
  });
  return call('MAP_CREATE', attr, `map "${o.name ?? ''}"`);
}

/** Copies the value for `key` into `value`; false when the key is absent. */
export function mapLookupElem(fd: number, key: Buffer, value: Buffer, flags = 0, object?: string): boolean {
  const attr = encode(MapElemAttr, { map_fd: fd, key: ptr(key), value: ptr(value), flags });
  return callAllowing('MAP_LOOKUP_ELEM', attr, object, [ENOENT]) >= 0;
}

export function mapUpdateElem(fd: number, key: Buffer, value: Buffer, flags = 0, object?: string): void {
  call('MAP_UPDATE_ELEM', encode(MapElemAttr, { map_fd: fd, key: ptr(key), value: ptr(value), flags }), object);
}

/** False when the key was absent. */
export function mapDeleteElem(fd: number, key: Buffer, object?: string): boolean {
  const attr = encode(MapElemAttr, { map_fd: fd, key: ptr(key) });
  return callAllowing('MAP_DELETE_ELEM', attr, object, [ENOENT]) >= 0;
}

/** Writes the key after `key` (the first key when `key` is null) into `next`; false at the end. */
export function mapGetNextKey(fd: number, key: Buffer | null, next: Buffer, object?: string): boolean {
  const attr = encode(MapElemAttr, { map_fd: fd, key: ptr(key), value: ptr(next) });
  return callAllowing('MAP_GET_NEXT_KEY', attr, object, [ENOENT]) >= 0;
}

export function mapFreeze(fd: number, object?: string): void {
  call('MAP_FREEZE', encode(MapFreezeAttr, { map_fd: fd }), object);
}

export interface ProgLoadOptions {
  type: number;
  name: string;
  /** Encoded instructions, 8 bytes per slot. */
  insns: Uint8Array;
  license: string;
  expectedAttachType?: number;
  attachBtfId?: number;
  attachBtfObjFd?: number;
  attachProgFd?: number;
  kernVersion?: number;
  flags?: number;
  btfFd?: number;
  funcInfo?: { recSize: number; data: Buffer; count: number };
  lineInfo?: { recSize: number; data: Buffer; count: number };
  fdArray?: Int32Array;
  /** 1 = the verifier's decisions, 2 = every instruction; used on retry after a failure. */
  logLevel?: number;
  /** Starting size of the log buffer when a log is requested. */
  logSize?: number;
}

/** A program load that failed: the error carries the verifier's log. */
const LOG_MAX = 16 * 1024 * 1024 - 1; // the kernel's UINT_MAX >> 8 limit, rounded down
const LOG_START = 64 * 1024;

/**
 * BPF_PROG_LOAD as libbpf does it: first without a log (fast, and the log
 * buffer costs kernel memory); on failure, again with a log, growing the
 * buffer on ENOSPC until the verifier's whole explanation fits.
 */
export function progLoad(o: ProgLoadOptions): number {
  const needs: Privileged = tracingTypes.has(o.type) ? 'tracing' : networkTypes.has(o.type) ? 'network' : 'bpf';
  const object = `program "${o.name}"`;
  if (o.insns.length === 0 || o.insns.length % 8 !== 0) {
    throw new Error(`${object}: instructions must be a non-empty multiple of 8 bytes, got ${o.insns.length}`);
  }
  const insns = Buffer.from(o.insns.buffer, o.insns.byteOffset, o.insns.byteLength);
  const license = cString(o.license);
  const fdArray = o.fdArray && o.fdArray.length > 0 ? Buffer.from(o.fdArray.buffer, o.fdArray.byteOffset, o.fdArray.byteLength) : undefined;
  const attempt = (logLevel: number, log: Buffer | undefined) => {
    const attr = encode(ProgLoadAttr, {
      prog_type: o.type,
      insn_cnt: o.insns.length / 8,
      insns: ptr(insns),
      license: ptr(license),
      log_level: log ? logLevel : 0,
      log_size: log ? log.length : 0,
      log_buf: ptr(log),
      kern_version: o.kernVersion ?? 0,
      prog_flags: o.flags ?? 0,
      prog_name: o.name.slice(0, 15),
      expected_attach_type: o.expectedAttachType ?? 0,
      prog_btf_fd: o.btfFd ?? 0,
      func_info_rec_size: o.funcInfo?.recSize ?? 0,
      func_info: ptr(o.funcInfo?.data),
      func_info_cnt: o.funcInfo?.count ?? 0,
      line_info_rec_size: o.lineInfo?.recSize ?? 0,
      line_info: ptr(o.lineInfo?.data),
      line_info_cnt: o.lineInfo?.count ?? 0,
      attach_btf_id: o.attachBtfId ?? 0,
      attach_prog_fd: o.attachProgFd ?? o.attachBtfObjFd ?? 0,
      fd_array: ptr(fdArray),
    });
    return retryOnEagain(() => libc.bpf(BpfCmd.PROG_LOAD, attr));
  };

  if ((o.logLevel ?? 0) === 0) {
    const r = attempt(0, undefined);
    if (r.value >= 0) return r.value;
  }
  let r;

  let size = o.logSize ?? LOG_START;
  for (;;) {
    const log = Buffer.alloc(size);
    r = attempt(Math.max(1, o.logLevel ?? 1), log);
    if (r.value >= 0) return r.value;
    const text = cStringAt(log);
    if (r.errno === ENOSPC && size < LOG_MAX) {
      size = Math.min(size * 4, LOG_MAX);
      continue;
    }
    throw new KernelError({ operation: 'bpf(BPF_PROG_LOAD)', errno: r.errno, object, log: text || undefined, needs });
  }
}

export function btfLoad(data: Uint8Array, name = 'BTF'): number {
  const btf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const attempt = (log: Buffer | undefined) =>
    retryOnEagain(() => libc.bpf(BpfCmd.BTF_LOAD, encode(BtfLoadAttr, {
      btf: ptr(btf),
      btf_size: btf.length,
      btf_log_buf: ptr(log),
      btf_log_size: log ? log.length : 0,
      btf_log_level: log ? 1 : 0,
    })));
  let r = attempt(undefined);
  if (r.value >= 0) return r.value;
  let size = LOG_START;
  for (;;) {
    const log = Buffer.alloc(size);
    r = attempt(log);
    if (r.value >= 0) return r.value;
    if (r.errno === ENOSPC && size < LOG_MAX) {
      size = Math.min(size * 4, LOG_MAX);
      continue;
    }
    throw new KernelError({ operation: 'bpf(BPF_BTF_LOAD)', errno: r.errno, object: name, log: cStringAt(log) || undefined });
  }
}

/**
 * The verifier gives up with EAGAIN when a signal arrives mid-verification
 * (a profiler's SIGPROF, a timer). libbpf retries such loads up to five
 * times; we do too, and the retries run with the thread's signals blocked,
 * so a steady stream of signals cannot make every attempt fail.
 */
const EAGAIN_ATTEMPTS = 5;
function retryOnEagain(load: () => libc.RawResult<number>): libc.RawResult<number> {
  let r = load();
  for (let i = 1; i < EAGAIN_ATTEMPTS && r.value < 0 && r.errno === constants.errno.EAGAIN; i++) r = libc.withSignalsBlocked(load);
  return r;
}

function cStringAt(buf: Buffer): string {
  const nul = buf.indexOf(0);
  return buf.subarray(0, nul < 0 ? buf.length : nul).toString('utf8');
}

export interface TestRunOptions {
  dataIn?: Buffer;
  dataOutSize?: number;
  ctxIn?: Buffer;
  ctxOutSize?: number;
  repeat?: number;
  flags?: number;
  cpu?: number;
}

export interface TestRunResult {
  retval: number;
  /** Average run time in ns as measured by the kernel. */
  duration: number;
  dataOut: Buffer | undefined;
  ctxOut: Buffer | undefined;
}

export function progTestRun(fd: number, o: TestRunOptions, object?: string): TestRunResult {
  const dataOut = o.dataOutSize ? Buffer.alloc(o.dataOutSize) : undefined;
  const ctxOut = o.ctxOutSize ? Buffer.alloc(o.ctxOutSize) : undefined;
  const attr = encode(TestRunAttr, {
    prog_fd: fd,
    data_size_in: o.dataIn?.length ?? 0,
    data_size_out: dataOut?.length ?? 0,
    data_in: ptr(o.dataIn),
    data_out: ptr(dataOut),
    repeat: o.repeat ?? 0,
    ctx_size_in: o.ctxIn?.length ?? 0,
    ctx_size_out: ctxOut?.length ?? 0,
    ctx_in: ptr(o.ctxIn),
    ctx_out: ptr(ctxOut),
    flags: o.flags ?? 0,
    cpu: o.cpu ?? 0,
  });
  call('PROG_TEST_RUN', attr, object);
  const out = decode(TestRunAttr, attr);
  return {
    retval: out.retval | 0,
    duration: out.duration,
    dataOut: dataOut?.subarray(0, out.data_size_out),
    ctxOut: ctxOut?.subarray(0, out.ctx_size_out),
  };
}

export interface LinkCreateOptions {
  progFd: number;
  targetFd: number;
  attachType: number;
  flags?: number;
  targetBtfId?: number;
  cookie?: bigint;
}

export function linkCreate(o: LinkCreateOptions, object?: string): number {
  const attr = encode(LinkCreateAttr, {
    prog_fd: o.progFd,
    target_fd: o.targetFd,
    attach_type: o.attachType,
    flags: o.flags ?? 0,
    ...(o.cookie !== undefined ? { bpf_cookie: o.cookie } : { target_btf_id: o.targetBtfId ?? 0 }),
  });
  return call('LINK_CREATE', attr, object, 'tracing');
}

export function rawTracepointOpen(name: string | null, progFd: number, object?: string): number {
  const n = name === null ? undefined : cString(name);
  return call('RAW_TRACEPOINT_OPEN', encode(RawTracepointAttr, { name: ptr(n), prog_fd: progFd }), object, 'tracing');
}

/** OBJ_GET_INFO_BY_FD into `info`'s layout; `extra` lets callers point info fields at buffers. */
export function objGetInfo<F extends Fields>(fd: number, info: Layout<F>, object?: string, prepare?: (buf: Buffer) => void): Decoded<F> {
  const buf = Buffer.alloc(info.size);
  prepare?.(buf);
  call('OBJ_GET_INFO_BY_FD', encode(InfoAttr, { bpf_fd: fd, info_len: buf.length, info: ptr(buf) }), object);
  return decode(info, buf);
}

export function objPin(fd: number, path: string, object?: string): void {
  call('OBJ_PIN', encode(ObjPinAttr, { pathname: ptr(cString(path)), bpf_fd: fd }), `${object ?? 'object'} at ${path}`);
}

export function objGet(path: string, flags = 0): number {
  return call('OBJ_GET', encode(ObjPinAttr, { pathname: ptr(cString(path)), file_flags: flags }), `pinned object ${path}`);
}

type IdKind = 'PROG' | 'MAP' | 'LINK' | 'BTF';

/** Walks the kernel's ids of one object kind (for leak checks and tooling). */
export function nextId(kind: IdKind, start: number): number | undefined {
  const attr = encode(GetIdAttr, { id: start });
  const r = callAllowing(`${kind}_GET_NEXT_ID`, attr, undefined, [ENOENT]);
  return r < 0 ? undefined : decode(GetIdAttr, attr).next_id;
}

export function fdById(kind: IdKind, id: number): number | undefined {
  const r = callAllowing(`${kind}_GET_FD_BY_ID`, encode(GetIdAttr, { id }), `${kind.toLowerCase()} id ${id}`, [ENOENT]);
  return r < 0 ? undefined : r;
}

/** BPF_ENABLE_STATS(BPF_STATS_RUN_TIME): returns an fd; stats stay on while it is open. */
export function enableStats(): number {
  return call('ENABLE_STATS', encode(EnableStatsAttr, { type: 0 }), 'run-time statistics');
}

// Program types whose loading needs CAP_PERFMON or CAP_NET_ADMIN besides CAP_BPF.
const tracingTypes = new Set<number>(
  (['KPROBE', 'TRACEPOINT', 'PERF_EVENT', 'RAW_TRACEPOINT', 'RAW_TRACEPOINT_WRITABLE', 'TRACING', 'EXT', 'LSM'] as const).map((t) => ProgType[t]),
);
const networkTypes = new Set<number>(
  (['SCHED_CLS', 'SCHED_ACT', 'XDP', 'CGROUP_SKB', 'LWT_IN', 'LWT_OUT', 'LWT_XMIT', 'SOCK_OPS', 'SK_SKB', 'SK_MSG', 'LWT_SEG6LOCAL', 'FLOW_DISSECTOR'] as const).map((t) => ProgType[t]),
);

/** Closes a raw fd that never got an owner (error paths). */
export function closeFd(fd: number): void {
  libc.close(fd);
}
