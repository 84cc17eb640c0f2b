// The preview exec probe: a hand-assembled TRACEPOINT program on
// syscalls/sys_enter_execve that needs no compiler and no ELF loader. It
// reports the filename, pid, uid, gid and comm of each execve attempt; argv
// and namespace filtering come with the C program (bpf/) once the loader can
// load compiled objects.
import { Assembler, R, Helper, encode } from '../asm/index.ts';
import { BpfProgram } from '../prog/index.ts';
import { BpfMap } from '../map/index.ts';
import { RingBufferReader } from '../ringbuf/index.ts';
import { attachTracepoint, type Attachment } from '../link/index.ts';

/** ktime u64, pid_tgid u64, uid_gid u64, comm[16], filename[256] */
const RECORD_SIZE = 296;
const FILENAME_MAX = 256;

export interface PreviewExecEvent {
  ktimeNs: bigint;
  pid: number;
  uid: number;
  gid: number;
  comm: string;
  filename: string;
}

function cstr(b: Buffer, start: number, end: number): string {
  const nul = b.indexOf(0, start);
  return b.toString('utf8', start, nul < 0 || nul > end ? end : nul);
}

function program(ring: BpfMap): BpfProgram {
  const a = new Assembler()
    .mov64Reg(R.R6, R.R1)
    .call(Helper.ktime_get_ns)
    .stxDW(R.R10, -RECORD_SIZE, R.R0)
    .call(Helper.get_current_pid_tgid)
    .stxDW(R.R10, -RECORD_SIZE + 8, R.R0)
    .call(Helper.get_current_uid_gid)
    .stxDW(R.R10, -RECORD_SIZE + 16, R.R0)
    .mov64Reg(R.R1, R.R10)
    .add64Imm(R.R1, -RECORD_SIZE + 24)
    .mov64Imm(R.R2, 16)
    .call(Helper.get_current_comm)
    // args[0] (the filename pointer) sits at offset 16 of a syscall tracepoint's context.
    .ldxDW(R.R3, R.R6, 16)
    .mov64Reg(R.R1, R.R10)
    .add64Imm(R.R1, -FILENAME_MAX)
    .mov64Imm(R.R2, FILENAME_MAX)
    .call(Helper.probe_read_user_str)
    .ldMapFd(R.R1, ring.fd)
    .mov64Reg(R.R2, R.R10)
    .add64Imm(R.R2, -RECORD_SIZE)
    .mov64Imm(R.R3, RECORD_SIZE)
    .mov64Imm(R.R4, 0)
    .call(Helper.ringbuf_output)
    .mov64Imm(R.R0, 0)
    .exit();
  return BpfProgram.load({ type: 'TRACEPOINT', name: 'preview_execve', insns: encode(a.assemble()), license: 'GPL' });
}

export class PreviewExecProbe implements Disposable {
  readonly #ring: BpfMap;
  readonly #prog: BpfProgram;
  readonly #attachment: Attachment;
  readonly #reader: RingBufferReader;

  constructor() {
    this.#ring = BpfMap.create({ type: 'RINGBUF', keySize: 0, valueSize: 0, maxEntries: 4 * 1024 * 1024, name: 'preview_execs' });
    try {
      this.#prog = program(this.#ring);
      try {
        this.#attachment = attachTracepoint(this.#prog, 'syscalls', 'sys_enter_execve');
        this.#reader = new RingBufferReader(this.#ring);
      } catch (e) {
        this.#prog.close();
        throw e;
      }
    } catch (e) {
      this.#ring.close();
      throw e;
    }
  }

  /** Delivers events until close() or abort. */
  run(onEvent: (ev: PreviewExecEvent) => void, signal?: AbortSignal): Promise<void> {
    return this.#reader.consume((d, o) => {
      const pidTgid = d.readBigUInt64LE(o + 8);
      const uidGid = d.readBigUInt64LE(o + 16);
      onEvent({
        ktimeNs: d.readBigUInt64LE(o),
        pid: Number(pidTgid >> 32n),
        uid: Number(uidGid & 0xffffffffn),
        gid: Number(uidGid >> 32n),
        comm: cstr(d, o + 24, o + 40),
        filename: cstr(d, o + 40, o + RECORD_SIZE),
      });
    }, signal ? { signal } : {});
  }

  close(): void {
    this.#reader.close();
    this.#attachment.close();
    this.#prog.close();
    this.#ring.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}
