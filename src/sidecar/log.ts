// The output envelope of the original tool, written with pino:
//   {"ts":"…Z","level":"INFO","msg":"exec","fields":{…}}
// `ts` comes first and may be given per line (an exec's kernel time): pino's
// timestamp hook (called per line, written first when the level chunk is
// empty) emits it; level and msg are written by us, in the original's order.
import pino from 'pino';
import { monotonicToWallNs, rfc3339Nano } from './clock.ts';
import { LineBuffer } from './line-buffer.ts';

export type Level = 'info' | 'warn' | 'error';

export interface EnvelopeLogger {
  log(level: Level, msg: string, fields?: Record<string, unknown>, ts?: string): void;
  /**
   * The hot path: an INFO "exec" line, same envelope, serialised with
   * JSON.stringify and written to pino's own destination (so it stays in
   * order with every other line) — pino's generic serialiser costs ~4× more
   * for an event with a long argv.
   */
  exec(fields: Record<string, unknown>, ts: string): void;
  /** A complete line (see format.ts's execLineJson), queued like exec(). */
  line(text: string): void;
  /** The queued lines' bytes: exec-line-bytes.ts appends to it directly. */
  readonly lines: LineBuffer;
  /** Writes the exec lines buffered so far. */
  endBatch(): void;
  /** Writes everything buffered; resolves when it is on its way to fd 1. */
  flush(): Promise<void>;
}

const LEVELS: Record<Level, string> = { info: 'INFO', warn: 'WARN', error: 'ERROR' };

export function nowTs(): string {
  return rfc3339Nano(monotonicToWallNs(process.hrtime.bigint()));
}

/**
 * Where the lines go, as bytes. The default is pino's asynchronous
 * destination (sonic-boom) in buffer mode. Exec lines are collected as bytes
 * (a LineBuffer) and handed to it once per drained batch (`endBatch`), or
 * before a diagnostic so the order holds: one write per batch, and nothing
 * encoded twice (in text mode sonic-boom would measure each string's byte
 * length twice and encode it again when writing).
 */
export interface ByteSink {
  write(chunk: Buffer): unknown;
  flush?(cb: (err?: Error | null) => void): void;
}

/** pino's destination (sonic-boom) in buffer mode, on a file descriptor or path. */
export function byteDestination(where: { fd: number } | { dest: string }, sync = false): ByteSink {
  // sonic-boom's typings only describe text mode; in buffer mode write() takes a Buffer.
  return pino.destination({ ...where, sync, contentMode: 'buffer' }) as unknown as ByteSink;
}

export function createLogger(dest: ByteSink = byteDestination({ fd: 1 })): EnvelopeLogger {
  const pending = new LineBuffer();
  const writePending = () => {
    if (!pending.empty) dest.write(pending.take());
  };
  // pino writes strings; the sink takes bytes (diagnostics are rare: no batching).
  const pinoStream = {
    write: (line: string) => dest.write(Buffer.from(line)),
    flush: (cb: (err?: Error | null) => void) => (dest.flush ? dest.flush(cb) : cb()),
  };
  const prefix = '{"ts":"';
  let ts: string | undefined;
  const p = pino(
    {
      base: null,
      timestamp: () => `"ts":"${ts ?? nowTs()}"`,
      // msg and level are part of our object, in their places; pino's own are unused.
      messageKey: '__pino_msg',
      formatters: { level: () => ({}) },
    },
    pinoStream as unknown as pino.DestinationStream,
  );
  return {
    log(level, msg, fields, at) {
      writePending();
      ts = at;
      const upper = LEVELS[level];
      p[level](fields === undefined ? { level: upper, msg } : { level: upper, msg, fields });
      ts = undefined;
    },
    line(text) {
      pending.append(text);
    },
    lines: pending,
    endBatch: writePending,
    exec(fields, at) {
      pending.append(`${prefix}${at}","level":"INFO","msg":"exec","fields":${JSON.stringify(fields)}}\n`);
    },
    flush() {
      writePending();
      return new Promise<void>((resolve) => p.flush(() => resolve()));
    },
  };
}
