// A loaded BPF program owned by this process.
import { sys, OwnedFd, abi } from '../syscall/index.ts';

const { ProgType, AttachType, ProgInfo } = abi;
export type ProgTypeName = abi.ProgTypeName;
export type AttachTypeName = abi.AttachTypeName;

/** What BPF_PROG_LOAD takes (see sys.ProgLoadOptions), with types and attach types also by name. */
export interface ProgramSpec extends Omit<sys.ProgLoadOptions, 'type' | 'license' | 'expectedAttachType'> {
  type: ProgTypeName | number;
  /** Default "GPL" (GPL-only helpers need a GPL-compatible license). */
  license?: string;
  expectedAttachType?: AttachTypeName | number;
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
      ...spec,
      type,
      license: spec.license ?? 'GPL',
      expectedAttachType: num(AttachType, spec.expectedAttachType, 'attach type'),
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
