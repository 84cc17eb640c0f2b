// A loaded BPF program owned by this process.
import { sys, OwnedFd, abi } from '../syscall/index.ts';

const { ProgType, AttachType, ProgInfo } = abi;
export type ProgTypeName = abi.ProgTypeName;
export type AttachTypeName = abi.AttachTypeName;

export interface ProgramSpec {
  type: ProgTypeName | number;
  /** Up to 15 characters are kept by the kernel. */
  name: string;
  /** Encoded instructions (8 bytes per slot). */
  insns: Uint8Array;
  license?: string;
  expectedAttachType?: AttachTypeName | number;
  attachBtfId?: number;
  attachBtfObjFd?: number;
  flags?: number;
  kernVersion?: number;
  btfFd?: number;
  funcInfo?: { recSize: number; data: Buffer; count: number };
  lineInfo?: { recSize: number; data: Buffer; count: number };
  fdArray?: Int32Array;
  /** Ask for the verifier log even on success (1 or 2). */
  logLevel?: number;
  /** Initial verifier log buffer size; it grows on ENOSPC until the log fits. */
  logSize?: number;
}

function num<T extends Record<string, number>>(table: T, v: keyof T | number | undefined, what: string): number | undefined {
  if (v === undefined || typeof v === 'number') return v as number | undefined;
  const n = table[v];
  if (n === undefined) throw new Error(`unknown ${what} ${String(v)}`);
  return n;
}

export class BpfProgram extends OwnedFd {
  readonly name: string;
  readonly type: number;

  protected constructor(fd: number, name: string, type: number) {
    super(fd, 'program', `"${name}"`);
    this.name = name;
    this.type = type;
  }

  /** Loads the program; a rejected program throws a KernelError carrying the verifier log. */
  static load(spec: ProgramSpec): BpfProgram {
    const type = num(ProgType, spec.type, 'program type')!;
    const fd = sys.progLoad({
      type,
      name: spec.name,
      insns: spec.insns,
      license: spec.license ?? 'GPL',
      expectedAttachType: num(AttachType, spec.expectedAttachType, 'attach type'),
      attachBtfId: spec.attachBtfId,
      attachBtfObjFd: spec.attachBtfObjFd,
      flags: spec.flags,
      kernVersion: spec.kernVersion,
      btfFd: spec.btfFd,
      funcInfo: spec.funcInfo,
      lineInfo: spec.lineInfo,
      fdArray: spec.fdArray,
      logLevel: spec.logLevel,
      logSize: spec.logSize,
    });
    return new BpfProgram(fd, spec.name, type);
  }

  static fromFd(fd: number): BpfProgram {
    try {
      const info = sys.objGetInfo(fd, ProgInfo, `program fd ${fd}`);
      return new BpfProgram(fd, info.name, info.type);
    } catch (e) {
      sys.closeFd(fd);
      throw e;
    }
  }

  static fromPin(path: string): BpfProgram {
    return BpfProgram.fromFd(sys.objGet(path));
  }

  /** BPF_PROG_TEST_RUN: runs the program once (or `repeat` times) on the given input. */
  testRun(opts: sys.TestRunOptions = {}): sys.TestRunResult {
    return sys.progTestRun(this.fd, opts, `program ${this.label}`);
  }

  info(): abi.Decoded<typeof ProgInfo.fields> {
    return sys.objGetInfo(this.fd, ProgInfo, `program ${this.label}`);
  }

  pin(path: string): void {
    sys.objPin(this.fd, path, `program ${this.label}`);
  }
}
